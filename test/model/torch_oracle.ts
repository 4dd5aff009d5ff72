/**
 * Runs the PyTorch oracle (test/python/oracle.py, on the gazecam_torch package from the source tree)
 * with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision 0.14) and reads what it
 * writes. The PyTorch state is the oracle (as in llm.c's test_gpt2.c): fixtures are produced fresh
 * into a temp dir on every run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, toFloat32, type SafetensorsFile } from '../../src/engine/io/safetensors.ts';

export const PYTHON = '/usr/bin/python3';
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'test/python/oracle.py');

/** The environment that runs gazecam_torch from the source tree (no pip install). */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = [join(ROOT, 'python'), process.env.PYTHONPATH].filter(Boolean).join(':');
  // No __pycache__ folders in the source tree from test runs.
  return { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1', ...extra };
}

export function runTorchReference(args: string[]): string {
  const res = spawnSync(PYTHON, [SCRIPT, ...args], { cwd: ROOT, env: pythonEnv(), encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    throw new Error(
      `${PYTHON} ${SCRIPT} ${args.join(' ')} failed (status ${res.status}): ${res.error?.message ?? ''}\n${res.stderr}\n` +
        'The PyTorch parity tests need Debian python3-torch and python3-torchvision at /usr/bin/python3 ' +
        '(`apt-get install python3-torch python3-torchvision`).',
    );
  }
  return res.stdout;
}

/** runTorchReference, parsing the last stdout line as JSON. */
export function runOracle(args: string[]): unknown {
  return JSON.parse(runTorchReference(args).trim().split('\n').at(-1)!);
}

export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `gazecam-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function readSafetensorsFile(path: string): SafetensorsFile {
  return parseSafetensors(readBytes(path));
}

export function floatOf(file: SafetensorsFile, name: string): { values: Float32Array; shape: number[] } {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`"${name}" is not in the reference file (has: ${[...file.tensors.keys()].slice(0, 8).join(', ')}...)`);
  return { values: toFloat32(t), shape: t.shape };
}

/** max |a-b| / max |b|: the error relative to the tensor's scale (for gradients, whose entries
 *  straddle zero, an element-wise relative error mostly measures float32 cancellation). */
export function normRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxDiff)) maxDiff = d;
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(scale, 1e-12);
}
