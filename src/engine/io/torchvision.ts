/**
 * A ResNet's weights <-> torchvision state_dicts in safetensors.
 *
 * Export: `model.safetensors` holds exactly `torchvision.models.resnetNN(num_classes=K).state_dict()`
 * (OIHW convs, fc.weight [K,C], BN running stats, num_batches_tracked as I64), so
 * `load_state_dict(load_file(...), strict=True)` works; the gaze head goes to its own file with its
 * `gaze_head.` keys (strip the prefix to load it into the nn.Sequential in gaze_head.ts).
 *
 * Import: the same files, or ImageNet-pretrained torchvision weights to fine-tune from. Names,
 * shapes and dtypes are all checked before anything is written, and every mismatch is reported by
 * name in one error; nothing is loaded unless everything matches (atomic).
 */
import * as tf from '@tensorflow/tfjs';
import type { ResNet } from '../model/resnet.ts';
import type { StateEntrySpec } from '../model/arch.ts';
import { GAZE_HEAD_PREFIX } from '../model/gaze_head.ts';
import { hwioToOihw, oihwToHwio, transpose2d, type Shape4 } from './layout.ts';
import {
  f32Tensor,
  i64Tensor,
  parseSafetensors,
  serializeSafetensors,
  toFloat32,
  toIntegers,
  type SafetensorsDtype,
  type SafetensorsTensor,
} from './safetensors.ts';

export type StateDict = Map<string, SafetensorsTensor>;

/** Values of a state entry (or of its gradient) in tfjs layout -> PyTorch layout (a new array). */
export function toTorchLayout(spec: StateEntrySpec, tfjsValues: Float32Array): Float32Array {
  if (spec.role === 'conv_weight') return hwioToOihw(tfjsValues, spec.tfjsShape as Shape4);
  if (spec.role === 'fc_weight') return transpose2d(tfjsValues, spec.tfjsShape as [number, number]);
  return tfjsValues.slice();
}

/** Values in PyTorch layout -> tfjs layout (a new array). */
export function fromTorchLayout(spec: StateEntrySpec, torchValues: Float32Array): Float32Array {
  if (spec.role === 'conv_weight') return oihwToHwio(torchValues, spec.torchShape as Shape4);
  if (spec.role === 'fc_weight') return transpose2d(torchValues, spec.torchShape as [number, number]);
  return torchValues.slice();
}

/** One tensor in PyTorch layout with its torchvision name. */
async function toTorchTensor(spec: StateEntrySpec, model: ResNet): Promise<SafetensorsTensor> {
  if (spec.role === 'bn_num_batches_tracked') {
    return i64Tensor([], [model.numBatchesTracked(spec.name)]);
  }
  const values = (await model.variable(spec.name).data()) as Float32Array;
  return f32Tensor(spec.torchShape, toTorchLayout(spec, values));
}

/** The state_dicts in PyTorch layout: `backbone` (torchvision keys, in state_dict order) and
 *  `gazeHead` (keys `gaze_head.*`; null without a head). Reads every variable back (async). */
export async function toTorchStateDicts(model: ResNet): Promise<{ backbone: StateDict; gazeHead: StateDict | null }> {
  const backbone: StateDict = new Map();
  for (const spec of model.backboneSpecs) backbone.set(spec.name, await toTorchTensor(spec, model));
  let gazeHead: StateDict | null = null;
  if (model.hasGazeHead) {
    gazeHead = new Map();
    for (const spec of model.headSpecs) gazeHead.set(spec.name, await toTorchTensor(spec, model));
  }
  return { backbone, gazeHead };
}

/** What every export carries in `__metadata__` (strings only, as safetensors requires). */
export function exportMetadata(model: ResNet, extra: Record<string, string> = {}): Record<string, string> {
  const { arch, numClasses, camStride, gazeHead } = model.config;
  return {
    format: 'pt',
    'gazecam.arch': arch,
    'gazecam.num_classes': String(numClasses),
    'gazecam.cam_stride': String(camStride),
    // Effective stride of layer1..layer4 (PyTorch users set the first block's strided conv and
    // downsample conv of a stage with stride 1 to (1,1) to get the same feature map).
    'gazecam.stage_strides': JSON.stringify(model.topology.stageStrides),
    'gazecam.gaze_head': gazeHead ? JSON.stringify(gazeHead) : 'none',
    ...extra,
  };
}

export interface SafetensorsExport {
  /** `model.safetensors`: the torchvision backbone + fc. */
  model: Uint8Array;
  /** `gaze_head.safetensors`, or null without a head. */
  gazeHead: Uint8Array | null;
}

/** Serialises the model as `model.safetensors` (+ `gaze_head.safetensors`). */
export async function exportSafetensors(model: ResNet, metadata: Record<string, string> = {}): Promise<SafetensorsExport> {
  const { backbone, gazeHead } = await toTorchStateDicts(model);
  const meta = exportMetadata(model, metadata);
  return {
    model: serializeSafetensors(backbone, meta),
    gazeHead: gazeHead ? serializeSafetensors(gazeHead, { ...meta, 'gazecam.part': 'gaze_head' }) : null,
  };
}

export type MismatchProblem = 'missing' | 'unexpected' | 'shape' | 'dtype';

export interface StateDictMismatch {
  name: string;
  problem: MismatchProblem;
  expected?: { shape: number[]; dtype: SafetensorsDtype };
  got?: { shape: number[]; dtype: SafetensorsDtype };
}

/** One mismatch as a line: `name: shape mismatch: expected F32 [3, 512], got F32 [1000, 512]`. */
export function describeMismatch(m: StateDictMismatch): string {
  const fmt = (x?: { shape: number[]; dtype: string }) => (x ? `${x.dtype} [${x.shape.join(', ')}]` : '-');
  switch (m.problem) {
    case 'missing':
      return `${m.name}: missing (expected ${fmt(m.expected)})`;
    case 'unexpected':
      return `${m.name}: unexpected (got ${fmt(m.got)})`;
    default:
      return `${m.name}: ${m.problem} mismatch: expected ${fmt(m.expected)}, got ${fmt(m.got)}`;
  }
}

export class StateDictMismatchError extends Error {
  override name = 'StateDictMismatchError';
  constructor(
    readonly mismatches: StateDictMismatch[],
    context: string,
    hint?: string,
  ) {
    super(
      `${context}: ${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}; nothing was loaded.\n` +
        mismatches.map((m) => `  - ${describeMismatch(m)}`).join('\n') +
        (hint ? `\n${hint}` : ''),
    );
  }
}

export interface ImportOptions {
  /** Keep our freshly initialised fc instead of loading `fc.weight`/`fc.bias` (fine-tuning from
   *  weights trained for another class count, e.g. ImageNet's 1000). Default false. */
  skipFc?: boolean;
  /** Accept F16, BF16 and F64 float tensors and convert them to F32. Default false. */
  castFloats?: boolean;
  /** Accept a file without `*.num_batches_tracked` (state_dicts from PyTorch < 0.4.1, which PyTorch
   *  itself fills with 0); the counters are set to 0 and a note is returned. Default true. */
  allowMissingNumBatchesTracked?: boolean;
}

export interface ImportReport {
  /** Names loaded into the model. */
  loaded: string[];
  /** Names left at their current values, with why (skipFc, no head file, ...). */
  kept: Array<{ name: string; reason: string }>;
}

const FLOAT_CASTABLE: SafetensorsDtype[] = ['F16', 'BF16', 'F64'];

/** Every mismatch between `tensors` and the expected `specs` (empty when they match). */
export function checkStateDict(
  specs: readonly StateEntrySpec[],
  tensors: StateDict,
  options: ImportOptions = {},
): StateDictMismatch[] {
  const mismatches: StateDictMismatch[] = [];
  const expectedNames = new Set(specs.map((s) => s.name));
  for (const spec of specs) {
    const expected = { shape: spec.torchShape, dtype: spec.dtype };
    const got = tensors.get(spec.name);
    if (!got) {
      const tolerated = spec.role === 'bn_num_batches_tracked' && (options.allowMissingNumBatchesTracked ?? true);
      if (!tolerated) mismatches.push({ name: spec.name, problem: 'missing', expected });
      continue;
    }
    const gotInfo = { shape: got.shape, dtype: got.dtype };
    const shapeOk = got.shape.length === spec.torchShape.length && got.shape.every((d, i) => d === spec.torchShape[i]);
    if (!shapeOk) mismatches.push({ name: spec.name, problem: 'shape', expected, got: gotInfo });
    const dtypeOk = got.dtype === spec.dtype || (spec.dtype === 'F32' && options.castFloats === true && FLOAT_CASTABLE.includes(got.dtype));
    if (!dtypeOk) mismatches.push({ name: spec.name, problem: 'dtype', expected, got: gotInfo });
  }
  for (const [name, t] of tensors) {
    if (!expectedNames.has(name)) mismatches.push({ name, problem: 'unexpected', got: { shape: t.shape, dtype: t.dtype } });
  }
  return mismatches;
}

function writeEntry(model: ResNet, spec: StateEntrySpec, t: SafetensorsTensor): void {
  if (spec.role === 'bn_num_batches_tracked') {
    model.setNumBatchesTracked(spec.name, toIntegers(t)[0]);
    return;
  }
  const values = fromTorchLayout(spec, toFloat32(t));
  const tensor = tf.tensor(values, spec.tfjsShape, 'float32');
  model.variable(spec.name).assign(tensor);
  tensor.dispose();
}

/**
 * Loads torchvision-named tensors (PyTorch layouts) into `model`. `backbone` must match the
 * model's backbone state_dict; `gaze_head.*` keys in it are accepted as the head's when the model
 * has one. `gazeHead` (optional) is the separate head file's tensors. Throws a
 * StateDictMismatchError listing every mismatch; loads nothing in that case.
 */
export function loadTorchStateDicts(
  model: ResNet,
  backbone: StateDict,
  gazeHead: StateDict | null = null,
  options: ImportOptions = {},
): ImportReport {
  const report: ImportReport = { loaded: [], kept: [] };
  const skipFc = options.skipFc === true;
  const isFc = (name: string) => name === 'fc.weight' || name === 'fc.bias';
  const backboneSpecs = model.backboneSpecs.filter((s) => !(skipFc && isFc(s.name)));
  const backboneOnly: StateDict = new Map();
  const headTensors: StateDict = new Map(gazeHead ?? []);
  for (const [name, t] of backbone) {
    if (skipFc && isFc(name)) continue;
    if (name.startsWith(GAZE_HEAD_PREFIX) && model.hasGazeHead && !gazeHead) headTensors.set(name, t);
    else backboneOnly.set(name, t);
  }
  const mismatches = checkStateDict(backboneSpecs, backboneOnly, options);
  const loadHead = model.hasGazeHead && headTensors.size > 0;
  if (loadHead) mismatches.push(...checkStateDict(model.headSpecs, headTensors, options));
  else if (headTensors.size > 0) {
    for (const [name, t] of headTensors) mismatches.push({ name, problem: 'unexpected', got: { shape: t.shape, dtype: t.dtype } });
  }
  if (mismatches.length > 0) {
    const fcMismatch = mismatches.some((m) => isFc(m.name) && m.problem === 'shape');
    const headUnexpected = !model.hasGazeHead && headTensors.size > 0;
    const hints = [
      fcMismatch ? 'The fc layer has another class count: pass { skipFc: true } to fine-tune with a fresh fc.' : '',
      headUnexpected ? 'The file has gaze_head.* tensors but the model has no gaze head: build it with gazeHead.' : '',
      mismatches.some((m) => m.problem === 'dtype' && m.got && FLOAT_CASTABLE.includes(m.got.dtype))
        ? 'Half/double precision weights: pass { castFloats: true } to convert them to float32.'
        : '',
    ].filter(Boolean);
    throw new StateDictMismatchError(mismatches, `Weights do not fit ${model.config.arch} (num_classes=${model.config.numClasses})`, hints.join('\n') || undefined);
  }
  for (const spec of backboneSpecs) {
    const t = backboneOnly.get(spec.name);
    if (t) {
      writeEntry(model, spec, t);
      report.loaded.push(spec.name);
    } else {
      model.setNumBatchesTracked(spec.name, 0); // tolerated missing num_batches_tracked
      report.kept.push({ name: spec.name, reason: 'absent from the file (old PyTorch state_dict); set to 0' });
    }
  }
  if (skipFc) {
    for (const name of ['fc.weight', 'fc.bias']) report.kept.push({ name, reason: 'skipFc: kept the fresh initialisation' });
  }
  for (const spec of model.headSpecs) {
    const t = loadHead ? headTensors.get(spec.name) : undefined;
    if (t) {
      writeEntry(model, spec, t);
      report.loaded.push(spec.name);
    } else {
      report.kept.push({ name: spec.name, reason: 'no gaze head weights given; kept the current values' });
    }
  }
  return report;
}

/** Parses and loads `model.safetensors` (and optionally `gaze_head.safetensors`) into `model`. */
export function importSafetensors(
  model: ResNet,
  modelBytes: Uint8Array,
  gazeHeadBytes: Uint8Array | null = null,
  options: ImportOptions = {},
): ImportReport {
  const backbone = parseSafetensors(modelBytes).tensors;
  const head = gazeHeadBytes ? parseSafetensors(gazeHeadBytes).tensors : null;
  return loadTorchStateDicts(model, backbone, head, options);
}
