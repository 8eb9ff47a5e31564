export { normalSf, normalCdf, erfc } from './normal';
export { logGamma, gammaFunction, regularizedGammaP, regularizedGammaQ, chiSquareSf } from './gamma';
export { averageRanks, groupRankSums, type RankSums } from './ranks';
export {
	mannWhitneyU,
	mannWhitneyExactSf,
	type MannWhitneyMethod,
	type MannWhitneyOptions,
	type MannWhitneyResult
} from './mann-whitney';
export { kruskalWallis, type KruskalResult } from './kruskal';
export { holmAdjust } from './holm';
export {
	median,
	percentileSorted,
	cliffsDelta,
	medianDifference,
	hodgesLehmann,
	bootstrapMedianDifference,
	type BootstrapOptions,
	type BootstrapInterval
} from './effect-size';
export {
	aggregateByImage,
	type AggregateStatistic,
	type AggregateOptions,
	type CellValues,
	type ImageGroup
} from './aggregate';
export {
	compareGroups,
	type GroupValues,
	type CompareOptions,
	type GroupSummary,
	type PairEffect,
	type PairwiseRow,
	type Comparison
} from './compare';
