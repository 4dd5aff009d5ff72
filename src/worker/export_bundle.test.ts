import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipArtifacts } from './export_bundle.ts';

describe('the export zip', () => {
  it('writes an archive Python zipfile reads back byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gazecam-zip-'));
    try {
      const weights = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);
      const zip = zipArtifacts([
        { path: 'run.json', data: new TextEncoder().encode('{"ok": true}\n') },
        { path: 'tfjs/weights.bin', data: weights },
      ]);
      const path = join(dir, 'bundle.zip');
      writeFileSync(path, zip);
      const script =
        'import sys, zipfile, hashlib\n' +
        'z = zipfile.ZipFile(sys.argv[1])\n' +
        'assert z.testzip() is None\n' +
        'for n in z.namelist(): print(n, len(z.read(n)), hashlib.sha256(z.read(n)).hexdigest())\n';
      const listing = execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }).trim().split('\n');
      expect(listing[0]).toMatch(/^run\.json 13 /);
      expect(listing[1]).toBe(`tfjs/weights.bin 1000 ${createHash('sha256').update(weights).digest('hex')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
