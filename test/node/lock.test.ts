// Issue 14: one writer per results file. Before, two sweeps into one --out trained every run twice and
// wrote 8 records from 4 runs. The lock holds a pid and a host; a crashed holder's lock is taken over.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockedError, STALE_MS, acquireLock } from '../../src/node/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 't2lab-lock-'));

describe('acquireLock', () => {
  it('a second writer is refused with the holder named; release frees it', () => {
    const target = join(dir, 'a.jsonl');
    const lock = acquireLock(target, 't2lab sweep a');
    expect(JSON.parse(readFileSync(`${target}.lock`, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 't2lab sweep a',
    });
    let err: unknown;
    try {
      acquireLock(target, 't2lab sweep b');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `a\\.jsonl is being written by pid ${process.pid} on ${hostname()} \\(t2lab sweep a, since .*\\): one writer per results file`,
      ),
    );
    lock.release();
    expect(existsSync(`${target}.lock`)).toBe(false);
    acquireLock(target, 't2lab sweep b').release();
  });

  it('a lock left by a process that died is taken over, with a notice', () => {
    const target = join(dir, 'b.jsonl');
    // A pid that certainly ran and exited on this host.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      `${target}.lock`,
      JSON.stringify({
        pid: dead,
        host: hostname(),
        command: 't2lab sweep old',
        started: '2026-01-01T00:00:00Z',
      }),
    );
    const notices: string[] = [];
    const lock = acquireLock(target, 't2lab sweep new', (m) => notices.push(m));
    expect(notices.join('\n')).toMatch(
      new RegExp(
        `taking over the stale lock .*b\\.jsonl\\.lock \\(pid ${dead} on .*t2lab sweep old; that process is gone\\)`,
      ),
    );
    expect(JSON.parse(readFileSync(`${target}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it("another host's lock is respected while its heartbeat is fresh and taken over once it is stale", () => {
    const target = join(dir, 'c.jsonl');
    writeFileSync(
      `${target}.lock`,
      JSON.stringify({
        pid: 1,
        host: 'some-other-node',
        command: 't2lab sweep x',
        started: '2026-01-01T00:00:00Z',
      }),
    );
    expect(() => acquireLock(target, 'me')).toThrow(/being written by pid 1 on some-other-node/);
    const old = new Date(Date.now() - STALE_MS - 60_000);
    utimesSync(`${target}.lock`, old, old);
    const notices: string[] = [];
    acquireLock(target, 'me', (m) => notices.push(m)).release();
    expect(notices.join('')).toMatch(/no heartbeat for 11 min/);
  });
});
