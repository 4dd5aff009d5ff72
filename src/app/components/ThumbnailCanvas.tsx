import { useEffect, useRef } from 'react';
import type { Thumbnail } from '../../worker/protocol.ts';
import { compositeHeatmap } from '../render/overlay.ts';

/** One decoded sample on a canvas, with its gaze overlaid when asked. */
export function ThumbnailCanvas(props: { thumbnail: Thumbnail; label: string; showGaze: boolean; gazeOpacity: number }) {
  const { thumbnail, showGaze, gazeOpacity } = props;
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context || !('image' in thumbnail)) return;
    const pixels = compositeHeatmap(thumbnail.image, showGaze ? thumbnail.gaze : null, gazeOpacity);
    context.putImageData(new ImageData(pixels, thumbnail.size, thumbnail.size), 0, 0);
  }, [thumbnail, showGaze, gazeOpacity]);

  if ('error' in thumbnail) {
    return (
      <div className="thumb-error" role="img" aria-label={`${props.label}: could not be read`} title={thumbnail.error}>
        unreadable
      </div>
    );
  }
  return <canvas ref={canvas} role="img" aria-label={props.label} width={thumbnail.size} height={thumbnail.size} />;
}
