/**
 * The studio's "Compare methods": the chosen methods x seeds trained one after another in the
 * worker on the loaded dataset, preprocessed once, then the same summary, table and chart as
 * `gazecam compare` (src/engine/run/compare.ts). The dataset's split is fixed when it is loaded,
 * so a seed varies the initial weights, the data order and the augmentation draws.
 */
import { compareMarkdown, parseMethodSpecs, prepareRun, summariseCompare, type CompareRun } from '../engine/run/index.ts';
import { prepareTrainData, runTraining, type TrainData } from '../engine/train/index.ts';
import { renderCompareChart } from '../engine/viz/compare_chart.ts';
import type { LoadedDataset } from './dataset.ts';
import type { CompareRequest, FromWorker } from './protocol.ts';

/** Progress messages at most this often: a comparison runs for minutes to hours. */
const PROGRESS_MIN_INTERVAL_MS = 500;

export class CompareSession {
  private stopRequested = false;
  private running = false;

  constructor(private readonly post: (message: FromWorker) => void) {}

  get isRunning(): boolean {
    return this.running;
  }

  stop(): void {
    this.stopRequested = true;
  }

  async run(request: CompareRequest, loaded: LoadedDataset): Promise<void> {
    if (this.running) throw new Error('A comparison is already running: stop it first.');
    this.running = true;
    this.stopRequested = false;
    try {
      const methods = parseMethodSpecs(request.methods.join(','));
      if (!(request.seeds >= 1)) throw new Error(`Seeds must be at least 1, got ${request.seeds}.`);
      const seeds = Array.from({ length: request.seeds }, (_, i) => request.settings.seed + i);
      const total = methods.length * seeds.length;
      const data: TrainData = await prepareTrainData(loaded.dataset, loaded.entries, request.settings.size, {
        onProgress: (done, all) => {
          if (done === all || done % 16 === 0) this.post({ type: 'compareProgress', progress: { run: 0, total, method: null, seed: null, step: done, totalSteps: all, phase: 'preparing' } });
        },
      });
      const report = loaded.report;
      const dataset = { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length + data.problems.length };
      const runs: CompareRun[] = [];
      for (const seed of seeds) {
        for (const method of methods) {
          const prepared = await prepareRun({
            config: { ...request.settings, ...method.config, seed },
            source: { kind: 'preprocessed', data, dataset },
          });
          let lastPost = 0;
          const runIndex = runs.length + 1;
          try {
            const result = await runTraining({
              config: prepared.config,
              data: prepared.data,
              model: prepared.model,
              onEvent: (e) => {
                if (e.type !== 'step' || performance.now() - lastPost < PROGRESS_MIN_INTERVAL_MS) return;
                lastPost = performance.now();
                this.post({
                  type: 'compareProgress',
                  progress: { run: runIndex, total, method: method.label, seed, step: e.globalStep, totalSteps: e.totalSteps, phase: 'training' },
                });
              },
              control: { shouldStop: () => this.stopRequested },
            });
            if (result.stopped) {
              this.post({ type: 'compareFinished', outcome: 'stopped', message: `Comparison stopped after ${runs.length} of ${total} runs.`, summary: null, markdown: null, chart: null });
              return;
            }
            runs.push({ method: method.label, seed, test: result.test! });
          } finally {
            prepared.model.dispose();
          }
        }
      }
      const labels = methods.map((m) => m.label);
      const summary = summariseCompare(labels, runs);
      const title = `Compare methods: ${labels.join(', ')} x ${seeds.length} seed(s)`;
      const raster = renderCompareChart(summary, title);
      const chart = await createImageBitmap(new ImageData(new Uint8ClampedArray(raster.rgba), raster.width, raster.height));
      this.post({
        type: 'compareFinished',
        outcome: 'done',
        message: `Compared ${labels.length} method(s) over ${seeds.length} seed(s): ${total} runs.`,
        summary,
        markdown: compareMarkdown(summary, title),
        chart,
      });
    } catch (err) {
      this.post({ type: 'compareFinished', outcome: 'failed', message: err instanceof Error ? err.message : String(err), summary: null, markdown: null, chart: null });
    } finally {
      this.running = false;
    }
  }
}
