import type { LossPoint } from '../store/training_slice.ts';
import { StoreChart, type ChartSeries } from './StoreChart.tsx';

const SERIES: ChartSeries<LossPoint>[] = [
  { label: 'total', stroke: '#b7d4f0', value: (p) => p.total },
  { label: 'classification', stroke: '#7fa7c9', value: (p) => p.ce },
  { label: 'gaze (CAM)', stroke: '#e3b341', value: (p) => p.cam },
  { label: 'gaze (head)', stroke: '#c98a5b', value: (p) => p.head },
];

/** Loss curves, one point per progress message. */
export function LossChart() {
  return (
    <StoreChart
      label="Training losses by step"
      className="loss-chart"
      xLabel="step"
      rows={(s) => s.lossHistory}
      x={(p) => p.step}
      series={SERIES}
    />
  );
}
