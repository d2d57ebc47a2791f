// Files that are either whole or absent. Every command checks its outputs before it starts work (so a
// long training run cannot end in EISDIR or EACCES with the model gone) and writes each file through a
// temporary file that is fsynced and renamed over the target: a crash, a full disk or a kill at any
// moment leaves the old file or none, never a truncated one.
//
// The rules for paths, the same for every command (docs/guide/reliability.md):
// - only regular files are read or replaced: a FIFO, a device or a socket is refused before any work,
//   as input (it could block or never end) and as output (a rename would destroy it);
// - symbolic links are followed, for inputs, outputs and inside a sweep folder alike: a link is read
//   and written through, its target replaced and the link kept; a link to nothing is refused;
// - nothing is written under /proc, /sys or /dev, and an empty path is refused.
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
  lstatSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** An output that cannot be written; the message names the option and says what to change. */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** A failed system call in words: "the disk is full", not "ENOSPC: no space left on device, write". */
export function fsWhy(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'the file system is read-only',
    EISDIR: 'it is a folder, not a file',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENOENT: 'no such file or folder',
    EIO: 'an input/output error (a failing disk?)',
  };
  return (err?.code && words[err.code]) || err?.message || String(e);
}

/** An input that cannot be read; the message names it and says what to give instead. */
export class InputError extends Error {
  override name = 'InputError';
}

/** What a path that is neither a regular file nor a folder is, in words ("a FIFO (named pipe)"). */
export function kindOf(st: Stats): string | null {
  if (st.isFile() || st.isDirectory()) return null;
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** stat through links; a link to nothing is an error naming its target. Null when nothing is there. */
function statFollowing(path: string, fail: (m: string) => Error): Stats | null {
  let l: Stats;
  try {
    l = lstatSync(path);
  } catch (e) {
    // ENOTDIR: a part of the path is a file, so nothing is there (checkOutput says which part).
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return null;
    throw fail(
      `cannot be inspected (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (!l.isSymbolicLink()) return l;
  try {
    return statSync(path);
  } catch {
    throw fail(
      `is a symbolic link to ${readlinkSync(path)}, which does not exist (links are followed); remove the link or create its target`,
    );
  }
}

/** The largest file Node reads in one piece (2 GiB): past it readFileSync throws a raw RangeError. */
const MAX_READ = 2 ** 31 - 1;

/**
 * Throw an InputError unless `path` is a regular file that can be read (links followed): not empty,
 * present, not a folder, not a FIFO, device or socket (reading those blocks or never ends), under 2 GiB.
 * `what` names it in the message ("checkpoint", "results file").
 */
export function checkInput(path: string, what: string, hint = ''): void {
  const fail = (m: string) => new InputError(`${what} "${path}" ${m}`);
  if (path === '') throw new InputError(`${what} is an empty path; give a file${hint}`);
  const st = statFollowing(path, fail);
  if (!st) throw fail(`not found${hint}`);
  if (st.isDirectory()) throw fail(`is a folder; give a file${hint}`);
  const kind = kindOf(st);
  if (kind)
    throw fail(
      `is ${kind}, not a regular file: t2lab reads only regular files (a pipe or device may block or never end); copy it to a file first`,
    );
  if (st.size > MAX_READ)
    throw fail(
      `is ${(st.size / 2 ** 30).toFixed(1)} GiB, more than the 2 GiB read at once; split it`,
    );
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw fail('cannot be read (permission denied)');
  }
}

/** `checkInput`, then the file's bytes. */
export function readInput(path: string, what: string, hint = ''): Buffer {
  checkInput(path, what, hint);
  return readFileSync(path);
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
  /** A file name to suggest when a folder is given for a file ("samples.json"). */
  example?: string;
}

/**
 * Throw an OutputError unless `path` can be written: not a directory (for a file) or a file (for a
 * directory), not one of the command's inputs, not under /proc, /sys or /dev, in a folder this process
 * can create files in (the nearest existing ancestor is checked when the folder does not exist yet).
 * Nothing is created: a refused command leaves no trace.
 */
export function checkOutput(path: string, check: OutputCheck): void {
  const { option } = check;
  if (path === '')
    throw new OutputError(
      `${option} is an empty path; give a ${check.directory ? 'folder' : 'file name'} (or leave ${option} out for the default)`,
    );
  const real = realish(path);
  if (PSEUDO_FS.some((d) => real === d || real.startsWith(`${d}/`))) {
    throw new OutputError(
      `${option} ${path} is under ${real.split('/').slice(0, 2).join('/')}, a kernel interface, not a place for files${real === '/dev/null' ? ' (t2lab never writes to /dev; to discard the output, write it to a temporary folder)' : ''}; choose a path in a normal folder`,
    );
  }
  for (const input of check.inputs ?? []) {
    if (realish(input.path) === real) {
      throw new OutputError(
        `${option} ${path} is also the ${input.option} input: writing it would overwrite what this command reads; choose another ${option}`,
      );
    }
  }
  const st = statFollowing(path, (m) => new OutputError(`${option} ${path} ${m}`));
  if (st) {
    const kind = kindOf(st);
    if (kind)
      throw new OutputError(
        check.directory
          ? `${option} ${path} is ${kind}, not a folder; choose a folder (it is created if missing)`
          : `${option} ${path} is ${kind}, not a regular file: t2lab replaces only regular files (writing would destroy it); choose a path in a normal folder`,
      );
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
        `${option} ${path} is a folder; give a file name, e.g. ${join(path, check.example ?? 'model.safetensors')}`,
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
export function writeFileAtomic(given: string, data: string | Uint8Array): void {
  // A link is written through: its target is replaced, the link kept. Anything but a regular file is
  // refused here too, whatever the caller checked: renaming over a device or a FIFO would destroy it.
  const st = statFollowing(given, (m) => new OutputError(`cannot write ${given}: it ${m}`));
  const kind = st && (st.isDirectory() ? 'a folder' : kindOf(st));
  if (kind)
    throw new OutputError(
      `cannot write ${given}: it is ${kind}, not a regular file, and is left as it is`,
    );
  const path = st ? realpathSync(given) : given;
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
    const why = fsWhy(e);
    throw new Error(
      `could not write ${path}: ${why}; ${existsSync(path) ? 'the previous file is unchanged' : 'nothing was written'}`,
      { cause: e },
    );
  }
  syncDir(dirname(path));
}

/**
 * A file written line by line beside its old version, as PATH.partial, and renamed over PATH only by
 * `commit`: a writer interrupted at any moment (Ctrl-C, SIGTERM, kill -9, a full disk) leaves the
 * previous PATH whole, and what it wrote so far in PATH.partial. Links are followed, as everywhere.
 */
export class PartialFile {
  readonly partial: string;
  private fd: number | null;

  constructor(readonly path: string) {
    const st = statFollowing(path, (m) => new OutputError(`cannot write ${path}: it ${m}`));
    const target = st ? realpathSync(path) : path;
    this.partial = `${target}.partial`;
    const pst = statFollowing(this.partial, (m) => new OutputError(`${this.partial} ${m}`));
    const kind = pst && (pst.isDirectory() ? 'a folder' : kindOf(pst));
    if (kind)
      throw new OutputError(
        `cannot write ${this.partial}: it is ${kind}, not a regular file; move it away`,
      );
    mkdirSync(dirname(this.partial), { recursive: true });
    try {
      this.fd = openSync(this.partial, 'w');
    } catch (e) {
      throw new Error(`could not write ${this.partial}: ${fsWhy(e)}; ${path} is unchanged`, {
        cause: e,
      });
    }
  }

  append(text: string): void {
    if (this.fd === null) throw new Error(`${this.partial} is already closed`);
    try {
      const bytes = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    } catch (e) {
      this.close();
      throw new Error(
        `could not write ${this.partial}: ${fsWhy(e)}; the previous ${this.path} is unchanged`,
        { cause: e },
      );
    }
  }

  /** fsync, then rename over PATH (the link's target when PATH is a link). */
  commit(): void {
    if (this.fd === null) throw new Error(`${this.partial} is already closed`);
    try {
      fsyncSync(this.fd);
    } finally {
      this.close();
    }
    renameSync(this.partial, this.partial.slice(0, -'.partial'.length));
    syncDir(dirname(this.partial));
  }

  /** Close without renaming: PATH stays as it was, PATH.partial holds what was written. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Several files of one folder that belong together (a Hugging Face model: config, weights, tokenizer),
 * written all or none: each to a temporary file first, and only when every one is whole and fsynced are
 * they renamed into place. A full disk midway removes the temporary files and leaves the folder as it
 * was, never new weights beside an old config.
 */
export function writeFilesAtomic(
  dir: string,
  files: [name: string, data: string | Uint8Array][],
): void {
  for (const [name] of files) {
    const st = statFollowing(
      join(dir, name),
      (m) => new OutputError(`cannot write ${join(dir, name)}: it ${m}`),
    );
    const kind = st && (st.isDirectory() ? 'a folder' : kindOf(st));
    if (kind)
      throw new OutputError(
        `cannot write ${join(dir, name)}: it is ${kind}, not a regular file, and is left as it is`,
      );
  }
  const made = mkdirSync(dir, { recursive: true }); // the first folder made, if any
  const tmps: [tmp: string, path: string][] = [];
  try {
    for (const [name, data] of files) {
      const path = existsSync(join(dir, name)) ? realpathSync(join(dir, name)) : join(dir, name);
      const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      tmps.push([tmp, path]);
      const fd = openSync(tmp, 'w');
      try {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        let off = 0;
        while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    for (const [tmp] of tmps) rmSync(tmp, { force: true });
    // Folders made by this call hold nothing now (only the temporary files were in them).
    if (made) rmSync(made, { recursive: true, force: true });
    throw new Error(`could not write ${dir}: ${fsWhy(e)}; no file of ${dir} was changed`, {
      cause: e,
    });
  }
  for (const [tmp, path] of tmps) renameSync(tmp, path);
  syncDir(dir);
}

/** Append one text block to `path` and fsync it: a finished run's record survives a crash right after. */
export function appendDurable(path: string, text: string): void {
  const st = statFollowing(path, (m) => new OutputError(`cannot append to ${path}: it ${m}`));
  const kind = st && (st.isDirectory() ? 'a folder' : kindOf(st));
  if (kind)
    throw new OutputError(
      `cannot append to ${path}: it is ${kind}, not a regular file, and is left as it is`,
    );
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (e) {
    throw new Error(`could not append to ${path}: ${fsWhy(e)}; every earlier line is intact`, {
      cause: e,
    });
  }
  try {
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
  } catch (e) {
    // A partly written line is left for readers to skip (they report it); every earlier line is intact.
    throw new Error(
      `could not append to ${path}: ${fsWhy(e)}; every earlier line is intact, and a rerun redoes what was not recorded`,
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
