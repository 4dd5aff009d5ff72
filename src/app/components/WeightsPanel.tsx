import { useRef } from 'react';
import { useStudio } from '../use_studio.ts';
import { DisabledReason, WAITING_FOR_WORKER } from './DisabledReason.tsx';

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} kB`;
}

/**
 * Export the model (a zip: torchvision-named safetensors, tfjs model, run.json, README) or import
 * safetensors weights to start the next run from; an import is checked name by name at once.
 */
export function WeightsPanel() {
  const workerReady = useStudio((s) => s.capabilities !== null);
  const hasModel = useStudio((s) => s.runConfig !== null);
  const status = useStudio((s) => s.trainingStatus);
  const exportStatus = useStudio((s) => s.exportStatus);
  const importReport = useStudio((s) => s.importReport);
  const importChecking = useStudio((s) => s.importChecking);
  const exportWeights = useStudio((s) => s.exportWeights);
  const importWeights = useStudio((s) => s.importWeights);
  const clearImportedWeights = useStudio((s) => s.clearImportedWeights);
  const fileInput = useRef<HTMLInputElement>(null);

  const exportBlocker = !hasModel
    ? 'Train a model first; a stopped run can be exported too.'
    : status !== 'idle' && status !== 'paused'
      ? 'Pause or stop training to export.'
      : null;
  const canExport = workerReady && exportBlocker === null && exportStatus.state !== 'working';
  const canImport = workerReady && status === 'idle' && !importChecking;

  return (
    <section className="panel" aria-labelledby="weights-heading">
      <h2 id="weights-heading">Weights</h2>
      <div className="controls">
        <button type="button" disabled={!canExport} aria-describedby="export-status" onClick={exportWeights}>
          Export weights
        </button>
        <button
          type="button"
          disabled={!canImport}
          aria-describedby="import-status"
          onClick={() => fileInput.current?.click()}
        >
          Import weights
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".safetensors,.pth,.pt,.bin,.tar"
          hidden
          tabIndex={-1}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) importWeights(file);
            e.currentTarget.value = '';
          }}
        />
      </div>
      <DisabledReason id="export-unavailable" reason={workerReady ? null : WAITING_FOR_WORKER} />
      <p id="export-status" className="reason" role="status" aria-label="Export status">
        {exportStatus.state === 'working' && 'Building the export bundle…'}
        {exportStatus.state === 'done' &&
          `Downloaded ${exportStatus.fileName} (${formatBytes(exportStatus.sizeBytes)}): ${exportStatus.files.join(', ')}.`}
        {exportStatus.state === 'failed' && `Export failed: ${exportStatus.message}`}
        {exportStatus.state === 'idle' && (exportBlocker ?? 'model.safetensors loads into torchvision with strict=True.')}
      </p>
      <div id="import-status" role="status" aria-label="Import status" className="reason">
        {importChecking && 'Checking the weights…'}
        {!importChecking && !importReport && 'Import a .safetensors file (torchvision names) to start the next run from it.'}
        {importReport?.ok && (
          <>
            {importReport.fileName}: {importReport.tensors} tensors fit {importReport.checkedAgainst}
            {importReport.freshClassifier ? '; the classifier (fc) starts fresh for this class count' : ''}. The next
            run starts from these weights.{' '}
            <button type="button" onClick={clearImportedWeights}>
              Forget imported weights
            </button>
          </>
        )}
        {importReport && !importReport.ok && (
          <>
            <span className="field-error">{importReport.message}</span>
            {importReport.mismatches.length > 0 && (
              <ul aria-label="Weight mismatches" className="mismatches">
                {importReport.mismatches.map((m) => (
                  <li key={m}>
                    <code>{m}</code>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </section>
  );
}
