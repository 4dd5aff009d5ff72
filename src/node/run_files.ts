/** Writing a run folder: atomic file writes (a crash never leaves half a checkpoint) and the run's artefacts. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSafetensors } from '../engine/io/torchvision.ts';
import { createModelFor } from '../engine/train/loop.ts';
import type { RunManifest } from '../engine/io/run_manifest.ts';
import { runArtifacts, type PythonSources } from '../engine/run/index.ts';
import type { ResNet } from '../engine/model/index.ts';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The run's artefacts (the files of an export) into `out`, each written atomically; returns their paths. */
export async function writeRunArtifacts(out: string, model: ResNet, manifest: RunManifest): Promise<string[]> {
  const files = await runArtifacts(model, manifest, await pythonSources());
  for (const file of files) await writeAtomic(join(out, ...file.path.split('/')), file.data);
  return files.map((f) => join(out, f.path));
}

/** The gazecam_torch modules every export ships, read from the repository's python/ package. */
async function pythonSources(): Promise<PythonSources> {
  const dir = fileURLToPath(new URL('../../python/gazecam_torch/', import.meta.url));
  const [models, safetensors] = await Promise.all([readFile(join(dir, 'models.py'), 'utf8'), readFile(join(dir, 'safetensors.py'), 'utf8')]);
  return { models, safetensors };
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
