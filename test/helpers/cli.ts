/** Runs the real `gazecam` CLI (bin/gazecam.mjs) in a child process, as users and CI do. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function gazecam(args: string[], timeoutMs = 600_000): Ran {
  const r = spawnSync(process.execPath, ['bin/gazecam.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like gazecam() but throws with the command's stderr when it fails. */
export function gazecamOk(args: string[], timeoutMs?: number): Ran {
  const r = gazecam(args, timeoutMs);
  if (r.status !== 0) throw new Error(`gazecam ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  return r;
}

/** Debian's interpreter: python3-torch lives there, not in whatever python3 is first on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export function python(args: string[], timeoutMs = 300_000): unknown {
  const r = spawnSync(DEBIAN_PYTHON, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${DEBIAN_PYTHON} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}
