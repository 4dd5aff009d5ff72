import { useEffect, useState, type DragEvent } from 'react';
import { filesFromDrop, filesFromInput } from '../dropped_files.ts';
import { useStudio } from '../use_studio.ts';
import { DatasetReportView } from './DatasetReportView.tsx';
import { DisabledReason, isAvailable } from './DisabledReason.tsx';

/** Data in: a drop region, a folder picker and the demo dataset. */
export function DatasetPanel() {
  const ingestion = useStudio((s) => s.engine?.datasetIngestion ?? null);
  const demo = useStudio((s) => s.engine?.demoDataset ?? null);
  const loading = useStudio((s) => s.dataset.status === 'loading');
  const loadFolder = useStudio((s) => s.loadFolder);
  const loadDemo = useStudio((s) => s.loadDemo);
  const notify = useStudio((s) => s.notify);
  const [dragging, setDragging] = useState(false);
  const canIngest = isAvailable(ingestion);

  // A file dropped outside the drop region must not navigate the tab to file://.
  useEffect(() => {
    const swallow = (e: globalThis.DragEvent) => e.preventDefault();
    window.addEventListener('dragover', swallow);
    window.addEventListener('drop', swallow);
    return () => {
      window.removeEventListener('dragover', swallow);
      window.removeEventListener('drop', swallow);
    };
  }, []);

  const onDrop = (e: DragEvent<HTMLElement>) => {
    e.preventDefault();
    setDragging(false);
    if (!canIngest) return;
    filesFromDrop(e.dataTransfer).then(loadFolder, (err: unknown) =>
      notify('error', `Could not read the dropped folder: ${String(err)}`),
    );
  };

  return (
    <section className="panel" aria-labelledby="dataset-heading">
      <h2 id="dataset-heading">Dataset</h2>
      <div
        role="region"
        aria-label="Drop dataset folder here"
        aria-describedby={canIngest ? undefined : 'ingestion-reason'}
        className={`dropzone${dragging ? ' dragging' : ''}${canIngest ? '' : ' disabled'}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(canIngest);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop a dataset folder here</p>
        <p className="hint">images/&lt;label&gt;/…, gaze/&lt;label&gt;/… — nothing leaves this computer.</p>
        <label className="file-button">
          Dataset folder
          <input
            type="file"
            // Non-standard but supported by every Chromium: pick a whole folder.
            {...{ webkitdirectory: '', directory: '' }}
            multiple
            disabled={!canIngest || loading}
            aria-describedby={canIngest ? undefined : 'ingestion-reason'}
            onChange={(e) => e.currentTarget.files && loadFolder(filesFromInput(e.currentTarget.files))}
          />
        </label>
      </div>
      <DisabledReason id="ingestion-reason" availability={ingestion} />
      <button type="button" disabled={!isAvailable(demo) || loading} aria-describedby={isAvailable(demo) ? undefined : 'demo-reason'} onClick={loadDemo}>
        Load demo dataset
      </button>
      <DisabledReason id="demo-reason" availability={demo} />
      <DatasetReportView />
    </section>
  );
}
