/**
 * The comparison as grouped bars: one group per metric, one bar per method (mean over seeds) with
 * an error bar of ± one standard deviation. Drawn on a Raster, so `gazecam compare` writes it as a
 * PNG and the studio shows the same picture.
 */
import { COMPARE_METRICS, type CompareSummary } from '../run/compare.ts';
import { Raster, type Rgb } from './raster.ts';

const PALETTE: Rgb[] = [[120, 120, 120], [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194]];
const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [225, 225, 225];
const SHORT_LABELS: Record<string, string> = {
  accuracy: 'accuracy', macroAuc: 'macro AUC', camGazeR: 'CAM-gaze r', camMassInGaze: 'mass in gaze', conflictAccuracy: 'conflict acc',
};

export function renderCompareChart(summary: CompareSummary, title: string, width = 960, height = 440): Raster {
  const r = new Raster(width, height);
  const scale = 2;
  const left = 70;
  const right = 20;
  const top = 70;
  const bottom = 50;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  r.text(left, 12, title, INK, scale);

  const values = summary.methods.flatMap((m) => summary.metrics.map((k) => summary.stats[m]?.[k]))
    .flatMap((s) => (s && Number.isFinite(s.mean) ? [s.mean - (Number.isFinite(s.sd) ? s.sd : 0)] : []));
  const yMin = Math.min(0, Math.floor(Math.min(0, ...values) * 4) / 4);
  const yMax = 1;
  const yOf = (v: number) => top + plotH * (1 - (v - yMin) / (yMax - yMin));

  for (let tick = yMin; tick <= yMax + 1e-9; tick += 0.25) {
    const y = yOf(tick);
    r.hline(left, left + plotW, y, tick === 0 ? INK : GRID);
    const label = tick.toFixed(2);
    r.text(left - 8 - Raster.textWidth(label, scale), y - 7, label, INK, scale);
  }

  // Legend: one swatch per method, in order, across the top.
  let lx = left;
  summary.methods.forEach((m, i) => {
    r.fill(lx, 40, 14, 14, PALETTE[i % PALETTE.length]!);
    r.text(lx + 20, 40, m, INK, scale);
    lx += 20 + Raster.textWidth(m, scale) + 24;
  });

  const groups = summary.metrics.length;
  const groupW = plotW / Math.max(groups, 1);
  const barW = Math.max(4, Math.min(40, (groupW * 0.8) / Math.max(summary.methods.length, 1)));
  summary.metrics.forEach((metric, g) => {
    const groupX = left + g * groupW + (groupW - barW * summary.methods.length) / 2;
    summary.methods.forEach((m, i) => {
      const s = summary.stats[m]?.[metric];
      if (!s || !Number.isFinite(s.mean)) return;
      const x = groupX + i * barW;
      const y0 = yOf(0);
      const y1 = yOf(s.mean);
      r.fill(x + 1, Math.min(y0, y1), barW - 2, Math.abs(y1 - y0), PALETTE[i % PALETTE.length]!);
      if (Number.isFinite(s.sd) && s.sd > 0) {
        const cx = x + barW / 2;
        const [ya, yb] = [yOf(Math.min(yMax, s.mean + s.sd)), yOf(Math.max(yMin, s.mean - s.sd))];
        r.vline(cx, ya, yb, INK, 2);
        r.hline(cx - barW / 4, cx + barW / 4, ya, INK, 2);
        r.hline(cx - barW / 4, cx + barW / 4, yb, INK, 2);
      }
    });
    const label = SHORT_LABELS[metric] ?? COMPARE_METRICS.find((c) => c.key === metric)!.label;
    r.text(left + g * groupW + (groupW - Raster.textWidth(label, scale)) / 2, top + plotH + 14, label, INK, scale);
  });
  return r;
}
