/**
 * Playwright e2e in Debian's Chromium (never `playwright install`: the browser is the system one,
 * installed by scripts/install-system-deps.sh). WebGPU runs on SwiftShader, a CPU implementation,
 * so the first compute pipelines take seconds: timeouts are generous and inputs tiny.
 *
 * The server is `vite preview` of a fresh build: the tests see what ships, with the production
 * CSP, and no dependency re-optimisation can reload the page mid-test as the dev server may.
 */
import { defineConfig } from '@playwright/test';
import { BASE_ARGS, CHROMIUM_EXECUTABLE, WEBGPU_ARGS } from './e2e/chromium.ts';
import { PREVIEW_PORT } from './vite.config.ts';

export default defineConfig({
  testDir: 'e2e',
  // The screenshot generator writes docs/, it checks nothing: only when asked for.
  testIgnore: process.env.GAZECAM_SCREENSHOTS ? [] : ['screenshots.spec.ts'],
  // One browser at a time: the machines this runs on have two cores, and SwiftShader uses them all.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PREVIEW_PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM_EXECUTABLE,
      args: [...WEBGPU_ARGS, ...BASE_ARGS],
    },
  },
  webServer: {
    command: `npx vite build --logLevel error && npx vite preview --port ${PREVIEW_PORT} --strictPort`,
    url: `http://127.0.0.1:${PREVIEW_PORT}/`,
    // A server left over from another run may serve stale code: strictPort makes that fail instead.
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
