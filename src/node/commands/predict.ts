/**
 * `gazecam predict <run> <dataset> --out <dir> [--npy]` (DESIGN.md section 3): predictions.csv
 * (image, true label if known, one probability column per class, predicted class), a CAM overlay
 * PNG per image, and with --npy logits.npy [N,K] and cams.npy [N,K,H,W] (refined CAMs before the
 * sigmoid, NCHW), rows in the order of predictions.csv.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { scanDataset } from '../../data/index.ts';
import { nhwcToNchw } from '../../engine/io/layout.ts';
import { encodeNpyFloat32 } from '../../engine/io/npy.ts';
import { evaluateSplit, loadSamples } from '../../engine/train/index.ts';
import { overlayRgb } from '../../engine/viz/colormap.ts';
import { CliError, parseArgs, UsageError } from '../args.ts';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend.ts';
import { checkDatasetFolder, entriesFromDirectory } from '../fs-dataset.ts';
import { bar, ProgressLine } from '../progress.ts';
import { loadRun, writeAtomic } from '../run_files.ts';
import { assertNoGPUErrors } from '../webgpu.ts';

export const usage = `usage: gazecam predict <run> <dataset> --out <dir> [--npy] [--no-overlays] [--backend webgpu|cpu]

  <run>          a folder written by \`gazecam train\` (run.json, model.safetensors)
  --out DIR      where predictions.csv, cams/<id>.png (and .npy files) go
  --npy          also write logits.npy [N,K], cams.npy [N,K,H,W] (float32, refined CAMs before the
                 sigmoid) and inputs.npy [N,3,H,W] (the preprocessed network input, NCHW)
  --no-overlays  skip the CAM overlay PNGs`;

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    out: { type: 'string' }, npy: { type: 'boolean' }, 'no-overlays': { type: 'boolean' }, backend: { type: BACKEND_CHOICES },
  });
  if (positional.length !== 2) throw new UsageError('expected <run> and <dataset>');
  if (!flags.out) throw new UsageError('--out <dir> is required');
  const out = flags.out as string;
  // Both folders are checked before the slow WebGPU start-up.
  if (!(await stat(positional[0]).then((s) => s.isDirectory(), () => false))) {
    throw new CliError(`run folder ${positional[0]} does not exist; pass a folder written by 'gazecam train --out'`);
  }
  await checkDatasetFolder(positional[1]);
  const progress = new ProgressLine();
  const adapter = await selectBackend((flags.backend as BackendChoice | undefined) ?? 'webgpu');
  progress.log(`backend ${flags.backend ?? 'webgpu'}: ${adapter.description}`);
  const { manifest, model } = await loadRun(positional[0]);
  const { config, classNames } = manifest;
  const size = config.size;

  const entries = await entriesFromDirectory(positional[1]);
  const dataset = await scanDataset(entries, { seed: config.seed });
  for (const p of dataset.problems.slice(0, 10)) progress.log(`problem: ${p.file}: ${p.error}`);
  const problems = [...dataset.problems];
  const data = await loadSamples(dataset, dataset.samples, 'test', new Map(entries.map((e) => [e.path, e])), size,
    config.gazeSigmaPx, problems, (done) => progress.update(`preprocessing ${bar(done / dataset.samples.length)} ${done}/${dataset.samples.length}`), classNames);
  const { metrics, predictions } = await evaluateSplit(model, data, config, classNames.length, { collect: true });
  if (flags.backend !== 'cpu') assertNoGPUErrors('gazecam predict');
  model.dispose();
  const k = classNames.length;
  const pixels = size * size;
  const p = predictions!;

  const rows = [['image', 'label', ...classNames.map((c) => `p_${c}`), 'predicted'].join(',')];
  for (let i = 0; i < data.count; i++) {
    const probs = Array.from(p.probs.subarray(i * k, (i + 1) * k));
    const label = data.labels[i] >= 0 ? classNames[data.labels[i]] : '';
    rows.push([csvField(data.imagePaths[i]), csvField(label), ...probs.map((v) => v.toPrecision(6)), classNames[probs.indexOf(Math.max(...probs))]].join(','));
  }
  await writeAtomic(join(out, 'predictions.csv'), rows.join('\n') + '\n');

  if (!flags['no-overlays']) {
    const heat = new Float32Array(pixels);
    const gray = new Float32Array(pixels);
    for (let i = 0; i < data.count; i++) {
      const probs = Array.from(p.probs.subarray(i * k, (i + 1) * k));
      const cls = probs.indexOf(Math.max(...probs));
      for (let q = 0; q < pixels; q++) {
        heat[q] = p.cams[(i * pixels + q) * k + cls];
        gray[q] = data.images[i * pixels + q] / 65535;
      }
      const png = encodePng({ width: size, height: size, data: overlayRgb(gray, heat), channels: 3, depth: 8 });
      const name = data.imagePaths[i].replace(/^images\//, '').replace(/\.[^.\/]+$/, '').replace(/[\/\\]/g, '__');
      await writeAtomic(join(out, 'cams', `${name}.png`), png);
    }
  }
  if (flags.npy) {
    await writeAtomic(join(out, 'logits.npy'), encodeNpyFloat32(p.logits, [data.count, k]));
    // The exact network input, so PyTorch can be checked on identical tensors (preprocessing
    // differences between image libraries would otherwise dominate any comparison).
    const inputs = new Float32Array(data.count * 3 * pixels);
    for (let i = 0; i < data.count; i++) {
      for (let c = 0; c < 3; c++) {
        for (let q = 0; q < pixels; q++) {
          inputs[(i * 3 + c) * pixels + q] = (data.images[i * pixels + q] / 65535 - config.mean[c]) / config.std[c];
        }
      }
    }
    await writeAtomic(join(out, 'inputs.npy'), encodeNpyFloat32(inputs, [data.count, 3, size, size]));
    const camsNchw = nhwcToNchw(p.cams, [data.count, size, size, k]);
    await writeAtomic(join(out, 'cams.npy'), encodeNpyFloat32(camsNchw, [data.count, k, size, size]));
  }
  progress.log(`predicted ${data.count} images` + (problems.length ? ` (${problems.length} problems)` : '') +
    (metrics.count ? `; on the ${metrics.count} with known labels: acc ${metrics.accuracy.toFixed(3)} AUC ${metrics.macroAuc.toFixed(3)}` : '') +
    `; wrote ${out}/predictions.csv`);
  return 0;
}
