/**
 * The multi-task gaze head (Karargyris et al. 2021, EGD-CXR): a small decoder that predicts the
 * gaze heatmap from the backbone's last feature map, trained jointly with classification.
 *
 * PyTorch equivalent (what the separate `gaze_head.safetensors` loads into, prefix stripped):
 *   nn.Sequential(nn.Conv2d(C, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(hidden, 1, 1))
 * so its keys are `gaze_head.0.weight/bias` and `gaze_head.2.weight/bias`. It outputs logits at the
 * feature-map resolution (input/camStride); the loss upsamples them to the gaze map's size with
 * bilinear align_corners=True, exactly as CAMs are refined (`upsampleAlignCorners` in
 * kernels/refine/ops.ts, used by train/step.ts).
 */
import { convEntries, type ConvSpec, type StateEntrySpec } from './arch.ts';

export const GAZE_HEAD_PREFIX = 'gaze_head.';

export interface GazeHeadConfig {
  /** Channels of the hidden 3x3 conv. Default 64. */
  hidden: number;
}

export const DEFAULT_GAZE_HEAD: GazeHeadConfig = { hidden: 64 };

export function gazeHeadConvs(featureChannels: number, config: GazeHeadConfig): [ConvSpec, ConvSpec] {
  if (!Number.isInteger(config.hidden) || config.hidden < 1) {
    throw new Error(`gazeHead.hidden must be a positive integer; got ${config.hidden}.`);
  }
  return [
    { name: 'gaze_head.0', inChannels: featureChannels, outChannels: config.hidden, kernel: 3, stride: 1, pad: 1, bias: true },
    { name: 'gaze_head.2', inChannels: config.hidden, outChannels: 1, kernel: 1, stride: 1, pad: 0, bias: true },
  ];
}

export function gazeHeadStateSpecs(featureChannels: number, config: GazeHeadConfig): StateEntrySpec[] {
  return gazeHeadConvs(featureChannels, config).flatMap(convEntries);
}
