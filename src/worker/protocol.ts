/**
 * Every message between the studio's UI thread and its training worker, both ways, as one typed
 * discriminated union per direction. Nothing else crosses the boundary: if a message is not here,
 * it does not exist. Arrays of numbers travel as Float32Array (structured clone, transferable).
 *
 * Requests that expect one reply carry a `requestId`; the reply echoes it. Everything else is a
 * fire-and-forget event. High-rate data (step metrics) is batched in the worker, never per step.
 */
import type { DatasetReport } from '../data/types.ts';
import type { ResNetArch } from '../engine/model/arch.ts';
import type { GazeLoss, Method, TrainConfig } from '../engine/train/config.ts';
import type { EpochRecord, LossValues } from '../engine/train/loop.ts';
import type { SplitMetrics } from '../engine/train/metrics.ts';
import type { CompareSummary } from '../engine/run/compare.ts';

export type { DatasetReport };

// ---------------------------------------------------------------------------------------------
// Capabilities: detected once, in the worker, and sent to the UI as one table.

/** The tfjs backends the worker can run on, fastest first. */
export type BackendName = 'webgpu' | 'webgl' | 'cpu';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  /** Empty in stock Chrome unless `--enable-webgpu-developer-features` is set. */
  description: string;
  isFallbackAdapter: boolean;
}

/** The adapter limits the engine sizes its work by (bytes or counts, as WebGPU names them). */
export interface AdapterLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}

export type WebGpuCapability =
  | { available: true; adapter: AdapterDescription; limits: AdapterLimits; features: string[] }
  /** `reason` says what was missing and what the user can do about it. */
  | { available: false; reason: string };

export interface Capabilities {
  webgpu: WebGpuCapability;
  /** WebGL2 through OffscreenCanvas inside the worker: the faster of the two fallbacks. */
  webgl2InWorker: boolean;
  hardwareConcurrency: number;
}

// ---------------------------------------------------------------------------------------------
// Training settings as the UI collects them: the fields of the engine's TrainConfig
// (src/engine/train/config.ts) that the studio exposes. The worker validates them with
// resolveConfig, whose errors name the field.

/** The engine's ResNet catalogue (src/engine/model/arch.ts), names as in run.json and the CLI. */
export type Architecture = ResNetArch;
export type GazeMethod = Method;
export type TrainSettings = Pick<
  TrainConfig,
  'arch' | 'size' | 'batch' | 'epochs' | 'lr' | 'lambda' | 'method' | 'loss' | 'optimizer' | 'seed' | 'augment'
>;
export type { CompareSummary, EpochRecord, GazeLoss, LossValues, SplitMetrics, TrainConfig };

// ---------------------------------------------------------------------------------------------
// Kernel self-test: runs the engine's camMaps + refineCams (forward, and the gradient with respect
// to the feature map) on the active backend so a test or a user can check the numbers.

export interface SelfTestCase {
  name: string;
  /** [B,h,w,C] */
  fmapShape: [number, number, number, number];
  fmapNhwc: Float32Array;
  /** [C,K] */
  fcWeightShape: [number, number];
  fcWeight: Float32Array;
  /** [H,W] */
  outSize: [number, number];
  /**
   * When present, also returns d/dfmap and d/dfcWeight of
   * sum(upstreamSigmoid * sigmoidCams) + sum(upstreamCams * cams), both [B,H,W,K].
   */
  gradient?: { upstreamSigmoid: Float32Array; upstreamCams: Float32Array };
}

export interface SelfTestCaseResult {
  name: string;
  /** [B,h,w,K] */
  cam: Float32Array;
  /** [B,H,W,K] */
  cams: Float32Array;
  /** [B,H,W,K] */
  sigmoidCams: Float32Array;
  /** [B,h,w,C], present when the case asked for a gradient */
  dFmap?: Float32Array;
  /** [C,K]: must be all zeros (the FC weight is detached) */
  dFcWeight?: Float32Array;
}

export interface WorkerDiagnostics {
  /** which build each DICOM codec loaded so far runs on */
  codecBuilds: Partial<Record<string, 'wasm' | 'asm.js'>>;
  /** tf.memory().numTensors: flat across steps when nothing leaks */
  numTensors: number;
  backend: string;
}

export interface SelfTestReport {
  backend: BackendName;
  cases: SelfTestCaseResult[];
  /** tf.memory().numTensors before and after: equal when nothing leaked */
  numTensorsBefore: number;
  numTensorsAfter: number;
  elapsedMs: number;
}

// ---------------------------------------------------------------------------------------------
// Training progress: posted every `logEvery` steps (the loop's only GPU->CPU sync points).

export interface TrainingProgress {
  /** 1-based */
  epoch: number;
  epochs: number;
  /** global step, 1-based */
  step: number;
  totalSteps: number;
  lr: number;
  /** mean losses since the previous progress message */
  loss: LossValues;
  imagesPerSec: number;
  etaSec: number | null;
}

/**
 * One validation image of the CAM overlay panel at `size` px, composed in the worker
 * (worker/heat_layers.ts): the X-ray, and heat layers the UI draws over it. ImageBitmaps travel in
 * the message's transfer list, so the UI thread neither copies nor colour-maps pixels.
 */
export interface CamFrameItem {
  /** index into the validation split */
  valIndex: number;
  id: string;
  label: string;
  predicted: string;
  /** softmax, in class order */
  probs: number[];
  size: number;
  /** the X-ray, opaque grey */
  image: ImageBitmap;
  /** the gaze map as a heat layer (alpha = heat); null without gaze */
  gaze: ImageBitmap | null;
  /** refined CAM (min-max normalised) per class as heat layers, in class order */
  cams: ImageBitmap[];
}

export type TrainingOutcome = 'done' | 'stopped' | 'failed';

/** One draw of the augmentation preview: the training image and its gaze map under the same transform. */
export interface AugmentPreviewItem {
  size: number;
  image: ImageBitmap;
  /** the moved gaze map as a heat layer; null when the image has no gaze */
  gaze: ImageBitmap | null;
}

/** "Compare methods": each method (`gazecam compare`'s `method[:loss][+augment]`) x seed as one run. */
export interface CompareRequest {
  settings: TrainSettings;
  methods: string[];
  /** seeds settings.seed, settings.seed + 1, ... */
  seeds: number;
}

export interface CompareProgress {
  /** 1-based run in progress (0 while the images are prepared) */
  run: number;
  total: number;
  method: string | null;
  seed: number | null;
  step: number;
  totalSteps: number;
  phase: 'preparing' | 'training';
}

/** An interrupted run that can be resumed from its last checkpoint. */
export interface SavedRunSummary {
  savedAt: string;
  datasetSource: DatasetSource;
  datasetName: string;
  datasetImages: number;
  /** a folder run whose preprocessed images this browser kept: it resumes without the folder */
  datasetStored: boolean;
  arch: string;
  size: number;
  /** epochs completed and steps into the current one at the checkpoint */
  epoch: number;
  epochs: number;
  globalStep: number;
}

/** What an imported safetensors file means for the next run, in the user's terms. */
export type WeightsImportReport =
  | {
      ok: true;
      fileName: string;
      tensors: number;
      /** true when only the classifier differs (another class count): it starts fresh */
      freshClassifier: boolean;
      /** the architecture and class count it was checked against */
      checkedAgainst: string;
    }
  | { ok: false; fileName: string; message: string; mismatches: string[] };

// ---------------------------------------------------------------------------------------------
// UI -> worker

export type DatasetSource = 'folder' | 'demo';

export interface SampleSummary {
  id: string;
  imagePath: string;
  label: string;
  split: 'train' | 'val' | 'test';
  hasGaze: boolean;
}

/** One decoded sample at thumbnail size, composed in the worker like a CamFrameItem (transferred). */
export type Thumbnail =
  | {
      index: number;
      size: number;
      /** the X-ray after the studio's preprocessing geometry, opaque grey */
      image: ImageBitmap;
      /** the gaze map under the same geometry as a heat layer (alpha = heat); null without gaze */
      gaze: ImageBitmap | null;
    }
  | { index: number; error: string };

/** A file from a dropped or picked folder, with its path below the folder the user chose. */
export interface DatasetFile {
  /** e.g. "my-dataset/images/opacity/0001.png" (forward slashes) */
  path: string;
  file: File;
}

export type ToWorker =
  /** Detect capabilities (once) and start tfjs on `backend`. Replies: capabilities, then backendReady or backendFailed. */
  | { type: 'init'; backend: BackendName }
  | { type: 'selfTest'; requestId: number; cases: SelfTestCase[] }
  /** Internals for tests and devtools. Reply: diagnosticsResult. */
  | { type: 'diagnostics'; requestId: number }
  | { type: 'loadDataset'; files: DatasetFile[] }
  | { type: 'loadDemoDataset' }
  /** Decode samples of the current dataset at `size` px for the thumbnail grid. Reply: thumbnails. */
  | { type: 'loadThumbnails'; datasetId: number; indices: number[]; size: number }
  | { type: 'startTraining'; settings: TrainSettings }
  | { type: 'pauseTraining' }
  | { type: 'resumeTraining' }
  | { type: 'stopTraining' }
  /** Bundle the current model for download. Reply: exportReady or exportFailed. */
  | { type: 'exportWeights' }
  /** Check a safetensors file against `settings` and keep it to start the next run from. Reply: weightsImported. */
  | { type: 'importWeights'; file: File; settings: TrainSettings }
  | { type: 'clearImportedWeights' }
  /** One training image drawn `count` times as training would. Reply: augmentPreview. */
  | { type: 'augmentPreview'; settings: TrainSettings; count: number }
  /** Methods x seeds one after another on the loaded dataset. Replies: compareProgress, compareFinished. */
  | { type: 'startCompare'; request: CompareRequest }
  | { type: 'stopCompare' }
  /** Continue the interrupted run from its saved checkpoint (see savedRun). */
  | { type: 'resumeSavedRun' }
  | { type: 'discardSavedRun' }
  /**
   * Test hook: destroys the worker's GPUDevice and reports it as a lost device, so the studio's
   * recovery can be exercised without a driver reset. Harmless outside tests: the studio replaces
   * the worker and offers to resume, exactly as after a real loss.
   */
  | { type: 'debugLoseDevice' }
  /**
   * Test hook: overwrites the classifier weights of the run in progress with NaN before its next
   * step, so the loop's NaN/Inf guard can be exercised in the browser. A real divergence is not
   * reachable from the studio's settings on the demo (SGD at lr 1 with gaze weight 100 stays finite
   * over an epoch: the losses are computed in numerically stable forms). Harmless outside tests: it
   * ends the run as a divergence would, keeping the last good checkpoint.
   */
  | { type: 'debugCorruptWeights' };

// ---------------------------------------------------------------------------------------------
// worker -> UI

export type FromWorker =
  | { type: 'capabilities'; capabilities: Capabilities }
  | { type: 'backendReady'; backend: BackendName; initMs: number }
  | { type: 'backendFailed'; backend: BackendName; message: string }
  /** The GPU device went away (driver reset, tab in background too long, ...). */
  | { type: 'deviceLost'; message: string }
  | { type: 'selfTestResult'; requestId: number; report: SelfTestReport }
  | { type: 'diagnosticsResult'; requestId: number; diagnostics: WorkerDiagnostics }
  /** A dataset scan began (`fileCount` files handed over) / finished / could not be read at all. */
  | { type: 'datasetLoading'; source: DatasetSource; fileCount: number }
  | {
      type: 'datasetLoaded';
      source: DatasetSource;
      /** increases with every successful scan; thumbnails carry it so stale ones are dropped */
      datasetId: number;
      name: string;
      report: DatasetReport;
      /** one row per usable sample, in the dataset's order (indices address samples below) */
      samples: SampleSummary[];
      scanMs: number;
    }
  | { type: 'thumbnails'; datasetId: number; thumbnails: Thumbnail[] }
  | { type: 'datasetFailed'; source: DatasetSource; message: string }
  /** Decoding and resizing the dataset to the training size, before the first step. */
  | { type: 'trainingPreparing'; done: number; total: number }
  | {
      type: 'trainingStarted';
      config: TrainConfig;
      classNames: string[];
      stepsPerEpoch: number;
      totalSteps: number;
      /** epochs finished before the checkpoint a resumed run starts from; empty for a fresh run */
      history: EpochRecord[];
    }
  | { type: 'trainingProgress'; progress: TrainingProgress }
  | { type: 'trainingEpoch'; record: EpochRecord }
  /** The loop has finished its step in flight and is holding (sent once per pause). */
  | { type: 'trainingPaused' }
  | { type: 'camFrame'; step: number; classNames: string[]; items: CamFrameItem[] }
  | { type: 'trainingFinished'; outcome: TrainingOutcome; message: string; test: SplitMetrics | null }
  /** The zip as a Blob built in the worker: it crosses as a handle, and the UI thread copies no bytes. */
  | { type: 'exportReady'; fileName: string; blob: Blob; files: string[] }
  | { type: 'exportFailed'; message: string }
  | { type: 'weightsImported'; report: WeightsImportReport }
  | { type: 'augmentPreview'; sampleId: string; items: AugmentPreviewItem[] }
  | { type: 'augmentPreviewFailed'; message: string }
  | { type: 'compareProgress'; progress: CompareProgress }
  | {
      type: 'compareFinished';
      outcome: TrainingOutcome;
      message: string;
      summary: CompareSummary | null;
      /** compare.md's text, for a copy of the table */
      markdown: string | null;
      /** the same chart as compare.png */
      chart: ImageBitmap | null;
    }
  /** The interrupted run kept in this browser (sent after init, and whenever it changes); null: none. */
  | { type: 'savedRun'; run: SavedRunSummary | null }
  /** Anything that went wrong, with what to do next. `requestId` when it answers a request. */
  | { type: 'error'; message: string; requestId?: number };

export type ToWorkerType = ToWorker['type'];
export type FromWorkerType = FromWorker['type'];
