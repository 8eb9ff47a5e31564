/** SAM 2.1 box prompts: frame geometry, encoder input, decoder output → new cell. */
export * from './prompt';
export * from './preprocess';
export * from './postprocess';
