/**
 * The bench page's paired A/B of training steps (src/bench/ab.ts) in Node, on WebGPU through Dawn:
 * the same spec and the same method, so a change kept for Chromium can be checked not to slow
 * Node/lavapipe.
 *
 *   npx tsx scripts/ab-step.ts SPEC [--arch resnet10-small] [--size 64] [--batch 16] [--warmup 2] [--runs 9]
 *   npx tsx scripts/ab-step.ts classSelect:addN:sum
 *   npx tsx scripts/ab-step.ts optimizer:fused:composed
 *   npx tsx scripts/ab-step.ts flag:WEBGPU_USE_NAIVE_CONV2D_DEBUG:false:true
 */
import { loadavg } from 'node:os';
import { abTrainingStep, formatAb, parseAbSpec } from '../src/bench/ab.ts';
import { RESNET_ARCHS } from '../src/engine/model/index.ts';
import { parseArgs } from '../src/node/args.ts';
import { selectBackend } from '../src/node/backend.ts';

const { positional, flags } = parseArgs(process.argv.slice(2), {
  arch: { type: RESNET_ARCHS },
  size: { type: 'int' },
  batch: { type: 'int' },
  warmup: { type: 'int' },
  runs: { type: 'int' },
});
if (positional.length !== 1) {
  console.error('usage: npx tsx scripts/ab-step.ts convFilter|kernelPath:A:B|classSelect:A:B|optimizer:A:B|flag:NAME:A:B [--arch A] [--size N] [--batch N] [--warmup N] [--runs N]');
  process.exit(2);
}
const spec = parseAbSpec(positional[0]!);
const adapter = await selectBackend('webgpu');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`adapter: ${adapter.description}; load average ${load()}`);
const result = await abTrainingStep(
  {
    arch: ((flags.arch as string | undefined) ?? 'resnet10-small') as never,
    size: (flags.size as number | undefined) ?? 64,
    batch: (flags.batch as number | undefined) ?? 16,
  },
  spec,
  { warmup: (flags.warmup as number | undefined) ?? 2, runs: (flags.runs as number | undefined) ?? 9 },
);
console.log(formatAb(result));
console.log(`load average at the end ${load()}`);
