import { useStudio } from '../use_studio.ts';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

/**
 * Validation metrics per epoch, and the test split at the end. Accuracy and AUC sit next to
 * CAM-gaze agreement and, when the data has shortcut conflicts, accuracy on them (DESIGN.md section 1).
 */
export function EpochTable() {
  const epochs = useStudio((s) => s.epochHistory);
  const outcome = useStudio((s) => s.lastOutcome);
  if (epochs.length === 0) return null;
  const showConflict = epochs.some((e) => e.val.conflictCount > 0);
  const test = outcome?.test;
  return (
    <table className="metrics-table">
      <caption>Validation metrics per epoch</caption>
      <thead>
        <tr>
          <th scope="col">Epoch</th>
          <th scope="col">Train loss</th>
          <th scope="col">Val accuracy</th>
          <th scope="col">Val AUC</th>
          <th scope="col">CAM-gaze r</th>
          {showConflict && <th scope="col">Conflict accuracy</th>}
        </tr>
      </thead>
      <tbody>
        {epochs.map((e) => (
          <tr key={e.epoch}>
            <th scope="row">{e.epoch}</th>
            <td>{fmt(e.train.total)}</td>
            <td>{fmt(e.val.accuracy)}</td>
            <td>{fmt(e.val.macroAuc)}</td>
            <td>{fmt(e.val.camGazeR)}</td>
            {showConflict && <td>{fmt(e.val.conflictAccuracy)}</td>}
          </tr>
        ))}
        {test && (
          <tr className="test-row">
            <th scope="row">Test</th>
            <td>—</td>
            <td>{fmt(test.accuracy)}</td>
            <td>{fmt(test.macroAuc)}</td>
            <td>{fmt(test.camGazeR)}</td>
            {showConflict && <td>{fmt(test.conflictAccuracy)}</td>}
          </tr>
        )}
      </tbody>
    </table>
  );
}
