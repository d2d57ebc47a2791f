// One writer per results file: a sweep (or a merge) holds FILE.lock while it writes FILE, so two sweeps
// started into one folder cannot train every run twice and append duplicate records. The lock is a small
// JSON file made with O_EXCL (atomic on local and NFS v3+ file systems) holding the pid, the host and a
// heartbeat; a crashed holder cannot leave it stuck:
// - on the same host, a lock whose pid is no longer running is stale;
// - on any host, a lock whose heartbeat is older than STALE_MS is stale (the holder refreshes it);
// a stale lock is taken over with a notice. Shards of one sweep lock their own results files, so they
// share a folder freely.
import { hostname } from 'node:os';
import {
  closeSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { OutputError, fsWhy, kindOf } from './atomic.ts';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

/** A holder refreshes its lock at least this often... */
export const HEARTBEAT_MS = 30_000;
/** ...so one not refreshed for this long belongs to a process that is gone (a crash, a preempted node). */
export const STALE_MS = 10 * 60_000;

export class LockedError extends Error {
  override name = 'LockedError';
  constructor(
    message: string,
    readonly holder: LockInfo | null,
  ) {
    super(message);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, but not ours
  }
}

function readLock(path: string): { info: LockInfo | null; ageMs: number } | null {
  let ageMs: number;
  try {
    const st = statSync(path);
    // Reading a FIFO blocks forever: anything but a regular file is not a lock t2lab wrote.
    const kind = st.isDirectory() ? 'a folder' : kindOf(st);
    if (kind)
      throw new OutputError(
        `${path} is ${kind}, not a lock file t2lab wrote; remove it (nothing else holds this folder)`,
      );
    ageMs = Date.now() - st.mtimeMs;
  } catch (e) {
    if (e instanceof OutputError) throw e;
    return null; // gone meanwhile
  }
  try {
    return { info: JSON.parse(readFileSync(path, 'utf8')) as LockInfo, ageMs };
  } catch {
    return { info: null, ageMs }; // being written right now, or torn by a crash
  }
}

export interface Lock {
  path: string;
  /** Refresh the heartbeat (cheap: touches the file). */
  beat(): void;
  release(): void;
}

/**
 * Take `target`.lock or throw LockedError naming the holder (pid, host, command, since when) and what
 * to do. `notice` hears about a stale lock taken over.
 */
export function acquireLock(
  target: string,
  command: string,
  notice: (m: string) => void = console.warn,
): Lock {
  const path = `${target}.lock`;
  const me: LockInfo = {
    pid: process.pid,
    host: hostname(),
    command,
    started: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`could not take the lock ${path}: ${fsWhy(e)}; nothing was written`, {
          cause: e,
        });
      const held = readLock(path);
      if (!held) continue; // released between our open and our read: try again
      const { info, ageMs } = held;
      const sameHost = info?.host === me.host;
      const stale =
        ageMs > STALE_MS ||
        (info !== null && sameHost && !alive(info.pid)) ||
        (info === null && ageMs > 5_000);
      if (!stale) {
        const who = info
          ? `pid ${info.pid} on ${info.host} (${info.command}, since ${info.started})`
          : 'another process';
        throw new LockedError(
          `${target} is being written by ${who}: one writer per results file. Wait for it to finish, or stop it; if that process is gone, delete ${path}`,
          info,
        );
      }
      const who = info ? `pid ${info.pid} on ${info.host}, ${info.command}` : 'an unreadable lock';
      notice(
        `taking over the stale lock ${path} (${who}; ${sameHost && info ? 'that process is gone' : `no heartbeat for ${Math.round(ageMs / 60_000)} min`})`,
      );
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } catch (e) {
      rmSync(path, { force: true });
      throw new Error(`could not take the lock ${path}: ${fsWhy(e)}; nothing was written`, {
        cause: e,
      });
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      beat: () => {
        if (released) return;
        const now = new Date();
        try {
          utimesSync(path, now, now);
        } catch {
          // deleted under us: nothing to refresh
        }
      },
      release: () => {
        if (released) return;
        released = true;
        const held = readLock(path);
        if (held?.info?.pid === me.pid && held.info.host === me.host) rmSync(path, { force: true });
      },
    };
  }
  throw new LockedError(`could not take the lock ${path}: it keeps changing hands`, null);
}
