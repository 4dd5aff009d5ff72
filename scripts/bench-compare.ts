/**
 * `npm run bench:compare [-- --cases arch:size:batch,... --runs N]`: the training benchmark through
 * GazeCAM (WebGPU via Dawn) and the PyTorch twin's training step (`python -m gazecam_torch.bench`,
 * the same method and defaults) on the same machine, in one run, with the ratio per case. On a GPU
 * machine PyTorch uses CUDA if it has it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../src/node/args.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { flags } = parseArgs(process.argv.slice(2), { cases: { type: 'string' }, runs: { type: 'int' }, warmup: { type: 'int' } });
const cases = ((flags.cases as string) ?? 'resnet10-small:64:16,resnet10-small:128:16,resnet18:224:16').split(',');
const runs = String(flags.runs ?? 5);
const warmup = String(flags.warmup ?? 2);

function lastJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): any {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const ours: any[] = [];
const torch: any[] = [];
let adapter: any;
// The package runs from the source tree (no pip install needed).
const pythonEnv = { ...process.env, PYTHONPATH: [`${ROOT}python`, process.env.PYTHONPATH].filter(Boolean).join(':') };
for (const c of cases) {
  const [arch, size, batch] = c.split(':');
  const out = lastJson(process.execPath, ['bin/gazecam.mjs', 'bench', 'training', '--arch', arch, '--size', size, '--batch', batch, '--runs', runs, '--warmup', warmup, '--json']);
  adapter = out.adapter;
  ours.push(...out.training);
  torch.push(lastJson('/usr/bin/python3', ['-m', 'gazecam_torch.bench', '--arch', arch, '--size', size, '--batch', batch, '--steps', runs, '--warmup', warmup, '--json'], pythonEnv));
}

console.log(`GazeCAM: ${adapter.description} (${adapter.vendor} ${adapter.architecture}); PyTorch ${torch[0].torch} on ${torch[0].device} (${torch[0].threads} threads)`);
console.log('| model | size | batch | GazeCAM WebGPU img/s | PyTorch img/s | PyTorch / GazeCAM |');
console.log('|---|---|---|---|---|---|');
const rows = ours.map((o, i) => {
  const t = torch[i];
  const ratio = t.imagesPerSec / o.imagesPerSec;
  console.log(`| ${o.arch} | ${o.size} | ${o.batch} | ${o.imagesPerSec.toFixed(2)} | ${t.imagesPerSec.toFixed(2)} | ${ratio.toFixed(1)}x |`);
  return { ...o, torchImagesPerSec: t.imagesPerSec, torchOverOurs: ratio };
});
console.log(JSON.stringify({ adapter, torch: { device: torch[0].device, version: torch[0].torch, threads: torch[0].threads }, rows }));
