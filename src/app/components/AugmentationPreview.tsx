import { useStudio } from '../use_studio.ts';
import { HeatmapCanvas } from './HeatmapCanvas.tsx';

/**
 * One training image drawn several times as training would draw it, the gaze map moved by the same
 * transform; composed in the worker, drawn here as two blits each.
 */
export function AugmentationPreview() {
  const preview = useStudio((s) => s.augmentPreview);
  const augment = useStudio((s) => s.settings.augment);
  const hasDataset = useStudio((s) => s.dataset.status === 'ready');
  const request = useStudio((s) => s.requestAugmentPreview);
  const stale = preview.state === 'ready' && preview.augment !== augment;
  return (
    <div className="augment-preview">
      <button type="button" disabled={!hasDataset || preview.state === 'working'} onClick={request}>
        Preview augmentation
      </button>
      <div role="region" aria-label="Augmentation preview" className="preview-strip">
        {preview.state === 'working' && <p className="reason">Drawing…</p>}
        {preview.state === 'failed' && <p className="reason">{preview.message}</p>}
        {preview.state === 'ready' && (
          <>
            <p className="reason">
              {preview.sampleId}, drawn {preview.items.length} times with "{preview.augment}" augmentation
              {stale ? ' (the setting changed since: preview again)' : ''}.
            </p>
            {preview.items.map((item, i) => (
              <HeatmapCanvas key={i} size={item.size} image={item.image} heat={item.gaze} opacity={0.5} label={`Augmented draw ${i + 1} with gaze`} />
            ))}
          </>
        )}
      </div>
    </div>
  );
}
