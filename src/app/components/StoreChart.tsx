import { useContext, useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StudioState, StudioStore } from '../store/index.ts';
import { StudioStoreContext } from '../use_studio.ts';

export interface ChartSeries<Row> {
  label: string;
  stroke: string;
  value(row: Row): number;
}

interface StoreChartProps<Row> {
  /** accessible name of the chart (role img); the numbers themselves are in a table nearby */
  label: string;
  className: string;
  xLabel: string;
  rows(state: StudioState): Row[];
  x(row: Row): number;
  series: ChartSeries<Row>[];
  /** fixed y range (e.g. metrics in [0, 1]); the default fits the data */
  yRange?: (min: number, max: number) => uPlot.Range.MinMax;
  /** dots on every point: for per-epoch series with a handful of points */
  points?: boolean;
}

const HEIGHT_PX = 180;
/** A redraw repaints the whole chart: one a second follows a run closely enough, at a fraction of the cost. */
const MIN_REDRAW_INTERVAL_MS = 1000;
const MIN_WIDTH_PX = 280;
// uPlot draws null as a gap but lets NaN poison its scales (an AUC is NaN when a class is missing).
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * A uPlot chart of rows from the store. High-rate data: the chart subscribes to the store directly
 * (transient update) and redraws itself, instead of re-rendering React on every progress message;
 * whatever arrived since the last redraw is drawn at once, in an animation frame, at most once a second.
 * `data-points` carries how many points are drawn, for tests that must not read pixels.
 */
export function StoreChart<Row>({ label, className, xLabel, rows, x, series, yRange, points }: StoreChartProps<Row>) {
  const store = useContext(StudioStoreContext);
  const host = useRef<HTMLDivElement>(null);
  // The chart is built once per store; the props are static per call site, so a ref avoids rebuilding it.
  const spec = useRef({ rows, x, series, yRange, points, xLabel });

  useEffect(() => {
    if (!store || !host.current) return;
    const element = host.current;
    let dispose: (() => void) | undefined;
    let unmounted = false;
    // uPlot is loaded after the first render, in its own task, not parsed with the page.
    void import('uplot').then(({ default: UPlot }) => {
      if (!unmounted) dispose = mountChart(UPlot, element, store, spec.current);
    });
    return () => {
      unmounted = true;
      dispose?.();
    };
  }, [store]);

  return <div ref={host} className={className} role="img" aria-label={label} />;
}

/** Builds the chart in `element` and keeps it in step with the store; returns its teardown. */
function mountChart<Row>(
  UPlot: typeof uPlot,
  element: HTMLDivElement,
  store: StudioStore,
  { rows, x, series, yRange, points, xLabel }: Omit<StoreChartProps<Row>, 'label' | 'className'>,
): () => void {
  const columns = (data: Row[]): uPlot.AlignedData => [
    data.map(x),
    ...series.map((s) => data.map((row) => finiteOrNull(s.value(row)))),
  ];
  const chart = new UPlot(
    {
      width: Math.max(MIN_WIDTH_PX, element.clientWidth),
      height: HEIGHT_PX,
      // No live legend values: each redraw would rewrite the legend's text and lay the page out again.
      legend: { live: false },
      scales: { x: { time: false }, ...(yRange ? { y: { range: (_u, min, max) => yRange(min, max) } } : {}) },
      axes: [
        { stroke: '#8b97a6', grid: { stroke: '#1f2731' }, label: xLabel },
        { stroke: '#8b97a6', grid: { stroke: '#1f2731' } },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, points: { show: points ?? false } })),
      ],
    },
    columns(rows(store.getState())),
    element,
  );
  let shown = rows(store.getState());
  element.dataset.points = String(shown.length);
  let pending = false;
  let timer = 0;
  let frame = 0;
  let drawnAt = -Infinity;
  const draw = () => {
    pending = false;
    drawnAt = performance.now();
    const next = rows(store.getState());
    if (next === shown) return;
    shown = next;
    chart.setData(columns(shown));
    element.dataset.points = String(shown.length);
  };
  const unsubscribe = store.subscribe((state) => {
    if (pending || rows(state) === shown) return;
    pending = true;
    const wait = Math.max(0, drawnAt + MIN_REDRAW_INTERVAL_MS - performance.now());
    timer = window.setTimeout(() => (frame = requestAnimationFrame(draw)), wait);
  });
  const resize = new ResizeObserver(([entry]) => {
    const width = Math.max(MIN_WIDTH_PX, Math.round(entry?.contentRect.width ?? element.clientWidth));
    if (width !== chart.width) chart.setSize({ width, height: HEIGHT_PX });
  });
  resize.observe(element);
  return () => {
    clearTimeout(timer);
    cancelAnimationFrame(frame);
    unsubscribe();
    resize.disconnect();
    chart.destroy();
  };
}
