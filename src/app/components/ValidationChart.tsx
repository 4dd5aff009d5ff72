import type { EpochRecord } from '../../worker/protocol.ts';
import { StoreChart, type ChartSeries } from './StoreChart.tsx';

const SERIES: ChartSeries<EpochRecord>[] = [
  { label: 'val accuracy', stroke: '#b7d4f0', value: (e) => e.val.accuracy },
  { label: 'val macro AUC', stroke: '#7fa7c9', value: (e) => e.val.macroAuc },
  { label: 'CAM-gaze r', stroke: '#e3b341', value: (e) => e.val.camGazeR },
];

/**
 * Validation accuracy, macro AUC and CAM-gaze agreement per epoch: whether the model gets better
 * and whether it looks where the radiologists looked, side by side. The table below holds the same
 * numbers for screen readers and for copying.
 */
export function ValidationChart() {
  return (
    <StoreChart
      label="Validation metrics by epoch"
      className="loss-chart"
      xLabel="epoch"
      rows={(s) => s.epochHistory}
      x={(e) => e.epoch}
      series={SERIES}
      points
      // accuracy and AUC live in [0, 1]; a Pearson r can dip below 0, and the axis follows it there
      yRange={(min) => [Math.min(0, min), 1]}
    />
  );
}
