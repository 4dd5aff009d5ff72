/**
 * The tfjs export: `model.json` + `weights.bin` in tfjs's own layers-model format, so
 *   tf.loadLayersModel('https://.../model.json')               (browser; fetches weights.bin)
 *   tf.loadLayersModel(tf.io.fromMemory(...))                 (anywhere; see `loadTfjsExport`)
 * gives an inference model whose outputs are [logits [B,K], fmap [B,h,w,C]] (+ gaze logits
 * [B,h,w,1] with a gaze head), input NHWC [B,H,W,3], any H and W.
 *
 * The layers graph mirrors torchvision: explicit ZeroPadding2D before each padded conv and before the
 * maxpool ('same' would pad asymmetrically with stride 2), BatchNormalization with epsilon 1e-5 in
 * inference mode (running statistics). The maxpool's zero padding equals PyTorch's -inf padding
 * because its input is a ReLU output (>= 0). Layer names are torchvision module names, so weight
 * names read `layer1.0.conv1/kernel`, `layer1.0.bn1/moving_mean`, `fc/kernel`.
 *
 * It is for inference and sharing. To keep training, use `resnetFromTfjsExport` (rebuilds our
 * ResNet, with num_batches_tracked from the metadata) or the safetensors export: tfjs-layers'
 * BatchNormalization does not train with PyTorch's semantics.
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPS } from '../model/batch_norm.ts';
import { gazeHeadConvs } from '../model/gaze_head.ts';
import type { BatchNormSpec, CamStride, ConvSpec, ResNetArch } from '../model/arch.ts';
import { createResNet, type ResNet } from '../model/resnet.ts';
import type { GazeHeadConfig } from '../model/gaze_head.ts';

export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** What `userDefinedMetadata.gazecam` in model.json holds. */
export interface TfjsExportMetadata {
  arch: ResNetArch;
  numClasses: number;
  camStride: CamStride;
  gazeHead: GazeHeadConfig | null;
  /** Output order of the layers model. */
  outputs: string[];
  /** num_batches_tracked per BN (not a tfjs weight). */
  numBatchesTracked: Record<string, number>;
  [key: string]: unknown;
}

export interface TfjsExport {
  /** model.json content (JSON.stringify it to write the file). */
  modelJson: {
    format: 'layers-model';
    generatedBy: string;
    convertedBy: string;
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    userDefinedMetadata: { gazecam: TfjsExportMetadata };
  };
  /** weights.bin: float32 little-endian, in manifest order. */
  weights: Uint8Array;
}

/** Builds the tfjs-layers twin of `model` (weights copied). The caller disposes it. */
export function buildLayersModel(model: ResNet): tf.LayersModel {
  const t = model.topology;
  const input = tf.input({ shape: [null, null, 3], name: 'input' });
  const applied: Array<[tf.layers.Layer, tf.Tensor[]]> = [];
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[], weights: tf.Tensor[] = []) => {
    const y = layer.apply(x) as tf.SymbolicTensor;
    if (weights.length) applied.push([layer, weights]);
    return y;
  };
  const conv = (x: tf.SymbolicTensor, c: ConvSpec) => {
    let h = x;
    if (c.pad > 0) h = apply(tf.layers.zeroPadding2d({ padding: c.pad, name: `${c.name}.pad` }), h);
    const weights = [model.variable(`${c.name}.weight`), ...(c.bias ? [model.variable(`${c.name}.bias`)] : [])];
    return apply(
      tf.layers.conv2d({ filters: c.outChannels, kernelSize: c.kernel, strides: c.stride, padding: 'valid', useBias: c.bias, name: c.name }),
      h,
      weights,
    );
  };
  const bn = (x: tf.SymbolicTensor, b: BatchNormSpec) =>
    apply(tf.layers.batchNormalization({ axis: -1, epsilon: BN_EPS, momentum: 0.9, name: b.name }), x, [
      model.variable(`${b.name}.weight`),
      model.variable(`${b.name}.bias`),
      model.variable(`${b.name}.running_mean`),
      model.variable(`${b.name}.running_var`),
    ]);
  const relu = (x: tf.SymbolicTensor, name: string) => apply(tf.layers.reLU({ name }), x);

  let h = relu(bn(conv(input, t.stem.conv), t.stem.bn), 'relu');
  h = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'maxpool.pad' }), h);
  h = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' }), h);
  for (const stage of t.stages) {
    for (const block of stage) {
      const x = h;
      let out = x;
      block.convs.forEach((c, i) => {
        out = bn(conv(out, c), block.bns[i]);
        if (i < block.convs.length - 1) out = relu(out, `${block.name}.relu${i + 1}`);
      });
      const identity = block.downsample ? bn(conv(x, block.downsample.conv), block.downsample.bn) : x;
      h = relu(apply(tf.layers.add({ name: `${block.name}.add` }), [out, identity]), `${block.name}.relu`);
    }
  }
  const fmap = h;
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'avgpool' }), fmap);
  const logits = apply(tf.layers.dense({ units: t.numClasses, name: 'fc' }), pooled, [model.variable('fc.weight'), model.variable('fc.bias')]);
  const outputs = [logits, fmap];
  if (model.config.gazeHead) {
    const [c0, c2] = gazeHeadConvs(t.featureChannels, model.config.gazeHead);
    outputs.push(conv(relu(conv(fmap, c0), 'gaze_head.1'), c2));
  }
  const layersModel = tf.model({ inputs: input, outputs, name: `gazecam_${model.config.arch}` });
  for (const [layer, weights] of applied) layer.setWeights(weights);
  return layersModel;
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data.slice(0));
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), pos);
    pos += b.byteLength;
  }
  return out;
}

/** Exports `model.json` + `weights.bin` (see the file header for how to load them). */
export async function exportTfjs(model: ResNet): Promise<TfjsExport> {
  const layersModel = buildLayersModel(model);
  try {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await layersModel.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!artifacts?.weightSpecs || !artifacts.weightData || !artifacts.modelTopology) {
      throw new Error('tfjs-layers returned no topology or weights while saving.');
    }
    const numBatchesTracked: Record<string, number> = {};
    for (const e of model.stateEntries()) if (e.kind === 'counter') numBatchesTracked[e.spec.name] = e.value;
    const { arch, numClasses, camStride, gazeHead } = model.config;
    return {
      modelJson: {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'GazeCAM Studio',
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        userDefinedMetadata: {
          gazecam: {
            arch, numClasses, camStride, gazeHead,
            outputs: gazeHead ? ['logits', 'fmap', 'gazeLogits'] : ['logits', 'fmap'],
            numBatchesTracked,
          },
        },
      },
      weights: joinWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
    };
  } finally {
    layersModel.dispose();
  }
}

type ModelJsonLike = TfjsExport['modelJson'] | string;

function parseModelJson(modelJson: ModelJsonLike): TfjsExport['modelJson'] {
  const parsed = typeof modelJson === 'string' ? (JSON.parse(modelJson) as TfjsExport['modelJson']) : modelJson;
  if (parsed.format !== 'layers-model' || !parsed.modelTopology || !parsed.weightsManifest) {
    throw new Error('Not a tfjs layers-model model.json (expected format "layers-model", modelTopology and weightsManifest).');
  }
  return parsed;
}

/** Loads the export as a tf.LayersModel from memory (what tf.loadLayersModel does with URLs). */
export async function loadTfjsExport(modelJson: ModelJsonLike, weights: Uint8Array): Promise<tf.LayersModel> {
  const parsed = parseModelJson(modelJson);
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: parsed.modelTopology,
      weightSpecs: parsed.weightsManifest.flatMap((g) => g.weights),
      weightData: buffer,
    }),
  );
}

const LAYERS_TO_TORCH: Record<string, string> = {
  kernel: 'weight', bias: 'bias', gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var',
};

/**
 * Our documented loader: rebuilds the engine's ResNet (trainable, PyTorch BN semantics) from a tfjs
 * export, using `userDefinedMetadata.gazecam` for the architecture. Every weight's name and shape
 * is checked; a mismatch throws naming it.
 */
export function resnetFromTfjsExport(modelJson: ModelJsonLike, weights: Uint8Array): ResNet {
  const parsed = parseModelJson(modelJson);
  const meta = parsed.userDefinedMetadata?.gazecam;
  if (!meta) throw new Error('model.json has no userDefinedMetadata.gazecam: it was not exported by GazeCAM Studio.');
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const specs = parsed.weightsManifest.flatMap((g) => g.weights);
  const model = createResNet({ arch: meta.arch, numClasses: meta.numClasses, camStride: meta.camStride, gazeHead: meta.gazeHead });
  try {
    const decoded = tf.io.decodeWeights(buffer, specs);
    const problems: string[] = [];
    const seen = new Set<string>();
    tf.tidy(() => {
      for (const [weightName, tensor] of Object.entries(decoded)) {
        const slash = weightName.lastIndexOf('/');
        const suffix = LAYERS_TO_TORCH[weightName.slice(slash + 1)];
        const name = `${weightName.slice(0, slash)}.${suffix}`;
        let target: tf.Variable | undefined;
        try {
          target = suffix ? model.variable(name) : undefined;
        } catch {
          target = undefined;
        }
        if (!target) {
          problems.push(`${weightName}: no matching parameter in ${meta.arch}`);
          continue;
        }
        if (target.shape.join(',') !== tensor.shape.join(',')) {
          problems.push(`${weightName}: expected [${target.shape.join(', ')}], got [${tensor.shape.join(', ')}]`);
          continue;
        }
        seen.add(name);
        target.assign(tensor);
      }
    });
    tf.dispose(Object.values(decoded));
    for (const spec of [...model.backboneSpecs, ...model.headSpecs]) {
      if (spec.role !== 'bn_num_batches_tracked' && !seen.has(spec.name)) problems.push(`${spec.name}: missing from weights.bin`);
    }
    if (problems.length) throw new Error(`tfjs export does not fit ${meta.arch}: ${problems.length} problem(s)\n  - ${problems.join('\n  - ')}`);
    for (const [name, value] of Object.entries(meta.numBatchesTracked ?? {})) model.setNumBatchesTracked(name, value);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
