/**
 * The studio's export: one zip with everything needed to use the model elsewhere, the same files
 * `gazecam train` writes (src/node/run_files.ts): model.safetensors with torchvision names (plus
 * gaze_head.safetensors for multi-task), the tfjs model, run.json, and a README on loading it in
 * PyTorch with the bundled torch_gazecam_models.py (the narrow ResNets are not in torchvision): the
 * gazecam_torch package's models and safetensors modules joined into one file, so a user needs only
 * torch, torchvision and numpy. Built in the worker from the live model; nothing but the user's
 * download leaves it.
 */
import { buildRunManifest, type RunManifest } from '../engine/io/run_manifest.ts';
import { exportTfjs, TFJS_WEIGHTS_FILE } from '../engine/io/tfjs_export.ts';
import { exportSafetensors } from '../engine/io/torchvision.ts';
import type { ResNet } from '../engine/model/index.ts';
import { effectiveCamStride, usesGazeHead, type TrainConfig } from '../engine/train/config.ts';
import type { EpochRecord } from '../engine/train/loop.ts';
import type { SplitMetrics } from '../engine/train/metrics.ts';
import type { DatasetReport } from './protocol.ts';
import { zipStored, type ZipEntry } from './zip.ts';
// The package's own modules, which the repo's PyTorch tests use: what users load is what CI checks.
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

/** The PyTorch definitions of every architecture (narrow ones included), numpy + torch only. */
const TORCH_MODELS_FILE = 'torch_gazecam_models.py';
/** Both modules import nothing else from the package, so joined they are one importable file. */
export const TORCH_MODELS_SOURCE =
  '"""torch_gazecam_models: gazecam_torch.models and gazecam_torch.safetensors in one file (torch, torchvision, numpy)."""\n' +
  `${torchModelsPy}\n\n${torchSafetensorsPy}`;

function readme(m: RunManifest): string {
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

Trained in the browser with GazeCAM Studio: ${arch}, ${m.classNames.length} classes (${m.classNames.join(', ')}),
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

export async function buildExportBundle(input: ExportInput): Promise<{ fileName: string; bytes: Uint8Array; files: string[] }> {
  const { model, config, classNames, report } = input;
  const manifest = buildRunManifest({
    config,
    classNames,
    camStride: effectiveCamStride(config),
    gazeHead: usesGazeHead(config),
    history: input.history,
    test: input.test,
    dataset: { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length },
  });
  const meta = { 'gazecam.run': JSON.stringify({ classNames, preprocess: manifest.preprocess, model: manifest.model }) };
  const { model: weights, gazeHead } = await exportSafetensors(model, meta);
  const tfjs = await exportTfjs(model);
  const text = new TextEncoder();
  const entries: ZipEntry[] = [
    { path: 'model.safetensors', data: weights },
    ...(gazeHead ? [{ path: 'gaze_head.safetensors', data: gazeHead }] : []),
    { path: 'tfjs/model.json', data: text.encode(JSON.stringify(tfjs.modelJson)) },
    { path: `tfjs/${TFJS_WEIGHTS_FILE}`, data: tfjs.weights },
    { path: 'run.json', data: text.encode(JSON.stringify(manifest, null, 2) + '\n') },
    { path: 'README.md', data: text.encode(readme(manifest)) },
    { path: TORCH_MODELS_FILE, data: text.encode(TORCH_MODELS_SOURCE) },
  ];
  const safeName = input.datasetName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'dataset';
  return {
    fileName: `gazecam-${safeName}-${config.arch}-${config.size}px.zip`,
    bytes: zipStored(entries),
    files: entries.map((e) => e.path),
  };
}
