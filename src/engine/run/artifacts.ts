/**
 * A run's artefacts: the files of an export, the same whether `gazecam train` writes them to its
 * --out folder or the studio zips them for download. model.safetensors (torchvision names; plus
 * gaze_head.safetensors for multi-task), the tfjs model, run.json, a README on loading it, and
 * torch_gazecam_models.py: the gazecam_torch package's models and safetensors modules joined into
 * one file, so a user needs only torch, torchvision and numpy (the narrow ResNets are not in
 * torchvision).
 */
import { buildRunManifest, type RunManifest } from '../io/run_manifest.ts';
import { exportTfjs, TFJS_WEIGHTS_FILE } from '../io/tfjs_export.ts';
import { exportSafetensors } from '../io/torchvision.ts';
import type { ResNet } from '../model/index.ts';
import { effectiveCamStride, usesGazeHead, type TrainConfig } from '../train/config.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { SplitMetrics } from '../train/metrics.ts';

export interface ArtifactFile {
  /** relative to the run folder or the zip's root, '/'-separated */
  path: string;
  data: Uint8Array;
}

/** The two gazecam_torch modules shipped with every export; each adapter reads them its own way. */
export interface PythonSources {
  models: string;
  safetensors: string;
}

export const TORCH_MODELS_FILE = 'torch_gazecam_models.py';

/** Both modules import nothing else from the package, so joined they are one importable file. */
export function torchModelsSource(python: PythonSources): string {
  return '"""torch_gazecam_models: gazecam_torch.models and gazecam_torch.safetensors in one file (torch, torchvision, numpy)."""\n' +
    `${python.models}\n\n${python.safetensors}`;
}

/** run.json for a finished (or stopped) run. */
export function runManifestFor(run: {
  config: TrainConfig;
  classNames: string[];
  history: EpochRecord[];
  test: SplitMetrics | null;
  dataset: RunManifest['dataset'];
}): RunManifest {
  return buildRunManifest({
    ...run,
    camStride: effectiveCamStride(run.config),
    gazeHead: usesGazeHead(run.config),
  });
}

/** The export's README: what each file is, and the Python that loads it. */
export function exportReadme(m: RunManifest): string {
  const { arch, numClasses, camStride } = m.model;
  const torchvision = m.model.pytorch.startsWith('torchvision.') ? m.model.pytorch.split(';')[0] : null;
  const torchvisionNote = torchvision
    ? `\n\nThis is torchvision's own \`${torchvision}\`${camStride === 32 ? '' : ' with the stride change below'}; with the ` +
      '`safetensors` package, `model.load_state_dict(safetensors.torch.load_file("model.safetensors"), strict=True)` works too.'
    : '';
  const strideNote = camStride === 32
    ? ''
    : `\n\nThe CAM is at input/${camStride}: \`cam_stride=${camStride}\` sets stride 1 in the stages training changed ` +
      '(the weights are the same; only the strides differ from torchvision).';
  const head = m.files.gazeHead
    ? `
head = build_gaze_head(model_feature_channels("${arch}"))
head.load_state_dict(strip_prefix(read_state_dict("${m.files.gazeHead}"), "gaze_head."), strict=True)
head.eval()`
    : '';
  return `# GazeCAM Studio export

Trained with GazeCAM Studio: ${arch}, ${m.classNames.length} classes (${m.classNames.join(', ')}),
input ${m.preprocess.size} px, gaze method "${m.config.method}" (loss ${m.config.loss}, lambda ${m.config.lambda}).

| File | What |
| --- | --- |
| model.safetensors | the backbone + fc as a torchvision state_dict (OIHW convs, fc.weight [K, C], BN running stats) |
${m.files.gazeHead ? '| gaze_head.safetensors | the multi-task gaze decoder (not part of torchvision) |\n' : ''}| tfjs/model.json + ${TFJS_WEIGHTS_FILE} | the same weights for \`tf.loadLayersModel\` |
| run.json | config, preprocessing, class names, metrics per epoch |
| ${TORCH_MODELS_FILE} | the PyTorch model definitions and a safetensors reader (needs only torch, torchvision, numpy) |

## Load in PyTorch

From this folder:

\`\`\`python
import torch
from torch_gazecam_models import build_backbone, build_gaze_head, forward, model_feature_channels, read_state_dict, strip_prefix

model = build_backbone("${arch}", num_classes=${numClasses}, cam_stride=${camStride})
model.load_state_dict(read_state_dict("model.safetensors"), strict=True)
model.eval()${head}
\`\`\`${torchvisionNote}${strideNote}

\`forward(model, x)\` returns the logits, the last feature map (for CAMs: \`fc.weight\` as a 1x1 conv over it)
and the gaze head's map when a head is passed.

Preprocess exactly as in training: ${m.preprocess.decode}; mean ${JSON.stringify(m.preprocess.mean)}, std ${JSON.stringify(m.preprocess.std)}.
The class order is ${JSON.stringify(m.classNames)}.
`;
}

/** Every file of the export; run.json comes last. */
export async function runArtifacts(model: ResNet, manifest: RunManifest, python: PythonSources): Promise<ArtifactFile[]> {
  const meta = { 'gazecam.run': JSON.stringify({ classNames: manifest.classNames, preprocess: manifest.preprocess, model: manifest.model }) };
  const { model: weights, gazeHead } = await exportSafetensors(model, meta);
  const tfjs = await exportTfjs(model);
  const text = new TextEncoder();
  return [
    { path: manifest.files.weights, data: weights },
    ...(gazeHead && manifest.files.gazeHead ? [{ path: manifest.files.gazeHead, data: gazeHead }] : []),
    { path: manifest.files.tfjs, data: text.encode(JSON.stringify(tfjs.modelJson)) },
    { path: `tfjs/${TFJS_WEIGHTS_FILE}`, data: tfjs.weights },
    { path: 'README.md', data: text.encode(exportReadme(manifest)) },
    { path: TORCH_MODELS_FILE, data: text.encode(torchModelsSource(python)) },
    // Last: a folder holding run.json holds a finished run.
    { path: 'run.json', data: text.encode(JSON.stringify(manifest, null, 2) + '\n') },
  ];
}
