import { defineConfig } from 'vitest/config';

// One fork at a time: Dawn owns one Vulkan instance per process and the machines this runs on have
// two cores; WebGPU tests in parallel only thrash. Timeouts are generous because lavapipe is a CPU.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
