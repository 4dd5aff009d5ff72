#!/usr/bin/env node
// Makes a fresh clone runnable with one command: installs npm dependencies when node_modules is
// missing or older than the lock file, and with --system the Debian packages the tests need
// (scripts/install-system-deps.sh). Uses only Node built-ins: it runs before anything is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

if (process.argv.includes('--system') && process.platform === 'linux') {
  run('bash', [join(root, 'scripts/install-system-deps.sh')]);
}

const marker = join(root, 'node_modules/.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('ensure-deps: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
