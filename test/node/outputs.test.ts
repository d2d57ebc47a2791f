// Issue 14, "data lost": every command checks its outputs before any work (a folder, its own input, a
// kernel interface), and files are written whole or not at all, even on a full disk. Each case is a
// reproduction that lost data before: the commands must now refuse in well under a second, before a GPU
// is opened or a step is trained.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import { OutputError, checkOutput, writeFileAtomic } from '../../src/node/atomic.ts';

const dir = mkdtempSync(join(tmpdir(), 't2lab-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err), out: () => text(log) };
}

describe('outputs are checked before any work', () => {
  afterEach(() => vi.restoreAllMocks());
  const tiny = ['--n_layer=1', '--n_embd=16', '--n_head=2', '--tokens=100000'];

  it('train --out DIR (a folder) is refused at once, naming a file to use instead', async () => {
    const c = capture();
    expect(await main(['train', '--out', dir, ...tiny])).toBe(2);
    expect(c.out()).toBe(''); // refused before a device opened (no adapter line) or a step ran
    expect(c.err()).toMatch(/--out .* is a folder; give a file name, e\.g\. .*model\.safetensors/);
  });

  it('train --out X --log X is refused: the log would overwrite the checkpoint', async () => {
    const c = capture();
    const f = join(dir, 'same.safetensors');
    expect(await main(['train', '--out', f, '--log', f, ...tiny])).toBe(2);
    expect(c.err()).toMatch(/--log .* is also the --out input/);
    expect(existsSync(f)).toBe(false); // nothing created
  });

  it('an output under /proc is refused instead of hanging', async () => {
    const c = capture();
    expect(await main(['train', '--out', '/proc/t2lab/model.safetensors', ...tiny])).toBe(2);
    expect(c.err()).toMatch(/under \/proc, a kernel interface/);
  });

  it('fit --out and report --out cannot overwrite their own input, which is left intact', async () => {
    const c = capture();
    const f = join(dir, 'results.jsonl');
    writeFileSync(f, '{"not":"a record"}\n');
    expect(await main(['fit', f, '--out', f])).toBe(2);
    expect(await main(['report', f, '--out', f])).toBe(2);
    expect(c.err()).toMatch(/fit: --out .* is also the FILE input/);
    expect(c.err()).toMatch(/report: --out .* is also the FILE input/);
    expect(readFileSync(f, 'utf8')).toBe('{"not":"a record"}\n');
  });

  it('sample --out cannot overwrite the checkpoint; a folder as checkpoint is named as such', async () => {
    const c = capture();
    const ck = join(dir, 'model.safetensors');
    writeFileSync(ck, 'placeholder');
    expect(await main(['sample', '--checkpoint', ck, '--json', '--out', ck])).toBe(2);
    expect(c.err()).toMatch(/--out .* is also the --checkpoint input/);
    expect(readFileSync(ck, 'utf8')).toBe('placeholder');
    expect(await main(['sample', '--checkpoint', dir])).toBe(2);
    expect(c.err()).toMatch(/checkpoint ".*" is a folder; give a \.safetensors file/);
  });

  it('sweep --out FILE (not a folder) and merge --out under /proc are refused', async () => {
    const c = capture();
    const f = join(dir, 'a-file');
    writeFileSync(f, 'x');
    expect(await main(['sweep', 'experiments/smoke.ts', '--out', f])).toBe(2);
    expect(c.err()).toMatch(/--out .* is a file, not a folder/);
    const shards = join(dir, 'shards');
    mkdirSync(shards, { recursive: true });
    writeFileSync(join(shards, 'results.shard-0-of-1.jsonl'), '');
    expect(await main(['merge', shards, '--out', '/proc/self/merged.jsonl'])).toBe(2);
    expect(c.err()).toMatch(/under \/proc/);
  });

  it('checkOutput: a path whose parent is a file cannot be made', () => {
    const f = join(dir, 'plain');
    writeFileSync(f, 'x');
    expect(() => checkOutput(join(f, 'sub', 'model.safetensors'), { option: '--out' })).toThrow(
      OutputError,
    );
    expect(() =>
      checkOutput(join(dir, 'new', 'deeper', 'model.safetensors'), { option: '--out' }),
    ).not.toThrow();
    expect(existsSync(join(dir, 'new'))).toBe(false); // checking creates nothing
  });
});

describe('writeFileAtomic', () => {
  it('replaces the whole file and leaves no temporary file', () => {
    const f = join(dir, 'atomic.bin');
    writeFileAtomic(f, 'old contents');
    writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir).filter((x) => x.includes('.tmp'))).toEqual([]);
  });

  // A real full disk: a 64 KiB tmpfs (needs root and mount; skipped loudly otherwise).
  // Mounted in a hook, not while collecting: a filtered run (-t) skips the hooks of a suite it does not
  // run, and a mount made at collection would then be left behind.
  const full = join(dir, 'full');
  let mounted = false;
  beforeAll(() => {
    try {
      mkdirSync(full);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full], { stdio: 'ignore' });
      mounted = true;
    } catch {
      console.warn(
        '*** writeFileAtomic full-disk test SKIPPED: cannot mount a small tmpfs here (needs root)',
      );
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [full]);
  });
  it('on a full disk the previous file stays whole and the error says so', ({ skip }) => {
    if (!mounted) skip();
    const f = join(full, 'model.safetensors');
    writeFileAtomic(f, 'x'.repeat(16 * 1024));
    expect(() => writeFileAtomic(f, new Uint8Array(200 * 1024))).toThrow(
      /could not write .*model\.safetensors: the disk is full; the previous file is unchanged/,
    );
    expect(readFileSync(f, 'utf8')).toBe('x'.repeat(16 * 1024));
    expect(readdirSync(full)).toEqual(['model.safetensors']);
    expect(() => writeFileAtomic(join(full, 'new.bin'), new Uint8Array(200 * 1024))).toThrow(
      /nothing was written/,
    );
    expect(existsSync(join(full, 'new.bin'))).toBe(false);
  });
});
