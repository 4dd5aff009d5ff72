/**
 * Importing weights to start a run from (e.g. torchvision's ImageNet ResNet, or a studio export):
 * the file is parsed and checked name by name against the model the current settings describe;
 * nothing is loaded until training starts. A classifier of another class count is not an error:
 * fine-tuning starts that layer fresh, as the CLI's --init does.
 */
import { parseSafetensors } from '../engine/io/safetensors.ts';
import { checkStateDict, type StateDictMismatch } from '../engine/io/torchvision.ts';
import { createModelFor, resolveConfig } from '../engine/train/index.ts';
import type { TrainSettings, WeightsImportReport } from './protocol.ts';

const isFc = (name: string) => name === 'fc.weight' || name === 'fc.bias';

function describe(m: StateDictMismatch): string {
  const fmt = (x?: { shape: number[]; dtype: string }) => (x ? `${x.dtype} [${x.shape.join(', ')}]` : '—');
  if (m.problem === 'missing') return `${m.name}: missing (expected ${fmt(m.expected)})`;
  if (m.problem === 'unexpected') return `${m.name}: not in ${'the model'} (got ${fmt(m.got)})`;
  return `${m.name}: ${m.problem} differs: expected ${fmt(m.expected)}, got ${fmt(m.got)}`;
}

export interface ImportedWeights {
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
  const bytes = new Uint8Array(await file.arrayBuffer());
  let tensors;
  try {
    ({ tensors } = parseSafetensors(bytes));
  } catch (err) {
    return fail(`${file.name} is not a readable safetensors file: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Without a dataset, the class count is the file's own (fc.weight is [K, C]).
  const classes = numClasses ?? tensors.get('fc.weight')?.shape[0] ?? 2;
  const config = resolveConfig({ ...settings });
  const model = createModelFor(config, classes);
  try {
    const backbone = new Map([...tensors].filter(([name]) => !name.startsWith('gaze_head.')));
    const mismatches = checkStateDict(model.backboneSpecs, backbone, { castFloats: true });
    const blocking = mismatches.filter((m) => !isFc(m.name));
    const checkedAgainst = `${config.arch} with ${classes} classes`;
    if (blocking.length > 0) {
      return fail(
        `${file.name} does not fit ${checkedAgainst}: ${blocking.length} mismatch${blocking.length === 1 ? '' : 'es'}. ` +
          'Pick the architecture the weights were trained with.',
        blocking.map(describe),
      );
    }
    const report = { ok: true as const, fileName: file.name, tensors: tensors.size, freshClassifier: mismatches.length > 0, checkedAgainst };
    return { report, weights: { bytes, report } };
  } finally {
    model.dispose();
  }
}
