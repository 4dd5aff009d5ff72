/**
 * The studio's production build served on a free local port, for the benchmarks that walk it in a
 * browser: built into a temporary folder (or an existing build in `dist`), so a Playwright run or
 * a dev server beside it is left alone. `close` stops the server and removes what it built.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview } from 'vite';

const root = resolve(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface ServedBuild {
  port: number;
  /** the build's folder (assets/ holds the bundles) */
  outDir: string;
  close(): Promise<void>;
}

export async function serveProductionBuild(dist?: string, log: (message: string) => void = () => {}): Promise<ServedBuild> {
  const outDir = dist ? resolve(dist) : await mkdtemp(join(tmpdir(), 'gazecam-build-'));
  if (!dist) {
    log(`building into ${outDir} …`);
    await build({ root, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  }
  const port = await freePort();
  const server = await preview({ root, logLevel: 'error', build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1' } });
  return {
    port,
    outDir,
    close: async () => {
      await server.close();
      if (!dist) await rm(outDir, { recursive: true, force: true });
    },
  };
}
