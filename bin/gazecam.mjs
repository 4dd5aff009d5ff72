#!/usr/bin/env node
// The `gazecam` CLI. The sources are TypeScript; tsx compiles them on the fly so `npx gazecam`
// works right after `npm ci` without a build step.
//
// Dawn writes two harmless warnings from native code straight to stderr on every WebGPU run,
// where no JavaScript hook can catch them. So this process starts the CLI as a child and passes
// the child's stderr through a filter that drops exactly those known lines (./stderr_filter.mjs);
// stdin and stdout are the child's own. The filtering parent stays plain JavaScript, without the
// TypeScript loader, so it costs one bare Node start. `--debug` shows everything.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const CHILD_MARK = 'GAZECAM_CLI_CHILD';
const args = process.argv.slice(2);
const debug = args.includes('--debug') || process.env.GAZECAM_DEBUG === '1';

async function runHere() {
  (await import('tsx/esm/api')).register();
  const { main } = await import('../src/node/cli.ts');
  process.exitCode = await main(args);
}

if (process.env[CHILD_MARK] === '1') {
  // The parent's stderr is the real one: tell progress bars whether it is a terminal.
  if (process.env.GAZECAM_STDERR_TTY === '1') Object.defineProperty(process.stderr, 'isTTY', { value: true });
  // Processes this one starts (a compare run's trainings) filter their own stderr again.
  delete process.env[CHILD_MARK];
  delete process.env.GAZECAM_STDERR_TTY;
  await runHere();
} else if (debug) {
  await runHere();
} else {
  const { createLineFilter } = await import('./stderr_filter.mjs');
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, [CHILD_MARK]: '1', GAZECAM_STDERR_TTY: process.stderr.isTTY ? '1' : '' },
  });
  const filter = createLineFilter((text) => process.stderr.write(text));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => filter.push(chunk));
  // Ctrl-C reaches the whole process group, so the child sees it already: a second copy would turn
  // train's "stop after this step" into an abort. Other signals are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`gazecam: could not start (${err.message})\n`);
    process.exit(1);
  });
  child.on('close', (code, signal) => {
    filter.end();
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
}
