import type { Thumbnail } from '../../worker/protocol.ts';
import { closePicture } from './pictures.ts';
import type { SliceCreator } from './types.ts';

/** Thumbnails per page of the grid; "Show more" adds another page. */
export const GALLERY_PAGE = 24;
/** Side of a thumbnail in pixels, decoded in the worker. */
export const THUMBNAIL_PX = 96;

export interface GallerySlice {
  /** null: every class */
  classFilter: string | null;
  showGaze: boolean;
  /** 0..1 */
  gazeOpacity: number;
  /** how many matching samples the grid shows */
  visibleCount: number;
  /** by sample index, for the current dataset only */
  thumbnails: Record<number, Thumbnail>;
  /** sample indices already asked of the worker (asked once each) */
  thumbnailsRequested: Record<number, true>;
  /** the user's actions, grouped in one stable object (components select it once) */
  galleryActions: {
    setClassFilter(label: string | null): void;
    setShowGaze(show: boolean): void;
    setGazeOpacity(opacity: number): void;
    showMore(): void;
    requestThumbnails(indices: number[]): void;
  };
  thumbnailsReceived(datasetId: number, thumbnails: Thumbnail[]): void;
  /** a new dataset arrived: forget the old one's thumbnails and view */
  resetGallery(): void;
}

export const createGallerySlice: SliceCreator<GallerySlice> = (port) => (set, get) => ({
  classFilter: null,
  showGaze: true,
  gazeOpacity: 0.6,
  visibleCount: GALLERY_PAGE,
  thumbnails: {},
  thumbnailsRequested: {},
  galleryActions: {
    setClassFilter: (classFilter) => set({ classFilter, visibleCount: GALLERY_PAGE }),
    setShowGaze: (showGaze) => set({ showGaze }),
    setGazeOpacity: (gazeOpacity) => set({ gazeOpacity: Math.min(1, Math.max(0, gazeOpacity)) }),
    showMore: () => set((s) => ({ visibleCount: s.visibleCount + GALLERY_PAGE })),
    requestThumbnails: (indices) => {
      const { dataset, thumbnailsRequested } = get();
      if (dataset.status !== 'ready') return;
      const missing = indices.filter((i) => !thumbnailsRequested[i]);
      if (missing.length === 0) return;
      const requested = { ...thumbnailsRequested };
      for (const i of missing) requested[i] = true;
      set({ thumbnailsRequested: requested });
      port.post({ type: 'loadThumbnails', datasetId: dataset.datasetId, indices: missing, size: THUMBNAIL_PX });
    },
  },
  thumbnailsReceived: (datasetId, received) => {
    const { dataset } = get();
    if (dataset.status !== 'ready' || dataset.datasetId !== datasetId) {
      for (const t of received) if ('image' in t) [t.image, t.gaze].forEach(closePicture);
      return;
    }
    set((s) => {
      const thumbnails = { ...s.thumbnails };
      for (const t of received) thumbnails[t.index] = t;
      return { thumbnails };
    });
  },
  resetGallery: () => {
    for (const t of Object.values(get().thumbnails)) if ('image' in t) [t.image, t.gaze].forEach(closePicture);
    set({ classFilter: null, visibleCount: GALLERY_PAGE, thumbnails: {}, thumbnailsRequested: {} });
  },
});
