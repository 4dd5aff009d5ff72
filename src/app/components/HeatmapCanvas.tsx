import { memo, useLayoutEffect, useRef } from 'react';

/**
 * An X-ray with an optional heat layer drawn over it at `opacity`, both ImageBitmaps composed in
 * the worker (worker/heat_layers.ts), at their native size (CSS scales the canvas). Drawing is two
 * blits: no pixel loop on the UI thread. Redrawn only when a picture or the opacity changes, in
 * the same commit as the captions around it, so a caption never names a frame the canvas lags.
 */
export const HeatmapCanvas = memo(function HeatmapCanvas(props: {
  size: number;
  image: ImageBitmap;
  heat: ImageBitmap | null;
  opacity: number;
  label: string;
}) {
  const { size, image, heat, opacity } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const context = canvas.current?.getContext('2d');
    // A closed bitmap (replaced by a newer frame before this effect ran) has no pixels left to draw.
    if (!context || image.width === 0) return;
    context.globalAlpha = 1;
    context.drawImage(image, 0, 0);
    if (heat && heat.width > 0 && opacity > 0) {
      context.globalAlpha = opacity;
      context.drawImage(heat, 0, 0);
      context.globalAlpha = 1;
    }
  }, [size, image, heat, opacity]);
  return <canvas ref={canvas} role="img" aria-label={props.label} width={size} height={size} />;
});
