/**
 * Format detection and the three public eye-gaze dataset importers. Detection looks at file
 * names first (cheap), then at most one CSV's first line (MicEye's semicolon logs).
 */
import type { Dataset, DatasetEntry, DatasetFormat, Fixation, ScanOptions } from '../types.ts';
import { column, num, parseCsv, parseCsvRows } from '../csv.ts';
import { EGD_SIGMA_PX, MICEYE_SIGMA_DISPLAY_PX } from '../gaze.ts';
import { finalise, indexImagesByStem, parseSplitValue, readHeadText, readText, stem, type Candidate, type DatasetView, type Problems } from './common.ts';

const MICEYE_LINE = /^[^;\n]+;[^;\n]*;\s*[[(]/;

export async function detectFormat(entries: DatasetEntry[], view: DatasetView): Promise<DatasetFormat> {
  const rels = entries.map((e) => view.rel(e.path));
  if (rels.some((r) => /(^|\/)metadata_phase_\d+\.csv$/i.test(r))) return 'reflacx';
  const base = (r: string) => r.slice(r.lastIndexOf('/') + 1).toLowerCase();
  if (rels.some((r) => base(r) === 'master_sheet.csv')) return 'egd-cxr';
  // MicEye users often keep their images in an images/ folder too, so its logs are looked for
  // before settling on the native layout; native gaze CSVs and the two native tables are skipped.
  for (const e of entries) {
    const rel = view.rel(e.path);
    if (!/\.csv$/i.test(rel) || rel.startsWith('gaze/') || rel === 'labels.csv' || rel === 'split.csv') continue;
    const head = await readHeadText(e, 4096);
    if (MICEYE_LINE.test(head.trimStart())) return 'miceye';
  }
  return 'native';
}

function findImage(id: string, images: Map<string, DatasetEntry[]>, source: string, problems: Problems): DatasetEntry | undefined {
  const found = images.get(id);
  if (!found) return undefined;
  for (const extra of found.slice(1)) problems.add(extra.path, `duplicate id ${id} (${source}): ${found[0].path} is used; this file ignored`);
  return found[0];
}

// ---------------------------------------------------------------------------------------------
// EGD-CXR: "Eye Gaze Data for Chest X-rays" (Karargyris et al., PhysioNet 2020,
// doi:10.13026/qfdz-zr67; Sci Data 8:92, 2021; github.com/cxr-eye-gaze/eye-gaze-dataset).
//  - master_sheet.csv: one row per image: dicom_id, path (MIMIC-CXR DICOM path), patient_id,
//    one-hot class columns Normal, CHF, pneumonia, and image_*_pad (screen padding, already
//    removed in the fixation coordinates).
//  - fixations.csv: DICOM_ID, FPOGX/FPOGY (normalised screen coords), FPOGD (fixation duration,
//    s), X_ORIGINAL/Y_ORIGINAL: the fixation in original DICOM pixels. Gaze that fell off the
//    displayed image was mapped to negative coordinates by their pipeline; those rows are the
//    dataset's own "no position" marker and are skipped without a problem.
//  - no official split: seeded, stratified, patient-level split.
// ---------------------------------------------------------------------------------------------
const EGD_CLASSES = ['Normal', 'CHF', 'pneumonia'];

export async function scanEgdCxr(entries: DatasetEntry[], view: DatasetView, problems: Problems, options: ScanOptions): Promise<Dataset> {
  const byBase = (name: string) => entries.filter((e) => e.path.toLowerCase().endsWith(name)).sort((a, b) => a.path.length - b.path.length)[0];
  const masterEntry = byBase('master_sheet.csv')!;
  const fixEntry = byBase('fixations.csv');
  const images = indexImagesByStem(entries);
  const masterText = await readText(masterEntry, problems, 'master sheet');
  if (masterText === undefined) return finalise('egd-cxr', [], view, problems, options);
  const master = parseCsv(masterText);
  for (const e of master.errors) problems.add(masterEntry.path, e.error);
  const idCol = column(master.header, 'dicom_id');
  const patientCol = column(master.header, 'patient_id');
  const classCols = EGD_CLASSES.map((name) => ({ name, col: column(master.header, name) })).filter((c) => c.col >= 0);
  if (idCol < 0 || classCols.length === 0) {
    problems.add(masterEntry.path, `line 1: expected columns dicom_id and ${EGD_CLASSES.join('/')}, found [${master.header.join(', ')}]; nothing imported`);
    return finalise('egd-cxr', [], view, problems, options);
  }
  const candidates = new Map<string, Candidate>();
  for (const row of master.rows) {
    const id = row.fields[idCol]?.trim();
    if (!id || row.fields.length !== master.header.length) {
      problems.add(masterEntry.path, `line ${row.line}: malformed row (${row.fields.length} fields, header has ${master.header.length}); row ignored`);
      continue;
    }
    const positive = classCols.filter((c) => num(row.fields[c.col]) === 1);
    if (positive.length !== 1) {
      problems.add(masterEntry.path, `line ${row.line}: image without label: ${id} has ${positive.length} of ${classCols.map((c) => c.name).join('/')} set, exactly one expected; image ignored`);
      continue;
    }
    if (candidates.has(id)) {
      problems.add(masterEntry.path, `line ${row.line}: duplicate id ${id}; row ignored`);
      continue;
    }
    const image = findImage(id, images, 'master_sheet.csv', problems);
    if (!image) {
      problems.add(masterEntry.path, `line ${row.line}: image ${id} (.dcm/.png/.jpg) not found in the dropped folder; add the MIMIC-CXR file or drop the row`);
      continue;
    }
    candidates.set(id, {
      id,
      imagePath: image.path,
      label: positive[0].name,
      patient: patientCol >= 0 ? row.fields[patientCol].trim() || undefined : undefined,
    });
  }
  if (!fixEntry) {
    problems.add(masterEntry.path, 'fixations.csv (EGD-CXR gaze) not found beside master_sheet.csv; images are used without gaze. Add fixations.csv to train with gaze');
    return finalise('egd-cxr', [...candidates.values()], view, problems, options);
  }
  const fixText = await readText(fixEntry, problems, 'fixation table');
  if (fixText === undefined) return finalise('egd-cxr', [...candidates.values()], view, problems, options);
  const fix = parseCsv(fixText);
  for (const e of fix.errors) problems.add(fixEntry.path, e.error);
  const fId = column(fix.header, 'DICOM_ID');
  const fx = column(fix.header, 'X_ORIGINAL');
  const fy = column(fix.header, 'Y_ORIGINAL');
  const fd = column(fix.header, 'FPOGD');
  if (fId < 0 || fx < 0 || fy < 0) {
    problems.add(fixEntry.path, `line 1: expected columns DICOM_ID, X_ORIGINAL, Y_ORIGINAL[, FPOGD], found [${fix.header.join(', ')}]; no gaze imported`);
  } else {
    const byImage = new Map<string, Fixation[]>();
    const orphanLines = new Map<string, number>();
    for (const row of fix.rows) {
      const id = row.fields[fId]?.trim();
      const x = num(row.fields[fx]);
      const y = num(row.fields[fy]);
      const d = fd >= 0 ? num(row.fields[fd]) : undefined;
      if (!id || x === undefined || y === undefined) {
        problems.add(fixEntry.path, `line ${row.line}: malformed fixation row (DICOM_ID, X_ORIGINAL, Y_ORIGINAL must be present and numeric); row ignored`);
        continue;
      }
      if (!candidates.has(id)) {
        if (!orphanLines.has(id)) orphanLines.set(id, row.line);
        continue;
      }
      if (x < 0 || y < 0) continue; // EGD's off-image marker, see above
      const list = byImage.get(id) ?? [];
      list.push({ x, y, durationS: d !== undefined && d > 0 ? d : undefined, line: row.line });
      byImage.set(id, list);
    }
    for (const [id, line] of orphanLines) {
      problems.add(fixEntry.path, `line ${line}: gaze without image: fixations for ${id}, which is not a usable image in master_sheet.csv; ignored`);
    }
    for (const [id, fixations] of byImage) {
      candidates.get(id)!.gaze = { kind: 'fixations', path: fixEntry.path, fixations, sigmaPx: EGD_SIGMA_PX, sigmaImagePx: options.gazeSigmaPx };
    }
  }
  return finalise('egd-cxr', [...candidates.values()], view, problems, options);
}

// ---------------------------------------------------------------------------------------------
// REFLACX (Bigolin Lanfredi et al., PhysioNet 2021, doi:10.13026/e0dj-8498; Sci Data 9:350,
// 2022; github.com/ricbl/eyetracking). main_data/metadata_phase_{1,2,3}.csv: one row per reading:
// id, split (train/validate/test from MIMIC-CXR), eye_tracking_data_discarded, dicom_id,
// subject_id, image_size_x/y, then one certainty column (0-5) per finding plus boolean
// "Support devices"/"Quality issue" and free-text "Other". main_data/<id>/fixations.csv:
// timestamp_start_fixation/timestamp_end_fixation (s), x_position/y_position (image pixels),
// angular_resolution_{x,y}_pixels_per_degree, {x,y}{min,max}_shown_from_image (the part of the
// image on screen, since readers zoomed and panned).
// Label rule (ours): the finding with the highest certainty over all readings of the image,
// when it reaches `reflacxMinCertainty` (default 3, "Possibly"), else "No finding". Several
// readings of one image become one sample with all their fixations.
// ---------------------------------------------------------------------------------------------
const REFLACX_META = new Set(['id', 'split', 'eye_tracking_data_discarded', 'image', 'dicom_id', 'subject_id', 'image_size_x', 'image_size_y', 'other', 'support devices', 'quality issue']);
export const REFLACX_NO_FINDING = 'No finding';

export async function scanReflacx(entries: DatasetEntry[], view: DatasetView, problems: Problems, options: ScanOptions): Promise<Dataset> {
  const minCertainty = options.reflacxMinCertainty ?? 3;
  const images = indexImagesByStem(entries);
  const fixationFiles = new Map<string, DatasetEntry>();
  for (const e of entries) {
    const m = /(?:^|\/)([^/]+)\/fixations\.csv$/i.exec(view.rel(e.path));
    if (m) fixationFiles.set(m[1], e);
  }
  interface Reading { id: string; line: number; file: string; discarded: boolean; split?: string; subject?: string; sizeX?: number; sizeY?: number; certainty: Map<string, number> }
  const byDicom = new Map<string, Reading[]>();
  const readingLines = new Map<string, string>();
  const metas = entries.filter((e) => /(^|\/)metadata_phase_\d+\.csv$/i.test(e.path)).sort((a, b) => a.path.localeCompare(b.path));
  for (const meta of metas) {
    const text = await readText(meta, problems, 'metadata table');
    if (text === undefined) continue;
    const table = parseCsv(text);
    for (const e of table.errors) problems.add(meta.path, e.error);
    const col = (name: string) => column(table.header, name);
    const idCol = col('id');
    const dicomCol = col('dicom_id');
    if (idCol < 0 || dicomCol < 0) {
      problems.add(meta.path, `line 1: expected columns id and dicom_id, found [${table.header.join(', ')}]; file ignored`);
      continue;
    }
    const findingCols = table.header.map((h, i) => ({ name: h, i })).filter((h) => !REFLACX_META.has(h.name.toLowerCase()) && h.name !== '');
    for (const row of table.rows) {
      if (row.fields.length !== table.header.length) {
        problems.add(meta.path, `line ${row.line}: ${row.fields.length} fields, header has ${table.header.length}; row ignored`);
        continue;
      }
      const f = (c: number) => (c >= 0 ? row.fields[c].trim() : '');
      const certainty = new Map<string, number>();
      for (const fc of findingCols) {
        const v = num(row.fields[fc.i]);
        if (v !== undefined && v > 0) certainty.set(fc.name, v);
      }
      const reading: Reading = {
        id: f(idCol),
        line: row.line,
        file: meta.path,
        discarded: /^true$/i.test(f(col('eye_tracking_data_discarded'))),
        split: f(col('split')) || undefined,
        subject: f(col('subject_id')) || undefined,
        sizeX: num(f(col('image_size_x'))),
        sizeY: num(f(col('image_size_y'))),
        certainty,
      };
      const dicom = f(dicomCol);
      if (!dicom || !reading.id) {
        problems.add(meta.path, `line ${row.line}: empty ${dicom ? 'id' : 'dicom_id'} field; row ignored`);
        continue;
      }
      const earlier = readingLines.get(reading.id);
      if (earlier) {
        problems.add(meta.path, `line ${row.line}: duplicate reading id ${reading.id} (first at ${earlier}); row ignored`);
        continue;
      }
      readingLines.set(reading.id, `${meta.path.slice(meta.path.lastIndexOf('/') + 1)} line ${row.line}`);
      const list = byDicom.get(dicom) ?? [];
      list.push(reading);
      byDicom.set(dicom, list);
    }
  }
  const candidates: Candidate[] = [];
  const usedFixationFiles = new Set<string>();
  for (const [dicom, readings] of byDicom) {
    const first = readings[0];
    const image = findImage(dicom, images, 'REFLACX metadata', problems);
    if (!image) {
      problems.add(first.file, `line ${first.line}: image ${dicom} (.dcm/.png/.jpg) not found in the dropped folder; add the MIMIC-CXR file or drop the row`);
      for (const r of readings) if (fixationFiles.has(r.id)) usedFixationFiles.add(r.id);
      continue;
    }
    const best = new Map<string, number>();
    for (const r of readings) for (const [k, v] of r.certainty) best.set(k, Math.max(best.get(k) ?? 0, v));
    let label = REFLACX_NO_FINDING;
    let top = minCertainty - 1e-9;
    for (const [k, v] of best) {
      if (v > top) {
        top = v;
        label = k;
      }
    }
    const fixations: Fixation[] = [];
    let gazePath = '';
    for (const r of readings) {
      const file = fixationFiles.get(r.id);
      if (file) usedFixationFiles.add(r.id);
      if (r.discarded) continue;
      if (!file) {
        problems.add(r.file, `line ${r.line}: reading ${r.id} has eye-tracking data but main_data/${r.id}/fixations.csv is missing; that reading's gaze ignored`);
        continue;
      }
      const text = await readText(file, problems, 'fixation table');
      if (text === undefined) continue;
      gazePath ||= file.path;
      // One push per item: spreading a long array into push() overflows the call stack.
      for (const f of parseReflacxFixations(text, file.path, problems)) fixations.push(f);
    }
    const split = first.split ? parseSplitValue(first.split) : undefined;
    const c: Candidate = { id: dicom, imagePath: image.path, label, patient: first.subject, split, meta: { readings: readings.map((r) => r.id).join('|') } };
    if (fixations.length) {
      c.gaze = {
        kind: 'fixations',
        path: gazePath,
        fixations,
        frame: first.sizeY ? { width: first.sizeX, height: first.sizeY } : undefined,
        sigmaImagePx: options.gazeSigmaPx,
      };
    }
    candidates.push(c);
  }
  for (const [id, file] of fixationFiles) {
    if (!usedFixationFiles.has(id)) problems.add(file.path, `gaze without image: reading ${id} is not in any metadata_phase_*.csv; ignored`);
  }
  return finalise('reflacx', candidates, view, problems, options);
}

function parseReflacxFixations(text: string, path: string, problems: Problems): Fixation[] {
  const table = parseCsv(text);
  for (const e of table.errors) problems.add(path, e.error);
  const c = (name: string) => column(table.header, name);
  const xs = c('x_position');
  const ys = c('y_position');
  if (xs < 0 || ys < 0) {
    problems.add(path, `line 1: expected columns x_position, y_position, found [${table.header.join(', ')}]; gaze ignored`);
    return [];
  }
  const t0 = c('timestamp_start_fixation');
  const t1 = c('timestamp_end_fixation');
  const ax = c('angular_resolution_x_pixels_per_degree');
  const ay = c('angular_resolution_y_pixels_per_degree');
  const clip = ['xmin_shown_from_image', 'ymin_shown_from_image', 'xmax_shown_from_image', 'ymax_shown_from_image'].map(c);
  const out: Fixation[] = [];
  for (const row of table.rows) {
    const x = num(row.fields[xs]);
    const y = num(row.fields[ys]);
    if (x === undefined || y === undefined) {
      problems.add(path, `line ${row.line}: malformed fixation row (x_position, y_position must be numbers); row ignored`);
      continue;
    }
    const start = num(row.fields[t0]);
    const end = num(row.fields[t1]);
    const rect = clip.map((i) => (i >= 0 ? num(row.fields[i]) : undefined));
    out.push({
      x,
      y,
      line: row.line,
      durationS: start !== undefined && end !== undefined && end > start ? end - start : undefined,
      sigmaXPx: ax >= 0 ? num(row.fields[ax]) : undefined,
      sigmaYPx: ay >= 0 ? num(row.fields[ay]) : undefined,
      clip: rect.every((v) => v !== undefined) ? (rect as [number, number, number, number]) : undefined,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// MicEye (Wang et al., "Follow My Eye", IEEE TMI 2022; github.com/JamesQFreeman/MicEye,
// utils/dataUtils.py CsvLog): one semicolon-separated line per image read:
//   imgName;imgClass;[[x, y], ...];[(x1, y1, x2, y2), ...];(x, y)
// imgName is the image path on the recording machine (matched here by file name), imgClass the
// key the reader pressed (0-9), the list holds raw gaze samples (no durations) in *display*
// pixels of the image shown at config.json's "image height" (800 by default), clamped to the
// image. Coordinates are scaled to the original image by height.
// ---------------------------------------------------------------------------------------------
export const MICEYE_DEFAULT_DISPLAY_HEIGHT = 800;

export async function scanMicEye(entries: DatasetEntry[], view: DatasetView, problems: Problems, options: ScanOptions): Promise<Dataset> {
  const images = indexImagesByStem(entries);
  let displayHeight = options.miceyeDisplayHeight ?? MICEYE_DEFAULT_DISPLAY_HEIGHT;
  const config = entries.find((e) => /(^|\/)config\.json$/i.test(e.path));
  if (config && options.miceyeDisplayHeight === undefined) {
    const text = await readText(config, problems, 'MicEye config.json', 1024 * 1024);
    let parsed: unknown;
    try {
      parsed = text === undefined ? undefined : JSON.parse(text);
    } catch (err) {
      problems.add(config.path, `not valid JSON (${(err as Error).message}); assuming ${displayHeight} px display height`);
    }
    if (parsed !== undefined) {
      const h = Number((parsed as Record<string, unknown> | null)?.['image height']);
      if (Number.isFinite(h) && h > 0) displayHeight = h;
      else problems.add(config.path, `no numeric "image height"; assuming ${displayHeight} px display height`);
    }
  }
  const candidates = new Map<string, Candidate>();
  const logs = entries.filter((e) => /\.csv$/i.test(e.path)).sort((a, b) => a.path.localeCompare(b.path));
  for (const log of logs) {
    const text = await readText(log, problems, 'MicEye log');
    if (text === undefined) continue;
    if (!MICEYE_LINE.test(text.trimStart())) {
      problems.add(log.path, 'CSV that is not a MicEye log (image;class;[[x, y], ...];...); ignored');
      continue;
    }
    // Python list reprs contain commas, so rows are split on ';' only.
    const { rows } = parseCsvRows(text, ';');
    for (const row of rows) {
      const [name, cls, gazeText] = row.fields;
      if (row.fields.length < 3 || !name?.trim() || !cls?.trim() || !/^\s*[[(]/.test(gazeText ?? '')) {
        problems.add(log.path, `line ${row.line}: malformed MicEye row (image;class;[[x, y], ...];... expected); row ignored`);
        continue;
      }
      const fileName = name.trim().replace(/\\/g, '/');
      const id = stem(fileName);
      const fixations: Fixation[] = [];
      for (const m of gazeText.matchAll(/[[(]\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*[\])]/g)) {
        fixations.push({ x: Number(m[1]), y: Number(m[2]), line: row.line });
      }
      const label = cls.trim();
      const existing = candidates.get(id);
      if (existing) {
        if (existing.label !== label) problems.add(log.path, `line ${row.line}: ${id} labelled ${label} here but ${existing.label} earlier; first label kept`);
        if (existing.gaze?.kind === 'fixations') for (const f of fixations) existing.gaze.fixations.push(f);
        continue;
      }
      const image = findImage(id, images, 'MicEye log', problems);
      if (!image) {
        problems.add(log.path, `line ${row.line}: gaze without image: ${fileName} not found in the dropped folder; row ignored`);
        continue;
      }
      const c: Candidate = { id, imagePath: image.path, label };
      if (fixations.length) {
        c.gaze = {
          kind: 'fixations',
          path: log.path,
          fixations,
          frame: { height: displayHeight },
          sigmaPx: MICEYE_SIGMA_DISPLAY_PX,
          sigmaImagePx: options.gazeSigmaPx,
        };
      }
      candidates.set(id, c);
    }
  }
  return finalise('miceye', [...candidates.values()], view, problems, options);
}
