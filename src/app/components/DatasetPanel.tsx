import { useEffect, useState } from 'react';
import { filesFromDrop, filesFromInput } from '../dropped_files.ts';
import { useStudio } from '../use_studio.ts';
import { DatasetReportView } from './DatasetReportView.tsx';
import { DisabledReason, WAITING_FOR_WORKER } from './DisabledReason.tsx';

/**
 * Data in: a folder dropped anywhere on the page (the drop region shows where and lights up while
 * dragging), a folder picker, and the demo dataset.
 */
export function DatasetPanel() {
  const workerReady = useStudio((s) => s.capabilities !== null);
  // A new dataset while training would leave the run's data and the report out of step.
  const loading = useStudio((s) => s.dataset.status === 'loading' || s.trainingStatus !== 'idle');
  const loadFolder = useStudio((s) => s.loadFolder);
  const loadDemo = useStudio((s) => s.loadDemo);
  const notify = useStudio((s) => s.notify);
  const [dragging, setDragging] = useState(false);
  const canIngest = workerReady && !loading;
  const waiting = workerReady ? null : WAITING_FOR_WORKER;

  // Window-level: a drop anywhere counts, and a file dropped outside must never make the tab
  // navigate to file:// (which would also leave the page's origin).
  useEffect(() => {
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => e.preventDefault();
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      if (!canIngest || !e.dataTransfer) return;
      filesFromDrop(e.dataTransfer).then(
        (files) =>
          files.length > 0
            ? loadFolder(files)
            : notify('warning', 'Nothing to read in what was dropped: drop the dataset folder itself.'),
        (err: unknown) => notify('error', `Could not read the dropped folder: ${String(err)}`),
      );
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [canIngest, loadFolder, notify]);

  return (
    <section className="panel" aria-labelledby="dataset-heading">
      <h2 id="dataset-heading">Dataset</h2>
      <div
        role="region"
        aria-label="Drop dataset folder here"
        aria-describedby={waiting ? 'ingestion-reason' : undefined}
        className={`dropzone${dragging && canIngest ? ' dragging' : ''}${waiting ? ' disabled' : ''}`}
      >
        <p>{dragging && canIngest ? 'Release to load this folder' : 'Drop a dataset folder here'}</p>
        <p className="hint">images/&lt;label&gt;/…, gaze/&lt;label&gt;/… — nothing leaves this computer.</p>
        <label className="file-button">
          Dataset folder
          <input
            type="file"
            // Non-standard but supported by every Chromium: pick a whole folder.
            {...{ webkitdirectory: '', directory: '' }}
            multiple
            disabled={!canIngest}
            aria-describedby={waiting ? 'ingestion-reason' : undefined}
            onChange={(e) => {
              const { files } = e.currentTarget;
              if (files && files.length > 0) loadFolder(filesFromInput(files));
              e.currentTarget.value = ''; // picking the same folder again re-reads it
            }}
          />
        </label>
      </div>
      <DisabledReason id="ingestion-reason" reason={waiting} />
      <button
        type="button"
        disabled={!workerReady || loading}
        aria-describedby={waiting ? 'ingestion-reason' : undefined}
        onClick={loadDemo}
      >
        Load demo dataset
      </button>
      <DatasetReportView />
    </section>
  );
}
