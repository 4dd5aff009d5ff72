/**
 * `npm run bench:compare [-- --cases arch:size:batch,... --runs N]`: the training benchmark through
 * GazeCAM (WebGPU via Dawn) and the seed's PyTorch method (bench/torch_reference.py) on the same
 * machine, in one run, with the ratio per case. On a GPU machine PyTorch uses CUDA if it has it.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from '../src/node/args.ts';

const { flags } = parseArgs(process.argv.slice(2), { cases: { type: 'string' }, runs: { type: 'int' }, warmup: { type: 'int' } });
const cases = ((flags.cases as string) ?? 'resnet10-small:64:16,resnet10-small:128:16,resnet18:224:16').split(',');
const runs = String(flags.runs ?? 5);
const warmup = String(flags.warmup ?? 2);

function lastJson(cmd: string, args: string[]): any {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const ours: any[] = [];
let adapter: any;
for (const c of cases) {
  const [arch, size, batch] = c.split(':');
  const out = lastJson(process.execPath, ['bin/gazecam.mjs', 'bench', 'training', '--arch', arch, '--size', size, '--batch', batch, '--runs', runs, '--warmup', warmup, '--json']);
  adapter = out.adapter;
  ours.push(...out.training);
}
const torch = lastJson('/usr/bin/python3', ['bench/torch_reference.py', '--cases', cases.join(','), '--runs', runs, '--warmup', warmup]);

console.log(`GazeCAM: ${adapter.description} (${adapter.vendor} ${adapter.architecture}); PyTorch ${torch.torch} on ${torch.device} (${torch.threads} threads)`);
console.log('| model | size | batch | GazeCAM WebGPU img/s | PyTorch img/s | PyTorch / GazeCAM |');
console.log('|---|---|---|---|---|---|');
const rows = ours.map((o, i) => {
  const t = torch.training[i];
  const ratio = t.imagesPerSec / o.imagesPerSec;
  console.log(`| ${o.arch} | ${o.size} | ${o.batch} | ${o.imagesPerSec.toFixed(2)} | ${t.imagesPerSec.toFixed(2)} | ${ratio.toFixed(1)}x |`);
  return { ...o, torchImagesPerSec: t.imagesPerSec, torchOverOurs: ratio };
});
console.log(JSON.stringify({ adapter, torch: { device: torch.device, version: torch.torch, threads: torch.threads }, rows }));
