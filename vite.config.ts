/**
 * Vite for the studio: React, an ES-module training worker, fixed ports (strictPort: a second
 * server fails loudly instead of drifting to another port that tests and bookmarks do not know).
 *
 * The Content-Security-Policy lives in index.html and is what the build ships. The dev server
 * needs two relaxations, added here in serve mode only: React Fast Refresh injects an inline
 * module preamble (allowed by its sha256 hash, not by 'unsafe-inline'), and Vite injects CSS as
 * <style> elements.
 */
import { createHash } from 'node:crypto';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

export const DEV_PORT = 5417;
export const PREVIEW_PORT = 4417;

function devCspRelaxations(): Plugin {
  return {
    name: 'gazecam:dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
          .map(([, body]) => `'sha256-${createHash('sha256').update(body ?? '').digest('base64')}'`)
          .join(' ');
        return html.replace(/(<meta http-equiv="Content-Security-Policy"\s+content=")([^"]*)"/, (_, head: string, policy: string) => {
          const relaxed = policy
            .replace("script-src 'self'", `script-src 'self' ${hashes}`)
            .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
          return `${head}${relaxed}"`;
        });
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), devCspRelaxations()],
  worker: { format: 'es' },
  server: { port: DEV_PORT, strictPort: true, host: '127.0.0.1' },
  preview: { port: PREVIEW_PORT, strictPort: true, host: '127.0.0.1' },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    // bench.html is the benchmark page (src/bench/browser), shipped beside the studio so it measures
    // the same build under the same CSP.
    rolldownOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  // Pre-bundled up front: discovering a dependency late (inside the worker, or behind a dynamic
  // import such as the DICOM codecs) makes the dev server re-optimise and reload the page mid-session.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      'react',
      'react-dom/client',
      'zustand',
      'zustand/vanilla',
      'uplot',
      'fast-png',
      'jpeg-js',
      'dicom-parser',
      'jpeg-lossless-decoder-js',
      '@cornerstonejs/codec-openjpeg/decode',
      '@cornerstonejs/codec-charls/decode',
      '@cornerstonejs/codec-libjpeg-turbo-8bit/decode',
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-charls/decodewasmjs',
      '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
    ],
  },
});
