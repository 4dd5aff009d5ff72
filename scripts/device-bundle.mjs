#!/usr/bin/env node
// npm run device:bundle: writes .device/, everything a GPU machine without Node, npm or a network
// needs to run scripts/device-run.sh, small enough to travel with the working tree (64 MiB in all):
//   gazecam.mjs          the CLI in one file (esbuild; no node_modules at run time)
//   device-tools.mjs     the adapter probe and the timed runs (scripts/device/tools.ts)
//   dawn.node.xz         Dawn for linux-x64 from the webgpu package; unpacked beside the two bundles,
//                        at dist/linux-x64/dawn.node, where the webgpu package looks from its module
//   node.xz              this machine's Node runtime (process.execPath)
//   debs/*.deb           the Vulkan loader (libvulkan1) and libstdc++6, from this machine's apt
//                        sources, unpacked there with dpkg -x (libstdc++ only used if the host's is
//                        older than the one dawn.node was built against)
//   manifest.json        versions, sizes and source checksums
// The xz parts are reused while their source is unchanged: compressing Node takes minutes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(ROOT, '.device');
const LIMIT_BYTES = 60 * 1024 * 1024;
const DEBS = ['libvulkan1', 'libstdc++6'];
const XZ_PRESET = '-9';

function fail(message) {
  console.error(`device:bundle: ${message}`);
  process.exit(1);
}

const sha256 = (file) =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`builds for linux-x64 only (this is ${process.platform}-${process.arch})`);
const xz = spawnSync('xz', ['--version'], { encoding: 'utf8' });
if (xz.status !== 0) fail('xz is not installed; on Debian: apt-get install xz-utils');
const xzVersion = xz.stdout.split('\n')[0];

mkdirSync(OUT, { recursive: true });
const manifestPath = join(OUT, 'manifest.json');
const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { parts: [] };
const parts = [];

async function bundle(name, entry) {
  const outfile = join(OUT, name);
  await build({
    ...entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
    banner: { js: "import { createRequire as __gazecamRequire } from 'node:module'; const require = __gazecamRequire(import.meta.url);" },
  });
  parts.push({ file: name, bytes: statSync(outfile).size, source: entry.stdin ? 'src/node/cli.ts' : entry.entryPoints[0] });
}

/** xz -c source > .device/name, unless the manifest says the same source was compressed before. */
async function compressed(name, source, what) {
  const file = join(OUT, name);
  const sourceSha256 = await sha256(source);
  const old = previous.parts.find((p) => p.file === name);
  if (!(old && old.sourceSha256 === sourceSha256 && old.xzPreset === XZ_PRESET && existsSync(file))) {
    console.log(`compressing ${what} (${(statSync(source).size / 2 ** 20).toFixed(1)} MiB) with xz ${XZ_PRESET} ...`);
    const fd = openSync(file + '.tmp', 'w');
    const r = spawnSync('xz', ['-T0', XZ_PRESET, '-c', source], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
    if (r.status !== 0) fail(`xz failed on ${source}`);
    renameSync(file + '.tmp', file);
  }
  parts.push({ file: name, bytes: statSync(file).size, source, sourceBytes: statSync(source).size, sourceSha256, xzPreset: XZ_PRESET });
}

function downloadDebs() {
  // apt-get download fetches from this machine's configured sources; its _apt user must be able
  // to write the folder.
  const dir = mkdtempSync(join(tmpdir(), 'gazecam-debs-'));
  chmodSync(dir, 0o777);
  const r = spawnSync('apt-get', ['download', ...DEBS], { cwd: dir, encoding: 'utf8' });
  const got = readdirSync(dir).filter((f) => f.endsWith('.deb'));
  const debDir = join(OUT, 'debs');
  if (r.status !== 0 || got.length !== DEBS.length) {
    const kept = existsSync(debDir) ? readdirSync(debDir).filter((f) => f.endsWith('.deb')) : [];
    rmSync(dir, { recursive: true, force: true });
    if (kept.length === DEBS.length) {
      console.log(`apt-get download failed (${(r.stderr || '').trim().split('\n').pop()}); keeping the packages from the last bundle: ${kept.join(', ')}`);
      return kept.map((f) => ({ file: `debs/${f}`, bytes: statSync(join(debDir, f)).size, source: 'apt-get download (previous bundle)' }));
    }
    fail(`apt-get download ${DEBS.join(' ')} failed: ${(r.stderr || '').trim()}; check this machine's apt sources (apt-get update)`);
  }
  rmSync(debDir, { recursive: true, force: true });
  mkdirSync(debDir);
  const out = got.map((f) => {
    copyFileSync(join(dir, f), join(debDir, f));
    return { file: `debs/${f}`, bytes: statSync(join(debDir, f)).size, source: 'apt-get download' };
  });
  rmSync(dir, { recursive: true, force: true });
  return out;
}

const t0 = performance.now();
await bundle('gazecam.mjs', {
  stdin: {
    contents: "import { main } from './src/node/cli.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    resolveDir: ROOT,
    sourcefile: 'device-entry.ts',
    loader: 'ts',
  },
});
await bundle('device-tools.mjs', { entryPoints: [join(ROOT, 'scripts/device/tools.ts')] });
const webgpuPackage = JSON.parse(readFileSync(join(ROOT, 'node_modules/webgpu/package.json'), 'utf8'));
await compressed('dawn.node.xz', join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node'), `dawn.node (webgpu ${webgpuPackage.version})`);
await compressed('node.xz', process.execPath, `Node ${process.version} (${process.execPath})`);
parts.push(...downloadDebs());

// Anything an older bundle left that this one does not name would travel for nothing.
const named = new Set(['manifest.json', ...parts.map((p) => p.file.split('/')[0])]);
for (const f of readdirSync(OUT)) if (!named.has(f)) rmSync(join(OUT, f), { recursive: true, force: true });

const manifest = {
  builtAt: new Date().toISOString(),
  node: process.version,
  webgpu: webgpuPackage.version,
  xz: xzVersion,
  parts,
};
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
const total = parts.reduce((s, p) => s + p.bytes, 0) + statSync(manifestPath).size;
const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;
for (const p of parts) console.log(`${p.file.padEnd(48)} ${mib(p.bytes).padStart(11)}${p.sourceBytes ? `  (from ${mib(p.sourceBytes)})` : ''}`);
console.log(`${'total .device/'.padEnd(48)} ${mib(total).padStart(11)}  (limit ${mib(LIMIT_BYTES)}; ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
if (total > LIMIT_BYTES) fail(`.device/ is ${mib(total)}, over the ${mib(LIMIT_BYTES)} it may take`);
console.log(`next: bash scripts/device-run.sh on the GPU machine, with .device carried (${basename(OUT)}/)`);
