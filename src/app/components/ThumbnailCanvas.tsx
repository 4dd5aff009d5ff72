import type { Thumbnail } from '../../worker/protocol.ts';
import { HeatmapCanvas } from './HeatmapCanvas.tsx';

/** One decoded sample of the dataset grid, with its gaze overlaid when asked. */
export function ThumbnailCanvas(props: { thumbnail: Thumbnail; label: string; showGaze: boolean; gazeOpacity: number }) {
  const { thumbnail } = props;
  if ('error' in thumbnail) {
    return (
      <div className="thumb-error" role="img" aria-label={`${props.label}: could not be read`} title={thumbnail.error}>
        unreadable
      </div>
    );
  }
  return (
    <HeatmapCanvas
      size={thumbnail.size}
      image={thumbnail.image}
      heat={props.showGaze ? thumbnail.gaze : null}
      opacity={props.gazeOpacity}
      label={props.label}
    />
  );
}
