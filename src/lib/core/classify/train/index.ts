export * from './config';
export * from './split';
export * from './balance';
export * from './augment';
export * from './early-stopping';
export * from './history';
export * from './model-metadata';
export * from './dataset';
