import { describe, expect, it } from 'vitest';
import { greyRgba, heatColor, heatLayerRgba, toBytes } from './heat_layers.ts';

/** What a 2D canvas shows for one pixel when the UI thread draws `layer` source-over at `opacity` on grey. */
function drawnPixel(grey: number, layer: [number, number, number, number], opacity: number): [number, number, number] {
  const alpha = (opacity * layer[3]) / 255;
  return [0, 1, 2].map((c) => Math.round(grey * (1 - alpha) + layer[c]! * alpha)) as [number, number, number];
}

const pixel = (rgba: Uint8ClampedArray, i: number) => Array.from(rgba.slice(i * 4, i * 4 + 4)) as [number, number, number, number];

describe('heat layers', () => {
  it('makes the X-ray an opaque grey picture', () => {
    expect(Array.from(greyRgba(Uint8Array.from([0, 100, 255])))).toEqual([0, 0, 0, 255, 100, 100, 100, 255, 255, 255, 255, 255]);
  });

  it('gives the heat layer the colormap colour and the heat as alpha', () => {
    const layer = heatLayerRgba(Uint8Array.from([0, 128, 255]));
    expect(pixel(layer, 0)).toEqual([...heatColor(0), 0]);
    expect(pixel(layer, 1)).toEqual([...heatColor(128 / 255), 128]);
    expect(pixel(layer, 2)).toEqual([...heatColor(1), 255]);
  });

  it('leaves the X-ray untouched at zero heat or zero opacity, and shows the colormap at full heat and opacity', () => {
    const layer = heatLayerRgba(Uint8Array.from([0, 255]));
    expect(drawnPixel(100, pixel(layer, 0), 1)).toEqual([100, 100, 100]);
    expect(drawnPixel(100, pixel(layer, 1), 0)).toEqual([100, 100, 100]);
    expect(drawnPixel(40, pixel(layer, 1), 1)).toEqual(heatColor(1));
  });

  it('blends as grey * (1 - opacity * heat) + colour * opacity * heat', () => {
    const layer = pixel(heatLayerRgba(toBytes([0.5])), 0);
    const alpha = 0.6 * (layer[3] / 255);
    const expected = heatColor(layer[3] / 255).map((c) => Math.round(80 * (1 - alpha) + c * alpha));
    expect(drawnPixel(80, layer, 0.6)).toEqual(expected);
  });

  it('quantises values in [0, scale] to bytes, clamping the rest', () => {
    expect(Array.from(toBytes([-1, 0, 0.5, 1, 2]))).toEqual([0, 0, 128, 255, 255]);
    expect(Array.from(toBytes([0, 32768, 65535], 65535))).toEqual([0, 128, 255]);
  });
});
