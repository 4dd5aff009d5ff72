/**
 * The studio's export: the run's artefacts (src/engine/run/artifacts.ts, the same files
 * `gazecam train` writes) in one zip, built in the worker from the live model; nothing but the
 * user's download leaves it. The Python modules ship as the repo has them, so what users load is
 * what CI checks.
 */
import type { ResNet } from '../engine/model/index.ts';
import { runArtifacts, runManifestFor, type ArtifactFile } from '../engine/run/index.ts';
import type { TrainConfig } from '../engine/train/config.ts';
import type { EpochRecord } from '../engine/train/loop.ts';
import type { SplitMetrics } from '../engine/train/metrics.ts';
import type { DatasetReport } from './protocol.ts';
import { zipSync } from 'fflate';
import torchModelsPy from '../../python/gazecam_torch/models.py?raw';
import torchSafetensorsPy from '../../python/gazecam_torch/safetensors.py?raw';

export interface ExportInput {
  model: ResNet;
  config: TrainConfig;
  classNames: string[];
  history: EpochRecord[];
  test: SplitMetrics | null;
  report: DatasetReport;
  datasetName: string;
}

/** The files as one zip, stored uncompressed: weights barely compress, and the worker stays quick. */
export function zipArtifacts(files: ArtifactFile[]): Uint8Array {
  return zipSync(Object.fromEntries(files.map((f) => [f.path, [f.data, { level: 0 }]])));
}

export async function buildExportBundle(input: ExportInput): Promise<{ fileName: string; bytes: Uint8Array; files: string[] }> {
  const { model, config, report } = input;
  const manifest = runManifestFor({
    config,
    classNames: input.classNames,
    history: input.history,
    test: input.test,
    dataset: { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length },
  });
  const files = await runArtifacts(model, manifest, { models: torchModelsPy, safetensors: torchSafetensorsPy });
  const safeName = input.datasetName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'dataset';
  return {
    fileName: `gazecam-${safeName}-${config.arch}-${config.size}px.zip`,
    bytes: zipArtifacts(files),
    files: files.map((f) => f.path),
  };
}
