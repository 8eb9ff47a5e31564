/** Segmentation parameter search on annotated images (cached network output, staged dynamics). */
export {
	CELLPOSE_DEFAULT_SETTING,
	ORIGINAL_FIRST_TRIAL,
	MAX_SETTINGS,
	steps,
	originalSearchSpace,
	defaultSearchSpace,
	diameterCandidates,
	minSizeCandidates,
	truthDiameter,
	normalizeSearchSpace,
	searchSpaceSize,
	settingKey,
	type SearchSetting,
	type SearchSpace
} from './space';
export { SEARCH_IOU_THRESHOLDS, compareRows, bestRow, rankRows, type SearchRow, type CachedFlows } from './score';
export {
	searchParameters,
	searchDynamics,
	type SearchResult,
	type SearchOptions,
	type SearchImage,
	type SearchProgress,
	type SearchStrategy,
	type SearchPreset,
	type SearchFixedParams,
	type DynamicsOptions
} from './search';
export { checkFlows, flowStage, flowQcRemovedCount, applyFlowQc, finishMasks, type FlowStage } from './stages';
export { searchRowsToHyperparameters, searchCsv } from './csv';
export { searchSurface, type SearchSurface, type SurfaceAxis } from './surface';
export type { SearchApi, SearchRequest, SearchReply, SearchModelRef, SearchWorkerOptions } from './api';
