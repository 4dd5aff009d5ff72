import { describe, expect, it } from 'vitest';
import type { Capabilities, ToWorker } from '../../worker/protocol.ts';
import { adapterLabel, fallbackBackend } from './gpu_slice.ts';
import { createStudioStore, routeFromWorker } from './index.ts';
import { nextCamFrame, progressPercent, type CamFrame } from './training_slice.ts';

function harness() {
  const sent: ToWorker[] = [];
  let replaced = 0;
  const store = createStudioStore({ post: (m) => sent.push(m), replaceWorker: () => replaced++ });
  return { store, sent, s: () => store.getState(), workersReplaced: () => replaced };
}

const LIMITS = {
  maxBufferSize: 1 << 28,
  maxStorageBufferBindingSize: 1 << 27,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBuffersPerShaderStage: 8,
};

function gpuCapabilities(architecture: string, description = ''): Capabilities {
  return {
    webgpu: {
      available: true,
      adapter: { vendor: 'google', architecture, device: '', description, isFallbackAdapter: false },
      limits: LIMITS,
      features: [],
    },
    webgl2InWorker: true,
    hardwareConcurrency: 2,
  };
}

describe('studio store', () => {
  it('starts a backend by asking the worker, and records the outcome', () => {
    const { store, sent, s } = harness();
    s().startBackend('webgpu');
    expect(sent).toEqual([{ type: 'init', backend: 'webgpu' }]);
    expect(s().backend).toEqual({ state: 'starting', backend: 'webgpu' });
    routeFromWorker(store, { type: 'backendReady', backend: 'webgpu', initMs: 12 });
    expect(s().backend).toEqual({ state: 'ready', backend: 'webgpu', initMs: 12 });
  });

  it('replaces the worker after a lost device and hands it the backend and the dataset again', () => {
    const { store, sent, s, workersReplaced } = harness();
    s().startBackend('webgpu');
    routeFromWorker(store, { type: 'backendReady', backend: 'webgpu', initMs: 12 });
    const files = [{ path: 'set/images/a/1.png', file: new File([new Uint8Array(4)], '1.png') }];
    s().loadFolder(files);
    routeFromWorker(store, { type: 'datasetLoaded', source: 'folder', datasetId: 1, name: 'set', report: {} as never, samples: [], scanMs: 1 });
    const weights = new File([new Uint8Array(8)], 'resnet18.safetensors');
    s().importWeights(weights);
    const report = { ok: true as const, fileName: weights.name, tensors: 1, freshClassifier: false, checkedAgainst: 'resnet18 with 2 classes' };
    routeFromWorker(store, { type: 'weightsImported', report });
    s().startTraining();
    routeFromWorker(store, { type: 'savedRun', run: null });
    sent.length = 0;

    routeFromWorker(store, { type: 'deviceLost', message: 'unknown: reset' });
    expect(workersReplaced()).toBe(1);
    // The new worker gets everything the old one held: backend, dataset, imported weights.
    expect(sent).toEqual([
      { type: 'init', backend: 'webgpu' },
      { type: 'loadDataset', files },
      { type: 'importWeights', file: weights, settings: s().settings },
    ]);
    expect(s().backend).toEqual({ state: 'starting', backend: 'webgpu' });
    expect(s().trainingStatus).toBe('idle');
    expect(s().lastOutcome).toMatchObject({ outcome: 'failed', message: expect.stringContaining('GPU device was lost') });
    expect(s().notices.at(-1)).toMatchObject({ level: 'error', text: expect.stringContaining('Resume training') });
  });

  it('stops replacing workers when the device keeps getting lost, and asks for a reload', () => {
    const { store, s, workersReplaced } = harness();
    s().startBackend('webgpu');
    for (let i = 0; i < 5; i++) routeFromWorker(store, { type: 'deviceLost', message: 'unknown: reset' });
    expect(workersReplaced()).toBe(3);
    expect(s().backend.state).toBe('lost');
    expect(s().notices.at(-1)?.text).toMatch(/Reload the page/);
  });

  it('scales default settings to the device until the user edits one', () => {
    const { store, s } = harness();
    routeFromWorker(store, { type: 'capabilities', capabilities: gpuCapabilities('swiftshader')});
    expect(s().settings).toMatchObject({ arch: 'resnet10-small', size: 64 });
    expect(s().capabilities?.webgpu.available).toBe(true);

    routeFromWorker(store, { type: 'capabilities', capabilities: gpuCapabilities('ampere', 'NVIDIA RTX')});
    expect(s().settings).toMatchObject({ arch: 'resnet18', size: 128 });

    s().setSetting('epochs', 3);
    routeFromWorker(store, { type: 'capabilities', capabilities: gpuCapabilities('swiftshader')});
    expect(s().settings).toMatchObject({ arch: 'resnet18', epochs: 3 });
  });

  it('validates numeric settings by field and clears the error when fixed', () => {
    const { s } = harness();
    s().setSetting('batch', 0);
    expect(s().settingsErrors.batch).toMatch(/between 1 and 256/);
    s().setSetting('batch', 2.5);
    expect(s().settingsErrors.batch).toMatch(/whole number/);
    s().setSetting('lr', Number.NaN);
    expect(s().settingsErrors.lr).toMatch(/number/);
    s().setSetting('batch', 4);
    s().setSetting('lr', 0.01);
    expect(s().settingsErrors).toEqual({});
    expect(s().settings).toMatchObject({ batch: 4, lr: 0.01 });
  });

  it('returns to idle with a visible reason when the worker refuses to train', () => {
    const { store, sent, s } = harness();
    s().startTraining();
    expect(sent.at(-1)).toEqual({ type: 'startTraining', settings: s().settings });
    expect(s().trainingStatus).toBe('preparing');
    routeFromWorker(store, { type: 'trainingFinished', outcome: 'failed', message: 'Load a dataset first.', test: null });
    expect(s().trainingStatus).toBe('idle');
    expect(s().notices.at(-1)).toMatchObject({ level: 'error', text: 'Training failed: Load a dataset first.' });
  });

  it('asks for an augmentation preview with the current settings', () => {
    const { store, sent, s } = harness();
    s().setSetting('augment', 'standard');
    s().requestAugmentPreview();
    expect(sent.at(-1)).toEqual({ type: 'augmentPreview', settings: { ...s().settings, augment: 'standard' }, count: 6 });
    expect(s().augmentPreview.state).toBe('working');
    routeFromWorker(store, { type: 'augmentPreviewFailed', message: 'Load a dataset first.' });
    expect(s().augmentPreview).toEqual({ state: 'failed', message: 'Load a dataset first.' });
  });

  it('runs a comparison of methods through the worker, from progress to the summary', () => {
    const { store, sent, s } = harness();
    s().setCompareMethods(['none', 'cam:kl']);
    s().setCompareSeeds(3);
    s().startCompare();
    expect(sent.at(-1)).toEqual({ type: 'startCompare', request: { settings: s().settings, methods: ['none', 'cam:kl'], seeds: 3 } });
    const progress = { run: 2, total: 6, method: 'cam:kl', seed: 0, step: 5, totalSteps: 20, phase: 'training' as const };
    routeFromWorker(store, { type: 'compareProgress', progress });
    expect(s().compare).toEqual({ state: 'running', progress });
    s().stopCompare();
    expect(sent.at(-1)).toEqual({ type: 'stopCompare' });
    routeFromWorker(store, { type: 'compareFinished', outcome: 'stopped', message: 'stopped after 1 of 6 runs', summary: null, markdown: null, chart: null });
    expect(s().compare).toMatchObject({ state: 'finished', outcome: 'stopped' });
  });

  it('follows a run from preparing to finished, keeping loss and epoch history', () => {
    const { store, s } = harness();
    s().startTraining();
    routeFromWorker(store, { type: 'trainingPreparing', done: 8, total: 16 });
    expect(s().preparing).toEqual({ done: 8, total: 16 });
    routeFromWorker(store, {
      type: 'trainingStarted',
      config: { ...s().settings } as never,
      classNames: ['a', 'b'],
      stepsPerEpoch: 4,
      totalSteps: 8,
      history: [],
    });
    expect(s().trainingStatus).toBe('running');
    const loss = { total: 2, ce: 1.5, cam: 0.5, head: 0 };
    routeFromWorker(store, {
      type: 'trainingProgress',
      progress: { epoch: 1, epochs: 2, step: 2, totalSteps: 8, lr: 1e-3, loss, imagesPerSec: 4, etaSec: 3 },
    });
    expect(s().lossHistory).toEqual([{ step: 2, ...loss }]);
    s().pauseTraining();
    expect(s().trainingStatus).toBe('pausing');
    routeFromWorker(store, { type: 'trainingPaused' });
    expect(s().trainingStatus).toBe('paused');
    s().resumeTraining();
    s().stopTraining();
    expect(s().trainingStatus).toBe('stopping');
    routeFromWorker(store, { type: 'trainingFinished', outcome: 'stopped', message: 'stopped', test: null });
    expect(s().trainingStatus).toBe('idle');
    expect(s().lastOutcome?.outcome).toBe('stopped');
  });

  it('keeps only the latest notices and lets each be dismissed', () => {
    const { s } = harness();
    for (let i = 0; i < 8; i++) s().notify('info', `n${i}`);
    expect(s().notices.map((n) => n.text)).toEqual(['n3', 'n4', 'n5', 'n6', 'n7']);
    s().dismissNotice(s().notices[0]!.id);
    expect(s().notices).toHaveLength(4);
  });
});

describe('store helpers', () => {
  it('names the adapter from vendor, architecture and description', () => {
    expect(adapterLabel(gpuCapabilities('swiftshader', 'SwiftShader Device (Subzero)'))).toBe(
      'google swiftshader — SwiftShader Device (Subzero)',
    );
    expect(adapterLabel(gpuCapabilities(''))).toBe('google');
    const none: Capabilities = { webgpu: { available: false, reason: 'x' }, webgl2InWorker: false, hardwareConcurrency: 1 };
    expect(adapterLabel(none)).toBeNull();
    expect(fallbackBackend(none)).toBe('cpu');
    expect(fallbackBackend({ ...none, webgl2InWorker: true })).toBe('webgl');
  });

  it('turns progress into a bounded percentage', () => {
    expect(progressPercent(null)).toBe(0);
    const loss = { total: 1, ce: 1, cam: 0, head: 0 };
    const p = { epoch: 1, epochs: 2, step: 5, totalSteps: 20, lr: 1e-3, loss, imagesPerSec: 3, etaSec: 10 };
    expect(progressPercent(p)).toBe(25);
    expect(progressPercent({ ...p, step: 30 })).toBe(100);
  });

  it('keeps the X-ray and gaze pictures of a run between CAM refreshes and closes every picture no longer shown', () => {
    const closed: string[] = [];
    const picture = (name: string) => ({ width: 32, close: () => closed.push(name) }) as unknown as ImageBitmap;
    const frame = (step: number, tag: string): CamFrame => ({
      step,
      classNames: ['a', 'b'],
      items: [
        { valIndex: 3, id: 'x3', label: 'a', predicted: 'b', probs: [0.4, 0.6], size: 32, image: picture(`${tag}:image`), gaze: picture(`${tag}:gaze`), cams: [picture(`${tag}:cam0`), picture(`${tag}:cam1`)] },
      ],
    });
    const first = nextCamFrame(null, frame(0, 'first'))!;
    expect(closed).toEqual([]);
    const second = nextCamFrame(first, frame(2, 'second'))!;
    // The same image of the same run: the first frame's X-ray and gaze stay on screen, the copies go.
    expect(second.items[0]!.image).toBe(first.items[0]!.image);
    expect(second.items[0]!.gaze).toBe(first.items[0]!.gaze);
    expect(closed.sort()).toEqual(['first:cam0', 'first:cam1', 'second:gaze', 'second:image']);
    closed.length = 0;
    expect(nextCamFrame(second, null)).toBeNull();
    expect(closed.sort()).toEqual(['first:gaze', 'first:image', 'second:cam0', 'second:cam1']);
  });
});
