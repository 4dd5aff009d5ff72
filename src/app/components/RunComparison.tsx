import type { SplitMetrics } from '../../worker/protocol.ts';
import { useStudio } from '../use_studio.ts';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

const ROWS: { label: string; value: (t: SplitMetrics) => string }[] = [
  { label: 'Accuracy', value: (t) => fmt(t.accuracy) },
  { label: 'Macro AUC', value: (t) => fmt(t.macroAuc) },
  { label: 'CAM-gaze r', value: (t) => fmt(t.camGazeR) },
  { label: 'CAM mass in gaze', value: (t) => fmt(t.camMassInGaze) },
  { label: 'Conflict accuracy', value: (t) => (t.conflictCount > 0 ? fmt(t.conflictAccuracy) : '—') },
];

/**
 * Finished runs on the current dataset side by side (e.g. with and without gaze). The split is
 * fixed when the dataset is loaded, so every run here is judged on the same test images.
 */
export function RunComparison() {
  const datasetName = useStudio((s) => (s.dataset.status === 'ready' ? s.dataset.name : null));
  const allRuns = useStudio((s) => s.completedRuns);
  const runs = allRuns.filter((r) => r.datasetName === datasetName);
  if (runs.length < 2) return null;
  return (
    <table className="metrics-table comparison">
      <caption>Runs compared on the same test split</caption>
      <thead>
        <tr>
          <td />
          {runs.map((r) => (
            <th key={r.id} scope="col">
              Run {r.id}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Setup</th>
          {runs.map((r) => (
            <td key={r.id}>
              {r.config.arch}, {r.config.method === 'none' || r.config.lambda === 0 ? 'no gaze' : `${r.config.method} ${r.config.loss} λ=${r.config.lambda}`}
            </td>
          ))}
        </tr>
        {ROWS.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            {runs.map((r) => (
              <td key={r.id}>{row.value(r.test)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
