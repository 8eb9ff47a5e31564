/** Label editing: pure operations that return an `Edit` (dirty rect + before/after patches). */
export * from './rect';
export * from './edit';
export * from './components';
export * from './select';
export { cellRect } from './cell-index';
export * from './paint';
export * from './polygon';
export * from './new-cell';
export * from './merge';
export * from './split';
export * from './delete';
export * from './fill-holes';
export * from './remove-small';
export * from './renumber';
export { MAX_ID, resolveNextId, type WriteMode } from './patch';
export { labelIds, countLabels } from './count';
