/**
 * Pretrained starts, shared by `gazecam train --init` and the studio's "Import weights": read a
 * weights file whatever its format (told apart by its bytes, never its name), check it against the
 * chosen architecture, and load it.
 *
 * Accepted: torchvision `.pth` state_dicts (torch.save zip archives, see torch_pth.ts), timm and
 * torchvision `.safetensors` (timm's ResNets use torchvision's module names), and GazeCAM's own
 * `model.safetensors`. A classifier for another class count (ImageNet's 1000) is dropped and starts
 * fresh; every other name and shape must match, and a mismatch names them in one line.
 */
import { backboneStateSpecs, resnetTopology, RESNET_ARCHS, type ResNetArch, type StateEntrySpec } from '../model/arch.ts';
import { GAZE_HEAD_PREFIX } from '../model/gaze_head.ts';
import type { ResNet } from '../model/resnet.ts';
import { parseSafetensors, SafetensorsFormatError } from './safetensors.ts';
import { isBarePickle, isZipArchive, parseTorchPth, WeightsFileError } from './torch_pth.ts';
import {
  StateDictMismatchError,
  checkStateDict,
  loadTorchStateDicts,
  type ImportReport,
  type StateDict,
  type StateDictMismatch,
} from './torchvision.ts';

export type WeightsFormat = 'torch-zip' | 'safetensors';

export interface WeightsFile {
  format: WeightsFormat;
  /** Torchvision-named tensors in PyTorch layout. */
  tensors: StateDict;
  /** What was done to find them (a checkpoint key unwrapped, a DDP prefix removed); empty when nothing. */
  notes: string[];
}

/** 'torch-zip' for a zip signature, 'safetensors' for an 8-byte length followed by a JSON object. */
export function detectWeightsFormat(bytes: Uint8Array): WeightsFormat | null {
  if (isZipArchive(bytes)) return 'torch-zip';
  if (bytes.length >= 9 && bytes[8] === 0x7b /* '{' */ && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  return null;
}

/** Reads a weights file; throws WeightsFileError (one line naming `fileName`) when it cannot. */
export function readWeightsFile(bytes: Uint8Array, fileName: string): WeightsFile {
  const format = detectWeightsFormat(bytes);
  if (format === 'torch-zip') {
    const pth = parseTorchPth(bytes, fileName);
    const notes = [
      pth.source ? `state_dict taken from the checkpoint's "${pth.source}"` : '',
      pth.strippedPrefix ? `"${pth.strippedPrefix}" removed from every name` : '',
    ].filter(Boolean);
    return { format, tensors: pth.tensors, notes };
  }
  if (format === 'safetensors') {
    try {
      return { format, tensors: parseSafetensors(bytes).tensors, notes: [] };
    } catch (err) {
      if (err instanceof SafetensorsFormatError) throw new WeightsFileError(fileName, `is not a readable safetensors file: ${err.message}`);
      throw err;
    }
  }
  if (isBarePickle(bytes)) parseTorchPth(bytes, fileName); // throws the legacy-format message
  throw new WeightsFileError(
    fileName,
    'is neither a PyTorch archive (torch.save) nor a safetensors file; expected a torchvision .pth state_dict or a .safetensors file',
  );
}

const isFc = (name: string) => name === 'fc.weight' || name === 'fc.bias';

export interface PretrainedCheck {
  /** What stops the import: every mismatch except a classifier for another class count. */
  mismatches: StateDictMismatch[];
  /** The file's fc is for another class count (e.g. ImageNet's 1000), or absent: it starts fresh. */
  freshClassifier: boolean;
}

/** Checks `tensors` against a backbone's state_dict specs (gaze_head.* tensors are not checked here). */
export function checkPretrained(specs: readonly StateEntrySpec[], tensors: StateDict): PretrainedCheck {
  const backbone: StateDict = new Map([...tensors].filter(([name]) => !name.startsWith(GAZE_HEAD_PREFIX)));
  const all = checkStateDict(specs, backbone, { castFloats: true });
  const inFeatures = specs.find((s) => s.name === 'fc.weight')?.torchShape[1];
  const w = backbone.get('fc.weight');
  const b = backbone.get('fc.bias');
  // Replaceable: no classifier at all, or one reading the same features for another class count.
  const replaceable = (!w && !b) ||
    (w !== undefined && b !== undefined && w.shape.length === 2 && w.shape[1] === inFeatures &&
      b.shape.length === 1 && b.shape[0] === w.shape[0]);
  const freshClassifier = replaceable && all.some((m) => isFc(m.name));
  return { mismatches: freshClassifier ? all.filter((m) => !isFc(m.name)) : all, freshClassifier };
}

/** The architecture whose backbone `tensors` fit, if any (to say what to pick instead). */
export function matchingArchitecture(tensors: StateDict): ResNetArch | null {
  const classes = tensors.get('fc.weight')?.shape[0] ?? 1000;
  for (const arch of RESNET_ARCHS) {
    if (checkPretrained(backboneStateSpecs(resnetTopology(arch, classes)), tensors).mismatches.length === 0) return arch;
  }
  return null;
}

function listOf(mismatches: StateDictMismatch[], problem: StateDictMismatch['problem'], shown = 4): string {
  const of = mismatches.filter((m) => m.problem === problem);
  if (of.length === 0) return '';
  const fmt = (x?: { shape: number[]; dtype: string }) => (x ? `${x.dtype} [${x.shape.join(', ')}]` : '');
  const items = of.slice(0, shown).map((m) =>
    problem === 'missing' ? `${m.name} ${fmt(m.expected)}`
    : problem === 'unexpected' ? `${m.name} ${fmt(m.got)}`
    : `${m.name} expected ${fmt(m.expected)}, got ${fmt(m.got)}`);
  const label = problem === 'unexpected' ? 'not in the model' : problem === 'missing' ? 'missing from the file' : `${problem} differs`;
  return `${of.length} ${label} (${items.join('; ')}${of.length > shown ? `; and ${of.length - shown} more` : ''})`;
}

/** A file that does not fit the chosen architecture: `mismatches` lists every name. */
export class PretrainedMismatchError extends WeightsFileError {
  override name = 'PretrainedMismatchError';
  constructor(
    fileName: string,
    readonly checkedAgainst: string,
    readonly mismatches: StateDictMismatch[],
    readonly matchingArch: ResNetArch | null,
  ) {
    const parts = (['missing', 'unexpected', 'shape', 'dtype'] as const).map((p) => listOf(mismatches, p)).filter(Boolean);
    super(
      fileName,
      `does not fit ${checkedAgainst}: ${parts.join('; ')}. ` +
        (matchingArch ? `The file fits ${matchingArch}: pick that architecture.` : 'Pick the architecture the weights were trained with.'),
    );
  }
}

export interface PretrainedReport extends ImportReport {
  freshClassifier: boolean;
  /** The file's class count when its classifier was dropped (null: it had none, or it was loaded). */
  droppedClasses: number | null;
}

/**
 * Loads a pretrained start into `model`: everything but a classifier for another class count must
 * match (PretrainedMismatchError otherwise, and nothing is loaded); half/bfloat16/double floats are
 * converted to float32.
 */
export function loadPretrained(model: ResNet, tensors: StateDict, fileName: string): PretrainedReport {
  const { mismatches, freshClassifier } = checkPretrained(model.backboneSpecs, tensors);
  const checkedAgainst = `${model.config.arch} with ${model.config.numClasses} classes`;
  if (mismatches.length > 0) throw new PretrainedMismatchError(fileName, checkedAgainst, mismatches, matchingArchitecture(tensors));
  try {
    const report = loadTorchStateDicts(model, tensors, null, { skipFc: freshClassifier, castFloats: true });
    return { ...report, freshClassifier, droppedClasses: freshClassifier ? (tensors.get('fc.weight')?.shape[0] ?? null) : null };
  } catch (err) {
    // Only the gaze head can still disagree here (the backbone was checked above).
    if (err instanceof StateDictMismatchError) throw new PretrainedMismatchError(fileName, checkedAgainst, err.mismatches, null);
    throw err;
  }
}
