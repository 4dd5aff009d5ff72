/**
 * The gazecam_torch package's own unit tests (test/python/test_*.py, Python's unittest) run with
 * Debian's python3-torch from the source tree, as part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { PYTHON, pythonEnv, ROOT } from '../model/torch_oracle.ts';

it('gazecam_torch unit tests pass (python3 -m unittest)', () => {
  const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'test/python', '-t', 'test/python', '-p', 'test_*.py', '-v'], {
    cwd: ROOT, env: pythonEnv(), encoding: 'utf8', timeout: 300_000,
  });
  const report = r.stderr ?? '';
  expect(r.status, report.slice(-4000)).toBe(0);
  const ran = Number(/Ran (\d+) tests?/.exec(report)?.[1] ?? 0);
  console.log(`gazecam_torch: ${ran} unit tests passed`);
  expect(ran).toBeGreaterThanOrEqual(20);
  expect(report).toMatch(/\nOK\b/);
}, 300_000);
