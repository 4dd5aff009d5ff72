import { useStudio } from '../use_studio.ts';

/** After a reload, a crash or a lost GPU device: offer to continue the run from its last checkpoint. */
export function ResumeBanner() {
  const saved = useStudio((s) => s.savedRun);
  const idle = useStudio((s) => s.trainingStatus === 'idle');
  const backendReady = useStudio((s) => s.backend.state === 'ready');
  const dataset = useStudio((s) => s.dataset);
  const resume = useStudio((s) => s.resumeSavedRun);
  const discard = useStudio((s) => s.discardSavedRun);
  if (!saved || !idle) return null;
  const when = new Date(saved.savedAt).toLocaleString();
  // After a lost device the studio hands the folder to the new worker itself; after a reload the
  // browser has forgotten the files, and only the user can give them back.
  const folderLoaded =
    dataset.status === 'ready' && dataset.source === 'folder' && dataset.name === saved.datasetName && dataset.report.images === saved.datasetImages;
  const where =
    saved.datasetSource === 'demo'
      ? 'the demo dataset'
      : `the folder "${saved.datasetName}"${
          saved.datasetStored ? ' (its images are kept in this browser)' : folderLoaded ? '' : ' (drop it again first)'
        }`;
  const datasetLoading = dataset.status === 'loading';
  return (
    <section className="panel resume" aria-labelledby="resume-heading">
      <h2 id="resume-heading">Unfinished run</h2>
      <p>
        A {saved.arch} run at {saved.size} px on {where} was saved at {when}: epoch {Math.min(saved.epoch + 1, saved.epochs)} of{' '}
        {saved.epochs}, after {saved.globalStep} steps. Resuming continues from that checkpoint.
      </p>
      <div className="controls">
        <button type="button" className="primary" disabled={!backendReady || datasetLoading} onClick={resume}>
          Resume training
        </button>
        <button type="button" onClick={discard}>
          Discard saved run
        </button>
      </div>
    </section>
  );
}
