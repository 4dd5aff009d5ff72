/**
 * A table row that names an image the folder does not hold is reported with its file and line
 * number, for every table the scan reads: split.csv, labels.csv, EGD-CXR's master sheet and
 * fixations, REFLACX's metadata, MicEye's logs. Nothing is dropped silently; the rest is used.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entriesFromBlobs, scanDataset, type Dataset } from '../../src/data/index.ts';
import { makeDicom, png8, testPattern } from '../../scripts/make-data-fixtures.ts';
import { TRANSFER_SYNTAX } from '../../src/data/decode/dicom.ts';
import { gazecam } from '../helpers/cli.ts';

type Files = Record<string, Uint8Array | string>;

async function scan(files: Files): Promise<Dataset> {
  const items = Object.entries(files).map(([path, content]) => ({ path: `dropped/${path}`, blob: new Blob([typeof content === 'string' ? content : (content as Uint8Array<ArrayBuffer>)]) }));
  return scanDataset(entriesFromBlobs(items), { seed: 1 });
}

const png = png8(32, 24);
const native = (extra: Files): Files => ({
  'images/normal/n1.png': png,
  'images/normal/n2.png': png,
  'images/opacity/o1.png': png,
  'images/opacity/o2.png': png,
  ...extra,
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('table rows naming images that are not there', () => {
  it('split.csv: file, line and path; the rows that match still set the split', async () => {
    const ds = await scan(native({ 'split.csv': 'image,split\nimages/normal/n1.png,test\nimages/normal/n404.png,test\nimages/opacity/o1.png,val\nopacity/o9,train\n' }));
    expect(ds.problems).toEqual([
      { file: 'dropped/split.csv', error: expect.stringMatching(/^line 3: images\/normal\/n404\.png is not in the dataset; row ignored/) },
      { file: 'dropped/split.csv', error: expect.stringMatching(/^line 5: images\/opacity\/o9 is not in the dataset/) },
    ]);
    expect(ds.samples.find((s) => s.id === 'normal/n1')?.split).toBe('test');
    expect(ds.samples.find((s) => s.id === 'opacity/o1')?.split).toBe('val');
    expect(ds.samples).toHaveLength(4);
  });

  it('split.csv: a row whose image exists but is left out for its own reason is not reported twice', async () => {
    const ds = await scan({ 'images/loose.png': png, 'images/normal/n1.png': png, 'images/opacity/o1.png': png, 'split.csv': 'image,split\nimages/loose.png,test\n' });
    expect(ds.problems).toEqual([{ file: 'dropped/images/loose.png', error: expect.stringMatching(/image without label/) }]);
  });

  it('labels.csv', async () => {
    const ds = await scan({ 'images/a.png': png, 'images/b.png': png, 'labels.csv': 'image,label\nimages/a.png,clear\nimages/gone.png,effusion\nimages/b.png,effusion\n' });
    expect(ds.problems).toEqual([{ file: 'dropped/labels.csv', error: expect.stringMatching(/^line 3: images\/gone\.png not found in the dropped folder; row ignored/) }]);
    expect(ds.samples).toHaveLength(2);
  });

  it('EGD-CXR master sheet and fixations', async () => {
    const dcm = await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 32, height: 24, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(32, 24, 4095) });
    const ds = await scan({
      'egd/master_sheet.csv': 'dicom_id,patient_id,Normal,CHF,pneumonia\nd1,1,1,0,0\nd404,2,0,1,0\nd2,3,0,0,1\n',
      'egd/fixations.csv': 'DICOM_ID,FPOGD,X_ORIGINAL,Y_ORIGINAL\nd1,0.2,3,4\nd777,0.3,5,5\nd2,0.1,6,6\n',
      'mimic/d1.dcm': dcm,
      'mimic/d2.dcm': dcm,
    });
    expect(ds.problems).toEqual([
      { file: 'dropped/egd/master_sheet.csv', error: expect.stringMatching(/^line 3: image d404 \(\.dcm\/\.png\/\.jpg\) not found in the dropped folder/) },
      { file: 'dropped/egd/fixations.csv', error: expect.stringMatching(/^line 3: gaze without image: fixations for d777/) },
    ]);
    expect(ds.samples.map((s) => s.id).sort()).toEqual(['d1', 'd2']);
  });

  it('REFLACX metadata', async () => {
    const fix = 'timestamp_start_fixation,timestamp_end_fixation,x_position,y_position\n0.1,0.4,5,5\n';
    const ds = await scan({
      'main_data/metadata_phase_1.csv': 'id,split,eye_tracking_data_discarded,dicom_id,subject_id,image_size_x,image_size_y,Atelectasis\nR1,train,False,dA,10,32,24,4\nR2,test,False,dGone,11,32,24,0\n',
      'main_data/R1/fixations.csv': fix,
      'main_data/R2/fixations.csv': fix,
      'img/dA.png': png,
    });
    expect(ds.problems).toEqual([{ file: 'dropped/main_data/metadata_phase_1.csv', error: expect.stringMatching(/^line 3: image dGone \(\.dcm\/\.png\/\.jpg\) not found in the dropped folder/) }]);
    expect(ds.samples.map((s) => s.id)).toEqual(['dA']);
  });

  it('MicEye logs', async () => {
    const ds = await scan({
      'logs/reader.csv': 'C:\\data\\m1.png;1;[[10, 10]];[];(-1, -1)\nC:\\data\\m9.png;0;[[5, 6]];[];(-1, -1)\n',
      'images/m1.png': png,
    });
    expect(ds.problems).toEqual([{ file: 'dropped/logs/reader.csv', error: expect.stringMatching(/^line 2: gaze without image: C:\/data\/m9\.png not found/) }]);
    expect(ds.samples.map((s) => s.id)).toEqual(['m1']);
  });

  it('gazecam inspect points at the line, compiler style', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gazecam-rows-'));
    dirs.push(dir);
    for (const [path, content] of Object.entries(native({ 'split.csv': 'image,split\nimages/normal/n1.png,test\nimages/normal/n404.png,test\n' }))) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const run = gazecam(['inspect', dir]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('  split.csv:3: images/normal/n404.png is not in the dataset; row ignored');
    expect(run.stdout).toMatch(/^images {4}4 /m);
  });
});
