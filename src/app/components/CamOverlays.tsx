import { useId, useState } from 'react';
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
  const status = useStudio((s) => s.trainingStatus);
  const [camClass, setCamClass] = useState(TRUE_CLASS);
  const [enlarged, setEnlarged] = useState<number | null>(null);
  const selectId = useId();

  return (
    <section className="panel cam-panel" aria-labelledby="cam-heading">
      <h2 id="cam-heading">CAM overlays</h2>
      {!frame ? (
        <p className="cam-empty">
          {status === 'idle'
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
            {frame.items.map((item, i) => {
              const shownClass = camClass === TRUE_CLASS ? item.label : camClass;
              const cam = item.cams[frame.classNames.indexOf(shownClass)] ?? null;
              const name = `${item.id} (${item.label})`;
              const confidence = Math.max(...item.probs);
              return (
                <li key={item.valIndex} className={enlarged === i ? 'enlarged' : undefined}>
                  <button
                    type="button"
                    className="cam-figure"
                    aria-expanded={enlarged === i}
                    aria-label={`${name}: ${enlarged === i ? 'shrink' : 'enlarge'}`}
                    onClick={() => setEnlarged(enlarged === i ? null : i)}
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
            })}
          </ul>
        </>
      )}
    </section>
  );
}
