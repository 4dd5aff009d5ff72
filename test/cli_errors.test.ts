/**
 * The CLI as users meet it when something is wrong: one line on stderr that says what to do, exit
 * code 2 for a wrong command line and 1 for data or runtime errors, a stack trace only with
 * --debug. And stderr free of known-harmless library chatter (Dawn's two limit warnings, tfjs's
 * tfjs-node banner) while every other warning stays visible. Real `gazecam` processes throughout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_STDERR_LINES } from '../bin/stderr_filter.mjs';
import { gazecam, gazecamOk, ROOT } from './helpers/cli.ts';

let dir: string;
let dataset: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazecam-cli-'));
  dataset = join(dir, 'ds');
  gazecamOk(['demo', dataset, '--count', '12', '--size', '32']);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('errors', () => {
  it('a dataset folder that does not exist: one line, exit 1, before anything else is asked for', () => {
    const r = gazecam(['train', '/nonexistent']);
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, /^gazecam train: dataset folder \/nonexistent does not exist; check the path/);
    // With an existing folder, the missing --out is the next thing it says.
    const usage = gazecam(['train', dataset]);
    expect(usage.status).toBe(2);
    expectOneLine(usage.stderr, /^gazecam train: --out <run folder> is required\. See 'gazecam train --help'\.$/);
  });

  it('--debug adds the stack trace', () => {
    const r = gazecam(['inspect', '/nonexistent', '--debug']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DatasetFolderError: dataset folder \/nonexistent does not exist/);
    expect(r.stderr).toMatch(/^\s+at .*fs-dataset\.ts/m);
  });

  it('usage errors exit 2 and point at --help', () => {
    for (const [args, pattern] of [
      [['inspect'], /^gazecam inspect: expected exactly one dataset folder\. See 'gazecam inspect --help'\.$/],
      [['inspect', dataset, '--bogus'], /^gazecam inspect: unknown option --bogus\. Known: .*See 'gazecam inspect --help'\.$/],
      [['inspect', dataset, '--seed', 'two'], /^gazecam inspect: --seed must be a number, got "two"\. See 'gazecam inspect --help'\.$/],
      [['frobnicate'], /^gazecam: unknown command "frobnicate"\. Commands: .*inspect/],
    ] as const) {
      const r = gazecam([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expectOneLine(r.stderr, pattern);
    }
  });

  it('data and runtime errors exit 1 with what to do', async () => {
    await writeFile(join(dir, 'a-file'), 'x');
    const cases: [string[], RegExp][] = [
      [['inspect', join(dir, 'a-file')], /^gazecam inspect: .*a-file is a file, not a folder; pass the dataset folder$/],
      [['predict', join(dir, 'no-run'), dataset, '--out', join(dir, 'p')], /^gazecam predict: run folder .*no-run does not exist; pass a folder written by 'gazecam train --out'$/],
      [['demo', dataset], /^gazecam demo: .* is not empty; choose a new folder/],
      // Not anticipated by the command: still one line, with the way to the stack trace.
      [['demo', '/dev/null/sub'], /^gazecam demo: \/dev\/null\/sub.*: part of this path is a file, not a folder; choose another path \(rerun with --debug for the stack trace\)$/],
    ];
    for (const [args, pattern] of cases) {
      const r = gazecam(args);
      expect(r.status, args.join(' ')).toBe(1);
      expectOneLine(r.stderr, pattern);
    }
  });
});

describe('library chatter on stderr', () => {
  const withChatter = (args: string[]) =>
    spawnSync(process.execPath, ['--import', './test/helpers/stderr_chatter.mjs', 'bin/gazecam.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

  it('the exact known lines are dropped; look-alikes and other warnings stay', () => {
    const r = withChatter(['inspect', dataset]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^images {4}12 /m);
    expect(r.stderr).not.toMatch(/artificially reduced/);
    expect(r.stderr).not.toMatch(/Hi, looks like you are running TensorFlow\.js/);
    expect(r.stderr).toContain('Warning: maxDynamicUniformBuffersPerPipelineLayout is lower than the 8 this program needs.\n');
    expect(r.stderr).toContain('Warning: the adapter lost its device (test warning that must stay visible).\n');
    expect(r.stderr).toContain('tfjs: a kernel fell back to the CPU (test warning that must stay visible)\n');
  });

  it('--debug shows everything', () => {
    const r = withChatter(['inspect', dataset, '--debug']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/artificially reduced/);
    expect(r.stderr).toMatch(/Hi, looks like you are running TensorFlow\.js/);
  });

  it("the patterns still match what this machine's Dawn prints for every device", () => {
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "import { create, globals } from 'webgpu'; Object.assign(globalThis, globals); const gpu = create([]); const a = await gpu.requestAdapter(); if (!a) { console.error('NO ADAPTER'); process.exit(3); } (await a.requestDevice()).destroy();"],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } },
    );
    expect(probe.status, `no WebGPU adapter through Dawn: ${probe.stderr}`).toBe(0);
    // lavapipe gets both lines; a driver with finite limits gets none. A line that no pattern
    // matches means Dawn changed its wording (update bin/stderr_filter.mjs) or says something new.
    for (const line of probe.stderr.split('\n').filter(Boolean)) expect(KNOWN_STDERR_LINES.some((re) => re.test(line)), line).toBe(true);
  });

  it('real runs: training on WebGPU and predicting on the tfjs CPU backend print no chatter', () => {
    const run = join(dir, 'run');
    const train = gazecam(['train', dataset, '--out', run, '--arch', 'resnet10-small', '--size', '32', '--epochs', '1', '--batch', '4']);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/^backend webgpu: /m);
    expect(train.stderr).not.toMatch(/artificially reduced/);
    const predict = gazecam(['predict', run, dataset, '--out', join(dir, 'pred'), '--backend', 'cpu', '--no-overlays']);
    expect(predict.status, predict.stderr).toBe(0);
    expect(predict.stderr).not.toMatch(/Hi, looks like you are running TensorFlow\.js|tfjs-node/);
    expect(predict.stderr).toMatch(/predicted 12 images/);
  });
});
