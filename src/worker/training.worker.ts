/**
 * The studio's training worker. The engine runs here, on its own WebGPU device, so the UI thread
 * only renders. This file is the message switch: each case hands off to a module that does the work
 * and posts results back through `post`, typed by protocol.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { loadedCodecBuilds } from '../data/index.ts';
import { errorText, loseDeviceOnPurpose, startBackend } from './backend.ts';
import { detectCapabilities } from './capabilities.ts';
import { configureBrowserCodecs } from './codecs.ts';
import { datasetFingerprint, loadDemo, loadFolder, type LoadedDataset } from './dataset.ts';
import type { BackendName, DatasetSource, FromWorker, ToWorker } from './protocol.ts';
import { renderAugmentPreview } from './augment_preview.ts';
import { CompareSession } from './compare_session.ts';
import { runSelfTest } from './self_test.ts';
import { renderThumbnails } from './thumbnails.ts';
import { runStore } from './run_store.ts';
import { summariseSavedRun, TrainingSession } from './training_session.ts';
import { checkImportedWeights } from './import_weights.ts';

/** The parts of DedicatedWorkerGlobalScope we use (tsconfig's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;
configureBrowserCodecs();

/**
 * Pictures go in the transfer list: an ImageBitmap moves to the UI thread without a copy, where a
 * cloned one would be serialised pixel by pixel on both threads.
 */
function transferables(message: FromWorker): Transferable[] {
  switch (message.type) {
    case 'camFrame':
      return message.items.flatMap((item) => [item.image, ...(item.gaze ? [item.gaze] : []), ...item.cams]);
    case 'thumbnails':
      return message.thumbnails.flatMap((t) => ('image' in t ? [t.image, ...(t.gaze ? [t.gaze] : [])] : []));
    case 'augmentPreview':
      return message.items.flatMap((item) => [item.image, ...(item.gaze ? [item.gaze] : [])]);
    case 'compareFinished':
      return message.chart ? [message.chart] : [];
    default:
      return [];
  }
}

function post(message: FromWorker): void {
  scope.postMessage(message, transferables(message));
}

/**
 * Settles when the backend asked for by the latest `init` has started (or failed). Set as soon as
 * `init` arrives, so requests sent right behind it (a replaced worker gets init, the dataset and
 * the imported weights in one go) wait for the backend instead of finding none.
 */
let backendStarted: Promise<BackendName> | undefined;

async function init(backend: BackendName): Promise<void> {
  const started = performance.now();
  const detected = detectCapabilities();
  backendStarted = detected.then(async (capabilities) => {
    // tfjs would find no adapter either; say why once, in the capability table's words.
    if (backend === 'webgpu' && !capabilities.webgpu.available) throw new Error(capabilities.webgpu.reason);
    await startBackend(backend, {
      onDeviceLost: (message) => post({ type: 'deviceLost', message }),
      onUncapturedError: (message) => post({ type: 'error', message: `WebGPU error: ${message}` }),
    });
    return backend;
  });
  backendStarted.catch(() => {});
  const capabilities = await detected;
  post({ type: 'capabilities', capabilities });
  try {
    await backendStarted;
    post({ type: 'backendReady', backend, initMs: performance.now() - started });
  } catch (err) {
    post({ type: 'backendFailed', backend, message: errorText(err) });
    if (backend === 'webgpu' && !capabilities.webgpu.available) return;
  }
  await announceSavedRun();
}

/** Tells the UI about an interrupted run kept in this browser, if any. */
async function announceSavedRun(): Promise<void> {
  try {
    const saved = await runStore.load();
    post({ type: 'savedRun', run: saved ? summariseSavedRun(saved) : null });
  } catch (err) {
    post({ type: 'error', message: `Could not read the saved run from this browser's storage: ${errorText(err)}` });
  }
}

/**
 * Continues the interrupted run: a folder run on the arrays it kept in this browser, whatever
 * folder is loaded now (they are exactly what it trained on); else the demo regenerated, or the
 * folder loaded again by the user.
 */
async function resumeSavedRun(refuse: (why: string) => void): Promise<void> {
  const saved = await runStore.load();
  if (!saved) return refuse('There is no saved run to resume.');
  if (saved.datasetSource === 'folder' && saved.dataStored && saved.runId) {
    const stored = await runStore.loadData();
    if (stored?.runId === saved.runId) {
      void training.run({ resume: saved.checkpoint, runId: saved.runId }, { kind: 'stored', stored });
      return;
    }
  }
  if (saved.datasetSource === 'demo' && currentDataset?.source !== 'demo') {
    await ingest('demo', 0, loadDemo);
  }
  if (!currentDataset || currentDataset.name !== saved.datasetName || currentDataset.report.images !== saved.datasetImages) {
    return refuse(
      `The saved run was trained on the folder "${saved.datasetName}" (${saved.datasetImages} images). ` +
        'Drop or pick that folder again, then resume.',
    );
  }
  if (saved.datasetFingerprint && saved.datasetFingerprint !== (await datasetFingerprint(currentDataset))) {
    return refuse(
      `The folder "${saved.datasetName}" loaded now differs from the one the run was trained on (a file was added, removed, ` +
        'renamed or changed size). Load the original folder to resume, or discard the saved run.',
    );
  }
  void training.run({ resume: saved.checkpoint, runId: saved.runId }, { kind: 'scanned', loaded: currentDataset });
}

async function activeBackend(): Promise<BackendName> {
  if (!backendStarted) throw new Error('The worker has no backend yet: send {type: "init"} first.');
  return backendStarted;
}

const training = new TrainingSession(post);
const compare = new CompareSession(post);

/** The dataset training will use; replaced only when a new scan succeeds. */
let currentDataset: LoadedDataset | undefined;
let currentDatasetId = 0;

/** The scan in progress, if any: an import checks the class count against the dataset it brings. */
let ingestion: Promise<void> = Promise.resolve();

function ingest(source: DatasetSource, fileCount: number, load: () => Promise<LoadedDataset>): Promise<void> {
  ingestion = scanAndReport(source, fileCount, load);
  return ingestion;
}

async function scanAndReport(source: DatasetSource, fileCount: number, load: () => Promise<LoadedDataset>): Promise<void> {
  post({ type: 'datasetLoading', source, fileCount });
  const started = performance.now();
  try {
    currentDataset = await load();
  } catch (err) {
    post({ type: 'datasetFailed', source, message: errorText(err) });
    return;
  }
  const { name, report, dataset } = currentDataset;
  const samples = dataset.samples.map((s) => ({
    id: s.id,
    imagePath: s.imagePath,
    label: s.label,
    split: s.split,
    hasGaze: s.gaze !== undefined,
  }));
  const datasetId = ++currentDatasetId;
  post({ type: 'datasetLoaded', source, datasetId, name, report, samples, scanMs: performance.now() - started });
}

/**
 * Thumbnails go out in small batches: the grid fills progressively, and each batch is a short
 * render on the UI thread rather than one long one. A dataset replaced meanwhile stops the work.
 */
const THUMBNAILS_PER_MESSAGE = 6;

async function thumbnails(datasetId: number, indices: number[], size: number): Promise<void> {
  for (let start = 0; start < indices.length; start += THUMBNAILS_PER_MESSAGE) {
    if (!currentDataset || datasetId !== currentDatasetId) return;
    const rendered = await renderThumbnails(currentDataset, indices.slice(start, start + THUMBNAILS_PER_MESSAGE), size);
    post({ type: 'thumbnails', datasetId, thumbnails: rendered });
  }
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      return init(message.backend);
    case 'selfTest': {
      await activeBackend();
      const report = await runSelfTest(message.cases);
      return post({ type: 'selfTestResult', requestId: message.requestId, report });
    }
    case 'diagnostics':
      return post({
        type: 'diagnosticsResult',
        requestId: message.requestId,
        diagnostics: { codecBuilds: loadedCodecBuilds(), numTensors: tf.memory().numTensors, backend: tf.getBackend() },
      });
    case 'loadDataset':
      return ingest('folder', message.files.length, () => loadFolder(message.files));
    case 'loadDemoDataset':
      return ingest('demo', 0, loadDemo);
    case 'loadThumbnails':
      return thumbnails(message.datasetId, message.indices, message.size);
    case 'startTraining': {
      const refuse = (why: string) => post({ type: 'trainingFinished', outcome: 'failed', message: why, test: null });
      try {
        await activeBackend();
      } catch (err) {
        return refuse(`No backend to train on: ${errorText(err)}`);
      }
      if (!currentDataset) return refuse('Load a dataset first: drop a folder or use "Load demo dataset".');
      if (training.isRunning) return refuse('A training run is already in progress: stop it first.');
      if (compare.isRunning) return refuse('A comparison of methods is running: stop it first.');
      // Not awaited: the run lasts minutes and the worker must keep answering pause and stop.
      void training.run({ settings: message.settings }, { kind: 'scanned', loaded: currentDataset });
      return;
    }
    case 'pauseTraining':
      return training.pause();
    case 'resumeTraining':
      return training.resume();
    case 'stopTraining':
      return training.stop();
    case 'exportWeights': {
      try {
        const { fileName, bytes, files } = await training.exportBundle();
        post({ type: 'exportReady', fileName, files, blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }) });
      } catch (err) {
        post({ type: 'exportFailed', message: errorText(err) });
      }
      return;
    }
    case 'importWeights': {
      try {
        await activeBackend();
        await ingestion;
        const classes = currentDataset ? currentDataset.dataset.classNames.length : null;
        const { report, weights } = await checkImportedWeights(message.file, message.settings, classes);
        if (weights) training.initWeights = weights;
        return post({ type: 'weightsImported', report });
      } catch (err) {
        const report = { ok: false as const, fileName: message.file.name, message: errorText(err), mismatches: [] };
        return post({ type: 'weightsImported', report });
      }
    }
    case 'augmentPreview':
      try {
        await ingestion;
        if (!currentDataset) throw new Error('Load a dataset first: drop a folder or use "Load demo dataset".');
        const preview = await renderAugmentPreview(currentDataset, message.settings, message.count);
        return post({ type: 'augmentPreview', sampleId: preview.id, items: preview.items });
      } catch (err) {
        return post({ type: 'augmentPreviewFailed', message: errorText(err) });
      }
    case 'startCompare': {
      const refuse = (why: string) => post({ type: 'compareFinished', outcome: 'failed', message: why, summary: null, markdown: null, chart: null });
      try {
        await activeBackend();
      } catch (err) {
        return refuse(`No backend to train on: ${errorText(err)}`);
      }
      if (!currentDataset) return refuse('Load a dataset first: drop a folder or use "Load demo dataset".');
      if (training.isRunning || compare.isRunning) return refuse('Training is in progress: stop it before comparing methods.');
      // Not awaited, like a training run: stop must get through.
      void compare.run(message.request, currentDataset);
      return;
    }
    case 'stopCompare':
      return compare.stop();
    case 'clearImportedWeights':
      training.initWeights = null;
      return;
    case 'resumeSavedRun': {
      const refuse = (why: string) => post({ type: 'trainingFinished', outcome: 'failed', message: why, test: null });
      if (training.isRunning) return refuse('A training run is already in progress.');
      try {
        await activeBackend();
        return await resumeSavedRun(refuse);
      } catch (err) {
        return refuse(`Could not resume: ${errorText(err)}`);
      }
    }
    case 'discardSavedRun':
      await runStore.clear();
      return post({ type: 'savedRun', run: null });
    case 'debugCorruptWeights':
      return training.corruptWeightsBeforeNextStep();
    case 'debugLoseDevice':
      await activeBackend();
      return loseDeviceOnPurpose();
    default: {
      const exhaustive: never = message;
      throw new Error(`Unknown message ${JSON.stringify(exhaustive)}`);
    }
  }
}

scope.addEventListener('message', (event) => {
  const message = event.data;
  handle(message).catch((err: unknown) => {
    const requestId = 'requestId' in message ? message.requestId : undefined;
    post({ type: 'error', message: `${message.type}: ${errorText(err)}`, requestId });
  });
});
