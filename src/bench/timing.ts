/** Timing helpers shared by every benchmark: warm-up, repeated runs, median. DOM-free. */

export interface TimingOptions {
  warmup: number;
  runs: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `once` warmup + runs times and returns the median of the timed runs in ms. `once` must
 * itself wait for the GPU (read back a scalar): WebGPU work is asynchronous.
 */
export async function medianMs(once: () => Promise<void>, { warmup, runs }: TimingOptions): Promise<{ medianMs: number; firstMs: number; samples: number[] }> {
  let firstMs = 0;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await once();
    if (i === 0) firstMs = performance.now() - t0;
  }
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await once();
    samples.push(performance.now() - t0);
  }
  return { medianMs: median(samples), firstMs, samples };
}
