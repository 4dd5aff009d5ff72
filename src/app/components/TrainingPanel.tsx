import { progressPercent } from '../store/training_slice.ts';
import { useStudio } from '../use_studio.ts';
import { DisabledReason, isAvailable } from './DisabledReason.tsx';

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** Start/pause/stop and the progressbar. Charts join here when the training loop reports metrics. */
export function TrainingPanel() {
  const training = useStudio((s) => s.engine?.training ?? null);
  const backendReady = useStudio((s) => s.backend.state === 'ready');
  const hasSettingsErrors = useStudio((s) => Object.keys(s.settingsErrors).length > 0);
  const status = useStudio((s) => s.trainingStatus);
  const progress = useStudio((s) => s.progress);
  const startTraining = useStudio((s) => s.startTraining);
  const pauseTraining = useStudio((s) => s.pauseTraining);
  const resumeTraining = useStudio((s) => s.resumeTraining);
  const stopTraining = useStudio((s) => s.stopTraining);
  const canTrain = isAvailable(training) && backendReady;
  const percent = progressPercent(progress);

  return (
    <section className="panel" aria-labelledby="training-heading">
      <h2 id="training-heading">Training progress</h2>
      <div className="controls">
        <button
          type="button"
          className="primary"
          disabled={!canTrain || status !== 'idle' || hasSettingsErrors}
          aria-describedby={canTrain ? undefined : 'training-reason'}
          onClick={startTraining}
        >
          Start training
        </button>
        <button
          type="button"
          disabled={!canTrain || status === 'idle'}
          aria-pressed={status === 'paused'}
          onClick={status === 'paused' ? resumeTraining : pauseTraining}
        >
          Pause
        </button>
        <button type="button" disabled={!canTrain || status === 'idle'} onClick={stopTraining}>
          Stop
        </button>
      </div>
      <DisabledReason id="training-reason" availability={training} />
      {hasSettingsErrors && <p className="reason">Fix the highlighted settings to start training.</p>}
      <div
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={progress ? `${percent}%, epoch ${progress.epoch} of ${progress.epochs}` : 'Not started'}
        className="progress"
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <dl className="progress-stats">
        <dt>Epoch</dt>
        <dd>{progress ? `${progress.epoch} / ${progress.epochs}` : '—'}</dd>
        <dt>Step</dt>
        <dd>{progress ? `${progress.step} / ${progress.totalSteps}` : '—'}</dd>
        <dt>Images/s</dt>
        <dd>{progress ? progress.imagesPerSec.toFixed(1) : '—'}</dd>
        <dt>ETA</dt>
        <dd>{formatEta(progress?.etaSec ?? null)}</dd>
      </dl>
    </section>
  );
}
