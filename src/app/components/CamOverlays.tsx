import { useStudio } from '../use_studio.ts';

/**
 * Validation images with X-ray, gaze and the current CAM side by side. Frames come from the training
 * loop; until it runs, the panel says what will appear here.
 */
export function CamOverlays() {
  const trainingAvailable = useStudio((s) => s.engine?.training.available === true);
  return (
    <section className="panel cam-panel" aria-labelledby="cam-heading">
      <h2 id="cam-heading">CAM overlays</h2>
      <div className="cam-empty">
        <p>
          While training runs, a fixed set of validation images appears here: the X-ray, the radiologists' gaze
          heatmap and the model's class activation map, refreshed as the CAMs move onto the gaze.
        </p>
        {!trainingAvailable && <p className="reason">Needs the training loop, which is not in this build yet.</p>}
      </div>
    </section>
  );
}
