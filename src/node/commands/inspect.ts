/** `gazecam inspect <dataset> [--json]`: the dataset report (DESIGN.md section 3). */
import { datasetReport, preprocessDataset, scanDataset } from '../../data/index.ts';
import { parseArgs, UsageError } from '../args.ts';
import { entriesFromDirectory } from '../fs-dataset.ts';

export const usage = `usage: gazecam inspect <dataset> [--json] [--decode] [--seed N] [--sigma PX]

Scans a dataset folder (native layout, EGD-CXR, REFLACX or MicEye; detected automatically) and
reports images per class and split, how many have gaze, and every problem with file and reason.
Nothing in the folder is modified.

  --json       print one JSON object {format, images, classes, withGaze, splits, problems}
  --decode     also decode every image and gaze map (slower; finds corrupt data inside files
               whose headers and endings look intact)
  --seed N     seed of the stratified split when the dataset has no split (default 0)
  --sigma PX   gaze Gaussian sigma in original image pixels (default: each format's recipe)`;

/** `split.csv:14: images/n404.png is not in the dataset`, the way compilers point at a line. */
export function problemLine(p: { file: string; error: string }): string {
  const m = /^line (\d+): /.exec(p.error);
  return m ? `  ${p.file}:${m[1]}: ${p.error.slice(m[0].length)}` : `  ${p.file}: ${p.error}`;
}

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, { json: { type: 'boolean' }, decode: { type: 'boolean' }, seed: { type: 'int' }, sigma: { type: 'number' } });
  if (positional.length !== 1) throw new UsageError('expected exactly one dataset folder');
  const entries = await entriesFromDirectory(positional[0]);
  const ds = await scanDataset(entries, { seed: flags.seed as number | undefined, gazeSigmaPx: flags.sigma as number | undefined });
  if (flags.decode) {
    // A tiny target size keeps this about decoding, not resizing or memory.
    const cache = await preprocessDataset(ds, new Map(entries.map((e) => [e.path, e])), 8, { gazeSigmaPx: flags.sigma as number | undefined });
    ds.samples = cache.samples;
    for (const p of cache.problems) ds.problems.push(p);
  }
  const report = datasetReport(ds);
  if (flags.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return 0;
  }
  const lines = [
    `format    ${report.format}`,
    `images    ${report.images} (${report.withGaze} with gaze)`,
    `classes   ${Object.entries(report.classes).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`,
    `splits    train ${report.splits.train}, val ${report.splits.val}, test ${report.splits.test}`,
    `problems  ${report.problems.length}`,
    ...report.problems.map(problemLine),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
