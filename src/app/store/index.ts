/**
 * The studio's one store. `createStudioStore` binds the slices to a worker port; `routeFromWorker`
 * turns each worker message into the store action that owns it (the only place that knows both).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FromWorker } from '../../worker/protocol.ts';
import { createCompareSlice } from './compare_slice.ts';
import { createDatasetSlice } from './dataset_slice.ts';
import { createGallerySlice } from './gallery_slice.ts';
import { createGpuSlice } from './gpu_slice.ts';
import { createNoticesSlice } from './notices_slice.ts';
import { createSettingsSlice } from './settings_slice.ts';
import { createTrainingSlice } from './training_slice.ts';
import { createWeightsSlice } from './weights_slice.ts';
import type { StudioState, WorkerPort } from './types.ts';

export type StudioStore = StoreApi<StudioState>;
export type { StudioState, WorkerPort } from './types.ts';

export function createStudioStore(port: WorkerPort): StudioStore {
  return createStore<StudioState>()((...a) => ({
    ...createGpuSlice(port)(...a),
    ...createDatasetSlice(port)(...a),
    ...createGallerySlice(port)(...a),
    ...createSettingsSlice(port)(...a),
    ...createTrainingSlice(port)(...a),
    ...createWeightsSlice(port)(...a),
    ...createNoticesSlice(port)(...a),
    ...createCompareSlice(port)(...a),
  }));
}

/** Applies one worker message to the store. Request/response replies are the client's, not ours. */
export function routeFromWorker(store: StudioStore, message: FromWorker): void {
  const s = store.getState();
  switch (message.type) {
    case 'capabilities':
      s.capabilitiesDetected(message.capabilities);
      return s.applyDeviceDefaults(message.capabilities);
    case 'backendReady':
      return s.backendReady(message.backend, message.initMs);
    case 'backendFailed':
      return s.backendFailed(message.backend, message.message);
    case 'deviceLost':
      return s.deviceLost(message.message);
    case 'trainingPreparing':
      return s.preparingReceived(message.done, message.total);
    case 'trainingStarted':
      return s.trainingStarted(message.config, message.classNames, message.history);
    case 'trainingProgress':
      return s.progressReceived(message.progress);
    case 'trainingPaused':
      return s.trainingPaused();
    case 'trainingEpoch':
      return s.epochReceived(message.record);
    case 'camFrame':
      return s.camFrameReceived({ step: message.step, classNames: message.classNames, items: message.items });
    case 'trainingFinished':
      s.trainingFinished(message.outcome, message.message, message.test);
      if (message.outcome === 'failed') s.notify('error', `Training failed: ${message.message}`);
      return;
    case 'error':
      if (message.requestId === undefined) s.notify('error', message.message);
      return;
    case 'datasetLoading':
      return s.datasetLoading(message.source, message.fileCount);
    case 'datasetLoaded': {
      const { type: _type, ...loaded } = message;
      s.datasetLoaded(loaded);
      return s.resetGallery();
    }
    case 'thumbnails':
      return s.thumbnailsReceived(message.datasetId, message.thumbnails);
    case 'datasetFailed':
      return s.datasetFailed(message.source, message.message);
    case 'exportReady':
      return s.exportReady(message.fileName, message.files, message.blob.size);
    case 'exportFailed':
      return s.exportFailed(message.message);
    case 'weightsImported':
      return s.weightsImported(message.report);
    case 'savedRun':
      return s.savedRunReceived(message.run);
    case 'augmentPreview':
      return s.augmentPreviewReceived(message.sampleId, message.items);
    case 'augmentPreviewFailed':
      return s.augmentPreviewFailed(message.message);
    case 'compareProgress':
      return s.compareProgressReceived(message.progress);
    case 'compareFinished':
      s.compareFinished(message.outcome, message.message, message.summary, message.markdown, message.chart);
      if (message.outcome === 'failed') s.notify('error', `Comparison failed: ${message.message}`);
      return;
    case 'selfTestResult':
    case 'diagnosticsResult':
      return;
    default: {
      const exhaustive: never = message;
      throw new Error(`Unrouted worker message ${JSON.stringify(exhaustive)}`);
    }
  }
}
