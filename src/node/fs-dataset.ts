/**
 * Node adapter: a directory -> `DatasetEntry`s for src/data. Reads are lazy and ranged (scanning
 * 10,000 X-rays touches only their headers and trailers); nothing is ever opened for writing.
 * Symlinks are followed once per real directory so a link loop cannot hang the walk.
 *
 * File names are bytes on Linux and need not be UTF-8 (archives from older Windows machines carry
 * Latin-1 names). Directories are therefore listed as bytes and every file system call gets the raw
 * byte path; the data layer sees a display path in which bytes that are not UTF-8, control
 * characters and backslashes are written as \xHH. Whatever cannot be used (unreadable files or
 * folders, dangling links, folders that vanish mid-scan, pipes and devices) becomes an entry with
 * `unusable` set, which the scan reports; only a dataset folder that cannot be opened at all throws.
 */
import { constants } from 'node:fs';
import { access, open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { DatasetEntry } from '../data/index.ts';
import { CliError } from './args.ts';

/** The dataset folder itself cannot be read: nothing to scan. The message says what to do. */
export class DatasetFolderError extends CliError {
  override name = 'DatasetFolderError';
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const SLASH = Buffer.from('/');

/** Length of the valid UTF-8 sequence starting at `i` (RFC 3629 table), or 0 when it is not one. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0; // overlong
    if (c === 0xed) hi = 0x9f; // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90; // overlong
    if (c === 0xf4) hi = 0x8f; // above U+10FFFF
  } else return 0;
  if (i + n > b.length || b[i + 1] < lo || b[i + 1] > hi) return 0;
  for (let k = 2; k < n; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return 0;
  return n;
}

const hex = (byte: number) => `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A file name's bytes as the text the data layer and the user see. Valid UTF-8 without control
 * characters is shown as it is; otherwise each invalid byte, control character and backslash is
 * written \xHH, so an escaped name maps back to exactly one byte string (a clash with a UTF-8 name
 * that literally contains "\xE9" is caught by the walk).
 */
export function displayName(bytes: Uint8Array): { name: string; escaped: boolean } {
  try {
    const name = STRICT_UTF8.decode(bytes);
    if (!CONTROL.test(name)) return { name, escaped: false };
  } catch {
    /* escaped below */
  }
  let name = '';
  for (let i = 0; i < bytes.length; ) {
    const n = utf8SequenceLength(bytes, i);
    if (n === 0) {
      name += hex(bytes[i]);
      i++;
      continue;
    }
    const ch = STRICT_UTF8.decode(bytes.subarray(i, i + n));
    name += ch === '\\' || CONTROL.test(ch) ? hex(bytes[i]) : ch;
    i += n;
  }
  return { name, escaped: true };
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** A file system error as a reason a user can act on (no errno soup, no absolute paths). */
export function describeFsError(err: unknown, what: 'file' | 'folder' | 'link'): string {
  switch (codeOf(err)) {
    case 'ENOENT':
      return what === 'link'
        ? 'symbolic link to a missing target; ignored. Fix or remove the link'
        : `${what} disappeared while the dataset was being read (moved or deleted meanwhile); scan again once it is in place`;
    case 'EACCES':
    case 'EPERM':
      return `${what} not readable (permission denied); ignored. Make it readable (chmod +r${what === 'folder' ? 'x' : ''}) or copy it somewhere you can read`;
    case 'ELOOP':
      return 'symbolic link loop (the link points back to itself); ignored. Fix or remove the link';
    case 'ENAMETOOLONG':
      return 'path too long for the file system; ignored. Move it to a shorter path';
    case 'EIO':
      return `${what} could not be read (input/output error: a failing disk or network share?); ignored. Copy it again from the source`;
    default:
      return `${what} could not be read (${(err as Error)?.message ?? String(err)}); ignored`;
  }
}

function unusableEntry(path: string, reason: string): DatasetEntry {
  return {
    path,
    size: 0,
    unusable: reason,
    read: () => Promise.reject(new Error(reason)),
  };
}

/**
 * The dataset folder's real path, as bytes; throws DatasetFolderError saying what to do when it
 * does not exist, is a file or cannot be listed. Commands call it first, before any slow start-up.
 */
export async function checkDatasetFolder(dir: string): Promise<Buffer> {
  let root: Buffer;
  try {
    root = await realpath(dir, { encoding: 'buffer' });
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOENT') throw new DatasetFolderError(`dataset folder ${dir} does not exist; check the path (a folder holding images/ and gaze/, or an EGD-CXR, REFLACX or MicEye download)`);
    if (code === 'ENOTDIR') throw new DatasetFolderError(`${dir} is not a folder (part of its path is a file); pass the dataset folder`);
    if (code === 'EACCES' || code === 'EPERM') throw new DatasetFolderError(`cannot open ${dir}: permission denied; make it readable or copy the dataset somewhere you can read`);
    throw new DatasetFolderError(`cannot open ${dir} (${(err as Error).message}); pass an existing dataset folder`);
  }
  const info = await stat(root).catch((err) => {
    throw new DatasetFolderError(`cannot open ${dir} (${describeFsError(err, 'folder')})`);
  });
  if (!info.isDirectory()) throw new DatasetFolderError(`${dir} is a file, not a folder; pass the dataset folder`);
  try {
    await access(root, constants.R_OK | constants.X_OK);
  } catch {
    throw new DatasetFolderError(`cannot list ${dir}: permission denied; make it readable (chmod +rx) or copy the dataset somewhere you can read`);
  }
  return root;
}

export async function entriesFromDirectory(dir: string): Promise<DatasetEntry[]> {
  const root = await checkDatasetFolder(dir);
  const entries: DatasetEntry[] = [];
  const seenDirs = new Set<string>();
  const shownAs = new Set<string>();

  async function walk(abs: Buffer, rel: string): Promise<void> {
    let real: Buffer;
    let children;
    try {
      real = await realpath(abs, { encoding: 'buffer' });
      children = await readdir(abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      if (rel === '') throw new DatasetFolderError(`cannot list ${dir} (${describeFsError(err, 'folder')})`);
      entries.push(unusableEntry(`${rel}/`, `${describeFsError(err, 'folder')}; the files inside it are not used`));
      return;
    }
    const key = real.toString('latin1'); // a byte-exact key
    if (seenDirs.has(key)) return;
    seenDirs.add(key);
    children.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const child of children) {
      const path = Buffer.concat([abs, SLASH, child.name]);
      const shown = displayName(child.name);
      const relPath = rel ? `${rel}/${shown.name}` : shown.name;
      let isDir = child.isDirectory();
      let isFile = child.isFile();
      let size = 0;
      try {
        // stat follows symbolic links: a link is used as what it points to.
        const target = await stat(path);
        isDir = target.isDirectory();
        isFile = target.isFile();
        size = target.size;
      } catch (err) {
        entries.push(unusableEntry(relPath, describeFsError(err, child.isSymbolicLink() ? 'link' : isDir ? 'folder' : 'file')));
        continue;
      }
      if (isDir) {
        await walk(path, relPath);
        continue;
      }
      if (!isFile) {
        // Reading a named pipe blocks until someone writes to it; devices can be endless.
        entries.push(unusableEntry(relPath, 'not a regular file (a named pipe, socket or device); ignored'));
        continue;
      }
      if (shownAs.has(relPath)) {
        entries.push(unusableEntry(relPath, 'another file here is shown under the same name (one of the names is not valid UTF-8); ignored. Rename the files to UTF-8 names'));
        continue;
      }
      try {
        await access(path, constants.R_OK);
      } catch (err) {
        entries.push(unusableEntry(relPath, describeFsError(err, 'file')));
        continue;
      }
      shownAs.add(relPath);
      const entry = fileEntry(path, relPath, size);
      if (shown.escaped) {
        entry.notice = 'file name is not valid UTF-8 (or holds control characters); used under the name shown, with the odd bytes written as \\xHH. Rename it to a UTF-8 name so CSV files can refer to it';
      }
      entries.push(entry);
    }
  }
  await walk(root, '');
  return entries;
}

export function fileEntry(absPath: string | Buffer, relPath: string, size: number): DatasetEntry {
  return {
    path: relPath,
    size,
    async read() {
      let buf: Buffer;
      try {
        buf = await readFile(absPath);
      } catch (err) {
        throw new Error(describeFsError(err, 'file'));
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    async slice(start: number, end: number) {
      const from = Math.max(0, Math.min(start, size));
      const length = Math.max(0, Math.min(end, size) - from);
      const out = new Uint8Array(length);
      let handle;
      try {
        handle = await open(absPath, 'r');
      } catch (err) {
        throw new Error(describeFsError(err, 'file'));
      }
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(out, done, length - done, from + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return out.subarray(0, done);
      } catch (err) {
        throw new Error(describeFsError(err, 'file'));
      } finally {
        await handle.close();
      }
    },
  };
}
