/**
 * Models: torchvision-compatible ResNets (NHWC, tfjs layouts) and the multi-task gaze head.
 * See arch.ts for the topology, resnet.ts for the forward pass, batch_norm.ts for PyTorch's BN.
 */
export {
  ARCHITECTURES,
  CAM_STRIDES,
  RESNET_ARCHS,
  archDefinition,
  backboneStateSpecs,
  isResNetArch,
  resnetTopology,
  stageStridesFor,
} from './arch.ts';
export type {
  ArchDefinition,
  BatchNormSpec,
  BlockKind,
  BlockSpec,
  CamStride,
  ConvSpec,
  ParamRole,
  ResNetArch,
  ResNetTopology,
  StateEntrySpec,
} from './arch.ts';
export { BN_EPS, BN_MOMENTUM } from './batch_norm.ts';
export { DEFAULT_GAZE_HEAD, GAZE_HEAD_PREFIX, gazeHeadStateSpecs } from './gaze_head.ts';
export type { GazeHeadConfig } from './gaze_head.ts';
export { ResNet, createResNet, forwardFlopsPerImage } from './resnet.ts';
export type { ForwardOptions, ForwardResult, ResNetConfig, ResolvedResNetConfig, StateEntry } from './resnet.ts';
