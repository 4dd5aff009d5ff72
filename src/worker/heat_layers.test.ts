import { describe, expect, it } from 'vitest';
import { compositeHeatmap, heatColor } from './overlay.ts';

describe('compositeHeatmap', () => {
  it('leaves the X-ray untouched without heat, at zero heat, or at zero opacity', () => {
    const image = Uint8Array.from([0, 100, 255]);
    const grey = [0, 0, 0, 255, 100, 100, 100, 255, 255, 255, 255, 255];
    expect(Array.from(compositeHeatmap(image, null, 1))).toEqual(grey);
    expect(Array.from(compositeHeatmap(image, new Uint8Array(3), 1))).toEqual(grey);
    expect(Array.from(compositeHeatmap(image, Uint8Array.from([255, 255, 255]), 0))).toEqual(grey);
  });

  it('shows the colormap at full heat and opacity', () => {
    const out = compositeHeatmap(Uint8Array.from([40]), Uint8Array.from([255]), 1);
    expect(Array.from(out.slice(0, 3))).toEqual(heatColor(1));
  });
});
