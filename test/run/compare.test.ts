/**
 * "Does gaze help on my data?": the method specs, the summary (mean ± sd, differences paired by
 * seed), the report and chart, and `gazecam compare` end to end on a tiny shortcut demo (a re-run
 * skips finished runs; bad input is one line with the right exit code and writes nothing).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareMarkdown, parseMethodSpecs, summariseCompare, type CompareRun } from '../../src/engine/run/index.ts';
import type { SplitMetrics } from '../../src/engine/train/metrics.ts';
import { renderCompareChart } from '../../src/engine/viz/compare_chart.ts';
import { gazecam, gazecamOk } from '../helpers/cli.ts';

const metrics = (accuracy: number, camGazeR: number, conflictAccuracy = NaN, conflictCount = 0): SplitMetrics => ({
  count: 10, loss: 1, accuracy, auc: [], macroAuc: accuracy, confusion: [], camGazeR, camMassInGaze: 0.5, withGaze: 10,
  conflictAccuracy, conflictCount,
});

describe('method specs', () => {
  it('reads method, loss and augmentation', () => {
    expect(parseMethodSpecs('none, cam:kl,cam:mse+standard,multitask:kl,both')).toEqual([
      { label: 'none', config: { method: 'none' } },
      { label: 'cam:kl', config: { method: 'cam', loss: 'kl' } },
      { label: 'cam:mse+standard', config: { method: 'cam', loss: 'mse', augment: 'standard' } },
      { label: 'multitask:kl', config: { method: 'multitask', multitaskLoss: 'kl' } },
      { label: 'both', config: { method: 'both' } },
    ]);
  });

  it.each([
    ['gaze', /unknown method "gaze"/],
    ['cam:foo', /unknown loss "foo" for cam/],
    ['multitask:bce', /unknown loss "bce" for multitask/],
    ['none:kl', /the baseline takes no loss/],
    ['cam:kl+heavy', /unknown augment preset "heavy"/],
    ['cam,cam', /names "cam" twice/],
    ['', /--runs is empty/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseMethodSpecs(spec)).toThrow(message);
  });
});

describe('comparison summary', () => {
  const runs: CompareRun[] = [
    { method: 'none', seed: 0, test: metrics(0.5, 0.1, 0.2, 4) },
    { method: 'none', seed: 1, test: metrics(0.7, 0.3, 0.4, 4) },
    { method: 'cam:kl', seed: 0, test: metrics(0.6, 0.5, 0.5, 4) },
    { method: 'cam:kl', seed: 1, test: metrics(0.7, 0.6, 0.5, 4) },
  ];
  const summary = summariseCompare(['none', 'cam:kl'], runs);

  it('gives mean ± sample sd per metric, and differences paired by seed', () => {
    expect(summary.metrics).toEqual(['accuracy', 'macroAuc', 'camGazeR', 'camMassInGaze', 'conflictAccuracy']);
    expect(summary.stats['none']!.accuracy!.mean).toBeCloseTo(0.6, 12);
    expect(summary.stats['none']!.accuracy!.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    // Paired: (0.6 - 0.5, 0.7 - 0.7) = (0.1, 0): mean 0.05, sd 0.0707; unpaired it would be 0.05 ± 0.15.
    expect(summary.differences['cam:kl']!.accuracy!.mean).toBeCloseTo(0.05, 12);
    expect(summary.differences['cam:kl']!.accuracy!.sd).toBeCloseTo(Math.SQRT1_2 * 0.1, 12);
    expect(summary.differences['cam:kl']!.conflictAccuracy!.mean).toBeCloseTo(0.2, 12);
  });

  it('leaves out conflict accuracy where the data marks no shortcut', () => {
    const plain = summariseCompare(['none'], [{ method: 'none', seed: 0, test: metrics(0.5, 0.1) }]);
    expect(plain.metrics).not.toContain('conflictAccuracy');
    expect(plain.stats['none']!.accuracy!.sd).toBeNaN();
  });

  it('writes a markdown report and a chart with one bar per method and metric', () => {
    const md = compareMarkdown(summary, 'test');
    expect(md).toContain('| `cam:kl` | 0.650 ± 0.071 |');
    expect(md).toContain('Difference to `none`, paired by seed');
    expect(md).toContain('| `cam:kl` | +0.050 ± 0.071 |');
    const chart = renderCompareChart(summary, 'test', 600, 300);
    expect(chart.rgba.length).toBe(600 * 300 * 4);
    // The second method's colour (the palette's blue) is drawn: its bars are there.
    let blue = 0;
    for (let i = 0; i < chart.rgba.length; i += 4) if (chart.rgba[i] === 31 && chart.rgba[i + 1] === 119 && chart.rgba[i + 2] === 180) blue++;
    expect(blue).toBeGreaterThan(500);
  });
});

describe('gazecam compare', () => {
  let dir: string;
  const TRAIN = ['--arch', 'resnet10-tiny', '--size', '32', '--batch', '8', '--epochs', '1'];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gazecam-compare-'));
    gazecamOk(['demo', join(dir, 'demo'), '--count', '48', '--size', '32', '--shortcut']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs methods x seeds as ordinary runs, reports them, and skips finished runs when run again', { timeout: 900_000 }, () => {
    const out = join(dir, 'cmp');
    const args = ['compare', join(dir, 'demo'), '--out', out, '--runs', 'none,cam:kl', '--seeds', '2', ...TRAIN];
    const first = gazecamOk(args);
    for (const run of ['none/seed-0', 'none/seed-1', 'cam-kl/seed-0', 'cam-kl/seed-1']) {
      expect(existsSync(join(out, run, 'run.json')), run).toBe(true);
      expect(existsSync(join(out, run, 'model.safetensors')), run).toBe(true);
    }
    const record = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(record.methods).toEqual(['none', 'cam:kl']);
    expect(record.seeds).toEqual([0, 1]);
    expect(record.summary.metrics).toContain('conflictAccuracy'); // the shortcut demo marks conflicts
    expect(record.summary.runs).toHaveLength(4);
    const runJson = JSON.parse(readFileSync(join(out, 'cam-kl/seed-1/run.json'), 'utf8'));
    expect(runJson.config).toMatchObject({ method: 'cam', loss: 'kl', seed: 1 });
    expect(record.summary.runs.find((r: { method: string; seed: number }) => r.method === 'cam:kl' && r.seed === 1).accuracy)
      .toBe(runJson.metrics.test.accuracy);
    expect(readFileSync(join(out, 'compare.md'), 'utf8')).toBe(first.stdout);
    const png = decodePng(readFileSync(join(out, 'compare.png')));
    expect([png.width, png.height]).toEqual([960, 440]);

    const again = gazecamOk(args);
    expect(again.stderr.match(/finished earlier/g)).toHaveLength(4);
    expect(again.stdout).toBe(first.stdout);
  });

  it.each([
    [['--runs', 'none,cam:foo', '--seeds', '2'], 2, /--runs "cam:foo": unknown loss "foo"/],
    [['--runs', 'none', '--seeds', '0'], 2, /--seeds must be at least 1, got 0/],
    [['--runs', 'none', '--lr', '-1'], 2, /--runs none: config.lr = -1: a positive number/],
  ])('refuses %j with exit code %i, one line, and writes nothing', (extra, code, message) => {
    const out = join(dir, `bad-${code}-${extra.join('')}`.replace(/[^A-Za-z0-9-]/g, ''));
    const r = gazecam(['compare', join(dir, 'demo'), '--out', out, ...extra, ...TRAIN]);
    expect(r.status).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
