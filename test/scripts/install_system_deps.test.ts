/**
 * The system-package installer adds bookworm-backports from the machine's own apt configuration.
 * The derivation runs here on sample deb822 and classic source files (no apt call), through the
 * script's --backports-source mode with GAZECAM_APT_ETC pointing at a temporary apt directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/install-system-deps.sh', import.meta.url));
const dirs: string[] = [];

function aptDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gazecam-apt-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function derive(dir: string) {
  const r = spawnSync('bash', [SCRIPT, '--backports-source'], { env: { ...process.env, GAZECAM_APT_ETC: dir }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const stanza = (uri: string) => `Types: deb\nURIs: ${uri}\nSuites: bookworm-backports\nComponents: main\n`;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('install-system-deps.sh: bookworm-backports from the machine\'s apt sources', () => {
  it('takes the URI of the deb822 stanza serving bookworm, not the security one', () => {
    const dir = aptDir({
      'sources.list.d/debian.sources':
        'Types: deb\n# http://old.mirror.example/debian\nURIs: http://mirror.example.internal/debian-security\nSuites: bookworm-security\nComponents: main\n\n' +
        'Types: deb deb-src\nURIs: http://mirror.example.internal/debian/\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    });
    expect(derive(dir)).toEqual({ status: 0, stdout: stanza('http://mirror.example.internal/debian'), stderr: '' });
  });

  it('skips a disabled deb822 stanza and deb-src lines, and reads a classic sources.list with options', () => {
    const dir = aptDir({
      'sources.list.d/off.sources': 'Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n',
      'sources.list':
        '# deb http://commented.example/debian bookworm main\n' +
        'deb-src http://src.example/debian bookworm main\n' +
        'deb [arch=amd64 signed-by=/usr/share/keyrings/debian.gpg] http://snapshot-mirror.example/archive/debian/20250520T000000Z bookworm main contrib\n',
    });
    expect(derive(dir).stdout).toBe(stanza('http://snapshot-mirror.example/archive/debian/20250520T000000Z'));
  });

  it('reads a classic .list file in sources.list.d', () => {
    const dir = aptDir({ 'sources.list.d/local.list': 'deb file:/srv/debian bookworm main\n' });
    expect(derive(dir).stdout).toBe(stanza('file:/srv/debian'));
  });

  it('says what to do when no bookworm source is configured, and fails', () => {
    const dir = aptDir({ 'sources.list': 'deb http://mirror.example/debian trixie main\n' });
    const r = derive(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `install-system-deps: no Debian 'bookworm' source found in ${dir}/sources.list or ${dir}/sources.list.d/*.sources; ` +
        "add your mirror's bookworm-backports suite to apt yourself (it provides mesa-vulkan-drivers >= 25), then run npm test again",
    );
  });
});
