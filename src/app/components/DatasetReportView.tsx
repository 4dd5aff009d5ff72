import { useStudio } from '../use_studio.ts';

/** Problems shown before "and N more": enough to see a pattern, not a wall of text. */
const PROBLEMS_SHOWN = 20;

/** The validation report of the loaded dataset: counts, splits, gaze coverage, problems with reasons. */
export function DatasetReportView() {
  const dataset = useStudio((s) => s.dataset);
  if (dataset.status === 'empty') return null;
  if (dataset.status === 'loading') {
    return (
      <p role="status" className="hint">
        {dataset.source === 'demo' ? 'Generating the demo dataset…' : `Reading ${dataset.fileCount} files…`}
      </p>
    );
  }
  if (dataset.status === 'failed') {
    return (
      <p role="alert" className="field-error">
        Could not read the {dataset.source === 'demo' ? 'demo dataset' : 'folder'}: {dataset.message}
      </p>
    );
  }
  const { name, report, scanMs } = dataset;
  const { problems } = report;
  return (
    <section className="dataset-report" aria-label="Dataset report">
      <h3>
        {name} <span className="hint">({report.format}, read in {(scanMs / 1000).toFixed(1)} s)</span>
      </h3>
      {report.images === 0 && (
        <p role="alert" className="field-error">
          No images found. A dataset folder holds images/&lt;label&gt;/… (PNG, JPEG or DICOM) with gaze/&lt;label&gt;/…
          beside it, or one of the EGD-CXR, REFLACX or MicEye layouts.
        </p>
      )}
      <dl className="report-grid">
        <dt>Images</dt>
        <dd>{report.images}</dd>
        <dt>With gaze</dt>
        <dd>{report.withGaze}</dd>
        <dt>Splits</dt>
        <dd>
          train {report.splits.train} · val {report.splits.val} · test {report.splits.test}
        </dd>
      </dl>
      <table className="class-table">
        <caption>Images per class</caption>
        <tbody>
          {Object.entries(report.classes).map(([label, count]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {problems.length > 0 && (
        <details className="problems" open={report.images === 0}>
          <summary>
            {problems.length} {problems.length === 1 ? 'file was' : 'files were'} skipped
          </summary>
          <ul aria-label="Skipped files">
            {problems.slice(0, PROBLEMS_SHOWN).map((p) => (
              <li key={`${p.file}:${p.error}`}>
                <code>{p.file}</code>: {p.error}
              </li>
            ))}
          </ul>
          {problems.length > PROBLEMS_SHOWN && <p className="hint">and {problems.length - PROBLEMS_SHOWN} more</p>}
        </details>
      )}
    </section>
  );
}
