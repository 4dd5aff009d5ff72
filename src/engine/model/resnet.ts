/**
 * Functional ResNets with torchvision's topology and PyTorch's batch-norm semantics.
 *
 * Parameters live in `tf.Variable`s keyed by torchvision state_dict names and held in tfjs layouts
 * (conv kernels HWIO, fc [C,K]); io/torchvision.ts converts to and from PyTorch's layouts. Running
 * statistics are non-trainable variables written by training-mode forwards; num_batches_tracked is a
 * plain number per BN (it is an int64 in PyTorch; here it never touches the GPU).
 *
 * Not tfjs-layers: its BN has the wrong defaults and semantics (see batch_norm.ts), and 'same'
 * padding with stride 2 is asymmetric while torchvision pads symmetrically. Convs and the maxpool
 * use explicit symmetric padding. The maxpool pads with -inf like PyTorch (tfjs pools skip padded
 * cells), so no zero-padding assumption is needed.
 */
import * as tf from '@tensorflow/tfjs';
import {
  allBatchNorms,
  archDefinition,
  backboneStateSpecs,
  type BatchNormSpec,
  type BlockSpec,
  type CamStride,
  type ConvSpec,
  type ResNetArch,
  type ResNetTopology,
  resnetTopology,
  type StateEntrySpec,
} from './arch.ts';
import { batchNormEval, batchNormTrain, type BatchNormState } from './batch_norm.ts';
import { type GazeHeadConfig, gazeHeadConvs, gazeHeadStateSpecs } from './gaze_head.ts';
import { kaimingNormalFanOut, seedFor, uniformArray } from './init.ts';

export interface ResNetConfig {
  arch: ResNetArch;
  /** Classes of the fc layer (torchvision's `num_classes`). */
  numClasses: number;
  /** Output stride of the last feature map; 32 is torchvision's. Default 32. */
  camStride?: CamStride;
  /** Multi-task gaze head (Karargyris); null or absent for none. */
  gazeHead?: GazeHeadConfig | null;
  /** Seed of the initial weights (JS PRNG, identical on every backend). Default 0. */
  seed?: number;
}

export interface ResolvedResNetConfig {
  arch: ResNetArch;
  numClasses: number;
  camStride: CamStride;
  gazeHead: GazeHeadConfig | null;
  seed: number;
}

export interface ForwardOptions {
  /** Training mode: BN normalises with batch statistics (and updates the running ones). */
  training: boolean;
  /** Write running stats and num_batches_tracked in training mode. Default true; set false for a
   *  second forward of the same batch (e.g. a gradient check) so the statistics move only once. */
  updateStats?: boolean;
}

export interface ForwardResult {
  /** [B,K] */
  logits: tf.Tensor2D;
  /** Last feature map (after layer4, before pooling), NHWC [B, H/camStride, W/camStride, C]. */
  fmap: tf.Tensor4D;
  /** Gaze head logits at the feature-map resolution, [B,h,w,1]; only with a gaze head. */
  gazeLogits?: tf.Tensor4D;
}

/** A state entry bound to its storage: a variable (float tensors) or a counter (num_batches_tracked). */
export type StateEntry =
  | { spec: StateEntrySpec; kind: 'variable'; variable: tf.Variable }
  | { spec: StateEntrySpec; kind: 'counter'; value: number };

export class ResNet {
  readonly config: ResolvedResNetConfig;
  readonly topology: ResNetTopology;
  /** Backbone state_dict entries, in torchvision's order. */
  readonly backboneSpecs: readonly StateEntrySpec[];
  /** Gaze head entries (prefix `gaze_head.`); empty without a head. */
  readonly headSpecs: readonly StateEntrySpec[];

  private readonly variables = new Map<string, tf.Variable>();
  private readonly batchCounters = new Map<string, number>();
  private readonly bnStates = new Map<string, BatchNormState>();
  private readonly headConvs: [ConvSpec, ConvSpec] | null;
  private disposed = false;

  constructor(config: ResNetConfig) {
    archDefinition(config.arch); // throws on an unknown arch with the list of known ones
    this.config = {
      arch: config.arch,
      numClasses: config.numClasses,
      camStride: config.camStride ?? 32,
      gazeHead: config.gazeHead ?? null,
      seed: config.seed ?? 0,
    };
    this.topology = resnetTopology(this.config.arch, this.config.numClasses, this.config.camStride);
    this.backboneSpecs = backboneStateSpecs(this.topology);
    this.headConvs = this.config.gazeHead ? gazeHeadConvs(this.topology.featureChannels, this.config.gazeHead) : null;
    this.headSpecs = this.config.gazeHead ? gazeHeadStateSpecs(this.topology.featureChannels, this.config.gazeHead) : [];
    for (const spec of [...this.backboneSpecs, ...this.headSpecs]) {
      if (spec.role === 'bn_num_batches_tracked') {
        this.batchCounters.set(spec.name, 0);
        continue;
      }
      const values = initialValues(spec, this.config.seed, this.topology);
      const initial = tf.tensor(values, spec.tfjsShape, 'float32');
      this.variables.set(spec.name, tf.variable(initial, spec.trainable));
      initial.dispose();
    }
    for (const bn of allBatchNorms(this.topology)) {
      this.bnStates.set(bn.name, {
        weight: this.variable(`${bn.name}.weight`) as tf.Variable<tf.Rank.R1>,
        bias: this.variable(`${bn.name}.bias`) as tf.Variable<tf.Rank.R1>,
        runningMean: this.variable(`${bn.name}.running_mean`) as tf.Variable<tf.Rank.R1>,
        runningVar: this.variable(`${bn.name}.running_var`) as tf.Variable<tf.Rank.R1>,
      });
    }
  }

  /** Channels of the last feature map (= fc input, = CAM channels). */
  get featureChannels(): number {
    return this.topology.featureChannels;
  }

  get hasGazeHead(): boolean {
    return this.headConvs !== null;
  }

  /**
   * xNhwc [B,H,W,3] (normalised as in preprocess) -> logits, last feature map, gaze logits.
   * Runs in its own tidy; the returned tensors belong to the caller. Safe inside tf.variableGrads.
   */
  forward(xNhwc: tf.Tensor4D, options: ForwardOptions): ForwardResult {
    this.assertLive();
    if (xNhwc.rank !== 4 || xNhwc.shape[3] !== 3) {
      throw new Error(`ResNet.forward expects NHWC input [B,H,W,3]; got [${xNhwc.shape.join(',')}].`);
    }
    const training = options.training;
    const updateStats = training && (options.updateStats ?? true);
    const result = tf.tidy(() => {
      const stem = this.topology.stem;
      let h = tf.relu(this.bn(this.conv(xNhwc, stem.conv), stem.bn, training, updateStats));
      h = tf.maxPool(h, 3, 2, 1);
      for (const stage of this.topology.stages) {
        for (const block of stage) h = this.block(h, block, training, updateStats);
      }
      const fmap = h;
      const pooled = tf.mean(fmap, [1, 2]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(pooled, this.variable('fc.weight')), this.variable('fc.bias')) as tf.Tensor2D;
      const out: Record<string, tf.Tensor> = { logits, fmap };
      if (this.headConvs) {
        const hidden = tf.relu(this.conv(fmap, this.headConvs[0]));
        out.gazeLogits = this.conv(hidden, this.headConvs[1]);
      }
      return out;
    }) as unknown as ForwardResult;
    if (updateStats) {
      for (const [name, count] of this.batchCounters) this.batchCounters.set(name, count + 1);
    }
    return result;
  }

  /** The fc weight [C,K] (tfjs layout), for CAMs. The variable itself: do not dispose it. */
  fcWeight(): tf.Variable<tf.Rank.R2> {
    return this.variable('fc.weight') as tf.Variable<tf.Rank.R2>;
  }

  fcBias(): tf.Variable<tf.Rank.R1> {
    return this.variable('fc.bias') as tf.Variable<tf.Rank.R1>;
  }

  /** Trainable variables: backbone convs, BN weight/bias, fc, and the gaze head if present. */
  trainableVariables(): tf.Variable[] {
    return this.namedTrainableVariables().map(([, v]) => v);
  }

  /** [torchvision name, variable] for every trainable variable, in state_dict order. */
  namedTrainableVariables(): Array<[string, tf.Variable]> {
    return [...this.backboneSpecs, ...this.headSpecs]
      .filter((s) => s.trainable)
      .map((s) => [s.name, this.variable(s.name)]);
  }

  /** The variable holding a float state entry, by torchvision name (tfjs layout). */
  variable(name: string): tf.Variable {
    this.assertLive();
    const v = this.variables.get(name);
    if (!v) throw new Error(`No float state entry named "${name}" in ${this.config.arch}.`);
    return v;
  }

  /** Every state entry, backbone then head, bound to its storage. */
  stateEntries(): StateEntry[] {
    this.assertLive();
    return [...this.backboneSpecs, ...this.headSpecs].map((spec): StateEntry =>
      spec.role === 'bn_num_batches_tracked'
        ? { spec, kind: 'counter', value: this.batchCounters.get(spec.name)! }
        : { spec, kind: 'variable', variable: this.variables.get(spec.name)! },
    );
  }

  numBatchesTracked(name: string): number {
    const v = this.batchCounters.get(name);
    if (v === undefined) throw new Error(`No num_batches_tracked entry named "${name}".`);
    return v;
  }

  setNumBatchesTracked(name: string, value: number): void {
    if (!this.batchCounters.has(name)) throw new Error(`No num_batches_tracked entry named "${name}".`);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`num_batches_tracked must be a non-negative safe integer; got ${value} for "${name}".`);
    }
    this.batchCounters.set(name, value);
  }

  /** Number of parameters (trainable + running stats), as `sum(p.numel() for p in state_dict)`
   *  minus the num_batches_tracked scalars. */
  countParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const s of [...this.backboneSpecs, ...this.headSpecs]) {
      if (s.role === 'bn_num_batches_tracked') continue;
      if (options.trainableOnly && !s.trainable) continue;
      n += s.tfjsShape.reduce((a, b) => a * b, 1);
    }
    return n;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.bnStates.clear();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`This ${this.config.arch} has been disposed.`);
  }

  private conv(x: tf.Tensor4D, c: ConvSpec): tf.Tensor4D {
    const y = tf.conv2d(x, this.variable(`${c.name}.weight`) as tf.Tensor4D, c.stride, c.pad);
    return c.bias ? (tf.add(y, this.variable(`${c.name}.bias`)) as tf.Tensor4D) : y;
  }

  private bn(x: tf.Tensor4D, spec: BatchNormSpec, training: boolean, updateStats: boolean): tf.Tensor4D {
    const state = this.bnStates.get(spec.name)!;
    return training ? batchNormTrain(x, state, updateStats) : batchNormEval(x, state);
  }

  private block(x: tf.Tensor4D, block: BlockSpec, training: boolean, updateStats: boolean): tf.Tensor4D {
    let out = x;
    const last = block.convs.length - 1;
    block.convs.forEach((c, i) => {
      out = this.bn(this.conv(out, c), block.bns[i], training, updateStats);
      if (i < last) out = tf.relu(out);
    });
    const identity = block.downsample
      ? this.bn(this.conv(x, block.downsample.conv), block.downsample.bn, training, updateStats)
      : x;
    return tf.relu(tf.add(out, identity) as tf.Tensor4D);
  }
}

export function createResNet(config: ResNetConfig): ResNet {
  return new ResNet(config);
}

function initialValues(spec: StateEntrySpec, seed: number, topology: ResNetTopology): Float32Array {
  const size = spec.tfjsShape.reduce((a, b) => a * b, 1);
  const s = seedFor(seed, spec.name);
  switch (spec.role) {
    case 'conv_weight': {
      const [k, , , out] = spec.tfjsShape;
      return kaimingNormalFanOut(size, out, k, s);
    }
    case 'bn_weight':
    case 'bn_running_var':
      return new Float32Array(size).fill(1);
    case 'conv_bias':
    case 'bn_bias':
    case 'bn_running_mean':
      return new Float32Array(size);
    case 'fc_weight':
    case 'fc_bias':
      // nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
      return uniformArray(size, 1 / Math.sqrt(topology.featureChannels), s);
    case 'bn_num_batches_tracked':
      throw new Error('num_batches_tracked is a counter, not a variable');
  }
}

/** Multiply-accumulates x2 of one forward at `size` x `size` (convs and fc; BN, ReLU, pooling
 *  and additions ignored, as usual for FLOP counts). Backward is about twice this. */
export function forwardFlopsPerImage(topology: ResNetTopology, size: number, head?: GazeHeadConfig | null): number {
  const outSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;
  let flops = 0;
  const convFlops = (c: ConvSpec, n: number) => {
    const o = outSize(n, c.kernel, c.stride, c.pad);
    flops += 2 * o * o * c.outChannels * c.inChannels * c.kernel * c.kernel;
    return o;
  };
  let n = convFlops(topology.stem.conv, size);
  n = outSize(n, 3, 2, 1);
  for (const stage of topology.stages) {
    for (const block of stage) {
      let m = n;
      for (const c of block.convs) m = convFlops(c, m);
      if (block.downsample) convFlops(block.downsample.conv, n);
      n = m;
    }
  }
  flops += 2 * topology.featureChannels * topology.numClasses;
  if (head) for (const c of gazeHeadConvs(topology.featureChannels, head)) convFlops(c, n);
  return flops;
}
