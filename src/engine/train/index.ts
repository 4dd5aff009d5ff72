/** Training: config, data preparation, losses, the step and the loop, metrics, checkpoints. */
export * from './config.ts';
export { prepareTrainData, loadSamples, makeBatch, disposeBatch, normaliseImages } from './data.ts';
export type { Batch, SplitData, TrainData } from './data.ts';
export { crossEntropy, camGazeLoss, gazeHeadLoss, trueClassMap } from './losses.ts';
export { Optimizer, learningRateAt } from './optimizer.ts';
export { drawAugmentation, type AugmentDraw } from './augment.ts';
export { computeLosses, trainStep } from './step.ts';
export type { StepLosses } from './step.ts';
export { evaluateSplit, paddedBatches } from './evaluate.ts';
export type { Predictions } from './evaluate.ts';
export { MetricsAccumulator, rocAuc, pearson, massInTopGaze } from './metrics.ts';
export type { SplitMetrics } from './metrics.ts';
export { saveCheckpoint, restoreCheckpoint, readCheckpointMeta } from './checkpoint.ts';
export type { CheckpointMeta } from './checkpoint.ts';
export { runTraining, createModelFor, epochOrder, TrainingDivergedError } from './loop.ts';
export type { EpochRecord, LossValues, RunControl, RunResult, TrainEvent } from './loop.ts';
