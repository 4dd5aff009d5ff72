/**
 * The dataset model shared by the engine, the CLI and the studio (DESIGN.md section 2).
 * Everything here is plain data so it can cross a worker boundary with structured clone.
 */

/** One file the user dropped, addressed relative to the dataset root. Adapters (Node file system,
 * browser drop / directory input / File System Access) build these; nothing here ever writes. */
export interface DatasetEntry {
  /** relative to the dataset root, '/'-separated, no leading './' */
  path: string;
  size: number;
  read(): Promise<Uint8Array>;
  /** Optional ranged read, [start, end) clamped to the file. Lets scanning check headers and
   * trailers of 10,000 large X-rays without reading them whole; `read()` is the fallback. */
  slice?(start: number, end: number): Promise<Uint8Array>;
  /** Set by an adapter that found something here it cannot use (an unreadable file or folder, a
   * dangling link, a name clash): the scan reports `path` with this reason and reads nothing. */
  unusable?: string;
  /** Set by an adapter for a usable file the user should hear about (a file name that is not
   * UTF-8, shown escaped): the scan reports it and still uses the file. */
  notice?: string;
}

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** One fixation in the coordinate frame of its source (see `GazeFixations.frame`). */
export interface Fixation {
  x: number;
  y: number;
  /** seconds; weights the Gaussian. Absent: weight 1 (MicEye logs raw samples, no durations). */
  durationS?: number;
  /** per-fixation standard deviation in frame pixels (REFLACX: one visual degree). */
  sigmaXPx?: number;
  sigmaYPx?: number;
  /** REFLACX: only the part of the image shown on screen can receive gaze; [x0, y0, x1, y1]. */
  clip?: [number, number, number, number];
  /** CSV line the fixation came from, for problem messages */
  line?: number;
}

export interface GazeHeatmap {
  kind: 'heatmap';
  /** path of a grayscale PNG heatmap, any size with the image's aspect ratio */
  path: string;
}

export interface GazeFixations {
  kind: 'fixations';
  /** where the fixations came from (for error messages) */
  path: string;
  fixations: Fixation[];
  /** Coordinate frame of the fixations. Absent: the image's own pixels. With a frame, coordinates
   * are scaled to the decoded image (a REFLACX table on a downsized PNG still lands right). When
   * only `height` is known (MicEye records display pixels at a fixed display height) both axes use
   * the height's scale. */
  frame?: { width?: number; height: number };
  /** default Gaussian sigma in frame pixels for fixations without their own */
  sigmaPx?: number;
  /** user override (ScanOptions.gazeSigmaPx) for every fixation, in original image pixels */
  sigmaImagePx?: number;
}

export type GazeSource = GazeHeatmap | GazeFixations;

export interface Sample {
  id: string;
  imagePath: string;
  label: string;
  labelIndex: number;
  split: Split;
  patient?: string;
  /** heatmap file or fixations, in original image pixels */
  gaze?: GazeSource;
  /** image size from its header, read while scanning (no full decode) */
  width?: number;
  height?: number;
  /** free-form per-sample columns the format carries (demo: `marker`, `conflict`) */
  meta?: Record<string, string>;
}

export interface Problem {
  file: string;
  error: string;
}

export type DatasetFormat = 'native' | 'egd-cxr' | 'reflacx' | 'miceye';

export interface Dataset {
  format: DatasetFormat;
  classNames: string[];
  samples: Sample[];
  problems: Problem[];
}

export interface ScanOptions {
  /** seed for the stratified split when the dataset has none (default 0) */
  seed?: number;
  /** override every fixation's Gaussian sigma, in original image pixels */
  gazeSigmaPx?: number;
  /** fractions for the seeded split (default 0.8 / 0.1 / 0.1) */
  splitFractions?: { train: number; val: number; test: number };
  /** MicEye: display height (px) the log's coordinates refer to when no config.json is dropped */
  miceyeDisplayHeight?: number;
  /** REFLACX: lowest certainty (1..5) that counts a finding as present (default 3, "Possibly") */
  reflacxMinCertainty?: number;
}

export interface DatasetReport {
  format: string;
  images: number;
  classes: Record<string, number>;
  withGaze: number;
  splits: { train: number; val: number; test: number };
  problems: Problem[];
}
