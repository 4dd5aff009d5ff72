import { useStudio } from '../use_studio.ts';
import { DisabledReason, isAvailable } from './DisabledReason.tsx';

/** Export a trained model (torchvision-compatible safetensors + tfjs) or import weights to start from. */
export function WeightsPanel() {
  const exportAvailability = useStudio((s) => s.engine?.weightsExport ?? null);
  const importAvailability = useStudio((s) => s.engine?.weightsImport ?? null);
  const canExport = isAvailable(exportAvailability);
  const canImport = isAvailable(importAvailability);
  return (
    <section className="panel" aria-labelledby="weights-heading">
      <h2 id="weights-heading">Weights</h2>
      <div className="controls">
        <button type="button" disabled={!canExport} aria-describedby={canExport ? undefined : 'export-reason'}>
          Export weights
        </button>
        <button type="button" disabled={!canImport} aria-describedby={canImport ? undefined : 'import-reason'}>
          Import weights
        </button>
      </div>
      <DisabledReason id="export-reason" availability={exportAvailability} />
      <DisabledReason id="import-reason" availability={importAvailability} />
    </section>
  );
}
