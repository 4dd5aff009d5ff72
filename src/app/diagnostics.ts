/**
 * `window.gazecam`: a diagnostics handle for the e2e suite and for devtools. It runs the engine's
 * CAM kernels in the worker on the active backend and returns every value as plain JSON, so a
 * caller outside the bundle can check them against its own maths.
 */
import type { BackendName, SelfTestCase, WorkerDiagnostics } from '../worker/protocol.ts';
import type { WorkerClient } from './worker_client.ts';

/** SelfTestCase with plain arrays instead of Float32Array. */
export interface PlainSelfTestCase {
  name: string;
  fmapShape: [number, number, number, number];
  fmapNhwc: number[];
  fcWeightShape: [number, number];
  fcWeight: number[];
  outSize: [number, number];
  gradient?: { upstreamSigmoid: number[]; upstreamCams: number[] };
}

export interface PlainSelfTestCaseResult {
  name: string;
  cam: number[];
  cams: number[];
  sigmoidCams: number[];
  dFmap?: number[];
  dFcWeight?: number[];
}

export interface PlainSelfTestReport {
  backend: BackendName;
  cases: PlainSelfTestCaseResult[];
  numTensorsBefore: number;
  numTensorsAfter: number;
  elapsedMs: number;
}

export interface DiagnosticsHandle {
  selfTest(cases: PlainSelfTestCase[]): Promise<PlainSelfTestReport>;
  /** codec builds in use, live tensor count, backend */
  diagnostics(): Promise<WorkerDiagnostics>;
  /**
   * Test hook: destroys the worker's GPUDevice as a driver reset would. The studio recovers in
   * place (a new worker, the dataset handed over again, "Resume training" offered).
   */
  loseDevice(): void;
  /** Test hook: NaN classifier weights before the run's next step, so its loss turns NaN. */
  corruptWeights(): void;
}

declare global {
  interface Window {
    gazecam?: DiagnosticsHandle;
  }
}

const f32 = (a: number[]) => Float32Array.from(a);
const plain = (a: Float32Array | undefined) => (a ? Array.from(a) : undefined);

function toCase(c: PlainSelfTestCase): SelfTestCase {
  return {
    ...c,
    fmapNhwc: f32(c.fmapNhwc),
    fcWeight: f32(c.fcWeight),
    gradient: c.gradient && {
      upstreamSigmoid: f32(c.gradient.upstreamSigmoid),
      upstreamCams: f32(c.gradient.upstreamCams),
    },
  };
}

export function installDiagnostics(client: WorkerClient): void {
  window.gazecam = {
    diagnostics: () => client.diagnostics(),
    loseDevice: () => client.post({ type: 'debugLoseDevice' }),
    corruptWeights: () => client.post({ type: 'debugCorruptWeights' }),
    async selfTest(cases) {
      const report = await client.selfTest(cases.map(toCase));
      return {
        ...report,
        cases: report.cases.map((r) => ({
          name: r.name,
          cam: Array.from(r.cam),
          cams: Array.from(r.cams),
          sigmoidCams: Array.from(r.sigmoidCams),
          dFmap: plain(r.dFmap),
          dFcWeight: plain(r.dFcWeight),
        })),
      };
    },
  };
}
