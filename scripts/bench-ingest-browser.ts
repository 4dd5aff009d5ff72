/**
 * The ingest benchmark in Chromium: same data and pipeline as bench-ingest.ts, run in a dedicated
 * Worker of a real page (Debian chromium through playwright-core, DESIGN.md section 5).
 *
 *   npx tsx scripts/bench-ingest-browser.ts [--count 500] [--distinct 16] [--size 2048] [--train-size 224]
 *
 * Peak memory is sampled from /proc every 250 ms: the renderer that hosts the page and its worker
 * (dedicated workers live in the renderer process) and all Chromium processes together.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { writeLargeDataset } from './bench-ingest-data.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const count = flag('count', 500);
const distinct = Math.min(flag('distinct', 16), count);
const size = flag('size', 2048);
const trainSize = flag('train-size', 224);

const root = await mkdtemp(join(tmpdir(), 'gazecam-bench-browser-'));
const t0 = performance.now();
const paths = await writeLargeDataset(root, count, distinct, size);
const generateS = (performance.now() - t0) / 1000;
const files = await Promise.all(paths.map(async (path) => ({ path, size: (await stat(join(root, path))).size })));

const bundle = await build({
  entryPoints: [join(import.meta.dirname, 'bench-ingest-worker.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'silent',
  // The Emscripten codecs require('fs') etc. only on their Node branch; leave those unresolved.
  external: ['fs', 'path', 'module', 'url', 'crypto', 'worker_threads'],
});
const workerJs = bundle.outputFiles[0].text;
const page = `<!doctype html><meta charset="utf-8"><title>ingest bench</title><script>
window.runBench = (job) => new Promise((resolve, reject) => {
  const w = new Worker('/worker.js', { type: 'module' });
  w.onmessage = (e) => { if (e.data.result) resolve(e.data.result); else if (e.data.error) reject(new Error(e.data.error)); else console.log(e.data.progress); };
  w.onerror = (e) => reject(new Error(e.message));
  w.postMessage(job);
});
</script>`;

const server = createServer(async (req, res) => {
  const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
  if (url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  if (url === '/worker.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerJs);
  if (url.startsWith('/data/')) {
    const abs = normalize(join(root, url.slice('/data/'.length)));
    if (!abs.startsWith(root)) return res.writeHead(403).end();
    const total = (await stat(abs)).size;
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), total - 1);
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${total}`, 'content-length': end - start + 1, 'content-type': 'application/octet-stream' });
      return createReadStream(abs, { start, end }).pipe(res);
    }
    res.writeHead(200, { 'content-length': total, 'content-type': 'application/octet-stream' });
    return createReadStream(abs).pipe(res);
  }
  res.writeHead(url === '/favicon.ico' ? 204 : 404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

async function rssKb(pid: number): Promise<number> {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
/** Chromium processes started by this script: descendants of this Node process. */
async function chromiumProcesses(): Promise<{ pid: number; renderer: boolean }[]> {
  const parent = new Map<number, number>();
  const cmdlines = new Map<number, string[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const statText = await readFile(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[1]));
      cmdlines.set(Number(name), (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0'));
    } catch {
      /* gone */
    }
  }
  const out: { pid: number; renderer: boolean }[] = [];
  for (const [pid, cmd] of cmdlines) {
    let p = parent.get(pid);
    let ours = false;
    for (let depth = 0; p && depth < 10; depth++, p = parent.get(p)) {
      if (p === process.pid) {
        ours = true;
        break;
      }
    }
    // Zygote children rewrite argv into one string, so match on the joined command line.
    const line = cmd.join(' ');
    if (ours && /chrom/.test(line)) out.push({ pid, renderer: line.includes('--type=renderer') });
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
let peakRendererKb = 0;
let peakTotalKb = 0;
const sampler = setInterval(async () => {
  const procs = await chromiumProcesses();
  let total = 0;
  let renderer = 0;
  for (const p of procs) {
    const kb = await rssKb(p.pid);
    total += kb;
    if (p.renderer) renderer = Math.max(renderer, kb);
  }
  peakTotalKb = Math.max(peakTotalKb, total);
  peakRendererKb = Math.max(peakRendererKb, renderer);
}, 250);
try {
  const tab = await browser.newPage();
  tab.on('console', (m) => console.error(`  ${m.text()}`));
  await tab.goto(`http://127.0.0.1:${port}/`);
  const t1 = performance.now();
  const result = await tab.evaluate((job) => (window as any).runBench(job), { files, trainSize });
  const wallS = (performance.now() - t1) / 1000;
  console.log(
    JSON.stringify({
      runtime: `chromium ${browser.version()}`,
      images: result.images,
      imageSize: size,
      bitDepth: 16,
      trainSize,
      problems: result.problems,
      generateS: Number(generateS.toFixed(1)),
      scanS: Number(result.scanS.toFixed(2)),
      preprocessS: Number(result.preprocessS.toFixed(1)),
      decodePreprocessImagesPerSec: Number((result.images / result.preprocessS).toFixed(2)),
      cacheMB: Number(result.cacheMB.toFixed(1)),
      wallS: Number(wallS.toFixed(1)),
      perImageMs: result.perImageMs,
      peakRendererRssMB: Math.round(peakRendererKb / 1024),
      peakChromiumTotalRssMB: Math.round(peakTotalKb / 1024),
    }),
  );
} finally {
  clearInterval(sampler);
  await browser.close();
  server.close();
  await rm(root, { recursive: true, force: true });
}
