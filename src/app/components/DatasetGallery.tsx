import { memo, useEffect, useId, useMemo } from 'react';
import type { SampleSummary, Thumbnail } from '../../worker/protocol.ts';
import { useStudio } from '../use_studio.ts';
import { ThumbnailCanvas } from './ThumbnailCanvas.tsx';

/** The loaded dataset as a grid of X-rays with their gaze, filterable by class. */
export function DatasetGallery() {
  const dataset = useStudio((s) => s.dataset);
  const classFilter = useStudio((s) => s.classFilter);
  const showGaze = useStudio((s) => s.showGaze);
  const gazeOpacity = useStudio((s) => s.gazeOpacity);
  const visibleCount = useStudio((s) => s.visibleCount);
  const thumbnails = useStudio((s) => s.thumbnails);
  const { setClassFilter, setShowGaze, setGazeOpacity, showMore, requestThumbnails } = useStudio((s) => s.galleryActions);
  const ids = { filter: useId(), gaze: useId(), opacity: useId() };

  const samples = dataset.status === 'ready' ? dataset.samples : null;
  const matching = useMemo(
    () => (samples ?? []).flatMap((s, index) => (classFilter === null || s.label === classFilter ? [index] : [])),
    [samples, classFilter],
  );
  const visible = matching.slice(0, visibleCount);
  useEffect(() => requestThumbnails(visible), [visible.join(','), requestThumbnails]); // eslint-disable-line react-hooks/exhaustive-deps

  if (dataset.status !== 'ready' || !samples) return null;
  const classes = Object.keys(dataset.report.classes);
  return (
    <section className="panel" aria-labelledby="gallery-heading">
      <h2 id="gallery-heading">Dataset images</h2>
      <div className="gallery-controls">
        <label htmlFor={ids.filter}>Class</label>
        <select id={ids.filter} value={classFilter ?? ''} onChange={(e) => setClassFilter(e.currentTarget.value || null)}>
          <option value="">All classes ({samples.length})</option>
          {classes.map((c) => (
            <option key={c} value={c}>
              {c} ({dataset.report.classes[c]})
            </option>
          ))}
        </select>
        <label className="checkbox">
          <input id={ids.gaze} type="checkbox" checked={showGaze} onChange={(e) => setShowGaze(e.currentTarget.checked)} />
          Show gaze
        </label>
        <label htmlFor={ids.opacity}>Gaze opacity</label>
        <input
          id={ids.opacity}
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={gazeOpacity}
          disabled={!showGaze}
          onChange={(e) => setGazeOpacity(Number(e.currentTarget.value))}
        />
      </div>
      <ul className="thumb-grid" aria-label="Dataset images">
        {visible.map((index) => (
          <GalleryItem key={index} sample={samples[index]!} thumbnail={thumbnails[index]} showGaze={showGaze} gazeOpacity={gazeOpacity} />
        ))}
      </ul>
      {matching.length > visible.length && (
        <button type="button" onClick={showMore}>
          Show more ({matching.length - visible.length} left)
        </button>
      )}
    </section>
  );
}

/** One cell of the grid; a page of thumbnails arriving re-renders only the cells it fills. */
const GalleryItem = memo(function GalleryItem(props: {
  sample: SampleSummary;
  thumbnail: Thumbnail | undefined;
  showGaze: boolean;
  gazeOpacity: number;
}) {
  const { sample, thumbnail } = props;
  const label = `${sample.id}, ${sample.label}, ${sample.split}${sample.hasGaze ? '' : ', no gaze'}`;
  return (
    <li title={sample.imagePath}>
      {thumbnail ? (
        <ThumbnailCanvas thumbnail={thumbnail} label={label} showGaze={props.showGaze} gazeOpacity={props.gazeOpacity} />
      ) : (
        <div className="thumb-loading" aria-hidden="true" />
      )}
      <span className="thumb-caption">{sample.label}</span>
    </li>
  );
});
