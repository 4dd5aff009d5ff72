import { memo, useEffect, useRef } from 'react';
import { COMPARE_METRICS, type CompareMetric, type CompareSummary } from '../../engine/run/compare.ts';
import { COMPARE_METHOD_OPTIONS } from '../store/compare_slice.ts';
import { useStudio } from '../use_studio.ts';

const fmt = (s: { mean: number; sd: number } | undefined, signed = false) => {
  if (!s || !Number.isFinite(s.mean)) return '—';
  const mean = `${signed && s.mean >= 0 ? '+' : ''}${s.mean.toFixed(3)}`;
  return Number.isFinite(s.sd) ? `${mean} ± ${s.sd.toFixed(3)}` : mean;
};
const metricLabel = (m: CompareMetric) => COMPARE_METRICS.find((x) => x.key === m)!.label;

/** The chart `gazecam compare` writes as compare.png, drawn in the worker; one blit here. */
const ChartCanvas = memo(function ChartCanvas({ chart }: { chart: ImageBitmap }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (chart.width > 0) canvas.current?.getContext('2d')?.drawImage(chart, 0, 0);
  }, [chart]);
  return <canvas ref={canvas} role="img" aria-label="Comparison chart" width={chart.width} height={chart.height} className="compare-chart" />;
});

function SummaryTables({ summary }: { summary: CompareSummary }) {
  const header = (
    <tr>
      <th scope="col">method</th>
      {summary.metrics.map((m) => <th key={m} scope="col">{metricLabel(m)}</th>)}
    </tr>
  );
  return (
    <>
      <table className="metrics-table">
        <caption>Test split, mean ± sd over {summary.seeds.length} seed(s)</caption>
        <thead>{header}</thead>
        <tbody>
          {summary.methods.map((method) => (
            <tr key={method}>
              <th scope="row">{method}</th>
              {summary.metrics.map((m) => <td key={m}>{fmt(summary.stats[method]?.[m])}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {summary.methods.length > 1 && (
        <table className="metrics-table">
          <caption>Difference to {summary.methods[0]}, paired by seed</caption>
          <thead>{header}</thead>
          <tbody>
            {summary.methods.slice(1).map((method) => (
              <tr key={method}>
                <th scope="row">{method}</th>
                {summary.metrics.map((m) => <td key={m}>{fmt(summary.differences[method]?.[m], true)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/**
 * "Does gaze help on my data?": the chosen methods x seeds trained one after another in the worker,
 * then mean ± sd per metric and the differences to the first method, paired by seed, as
 * `gazecam compare` reports them.
 */
export function CompareMethods() {
  const methods = useStudio((s) => s.compareMethods);
  const seeds = useStudio((s) => s.compareSeeds);
  const firstSeed = useStudio((s) => s.settings.seed);
  const compare = useStudio((s) => s.compare);
  const hasDataset = useStudio((s) => s.dataset.status === 'ready');
  const trainingIdle = useStudio((s) => s.trainingStatus === 'idle');
  const setMethods = useStudio((s) => s.setCompareMethods);
  const setSeeds = useStudio((s) => s.setCompareSeeds);
  const start = useStudio((s) => s.startCompare);
  const stop = useStudio((s) => s.stopCompare);
  const running = compare.state === 'running';
  const blocker = !hasDataset
    ? 'Load a dataset first.'
    : !trainingIdle
      ? 'Stop training first: a comparison trains its own runs.'
      : methods.length < 1
        ? 'Pick at least one method.'
        : !(seeds >= 1 && Number.isInteger(seeds))
          ? 'Seeds must be a whole number of at least 1.'
          : null;
  const progress = compare.state === 'running' ? compare.progress : null;
  return (
    <section className="panel" aria-labelledby="compare-heading">
      <h2 id="compare-heading">Compare methods</h2>
      <p className="hint">
        Each method x seed is a full run with the current settings (seeds {firstSeed} and up); the
        first method is the reference for the paired differences.
      </p>
      <fieldset className="compare-methods" disabled={running}>
        <legend>Methods to compare</legend>
        {COMPARE_METHOD_OPTIONS.map((option) => (
          <label key={option.value}>
            <input
              type="checkbox"
              checked={methods.includes(option.value)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setMethods(COMPARE_METHOD_OPTIONS.map((o) => o.value).filter((v) => (v === option.value ? on : methods.includes(v))));
              }}
            />
            {option.label}
          </label>
        ))}
        <label>
          Seeds per method
          <input type="number" min={1} max={10} step={1} value={seeds} onChange={(e) => setSeeds(Number(e.currentTarget.value))} />
        </label>
      </fieldset>
      <div className="controls">
        <button type="button" disabled={running || blocker !== null} aria-describedby="compare-status" onClick={start}>
          Compare methods
        </button>
        {running && (
          <button type="button" onClick={stop}>
            Stop comparison
          </button>
        )}
      </div>
      <p id="compare-status" role="status" aria-label="Comparison status" className="reason">
        {!running && compare.state === 'idle' && (blocker ?? `${methods.length * seeds} runs.`)}
        {running && !progress && 'Starting…'}
        {progress?.phase === 'preparing' && `Preparing images ${progress.step}/${progress.totalSteps}…`}
        {progress?.phase === 'training' && `Run ${progress.run} of ${progress.total}: ${progress.method}, seed ${progress.seed}, step ${progress.step}/${progress.totalSteps}`}
        {compare.state === 'finished' && compare.message}
      </p>
      {compare.state === 'finished' && compare.summary && (
        <div className="compare-results">
          <SummaryTables summary={compare.summary} />
          {compare.chart && <ChartCanvas chart={compare.chart} />}
        </div>
      )}
    </section>
  );
}
