import { describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import { parseCsv, parseCsvRows } from '../../src/data/csv.ts';
import { decodeImage, loadSample, minMaxNormalise, probeImage, renderFixations, resizeGray, scanDataset } from '../../src/data/index.ts';
import { assignSplits, type Candidate } from '../../src/data/formats/common.ts';
import { decodeRle, encodeRle } from '../../src/data/decode/rle.ts';
import { preprocessDataset } from '../../src/data/cache.ts';
import { demoEntries, generateDemoDataset } from '../../src/data/demo.ts';
import { entriesFromBlobs } from '../../src/data/blob-entries.ts';

const entry = (path: string, bytes: Uint8Array) => ({ path, size: bytes.length, read: async () => bytes, slice: async (a: number, b: number) => bytes.subarray(a, b) });

describe('csv', () => {
  it('handles quotes, embedded delimiters and newlines, CRLF, BOM, and keeps physical line numbers', () => {
    const text = '\ufeffimage,label\r\n"a,b.png",x\r\n"multi\nline.png","say ""hi"""\r\n\r\nc.png,z\n';
    const t = parseCsv(text);
    expect(t.header).toEqual(['image', 'label']);
    expect(t.rows.map((r) => [r.line, ...r.fields])).toEqual([
      [2, 'a,b.png', 'x'],
      [3, 'multi\nline.png', 'say "hi"'],
      [6, 'c.png', 'z'],
    ]);
  });

  it('reports an unterminated quote with its line instead of throwing', () => {
    const { rows, errors } = parseCsvRows('a,b\n1,"2\n3,4\n');
    expect(rows).toHaveLength(1);
    expect(errors[0].line).toBe(2);
    expect(errors[0].error).toMatch(/unterminated/);
  });
});

describe('resize', () => {
  it('averages exact areas when downsampling and keeps constants constant', () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(Array.from(resizeGray(src, 4, 4, 2, 2))).toEqual([3.5, 5.5, 11.5, 13.5]);
    const flat = new Float32Array(37 * 23).fill(0.25);
    for (const v of resizeGray(flat, 37, 23, 8, 5)) expect(v).toBeCloseTo(0.25, 6);
    for (const v of resizeGray(flat, 37, 23, 64, 50)) expect(v).toBeCloseTo(0.25, 6);
  });

  it('min-max normalises, and reports a flat map', () => {
    const m = Float32Array.from([2, 4, 6]);
    expect(minMaxNormalise(m)).toBe(true);
    expect(Array.from(m)).toEqual([0, 0.5, 1]);
    expect(minMaxNormalise(new Float32Array(4).fill(3))).toBe(false);
  });
});

describe('fixation heatmaps', () => {
  it('peaks at the fixation under the image geometry and weights by duration', () => {
    const gaze = { kind: 'fixations' as const, path: 'g.csv', fixations: [{ x: 300, y: 100, durationS: 1 }, { x: 100, y: 300, durationS: 0.2 }], sigmaPx: 20 };
    const map = renderFixations(gaze, 400, 400, 40, 40)!;
    minMaxNormalise(map);
    const peak = map.indexOf(1);
    expect([peak % 40, Math.floor(peak / 40)]).toEqual([30, 10]);
    expect(map[30 * 40 + 10]).toBeGreaterThan(0.1);
    expect(map[30 * 40 + 10]).toBeLessThan(0.3);
  });

  it('matches rendering at full size then area-resizing', () => {
    const gaze = { kind: 'fixations' as const, path: 'g.csv', fixations: [{ x: 123, y: 77, durationS: 0.5 }, { x: 40, y: 150, durationS: 0.3 }], sigmaPx: 12 };
    const full = renderFixations(gaze, 200, 200, 200, 200)!;
    const direct = renderFixations(gaze, 200, 200, 50, 50)!;
    const reduced = resizeGray(full, 200, 200, 50, 50);
    minMaxNormalise(direct);
    minMaxNormalise(reduced);
    let worst = 0;
    for (let i = 0; i < direct.length; i++) worst = Math.max(worst, Math.abs(direct[i] - reduced[i]));
    expect(worst).toBeLessThan(0.02);
  });

  it('REFLACX clip rectangle keeps gaze off the part of the image that was not shown', () => {
    const gaze = { kind: 'fixations' as const, path: 'f.csv', fixations: [{ x: 50, y: 50, durationS: 1, sigmaXPx: 20, sigmaYPx: 20, clip: [0, 0, 50, 100] as [number, number, number, number] }] };
    const map = renderFixations(gaze, 100, 100, 100, 100)!;
    expect(map[50 * 100 + 45]).toBeGreaterThan(0);
    expect(map[50 * 100 + 55]).toBe(0);
  });
});

describe('decoders', () => {
  it('16-bit PNG keeps full precision (/65535), 8-bit is /255', async () => {
    const data16 = Uint16Array.from([0, 1, 32768, 65535]);
    const img16 = await decodeImage(encodePng({ width: 2, height: 2, data: data16, depth: 16, channels: 1 }));
    expect(Array.from(img16.data)).toEqual(Array.from(data16, (v) => Math.fround(v / 65535)));
    const data8 = Uint8Array.from([0, 51, 204, 255]);
    const img8 = await decodeImage(encodePng({ width: 2, height: 2, data: data8, depth: 8, channels: 1 }));
    expect(Array.from(img8.data)).toEqual(Array.from(data8, (v) => Math.fround(v / 255)));
  });

  it('RLE round-trips 8- and 16-bit planes, including long runs and literals', () => {
    const w = 300;
    const h = 3;
    const px16 = new Uint16Array(w * h).map((_, i) => (i < 200 ? 1000 : (i * 7919) % 65536));
    const bytes = new Uint8Array(px16.buffer);
    expect(Array.from(decodeRle(encodeRle(bytes, w, h, 16, 1), w, h, 16, 1))).toEqual(Array.from(bytes));
    const px8 = new Uint8Array(w * h).map((_, i) => (i % 50 < 25 ? 7 : i % 256));
    expect(Array.from(decodeRle(encodeRle(px8, w, h, 8, 1), w, h, 8, 1))).toEqual(Array.from(px8));
  });

  it('refuses files that are not images with a reason', async () => {
    await expect(probeImage(entry('x.png', new TextEncoder().encode('hello world')))).rejects.toThrow(/not a PNG, JPEG or DICOM/);
  });
});

describe('splits', () => {
  const cand = (id: string, label: string, patient?: string): Candidate => ({ id, imagePath: id, label, patient });

  it('is seeded, stratified about 80/10/10, and patient-level', () => {
    const candidates: Candidate[] = [];
    for (let p = 0; p < 100; p++) for (let k = 0; k < 3; k++) candidates.push(cand(`p${p}-${k}`, p % 2 ? 'a' : 'b', `P${p}`));
    const s1 = assignSplits(candidates, { seed: 7 });
    expect(assignSplits(candidates, { seed: 7 })).toEqual(s1);
    expect(assignSplits(candidates, { seed: 8 })).not.toEqual(s1);
    for (let p = 0; p < 100; p++) expect(new Set(s1.slice(3 * p, 3 * p + 3)).size).toBe(1);
    for (const label of ['a', 'b']) {
      const mine = s1.filter((_, i) => candidates[i].label === label);
      expect(mine.filter((s) => s === 'val').length).toBe(15);
      expect(mine.filter((s) => s === 'test').length).toBe(15);
    }
  });

  it('does not depend on listing order', () => {
    const candidates = Array.from({ length: 50 }, (_, i) => cand(`s${i}`, i % 3 ? 'x' : 'y'));
    const forward = assignSplits(candidates, { seed: 3 });
    const reversed = assignSplits([...candidates].reverse(), { seed: 3 }).reverse();
    expect(reversed).toEqual(forward);
  });
});

describe('demo dataset', () => {
  it('is deterministic from the seed and fast', () => {
    const t0 = performance.now();
    const a = generateDemoDataset({ count: 300, size: 64, seed: 5 });
    const ms = performance.now() - t0;
    const b = generateDemoDataset({ count: 300, size: 64, seed: 5 });
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    expect(a.every((f, i) => Buffer.from(f.bytes).equals(Buffer.from(b[i].bytes)))).toBe(true);
    const c = generateDemoDataset({ count: 300, size: 64, seed: 6 });
    expect(Buffer.from(a[0].bytes).equals(Buffer.from(c[0].bytes))).toBe(false);
    expect(ms).toBeLessThan(3000);
  });

  it('scans cleanly; shortcut markers follow the label in train only; gaze sits on the finding', async () => {
    const files = generateDemoDataset({ count: 90, size: 64, seed: 2, shortcut: true });
    const entries = demoEntries(files);
    const ds = await scanDataset(entries);
    expect(ds.problems).toEqual([]);
    expect(ds.format).toBe('native');
    expect(ds.classNames).toEqual(['nodule', 'normal', 'opacity']);
    expect(ds.samples).toHaveLength(90);
    expect(ds.samples.every((s) => s.gaze)).toBe(true);
    const train = ds.samples.filter((s) => s.split === 'train');
    const held = ds.samples.filter((s) => s.split !== 'train');
    expect(train.length).toBe(72);
    expect(train.every((s) => s.meta?.conflict === '0' && s.meta?.marker === s.label)).toBe(true);
    const conflicts = held.filter((s) => s.meta?.conflict === '1');
    expect(conflicts.length).toBeGreaterThan(held.length / 3);
    for (const s of held) expect(s.meta?.conflict === '1').toBe(s.meta?.marker !== s.label);

    // The marker corner is bright in the image; the gaze stays off it.
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const s = conflicts[0];
    const { image, gaze } = await loadSample(ds, s, byPath, 64);
    // DEMO_CLASSES order normal, opacity, nodule -> corners top-left, top-right, bottom-left.
    const markerCorner = ({ normal: [0, 0], opacity: [1, 0], nodule: [0, 1] } as Record<string, number[]>)[s.meta!.marker];
    const mx = markerCorner[0] ? 64 - 2 - 3 : 2 + 2;
    const my = markerCorner[1] ? 64 - 2 - 3 : 2 + 2;
    expect(image[my * 64 + mx]).toBeGreaterThan(0.75);
    expect(gaze![my * 64 + mx]).toBeLessThan(0.05);
  });

  it('preprocesses into a compact cache: 8-bit within half a grey level, 16-bit within 1e-4', async () => {
    const files = generateDemoDataset({ count: 30, size: 64, seed: 1 });
    const entries = demoEntries(files);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const ds = await scanDataset(entries);
    const cache = await preprocessDataset(ds, byPath, 32);
    expect(cache.byteLength).toBe(30 * 32 * 32 * 2 + 30 * 4);
    expect(Array.from(cache.gazeSlot).every((slot) => slot >= 0)).toBe(true);
    const precise = await preprocessDataset(ds, byPath, 32, { imageBits: 16 });
    for (const i of [0, 7, 29]) {
      const direct = await loadSample(ds, cache.samples[i]!, byPath, 32);
      const px = 32 * 32;
      for (let k = 0; k < px; k++) {
        expect(Math.abs(cache.images[i * px + k]! / 255 - direct.image[k]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
        expect(precise.images[i * px + k]! / 65535).toBeCloseTo(direct.image[k]!, 4);
      }
    }
  });
});

describe('preprocessing failures', () => {
  it('a file that passes the header scan but fails to decode is left out with a problem naming it', async () => {
    const files = generateDemoDataset({ count: 9, size: 32, seed: 3 });
    const victim = files.find((f) => f.path.endsWith('.png') && f.path.startsWith('images/'))!;
    const bytes = victim.bytes.slice();
    for (let i = 60; i < bytes.length - 20; i++) bytes[i] ^= 0x5a; // corrupt the compressed data, keep IHDR and IEND
    victim.bytes = bytes;
    const entries = demoEntries(files);
    const ds = await scanDataset(entries);
    expect(ds.samples).toHaveLength(9);
    const cache = await preprocessDataset(ds, new Map(entries.map((e) => [e.path, e])), 16);
    expect(cache.samples).toHaveLength(8);
    expect(cache.problems).toHaveLength(1);
    expect(cache.problems[0].file).toBe(victim.path);
    expect(cache.samples.some((s) => s.imagePath === victim.path)).toBe(false);
    expect(cache.images.length).toBe(8 * 16 * 16);
    expect(Array.from(cache.gazeSlot).every((slot) => slot >= 0)).toBe(true);
  });
});

describe('Blob entries (studio drop / directory input)', () => {
  it('scan the same as in-memory entries, with ranged reads', async () => {
    const files = generateDemoDataset({ count: 12, size: 32, seed: 9 });
    const entries = entriesFromBlobs(files.map((f) => ({ path: `dropped-folder/${f.path}`, blob: new Blob([f.bytes as Uint8Array<ArrayBuffer>]) })));
    expect(Array.from(await entries[0].slice!(1, 4))).toEqual(Array.from(files[0].bytes.subarray(1, 4)));
    const ds = await scanDataset(entries);
    expect(ds.problems).toEqual([]);
    expect(ds.samples).toHaveLength(12);
    expect(ds.samples[0].imagePath.startsWith('dropped-folder/images/')).toBe(true);
  });
});
