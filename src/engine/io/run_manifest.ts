/**
 * run.json: everything needed to use or reproduce a run outside GazeCAM Studio — the config, the
 * preprocessing, class names, the CAM strides a PyTorch user must set, and metrics per epoch.
 * Shared by the CLI's `train` and the studio's export bundle.
 */
import { archDefinition, stageStridesFor, type CamStride, type ResNetArch } from '../model/index.ts';
import type { TrainConfig } from '../train/config.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { SplitMetrics } from '../train/metrics.ts';

export const RUN_FORMAT = 'gazecam-run';

export interface RunManifest {
  format: typeof RUN_FORMAT;
  version: 1;
  created: string;
  config: TrainConfig;
  classNames: string[];
  model: {
    arch: ResNetArch;
    numClasses: number;
    camStride: CamStride;
    /** strides of layer1..layer4 (torchvision: 1,2,2,2) */
    stageStrides: [number, number, number, number];
    gazeHead: boolean;
    pytorch: string;
  };
  preprocess: {
    size: number;
    channels: 'gray repeated to 3';
    mean: number[];
    std: number[];
    decode: string;
  };
  files: { weights: string; gazeHead?: string; tfjs: string };
  metrics: { history: EpochRecord[]; test: SplitMetrics | null };
  dataset: { format: string; images: number; splits: { train: number; val: number; test: number }; problems: number };
}

export function buildRunManifest(args: {
  config: TrainConfig;
  classNames: string[];
  camStride: CamStride;
  gazeHead: boolean;
  history: EpochRecord[];
  test: SplitMetrics | null;
  dataset: RunManifest['dataset'];
  created?: Date;
}): RunManifest {
  const { config: c } = args;
  const strides = stageStridesFor(args.camStride);
  const def = archDefinition(c.arch);
  const strideNote =
    args.camStride === 32
      ? ''
      : `; then set stride 1 in ${strides[2] === 1 ? 'layer3[0] and layer4[0]' : 'layer4[0]'} ` +
        `(conv${def.block === 'bottleneck' ? '2' : '1'}.stride and downsample[0].stride = (1, 1)) so the CAM is input/${args.camStride}`;
  return {
    format: RUN_FORMAT,
    version: 1,
    created: (args.created ?? new Date()).toISOString(),
    config: c,
    classNames: args.classNames,
    model: {
      arch: c.arch,
      numClasses: args.classNames.length,
      camStride: args.camStride,
      stageStrides: strides,
      gazeHead: args.gazeHead,
      pytorch: `${def.pytorch.replace('{K}', String(args.classNames.length))}${strideNote}`,
    },
    preprocess: {
      size: c.size,
      channels: 'gray repeated to 3',
      mean: [...c.mean],
      std: [...c.std],
      decode:
        'one channel in [0,1]: 8-bit /255, 16-bit /65535, DICOM rescale slope/intercept then the file\'s window, ' +
        'MONOCHROME1 inverted; bilinear resize to size x size; x = (gray - mean[c]) / std[c] for c in RGB',
    },
    files: { weights: 'model.safetensors', ...(args.gazeHead ? { gazeHead: 'gaze_head.safetensors' } : {}), tfjs: 'tfjs/model.json' },
    metrics: { history: args.history, test: args.test },
    dataset: args.dataset,
  };
}
