/**
 * The ResNet catalogue and its topology, written out as data: every convolution, batch norm and
 * linear layer with its torchvision state_dict name, its PyTorch shape and its tfjs shape.
 *
 * Why data and not layers: the same description drives the forward pass (resnet.ts), the
 * safetensors export/import (io/torchvision.ts, which must match torchvision key for key) and the
 * tfjs export (io/tfjs_export.ts). Torchvision's `ResNet` (v1.5) is the reference:
 * - stem: conv1 7x7/2 pad 3 (no bias), bn1, relu, maxpool 3x3/2 pad 1;
 * - BasicBlock: conv1 3x3/stride pad 1, conv2 3x3/1; Bottleneck: conv1 1x1, conv2 3x3/stride
 *   (the v1.5 placement of the stride), conv3 1x1 to planes*4;
 * - downsample (conv 1x1/stride + bn, named `downsample.0` / `downsample.1`) on the first block of
 *   a stage when its standard stride is not 1 or the channel count changes;
 * - avgpool to 1x1, fc.
 * `camStride` only changes stride values (layer4, or layer3+layer4, set to 1 without dilation), never
 * the set of parameters: the state_dict stays torchvision's.
 */

export type BlockKind = 'basic' | 'bottleneck';

export interface ArchDefinition {
  /** Residual block type: torchvision's BasicBlock (expansion 1) or Bottleneck (expansion 4). */
  block: BlockKind;
  /** Blocks per stage (layer1..layer4). */
  blocks: readonly [number, number, number, number];
  /** `planes` per stage; a stage outputs planes * expansion channels. */
  widths: readonly [number, number, number, number];
  /** Output channels of the 7x7 stem conv (torchvision: 64). */
  stemWidth: number;
  /** Python call that rebuilds it, `{K}` standing for the class count: torchvision's own for the
   *  standard nets, `python/gazecam_torch/models.py` (shipped in every export as torch_gazecam_models.py) for the
   *  narrow variants. */
  pytorch: string;
  summary: string;
}

/** Architectures the engine builds. Standard ones match torchvision exactly; `-small`/`-tiny` keep
 *  torchvision's module names with narrower stages for weak GPUs and tests. */
export const ARCHITECTURES = {
  resnet18: {
    block: 'basic', blocks: [2, 2, 2, 2], widths: [64, 128, 256, 512], stemWidth: 64,
    pytorch: 'torchvision.models.resnet18(num_classes={K})', summary: 'torchvision ResNet-18 (11.7M params)',
  },
  resnet34: {
    block: 'basic', blocks: [3, 4, 6, 3], widths: [64, 128, 256, 512], stemWidth: 64,
    pytorch: 'torchvision.models.resnet34(num_classes={K})', summary: 'torchvision ResNet-34 (21.8M params)',
  },
  resnet50: {
    block: 'bottleneck', blocks: [3, 4, 6, 3], widths: [64, 128, 256, 512], stemWidth: 64,
    pytorch: 'torchvision.models.resnet50(num_classes={K})', summary: 'torchvision ResNet-50 v1.5 (25.6M params)',
  },
  'resnet18-small': {
    block: 'basic', blocks: [2, 2, 2, 2], widths: [16, 32, 64, 128], stemWidth: 16,
    pytorch: 'torch_gazecam_models.build_backbone("resnet18-small", num_classes={K})',
    summary: 'ResNet-18 layout with a quarter of the width (0.7M params), for weak GPUs',
  },
  'resnet10-small': {
    block: 'basic', blocks: [1, 1, 1, 1], widths: [16, 32, 64, 128], stemWidth: 16,
    pytorch: 'torch_gazecam_models.build_backbone("resnet10-small", num_classes={K})',
    summary: 'ResNet-10 (one BasicBlock per stage), widths 16/32/64/128 (0.31M params), for weak GPUs',
  },
  'resnet10-tiny': {
    block: 'basic', blocks: [1, 1, 1, 1], widths: [8, 16, 32, 64], stemWidth: 8,
    pytorch: 'torch_gazecam_models.build_backbone("resnet10-tiny", num_classes={K})',
    summary: 'ResNet-10, widths 8/16/32/64 (78k params), for tests and smoke runs',
  },
} as const satisfies Record<string, ArchDefinition>;

export type ResNetArch = keyof typeof ARCHITECTURES;
export const RESNET_ARCHS = Object.keys(ARCHITECTURES) as ResNetArch[];

/** Output stride of the last feature map: 32 is torchvision's; 16 sets stride 1 in layer4; 8 in
 *  layer3 and layer4 (no dilation, DESIGN.md section 1). */
export type CamStride = 32 | 16 | 8;
export const CAM_STRIDES: readonly CamStride[] = [32, 16, 8];

export function isResNetArch(name: string): name is ResNetArch {
  return Object.prototype.hasOwnProperty.call(ARCHITECTURES, name);
}

export function archDefinition(arch: ResNetArch): ArchDefinition {
  const def = ARCHITECTURES[arch] as ArchDefinition | undefined;
  if (!def) {
    throw new Error(`Unknown architecture "${String(arch)}": expected one of ${RESNET_ARCHS.join(', ')}.`);
  }
  return def;
}

export function expansionOf(block: BlockKind): number {
  return block === 'basic' ? 1 : 4;
}

export interface ConvSpec {
  /** torchvision module name, e.g. `layer2.0.downsample.0`; the weight is `${name}.weight`. */
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** Symmetric zero padding on each side, as PyTorch's `padding=`. */
  pad: number;
  bias: boolean;
}

export interface BatchNormSpec {
  /** torchvision module name, e.g. `layer1.0.bn2`. */
  name: string;
  channels: number;
}

export interface BlockSpec {
  /** e.g. `layer3.1` */
  name: string;
  kind: BlockKind;
  /** conv/bn pairs in order: conv1,bn1,conv2,bn2[,conv3,bn3]. */
  convs: ConvSpec[];
  bns: BatchNormSpec[];
  downsample: { conv: ConvSpec; bn: BatchNormSpec } | null;
}

export interface ResNetTopology {
  arch: ResNetArch;
  camStride: CamStride;
  stem: { conv: ConvSpec; bn: BatchNormSpec };
  /** layer1..layer4, each a list of blocks. */
  stages: BlockSpec[][];
  /** Channels of the last feature map (= fc input). */
  featureChannels: number;
  numClasses: number;
  /** The effective stride per stage (layer1..layer4) after `camStride`; for run.json. */
  stageStrides: [number, number, number, number];
}

function conv(name: string, inChannels: number, outChannels: number, kernel: number, stride: number): ConvSpec {
  return { name, inChannels, outChannels, kernel, stride, pad: Math.floor(kernel / 2), bias: false };
}

/** torchvision's standard stride per stage, and what camStride turns it into. */
export function stageStridesFor(camStride: CamStride): [number, number, number, number] {
  if (!CAM_STRIDES.includes(camStride)) {
    throw new Error(`camStride must be one of ${CAM_STRIDES.join(', ')}; got ${String(camStride)}.`);
  }
  return [1, 2, camStride <= 8 ? 1 : 2, camStride <= 16 ? 1 : 2];
}

const STANDARD_STAGE_STRIDES = [1, 2, 2, 2] as const;

export function resnetTopology(arch: ResNetArch, numClasses: number, camStride: CamStride = 32): ResNetTopology {
  const def = archDefinition(arch);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`numClasses must be a positive integer; got ${numClasses}.`);
  }
  const stageStrides = stageStridesFor(camStride);
  const expansion = expansionOf(def.block);
  const stem = { conv: conv('conv1', 3, def.stemWidth, 7, 2), bn: { name: 'bn1', channels: def.stemWidth } };
  let inplanes = def.stemWidth;
  const stages: BlockSpec[][] = [];
  for (let s = 0; s < 4; s++) {
    const planes = def.widths[s];
    const blocks: BlockSpec[] = [];
    for (let b = 0; b < def.blocks[s]; b++) {
      const name = `layer${s + 1}.${b}`;
      const stride = b === 0 ? stageStrides[s] : 1;
      const convs: ConvSpec[] = [];
      if (def.block === 'basic') {
        convs.push(conv(`${name}.conv1`, inplanes, planes, 3, stride), conv(`${name}.conv2`, planes, planes, 3, 1));
      } else {
        convs.push(
          conv(`${name}.conv1`, inplanes, planes, 1, 1),
          conv(`${name}.conv2`, planes, planes, 3, stride), // v1.5: the stride sits on the 3x3
          conv(`${name}.conv3`, planes, planes * expansion, 1, 1),
        );
      }
      const bns = convs.map((c, i) => ({ name: `${name}.bn${i + 1}`, channels: c.outChannels }));
      // Presence follows torchvision's *standard* stride so that camStride never changes the keys.
      const needsDownsample = b === 0 && (STANDARD_STAGE_STRIDES[s] !== 1 || inplanes !== planes * expansion);
      const downsample = needsDownsample
        ? {
            conv: conv(`${name}.downsample.0`, inplanes, planes * expansion, 1, stride),
            bn: { name: `${name}.downsample.1`, channels: planes * expansion },
          }
        : null;
      blocks.push({ name, kind: def.block, convs, bns, downsample });
      inplanes = planes * expansion;
    }
    stages.push(blocks);
  }
  return { arch, camStride, stem, stages, featureChannels: inplanes, numClasses, stageStrides };
}

export type ParamRole = 'conv_weight' | 'conv_bias' | 'bn_weight' | 'bn_bias' | 'bn_running_mean' | 'bn_running_var'
  | 'bn_num_batches_tracked' | 'fc_weight' | 'fc_bias';

/** One state_dict entry: its torchvision name, PyTorch shape/dtype, and the tfjs shape we hold it in. */
export interface StateEntrySpec {
  name: string;
  role: ParamRole;
  /** Shape as PyTorch stores it (OIHW convs, fc [K,C]). */
  torchShape: number[];
  /** Shape as the engine holds it (HWIO convs, fc [C,K]); [] for num_batches_tracked. */
  tfjsShape: number[];
  dtype: 'F32' | 'I64';
  trainable: boolean;
}

export function convEntries(c: ConvSpec): StateEntrySpec[] {
  const out: StateEntrySpec[] = [{
    name: `${c.name}.weight`, role: 'conv_weight', dtype: 'F32', trainable: true,
    torchShape: [c.outChannels, c.inChannels, c.kernel, c.kernel],
    tfjsShape: [c.kernel, c.kernel, c.inChannels, c.outChannels],
  }];
  if (c.bias) {
    out.push({ name: `${c.name}.bias`, role: 'conv_bias', dtype: 'F32', trainable: true, torchShape: [c.outChannels], tfjsShape: [c.outChannels] });
  }
  return out;
}

export function bnEntries(bn: BatchNormSpec): StateEntrySpec[] {
  const v = (suffix: string, role: ParamRole, trainable: boolean): StateEntrySpec => ({
    name: `${bn.name}.${suffix}`, role, dtype: 'F32', trainable, torchShape: [bn.channels], tfjsShape: [bn.channels],
  });
  return [
    v('weight', 'bn_weight', true),
    v('bias', 'bn_bias', true),
    v('running_mean', 'bn_running_mean', false),
    v('running_var', 'bn_running_var', false),
    { name: `${bn.name}.num_batches_tracked`, role: 'bn_num_batches_tracked', dtype: 'I64', trainable: false, torchShape: [], tfjsShape: [] },
  ];
}

/** The backbone's state_dict in torchvision's order (what `model.state_dict().keys()` lists). */
export function backboneStateSpecs(topology: ResNetTopology): StateEntrySpec[] {
  const out: StateEntrySpec[] = [...convEntries(topology.stem.conv), ...bnEntries(topology.stem.bn)];
  for (const stage of topology.stages) {
    for (const block of stage) {
      block.convs.forEach((c, i) => out.push(...convEntries(c), ...bnEntries(block.bns[i])));
      if (block.downsample) out.push(...convEntries(block.downsample.conv), ...bnEntries(block.downsample.bn));
    }
  }
  const c = topology.featureChannels;
  const k = topology.numClasses;
  out.push(
    { name: 'fc.weight', role: 'fc_weight', dtype: 'F32', trainable: true, torchShape: [k, c], tfjsShape: [c, k] },
    { name: 'fc.bias', role: 'fc_bias', dtype: 'F32', trainable: true, torchShape: [k], tfjsShape: [k] },
  );
  return out;
}

/** Every conv in forward order (stem, then each block's convs, then its downsample). */
export function allConvs(topology: ResNetTopology): ConvSpec[] {
  const out = [topology.stem.conv];
  for (const stage of topology.stages) {
    for (const block of stage) {
      out.push(...block.convs);
      if (block.downsample) out.push(block.downsample.conv);
    }
  }
  return out;
}

export function allBatchNorms(topology: ResNetTopology): BatchNormSpec[] {
  const out = [topology.stem.bn];
  for (const stage of topology.stages) {
    for (const block of stage) {
      out.push(...block.bns);
      if (block.downsample) out.push(block.downsample.bn);
    }
  }
  return out;
}
