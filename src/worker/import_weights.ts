/**
 * Importing weights to start a run from (e.g. torchvision's ImageNet ResNet as a `.pth`, a timm
 * `.safetensors`, or a studio export): the file is read (format from its bytes), then checked name
 * by name against the model the current settings describe; nothing is loaded until training
 * starts. A classifier of another class count is not an error: fine-tuning starts that layer fresh,
 * as the CLI's --init does. The weights are kept as safetensors bytes whatever the file was, so the
 * training session loads them one way.
 */
import { serializeSafetensors } from '../engine/io/safetensors.ts';
import type { StateDictMismatch } from '../engine/io/torchvision.ts';
import { checkPretrained, matchingArchitecture, readWeightsFile } from '../engine/io/weights_file.ts';
import { createModelFor, resolveConfig } from '../engine/train/index.ts';
import type { TrainSettings, WeightsImportReport } from './protocol.ts';

/** The studio's wording for one mismatch (the e2e tests and users read "differs", "not in the model"). */
function describe(m: StateDictMismatch): string {
  const fmt = (x?: { shape: number[]; dtype: string }) => (x ? `${x.dtype} [${x.shape.join(', ')}]` : '—');
  if (m.problem === 'missing') return `${m.name}: missing (expected ${fmt(m.expected)})`;
  if (m.problem === 'unexpected') return `${m.name}: not in ${'the model'} (got ${fmt(m.got)})`;
  return `${m.name}: ${m.problem} differs: expected ${fmt(m.expected)}, got ${fmt(m.got)}`;
}

export interface ImportedWeights {
  /** safetensors bytes (a `.pth` is converted once, here). */
  bytes: Uint8Array;
  report: Extract<WeightsImportReport, { ok: true }>;
}

export async function checkImportedWeights(
  file: File,
  settings: TrainSettings,
  numClasses: number | null,
): Promise<{ report: WeightsImportReport; weights: ImportedWeights | null }> {
  const fail = (message: string, mismatches: string[] = []) => ({
    report: { ok: false as const, fileName: file.name, message, mismatches },
    weights: null,
  });
  const fileBytes = new Uint8Array(await file.arrayBuffer());
  let weights;
  try {
    weights = readWeightsFile(fileBytes, file.name);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const { tensors } = weights;
  // Without a dataset, the class count is the file's own (fc.weight is [K, C]).
  const classes = numClasses ?? tensors.get('fc.weight')?.shape[0] ?? 2;
  const config = resolveConfig({ ...settings });
  const model = createModelFor(config, classes);
  try {
    const { mismatches, freshClassifier } = checkPretrained(model.backboneSpecs, tensors);
    const checkedAgainst = `${config.arch} with ${classes} classes`;
    if (mismatches.length > 0) {
      const fits = matchingArchitecture(tensors);
      return fail(
        `${file.name} does not fit ${checkedAgainst}: ${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}. ` +
          (fits ? `The file fits ${fits}: pick that architecture.` : 'Pick the architecture the weights were trained with.'),
        mismatches.map(describe),
      );
    }
    const bytes = weights.format === 'safetensors' ? fileBytes : serializeSafetensors(tensors);
    const report = { ok: true as const, fileName: file.name, tensors: tensors.size, freshClassifier, checkedAgainst };
    return { report, weights: { bytes, report } };
  } finally {
    model.dispose();
  }
}
