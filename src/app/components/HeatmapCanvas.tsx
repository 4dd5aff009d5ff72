import { useEffect, useRef } from 'react';
import { compositeHeatmap } from '../render/overlay.ts';

/** A grey image with an optional heatmap blended over it, drawn at its native size (CSS scales it). */
export function HeatmapCanvas(props: { size: number; image: Uint8Array; heat: Uint8Array | null; opacity: number; label: string }) {
  const { size, image, heat, opacity } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    context.putImageData(new ImageData(compositeHeatmap(image, heat, opacity), size, size), 0, 0);
  }, [size, image, heat, opacity]);
  return <canvas ref={canvas} role="img" aria-label={props.label} width={size} height={size} />;
}
