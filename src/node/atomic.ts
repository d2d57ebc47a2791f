// Files that are either whole or absent. Every command checks its outputs before it starts work (so a
// long training run cannot end in EISDIR or EACCES with the model gone) and writes each file through a
// temporary file that is fsynced and renamed over the target: a crash, a full disk or a kill at any
// moment leaves the old file or none, never a truncated one.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  accessSync,
  constants,
  realpathSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** An output that cannot be written; the message names the option and says what to change. */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** Pseudo file systems where a "file" is a kernel interface: writing there hangs or does something else. */
const PSEUDO_FS = ['/proc', '/sys', '/dev'];

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for files not yet made). */
function realish(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  while (!existsSync(head)) {
    tail.unshift(basename(head));
    const up = dirname(head);
    if (up === head) break;
    head = up;
  }
  try {
    head = realpathSync(head);
  } catch {
    // unreadable ancestor: the access check below reports it
  }
  return join(head, ...tail);
}

export interface OutputCheck {
  /** How the user named it, for messages: "--out", "--log". */
  option: string;
  /** Paths this command reads: an output may not be one of them (it would overwrite its own input). */
  inputs?: { option: string; path: string }[];
  /** The output is a directory (e.g. a sweep's --out), not a file. */
  directory?: boolean;
}

/**
 * Throw an OutputError unless `path` can be written: not a directory (for a file) or a file (for a
 * directory), not one of the command's inputs, not under /proc, /sys or /dev, in a folder this process
 * can create files in (the nearest existing ancestor is checked when the folder does not exist yet).
 * Nothing is created: a refused command leaves no trace.
 */
export function checkOutput(path: string, check: OutputCheck): void {
  const { option } = check;
  const real = realish(path);
  if (PSEUDO_FS.some((d) => real === d || real.startsWith(`${d}/`))) {
    throw new OutputError(
      `${option} ${path} is under ${real.split('/').slice(0, 2).join('/')}, a kernel interface, not a place for files; choose a path in a normal folder`,
    );
  }
  for (const input of check.inputs ?? []) {
    if (realish(input.path) === real) {
      throw new OutputError(
        `${option} ${path} is also the ${input.option} input: writing it would overwrite what this command reads; choose another ${option}`,
      );
    }
  }
  if (existsSync(path)) {
    const st = statSync(path);
    if (check.directory) {
      if (!st.isDirectory())
        throw new OutputError(
          `${option} ${path} is a file, not a folder; choose a folder (it is created if missing)`,
        );
      writable(path, option, path);
      return;
    }
    if (st.isDirectory())
      throw new OutputError(
        `${option} ${path} is a folder; give a file name, e.g. ${join(path, 'model.safetensors')}`,
      );
    writable(dirname(path), option, path);
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new OutputError(
        `${option} ${path} exists and is read-only; make it writable or choose another ${option}`,
      );
    }
    return;
  }
  // The nearest existing ancestor must be a folder we can create entries in.
  let up = dirname(resolve(path));
  while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
  if (!statSync(up).isDirectory())
    throw new OutputError(
      `${option} ${path}: ${up} is a file, so no folder can be made there; choose another ${option}`,
    );
  writable(up, option, path);
}

function writable(dir: string, option: string, path: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new OutputError(
      `${option} ${path}: cannot create files in ${dir} (permission denied); choose a folder you can write to`,
    );
  }
}

/**
 * Write `data` to `path` so that the file is either the old one or the whole new one: a temporary file in
 * the same folder (same file system, so the rename is atomic), fsynced, then renamed over `path`; the
 * folder is fsynced too so the rename itself survives a power cut. The temporary file is removed on any
 * failure (a full disk, say), and the error is rethrown with the path in it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'the disk is full' : err.message;
    throw new Error(
      `could not write ${path}: ${why}; ${existsSync(path) ? 'the previous file is unchanged' : 'nothing was written'}`,
      { cause: e },
    );
  }
  syncDir(dirname(path));
}

/** Append one text block to `path` and fsync it: a finished run's record survives a crash right after. */
export function appendDurable(path: string, text: string): void {
  const fd = openSync(path, 'a');
  try {
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
  } catch (e) {
    // A partly written line is left for readers to skip (they report it); every earlier line is intact.
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `could not append to ${path}: ${err.code === 'ENOSPC' ? 'the disk is full' : err.message}; every earlier line is intact, and a rerun redoes what was not recorded`,
      { cause: e },
    );
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic there
  }
}
