/**
 * What this worker build can actually do. Each entry flips to `{ available: true }` in the same
 * change that wires the engine piece into training.worker.ts; until then the UI shows the reason
 * next to a disabled control. Keep the reasons user-facing.
 */
import type { EngineFeatures } from './protocol.ts';

export const ENGINE_FEATURES: EngineFeatures = {
  datasetIngestion: { available: true },
  demoDataset: { available: true },
  training: { available: true },
  weightsExport: { available: true },
  weightsImport: { available: true },
};
