import { useContext, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LossPoint } from '../store/training_slice.ts';
import { StudioStoreContext } from '../use_studio.ts';

const SERIES: { key: keyof Omit<LossPoint, 'step'>; label: string; stroke: string }[] = [
  { key: 'total', label: 'total', stroke: '#b7d4f0' },
  { key: 'ce', label: 'classification', stroke: '#7fa7c9' },
  { key: 'cam', label: 'gaze (CAM)', stroke: '#e3b341' },
  { key: 'head', label: 'gaze (head)', stroke: '#c98a5b' },
];

function columns(history: LossPoint[]): uPlot.AlignedData {
  return [history.map((p) => p.step), ...SERIES.map((s) => history.map((p) => p[s.key]))];
}

/**
 * Loss curves. High-rate data: the chart subscribes to the store directly (transient update) and
 * redraws itself, instead of re-rendering React on every progress message.
 */
export function LossChart() {
  const store = useContext(StudioStoreContext);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!store || !host.current) return;
    const element = host.current;
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 180,
        scales: { x: { time: false } },
        axes: [
          { stroke: '#8b97a6', grid: { stroke: '#1f2731' }, label: 'step' },
          { stroke: '#8b97a6', grid: { stroke: '#1f2731' } },
        ],
        series: [{ label: 'step' }, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5 }))],
      },
      columns(store.getState().lossHistory),
      element,
    );
    let shown = store.getState().lossHistory;
    const unsubscribe = store.subscribe((state) => {
      if (state.lossHistory === shown) return;
      shown = state.lossHistory;
      chart.setData(columns(shown));
    });
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: 180 }));
    resize.observe(element);
    return () => {
      unsubscribe();
      resize.disconnect();
      chart.destroy();
    };
  }, [store]);

  return <div ref={host} className="loss-chart" role="img" aria-label="Training losses by step" />;
}
