/** Cellpose fine-tuning, the parts that need no tensor library (Cellpose 3.1 `train_seg`, spec §6). */
export { TRAIN_SEG_DEFAULTS, GUI_PRESET, TRAIN_LIMITS, trainConfig, validateTrainConfig, isValidationEpoch, type TrainConfig, type OptimizerKind } from './config';
export { learningRateSchedule } from './schedule';
export { FLOW_TARGET_SCALE, bceWithLogits, segmentationLoss, segmentationLossGradient, type LossParts } from './loss';
export { trainingTargets, cellposeDiameters, type TrainingTargets } from './targets';
export { drawAugmentation, inverseAffine, warpTrainingPair, randomRotateAndResize, type AugmentDraw, type AugmentSource, type AugmentedBatch } from './augment';
export { prepareTrainingSet, splitByImage, networkInput, MIN_TRAIN_DIAMETER, type TrainingItem, type PreparedImage, type SkippedImage, type TrainingSet, type PrepareOptions } from './data';
export { validationSummary, summaryJson, type EpochRecord, type TrainingSummary } from './history';
export { cpnetStateKeys, cpnetModuleVersions, readBatchesTracked, type StateKey } from './state-dict';
