/**
 * The built-in demo dataset: synthetic chest-X-ray-like images (body, lungs, ribs, mediastinum,
 * heart, noise) in three classes, `normal`, `opacity` (a faint, broad density) and `nodule` (a
 * small round density), the finding placed anywhere in either lung, and simulated radiologist gaze
 * that dwells on the finding. Written in the native layout, deterministic from the seed, and fast
 * enough for the studio's "Load demo dataset" button (300 images at 128 px in well under a second).
 *
 * `shortcut: true` ("harder mode") adds a bright corner marker. In train its corner follows the
 * label; in val/test it is drawn at random, so it contradicts the label about two times in three.
 * split.csv records `marker` (the class whose corner holds the marker) and `conflict` (1 when
 * that is not the label), so the engine can report accuracy on conflicting images. Gaze always
 * stays on the real finding: that is what lets gaze supervision beat the shortcut.
 */
import { encode as encodePng } from 'fast-png';
import { renderFixations } from './gaze.ts';
import { minMaxNormalise } from './resize.ts';
import { gaussian, mulberry32, shuffleInPlace } from '../util/rng.ts';
import type { DatasetEntry, Fixation, Split } from './types.ts';

export const DEMO_CLASSES = ['normal', 'opacity', 'nodule'] as const;
export type DemoClass = (typeof DEMO_CLASSES)[number];

export interface DemoOptions {
  /** images in total, split evenly over the classes (default 300) */
  count?: number;
  /** image side in pixels (default 128) */
  size?: number;
  seed?: number;
  /** corner marker that tracks the label in train only */
  shortcut?: boolean;
  /** gaze as fixation CSVs (default) or as heatmap PNGs */
  gaze?: 'fixations' | 'heatmap';
  /** scales the findings' contrast (default 1): the training work tunes how subtle they are */
  findingContrast?: number;
}

export interface DemoFile {
  path: string;
  bytes: Uint8Array;
}

interface Finding {
  x: number;
  y: number;
  radius: number;
}

/** Marker corners in class order: top-left, top-right, bottom-left. */
const CORNERS: [number, number][] = [
  [0, 0],
  [1, 0],
  [0, 1],
];

export function generateDemoDataset(options: DemoOptions = {}): DemoFile[] {
  const count = options.count ?? 300;
  const size = options.size ?? 128;
  const seed = options.seed ?? 0;
  if (!(Number.isInteger(count) && count >= 3)) throw new Error(`demo count must be an integer >= 3, got ${count}`);
  if (!(Number.isInteger(size) && size >= 32 && size <= 1024)) throw new Error(`demo size must be an integer in 32..1024, got ${size}`);
  if (options.findingContrast !== undefined && !(options.findingContrast >= 0 && Number.isFinite(options.findingContrast))) {
    throw new Error(`demo finding contrast must be a number >= 0, got ${options.findingContrast}`);
  }
  const rand = mulberry32(seed);
  const files: DemoFile[] = [];
  const labels: DemoClass[] = Array.from({ length: count }, (_, i) => DEMO_CLASSES[i % DEMO_CLASSES.length]);
  const splits = demoSplits(labels, rand);
  const splitRows = ['image,split,marker,conflict'];
  const digits = String(count).length;
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    const id = `demo-${String(i + 1).padStart(Math.max(4, digits), '0')}`;
    const anatomy = randomAnatomy(rand, size);
    const pixels = renderChest(anatomy, size, rand);
    let finding: Finding | undefined;
    if (label !== 'normal') {
      finding = placeFinding(anatomy, size, label, rand);
      addFinding(pixels, size, finding, label, options.findingContrast ?? 1);
    }
    let markerClass = '';
    let conflict = 0;
    if (options.shortcut) {
      const classIndex = DEMO_CLASSES.indexOf(label);
      const corner = splits[i] === 'train' ? classIndex : Math.floor(rand() * DEMO_CLASSES.length);
      drawMarker(pixels, size, CORNERS[corner]);
      markerClass = DEMO_CLASSES[corner];
      conflict = corner === classIndex ? 0 : 1;
    }
    addNoise(pixels, rand);
    const imagePath = `images/${label}/${id}.png`;
    files.push({ path: imagePath, bytes: encodeGray8(pixels, size, size) });
    const fixations = simulateGaze(anatomy, size, finding, rand);
    if (options.gaze === 'heatmap') {
      const map = renderFixations({ kind: 'fixations', path: '', fixations }, size, size, size, size) ?? new Float32Array(size * size);
      minMaxNormalise(map);
      files.push({ path: `gaze/${label}/${id}.png`, bytes: encodeGray8(map, size, size) });
    } else {
      const rows = ['x,y,duration', ...fixations.map((f) => `${f.x.toFixed(1)},${f.y.toFixed(1)},${f.durationS!.toFixed(3)}`)];
      files.push({ path: `gaze/${label}/${id}.csv`, bytes: new TextEncoder().encode(rows.join('\n') + '\n') });
    }
    splitRows.push(`${imagePath},${splits[i]},${markerClass},${options.shortcut ? conflict : ''}`);
  }
  files.push({ path: 'split.csv', bytes: new TextEncoder().encode(splitRows.join('\n') + '\n') });
  const info = { generator: 'gazecam demo', classes: DEMO_CLASSES, count, size, seed, shortcut: Boolean(options.shortcut), gaze: options.gaze ?? 'fixations', findingContrast: options.findingContrast ?? 1 };
  files.push({ path: 'demo.json', bytes: new TextEncoder().encode(JSON.stringify(info, null, 2) + '\n') });
  return files;
}

/** In-memory entries for the studio: the demo scans like any dropped folder. */
export function demoEntries(files: DemoFile[]): DatasetEntry[] {
  return files.map((f) => ({
    path: f.path,
    size: f.bytes.length,
    read: async () => f.bytes,
    slice: async (start: number, end: number) => f.bytes.subarray(start, end),
  }));
}

function demoSplits(labels: DemoClass[], rand: () => number): Split[] {
  const out: Split[] = new Array(labels.length);
  for (const cls of DEMO_CLASSES) {
    const idx = shuffleInPlace(labels.map((l, i) => (l === cls ? i : -1)).filter((i) => i >= 0), rand);
    const nVal = Math.round(idx.length * 0.1);
    const nTest = Math.round(idx.length * 0.1);
    idx.forEach((i, k) => (out[i] = k < nVal ? 'val' : k < nVal + nTest ? 'test' : 'train'));
  }
  return out;
}

interface Anatomy {
  cx: number;
  cy: number;
  scale: number;
  contrast: number;
  lungs: { x: number; y: number; rx: number; ry: number }[];
  ribPhase: number;
  ribCurve: number;
}

function randomAnatomy(rand: () => number, size: number): Anatomy {
  const scale = size * (0.93 + 0.1 * rand());
  const cx = size * (0.5 + 0.03 * (rand() - 0.5) * 2);
  const cy = size * (0.52 + 0.03 * (rand() - 0.5) * 2);
  const spread = 0.18 + 0.02 * rand();
  return {
    cx,
    cy,
    scale,
    contrast: 0.85 + 0.3 * rand(),
    lungs: [-1, 1].map((side) => ({
      x: cx + side * spread * scale,
      y: cy - 0.06 * scale,
      rx: (0.135 + 0.02 * rand()) * scale,
      ry: (0.27 + 0.03 * rand()) * scale,
    })),
    ribPhase: rand(),
    ribCurve: 0.9 + 0.4 * rand(),
  };
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(Math.max((x - edge0) / (edge1 - edge0), 0), 1);
  return t * t * (3 - 2 * t);
}

/** 1 inside the ellipse, 0 outside, with a soft edge of about `soft` (fraction of the radius). */
function ellipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number, soft = 0.15): number {
  const d = Math.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2);
  return 1 - smoothstep(1 - soft, 1 + soft, d);
}

function lungMask(a: Anatomy, x: number, y: number): number {
  const [l, r] = a.lungs;
  const left = ellipse(x, y, l.x, l.y, l.rx, l.ry, 0.12);
  const right = ellipse(x, y, r.x, r.y, r.rx, r.ry, 0.12);
  return left > right ? left : right;
}

function renderChest(a: Anatomy, size: number, rand: () => number): Float32Array {
  const out = new Float32Array(size * size);
  const s = a.scale;
  const ribSpacing = 0.075 * s;
  const ribWidth = 0.018 * s;
  const haze = 0.03 * (rand() - 0.5);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const body = ellipse(px, py, a.cx, a.cy + 0.05 * s, 0.44 * s, 0.56 * s, 0.08);
      let v = 0.06 + 0.5 * body;
      const lung = lungMask(a, px, py);
      v -= 0.3 * lung;
      // Mediastinum and spine: a bright central column; heart: a bright blob to the image's right.
      const spine = Math.exp(-(((px - a.cx) / (0.045 * s)) ** 2)) * smoothstep(0.05 * s, 0.2 * s, py) * body;
      v += 0.16 * spine;
      v += 0.2 * ellipse(px, py, a.cx + 0.06 * s, a.cy + 0.14 * s, 0.14 * s, 0.12 * s, 0.3);
      // Posterior ribs: arcs that curve down towards the sides, visible through the lungs.
      const dx = (px - a.cx) / s;
      const arc = (py + a.ribCurve * 0.9 * dx * dx * s) / ribSpacing + a.ribPhase;
      const ribDist = Math.abs(arc - Math.round(arc)) * ribSpacing;
      v += 0.08 * (1 - smoothstep(0, ribWidth, ribDist)) * (0.35 + 0.65 * lung) * body;
      // Clavicles across the top.
      const clav = Math.abs(py - (a.cy - 0.36 * s) + 0.25 * Math.abs(px - a.cx));
      v += 0.1 * (1 - smoothstep(0, 0.014 * s, clav)) * smoothstep(0.05 * s, 0.1 * s, Math.abs(px - a.cx)) * body;
      out[y * size + x] = (v + haze) * a.contrast;
    }
  }
  return out;
}

function placeFinding(a: Anatomy, size: number, label: DemoClass, rand: () => number): Finding {
  const radius = (label === 'nodule' ? 0.035 + 0.01 * rand() : 0.085 + 0.03 * rand()) * a.scale;
  for (let attempt = 0; attempt < 100; attempt++) {
    const lung = a.lungs[rand() < 0.5 ? 0 : 1];
    const x = lung.x + (rand() * 2 - 1) * lung.rx * 0.75;
    const y = lung.y + (rand() * 2 - 1) * lung.ry * 0.75;
    if (ellipse(x, y, lung.x, lung.y, lung.rx * 0.8, lung.ry * 0.8, 0.01) > 0.5 && x > 0 && y > 0 && x < size && y < size) return { x, y, radius };
  }
  return { x: a.lungs[0].x, y: a.lungs[0].y, radius };
}

function addFinding(pixels: Float32Array, size: number, f: Finding, label: DemoClass, contrast: number): void {
  // Amplitudes are small next to the rib contrast (0.08) and the noise (0.035): learnable, not obvious.
  const amplitude = (label === 'nodule' ? 0.13 : 0.09) * contrast;
  const x0 = Math.max(0, Math.floor(f.x - 3 * f.radius));
  const x1 = Math.min(size - 1, Math.ceil(f.x + 3 * f.radius));
  const y0 = Math.max(0, Math.floor(f.y - 3 * f.radius));
  const y1 = Math.min(size - 1, Math.ceil(f.y + 3 * f.radius));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x + 0.5 - f.x, y + 0.5 - f.y) / f.radius;
      const profile = label === 'nodule' ? 1 - smoothstep(0.8, 1.2, d) : Math.exp(-0.5 * d * d * 2);
      pixels[y * size + x] += amplitude * profile;
    }
  }
}

function drawMarker(pixels: Float32Array, size: number, corner: [number, number]): void {
  const side = Math.max(3, Math.round(size * 0.07));
  const margin = Math.max(1, Math.round(size * 0.03));
  const x0 = corner[0] ? size - margin - side : margin;
  const y0 = corner[1] ? size - margin - side : margin;
  for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) pixels[y * size + x] = 0.92;
}

function addNoise(pixels: Float32Array, rand: () => number): void {
  for (let i = 0; i < pixels.length; i++) pixels[i] += 0.035 * gaussian(rand);
}

/** A reading: a quick survey of both lungs, then long dwells on the finding when there is one. */
function simulateGaze(a: Anatomy, size: number, finding: Finding | undefined, rand: () => number): Fixation[] {
  const fixations: Fixation[] = [];
  const clamp = (v: number) => Math.min(size - 1, Math.max(0, v));
  const survey = finding ? 6 : 14;
  for (let k = 0; k < survey; k++) {
    const lung = a.lungs[k % 2];
    fixations.push({
      x: clamp(lung.x + gaussian(rand) * lung.rx * 0.5),
      y: clamp(lung.y + gaussian(rand) * lung.ry * 0.5),
      durationS: 0.12 + 0.15 * rand(),
    });
  }
  if (finding) {
    const dwell = 8 + Math.floor(rand() * 5);
    for (let k = 0; k < dwell; k++) {
      fixations.push({
        x: clamp(finding.x + gaussian(rand) * Math.max(1, finding.radius * 0.5)),
        y: clamp(finding.y + gaussian(rand) * Math.max(1, finding.radius * 0.5)),
        durationS: 0.3 + 0.5 * rand(),
      });
    }
  }
  return fixations;
}

function encodeGray8(values: Float32Array, width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return encodePng({ width, height, data, depth: 8, channels: 1 });
}
