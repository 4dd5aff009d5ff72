/**
 * Fixations -> static heatmap: a sum of duration-weighted 2-D Gaussians, min-max normalised
 * (DESIGN.md section 2). The datasets' own recipes set the defaults:
 *  - REFLACX (Bigolin Lanfredi et al., Sci Data 2022; ricbl/eyetracking generate_heatmaps.py):
 *    sigma = one degree of visual angle, i.e. the row's angular_resolution_{x,y}_pixels_per_degree,
 *    weight = timestamp_end_fixation - timestamp_start_fixation, only inside the shown rectangle.
 *  - EGD-CXR (Karargyris et al., Sci Data 2021; create_heatmap_images_and_or_videos.py): fixation
 *    counts blurred with sigma = 150 original pixels. We keep sigma 150 and also weight by FPOGD.
 *  - MicEye (Wang et al., TMI 2022): raw gaze points blurred with a 99 px OpenCV kernel at an
 *    800 px display height, sigma = 0.3 * ((99 - 1) / 2 - 1) + 0.8 = 15.2 display px.
 *  - Native fixation CSVs carry no viewing geometry: sigma defaults to 4% of the image's longer
 *    side, about one visual degree at REFLACX's typical 94 px/degree on a 2,500 px radiograph.
 *
 * Rendering happens directly at the training size: each Gaussian is mapped through the same
 * scale as the image, and the box-filter variance (1/12 px^2) of the area-averaging resize is added,
 * so the result matches rendering at full size then resizing, at a fraction of the cost.
 */
import type { GazeFixations } from './types.ts';

export const NATIVE_SIGMA_FRACTION = 0.04;
export const EGD_SIGMA_PX = 150;
export const MICEYE_SIGMA_DISPLAY_PX = 15.2;

export interface RenderOptions {
  /** override sigma for every fixation, in original image pixels */
  sigmaPx?: number;
}

/** Renders at outWidth x outHeight for an image of imageWidth x imageHeight. Null when no fixation lands. */
export function renderFixations(
  gaze: GazeFixations,
  imageWidth: number,
  imageHeight: number,
  outWidth: number,
  outHeight: number,
  options: RenderOptions = {},
): Float32Array | null {
  const frameH = gaze.frame?.height ?? imageHeight;
  const frameW = gaze.frame?.width;
  const fy = imageHeight / frameH;
  const fx = frameW ? imageWidth / frameW : gaze.frame ? fy : 1;
  // frame px -> output px
  const kx = fx * (outWidth / imageWidth);
  const ky = fy * (outHeight / imageHeight);
  const defaultSigmaFrame = gaze.sigmaPx ?? (NATIVE_SIGMA_FRACTION * Math.max(imageWidth, imageHeight)) / Math.max(fx, fy);
  const map = new Float32Array(outWidth * outHeight);
  const gx = new Float32Array(outWidth);
  const gy = new Float32Array(outHeight);
  let any = false;
  for (const f of gaze.fixations) {
    const weight = f.durationS ?? 1;
    if (!(weight > 0)) continue;
    let sxOut: number;
    let syOut: number;
    const override = options.sigmaPx ?? gaze.sigmaImagePx;
    if (override !== undefined) {
      sxOut = override * (outWidth / imageWidth);
      syOut = override * (outHeight / imageHeight);
    } else {
      sxOut = (f.sigmaXPx ?? defaultSigmaFrame) * kx;
      syOut = (f.sigmaYPx ?? f.sigmaXPx ?? defaultSigmaFrame) * ky;
    }
    const varX = sxOut * sxOut + 1 / 12;
    const varY = syOut * syOut + 1 / 12;
    // fixation coordinates are pixel indices; their centre is at +0.5 in continuous coordinates
    const cx = (f.x + 0.5) * kx;
    const cy = (f.y + 0.5) * ky;
    const x0 = Math.max(0, Math.floor(cx - 4 * Math.sqrt(varX)));
    const x1 = Math.min(outWidth - 1, Math.ceil(cx + 4 * Math.sqrt(varX)));
    const y0 = Math.max(0, Math.floor(cy - 4 * Math.sqrt(varY)));
    const y1 = Math.min(outHeight - 1, Math.ceil(cy + 4 * Math.sqrt(varY)));
    if (x0 > x1 || y0 > y1) continue;
    const norm = weight / (2 * Math.PI * Math.sqrt(varX * varY));
    for (let x = x0; x <= x1; x++) {
      const d = x + 0.5 - cx;
      const inClip = !f.clip || ((x + 0.5) / kx >= f.clip[0] && (x + 0.5) / kx < f.clip[2]);
      gx[x] = inClip ? Math.exp((-d * d) / (2 * varX)) : 0;
    }
    for (let y = y0; y <= y1; y++) {
      const d = y + 0.5 - cy;
      const inClip = !f.clip || ((y + 0.5) / ky >= f.clip[1] && (y + 0.5) / ky < f.clip[3]);
      gy[y] = inClip ? Math.exp((-d * d) / (2 * varY)) * norm : 0;
    }
    for (let y = y0; y <= y1; y++) {
      const wy = gy[y];
      if (wy === 0) continue;
      const row = y * outWidth;
      for (let x = x0; x <= x1; x++) map[row + x] += wy * gx[x];
    }
    any = true;
  }
  return any ? map : null;
}
