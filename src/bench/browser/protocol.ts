/** The messages between the bench page and its worker: one run request, then a stream of results. */
import type { AbResult } from '../ab.ts';
import type { BenchBackend, BenchPlan } from '../plan.ts';
import type { BrowserBenchReport, BrowserKernelResult, BrowserTrainingResult, DeviceInfo } from '../report.ts';

export interface RunBench {
  type: 'run';
  backend: BenchBackend;
  plan: BenchPlan;
}

export type FromBenchWorker =
  | { type: 'device'; backend: BenchBackend; device: DeviceInfo }
  | { type: 'log'; line: string }
  | { type: 'kernel'; result: BrowserKernelResult }
  | { type: 'training'; result: BrowserTrainingResult }
  | { type: 'ab'; result: AbResult }
  | { type: 'done'; backend: BenchBackend; tensorsBefore: number; tensorsAfter: number }
  | { type: 'error'; backend: BenchBackend; message: string };

/** What the page exposes as `window.__gazecamBench` (and, once finished, as JSON in the page). */
export interface BenchPageState {
  status: 'running' | 'done' | 'failed';
  report: BrowserBenchReport;
  /** what failed and what to do, when status is 'failed' */
  error?: string;
  /** the text lines printed so far, the same as `gazecam bench` prints */
  log: string[];
}

declare global {
  interface Window {
    /** the bench page's state, read by scripts/bench-browser.ts and e2e/bench.spec.ts */
    __gazecamBench?: BenchPageState;
  }
}
