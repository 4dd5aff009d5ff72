import { useStudio } from '../use_studio.ts';

/** After a reload, a crash or a lost GPU device: offer to continue the run from its last checkpoint. */
export function ResumeBanner() {
  const saved = useStudio((s) => s.savedRun);
  const idle = useStudio((s) => s.trainingStatus === 'idle');
  const backendReady = useStudio((s) => s.backend.state === 'ready');
  const resume = useStudio((s) => s.resumeSavedRun);
  const discard = useStudio((s) => s.discardSavedRun);
  if (!saved || !idle) return null;
  const when = new Date(saved.savedAt).toLocaleString();
  const where = saved.datasetSource === 'demo' ? 'the demo dataset' : `the folder "${saved.datasetName}" (drop it again first)`;
  return (
    <section className="panel resume" aria-labelledby="resume-heading">
      <h2 id="resume-heading">Unfinished run</h2>
      <p>
        A {saved.arch} run at {saved.size} px on {where} was saved at {when}: epoch {Math.min(saved.epoch + 1, saved.epochs)} of{' '}
        {saved.epochs}, after {saved.globalStep} steps. Resuming continues from that checkpoint.
      </p>
      <div className="controls">
        <button type="button" className="primary" disabled={!backendReady} onClick={resume}>
          Resume training
        </button>
        <button type="button" onClick={discard}>
          Discard saved run
        </button>
      </div>
    </section>
  );
}
