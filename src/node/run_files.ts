/** Writing a run folder: atomic file writes (a crash never leaves half a checkpoint) and exports. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportSafetensors, importSafetensors } from '../engine/io/torchvision.ts';
import { createModelFor } from '../engine/train/loop.ts';
import { exportTfjs, TFJS_WEIGHTS_FILE } from '../engine/io/tfjs_export.ts';
import type { RunManifest } from '../engine/io/run_manifest.ts';
import type { ResNet } from '../engine/model/index.ts';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** model.safetensors (+ gaze_head.safetensors), tfjs/model.json + weights, run.json. */
export async function writeRunExports(out: string, model: ResNet, manifest: RunManifest): Promise<string[]> {
  const meta = { 'gazecam.run': JSON.stringify({ classNames: manifest.classNames, preprocess: manifest.preprocess, model: manifest.model }) };
  const { model: weights, gazeHead } = await exportSafetensors(model, meta);
  const written = [join(out, 'model.safetensors')];
  await writeAtomic(written[0], weights);
  if (gazeHead) {
    written.push(join(out, 'gaze_head.safetensors'));
    await writeAtomic(written[1], gazeHead);
  }
  const tfjs = await exportTfjs(model);
  await writeAtomic(join(out, 'tfjs', 'model.json'), JSON.stringify(tfjs.modelJson));
  await writeAtomic(join(out, 'tfjs', TFJS_WEIGHTS_FILE), tfjs.weights);
  written.push(join(out, 'tfjs', 'model.json'));
  await writeAtomic(join(out, 'run.json'), JSON.stringify(manifest, null, 2) + '\n');
  written.push(join(out, 'run.json'));
  return written;
}

/** Reads a run folder written by `gazecam train` and rebuilds its model with the trained weights. */
export async function loadRun(dir: string): Promise<{ manifest: RunManifest; model: ResNet }> {
  const { readFile } = await import('node:fs/promises');
  const manifestPath = join(dir, 'run.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8').catch(() => {
    throw new Error(`${manifestPath} not found: pass the --out folder of a finished \`gazecam train\``);
  })) as RunManifest;
  if (manifest.format !== 'gazecam-run') throw new Error(`${manifestPath}: not a GazeCAM run manifest (format ${manifest.format})`);
  const model = createModelFor(manifest.config, manifest.classNames.length);
  const weights = new Uint8Array(await readFile(join(dir, manifest.files.weights)));
  const head = manifest.files.gazeHead ? new Uint8Array(await readFile(join(dir, manifest.files.gazeHead))) : null;
  importSafetensors(model, weights, head);
  return { manifest, model };
}
