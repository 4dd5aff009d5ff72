/**
 * How the e2e suite launches Debian's Chromium (never `playwright install`). Shared by
 * playwright.config.ts and the specs that need a browser launched differently.
 */
export const CHROMIUM_EXECUTABLE = process.env.GAZECAM_CHROMIUM ?? '/usr/bin/chromium';

/** Flags every e2e browser gets: no background traffic, and root-safe. */
export const BASE_ARGS = [
  // Nothing but the page under test may touch the network.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // CI runs as root, where Chromium refuses to start with its sandbox.
  '--no-sandbox',
];

/** WebGPU on: SwiftShader on machines without a GPU, also inside workers. */
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  // Exposes GPUAdapterInfo.description (empty in stock Chrome), so tests can name the adapter.
  '--enable-webgpu-developer-features',
];
