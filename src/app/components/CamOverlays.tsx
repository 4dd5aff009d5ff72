import { memo, useEffect, useId, useState } from 'react';
import type { CamFrameItem } from '../../worker/protocol.ts';
import { useStudio } from '../use_studio.ts';
import { HeatmapCanvas } from './HeatmapCanvas.tsx';

const TRUE_CLASS = '';
const CAM_OPACITY = 0.65;

function stepLabel(step: number): string {
  if (step === 0) return 'before training';
  if (step < 0) return 'after training';
  return `after step ${step}`;
}

/**
 * A fixed set of validation images: X-ray, radiologists' gaze and the model's current CAM side by
 * side, refreshed as training runs. Click an image to enlarge it; choose which class's CAM to show.
 */
export function CamOverlays() {
  const frame = useStudio((s) => s.camFrame);
  const idle = useStudio((s) => s.trainingStatus === 'idle');
  const [camClass, setCamClass] = useState(TRUE_CLASS);
  const [enlarged, setEnlarged] = useState<number | null>(null);
  const selectId = useId();
  const mounted = useMountedGradually(frame?.items.map((item) => item.valIndex).join(',') ?? '', frame?.items.length ?? 0);

  return (
    <section className="panel cam-panel" aria-labelledby="cam-heading">
      <h2 id="cam-heading">CAM overlays</h2>
      {!frame ? (
        <p className="cam-empty">
          {idle
            ? 'Start training to see, for a fixed set of validation images, the X-ray, the radiologists’ gaze and the model’s class activation map side by side, refreshed as the CAMs move onto the gaze.'
            : 'The first CAMs appear once the model has been built…'}
        </p>
      ) : (
        <>
          <div className="gallery-controls">
            <label htmlFor={selectId}>CAM class</label>
            <select id={selectId} value={camClass} onChange={(e) => setCamClass(e.currentTarget.value)}>
              <option value={TRUE_CLASS}>True class</option>
              {frame.classNames.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <span className="hint" role="status" aria-label="CAM refresh">
              CAMs {stepLabel(frame.step)}
            </span>
          </div>
          <ul className="cam-grid" aria-label="Validation images">
            {frame.items.slice(0, mounted).map((item) => (
              <CamItem
                key={item.valIndex}
                item={item}
                classNames={frame.classNames}
                camClass={camClass}
                enlarged={enlarged === item.valIndex}
                onToggle={setEnlarged}
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * How many items of a list to mount: all of them once a list is on screen, but a new list (another
 * `key`) one more per animation frame, so the first CAM frame of a run is a few short tasks on the
 * UI thread rather than one long one. Refreshes of the same list render everything at once.
 */
function useMountedGradually(key: string, total: number): number {
  const [mounted, setMounted] = useState({ key, count: 1 });
  const count = mounted.key === key ? mounted.count : 1;
  useEffect(() => {
    // Forget a list once it is gone: the next run may show the same images, and mounts them anew.
    if (total === 0) return setMounted({ key, count: 1 });
    if (count >= total) return;
    const frame = requestAnimationFrame(() => setMounted({ key, count: count + 1 }));
    return () => cancelAnimationFrame(frame);
  }, [key, count, total]);
  return Math.min(count, total);
}

/** One validation image: X-ray, gaze and CAM canvases; only the CAM changes between refreshes. */
const CamItem = memo(function CamItem(props: {
  item: CamFrameItem;
  classNames: string[];
  camClass: string;
  enlarged: boolean;
  onToggle: (update: (current: number | null) => number | null) => void;
}) {
  const { item, classNames, camClass, enlarged, onToggle } = props;
  const shownClass = camClass === TRUE_CLASS ? item.label : camClass;
  const cam = item.cams[classNames.indexOf(shownClass)] ?? null;
  const name = `${item.id} (${item.label})`;
  const confidence = Math.max(...item.probs);
  return (
    <li className={enlarged ? 'enlarged' : undefined}>
      <button
        type="button"
        className="cam-figure"
        aria-expanded={enlarged}
        aria-label={`${name}: ${enlarged ? 'shrink' : 'enlarge'}`}
        onClick={() => onToggle((current) => (current === item.valIndex ? null : item.valIndex))}
      >
        <HeatmapCanvas size={item.size} image={item.image} heat={null} opacity={0} label={`${name}: X-ray`} />
        <HeatmapCanvas size={item.size} image={item.image} heat={item.gaze} opacity={CAM_OPACITY} label={`${name}: gaze`} />
        <HeatmapCanvas size={item.size} image={item.image} heat={cam} opacity={CAM_OPACITY} label={`${name}: CAM for ${shownClass}`} />
      </button>
      <p className={`cam-caption ${item.predicted === item.label ? 'right' : 'wrong'}`}>
        {item.label} → predicted {item.predicted} ({(confidence * 100).toFixed(0)}%){item.gaze ? '' : ' · no gaze'}
      </p>
    </li>
  );
});
