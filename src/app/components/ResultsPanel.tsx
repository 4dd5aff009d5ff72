import { useStudio } from '../use_studio.ts';
import { RunComparison } from './RunComparison.tsx';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

/**
 * The finished run on its held-out test split: confusion matrix, per-class ROC AUC, and CAM-gaze
 * agreement beside accuracy (DESIGN.md section 1: always report robustness next to AUC).
 */
export function ResultsPanel() {
  const outcome = useStudio((s) => s.lastOutcome);
  const classNames = useStudio((s) => s.runClassNames);
  const test = outcome?.test;
  if (!test || classNames.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="results-heading">
      <h2 id="results-heading">Results (test split)</h2>
      <dl className="report-grid">
        <dt>Images</dt>
        <dd>{test.count}</dd>
        <dt>Accuracy</dt>
        <dd>{fmt(test.accuracy)}</dd>
        <dt>Macro AUC</dt>
        <dd>{fmt(test.macroAuc)}</dd>
        <dt>CAM-gaze r</dt>
        <dd>
          {fmt(test.camGazeR)} <span className="hint">(over {test.withGaze} images with gaze)</span>
        </dd>
        <dt>CAM mass in gaze</dt>
        <dd>{fmt(test.camMassInGaze)}</dd>
        {test.conflictCount > 0 && (
          <>
            <dt>Conflict accuracy</dt>
            <dd>
              {fmt(test.conflictAccuracy)} <span className="hint">({test.conflictCount} images where the shortcut contradicts the label)</span>
            </dd>
          </>
        )}
      </dl>
      <div className="results-tables">
        <table className="metrics-table confusion">
          <caption>Confusion matrix (rows: true class, columns: predicted)</caption>
          <thead>
            <tr>
              <td />
              {classNames.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {classNames.map((c, t) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                {classNames.map((p, j) => (
                  <td key={p} className={t === j ? 'diagonal' : undefined}>
                    {test.confusion[t]?.[j] ?? 0}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <table className="metrics-table">
          <caption>ROC AUC per class (one vs rest)</caption>
          <tbody>
            {classNames.map((c, i) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td>{fmt(test.auc[i] ?? Number.NaN)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <RunComparison />
    </section>
  );
}
