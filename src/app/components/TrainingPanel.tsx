import { memo } from 'react';
import { progressPercent } from '../store/training_slice.ts';
import { useStudio } from '../use_studio.ts';
import { WAITING_FOR_WORKER } from './DisabledReason.tsx';
import { LossChart } from './LossChart.tsx';
import { EpochTable } from './EpochTable.tsx';
import { ValidationChart } from './ValidationChart.tsx';

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** Why "Start training" is disabled right now, or null when it can start. */
function useStartBlocker(): string | null {
  const workerReady = useStudio((s) => s.capabilities !== null);
  const backend = useStudio((s) => s.backend);
  const dataset = useStudio((s) => s.dataset);
  const hasSettingsErrors = useStudio((s) => Object.keys(s.settingsErrors).length > 0);
  if (!workerReady) return WAITING_FOR_WORKER;
  if (backend.state !== 'ready') return 'Waiting for the GPU backend to start.';
  if (dataset.status !== 'ready') return 'Load a dataset first: drop a folder or use "Load demo dataset".';
  if (Object.keys(dataset.report.classes).length < 2) return 'The dataset needs at least two classes to train.';
  if (hasSettingsErrors) return 'Fix the highlighted settings to start training.';
  return null;
}

/**
 * Start/pause/stop, the progressbar, live losses and per-epoch validation metrics. The panel itself
 * re-renders on status changes only; a progress message re-renders `ProgressView` alone, and the
 * charts redraw themselves from the store.
 */
export function TrainingPanel() {
  const status = useStudio((s) => s.trainingStatus);
  const hasProgress = useStudio((s) => s.progress !== null);
  const preparing = useStudio((s) => s.preparing);
  const lastOutcome = useStudio((s) => s.lastOutcome);
  const startTraining = useStudio((s) => s.startTraining);
  const pauseTraining = useStudio((s) => s.pauseTraining);
  const resumeTraining = useStudio((s) => s.resumeTraining);
  const stopTraining = useStudio((s) => s.stopTraining);
  const blocker = useStartBlocker();
  const active = status !== 'idle';

  return (
    <section className="panel" aria-labelledby="training-heading">
      <h2 id="training-heading">Training progress</h2>
      <div className="controls">
        <button
          type="button"
          className="primary"
          disabled={blocker !== null || active}
          aria-describedby={blocker ? 'training-reason' : undefined}
          onClick={startTraining}
        >
          Start training
        </button>
        <button
          type="button"
          disabled={status !== 'running' && status !== 'paused' && status !== 'pausing'}
          aria-pressed={status === 'paused' || status === 'pausing'}
          onClick={status === 'running' ? pauseTraining : resumeTraining}
        >
          Pause
        </button>
        <button type="button" disabled={!active || status === 'stopping'} onClick={stopTraining}>
          Stop
        </button>
        <span className="run-status" role="status" aria-label="Training status">
          {status === 'preparing' &&
            (preparing ? `Preparing images ${preparing.done} / ${preparing.total}…` : 'Preparing…')}
          {status === 'running' && !hasProgress && 'Compiling GPU kernels and taking the first steps…'}
          {status === 'running' && hasProgress && 'Training'}
          {status === 'pausing' && 'Pausing after this step…'}
          {status === 'paused' && 'Paused — press Pause again to resume'}
          {status === 'stopping' && 'Stopping after this step…'}
          {status === 'idle' && lastOutcome?.message}
        </span>
      </div>
      {blocker && !active && (
        <p id="training-reason" className="reason">
          {blocker}
        </p>
      )}
      <ProgressView />
      <Charts />
    </section>
  );
}

/** The progressbar and the numbers of the latest progress message. */
function ProgressView() {
  const progress = useStudio((s) => s.progress);
  const percent = progressPercent(progress);
  return (
    <>
      <div
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={progress ? `${percent}%, epoch ${progress.epoch} of ${progress.epochs}` : 'Not started'}
        className="progress"
      >
        <div className="progress-fill" style={{ transform: `scaleX(${percent / 100})` }} />
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
        <dt>Loss</dt>
        <dd>{progress ? progress.loss.total.toFixed(4) : '—'}</dd>
      </dl>
    </>
  );
}

/** Props-free and memoised: a re-render of the panel never reaches the charts or the table. */
const Charts = memo(function Charts() {
  return (
    <>
      <LossChart />
      <ValidationChart />
      <EpochTable />
    </>
  );
});
