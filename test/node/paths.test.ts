// Issue 25, classes 1, 4, 6 and 7: only regular files are read or replaced (a device node, a FIFO or a
// socket is refused before any work, as input and as output), symbolic links are followed everywhere,
// names cannot escape their folder, and the errors say what was wrong in words. Each case failed before:
// an output device node became a regular file, a FIFO input blocked forever, `..` wrote into the working
// directory, a renamed experiment retrained every run beside the old ones.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import {
  InputError,
  OutputError,
  PartialFile,
  checkInput,
  checkOutput,
  writeFileAtomic,
  writeFilesAtomic,
} from '../../src/node/atomic.ts';
import { validateExperiment } from '../../src/sweep/experiment.ts';
import { syntheticRecords } from '../report/fixture.ts';

// Refusals come before any work: one that hung (reading /dev/zero, a FIFO, a huge model) fails by this
// timeout, not by a wall-clock bound that a busy machine could break.
vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 't2lab-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err), out: () => text(log) };
}

/** A FIFO (anyone may make one); reading it without a writer blocks forever. */
function fifo(name: string): string {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

/** A private copy of /dev/null's device node (needs root: mknod), or null. */
function deviceNode(name: string): string | null {
  const p = join(dir, name);
  try {
    execFileSync('mknod', [p, 'c', '1', '3'], { stdio: 'ignore' });
    return p;
  } catch {
    console.warn(`*** ${name}: mknod needs root; the device-node cases use a FIFO only`);
    return null;
  }
}

const tiny = ['--n_layer=1', '--n_embd=16', '--n_head=2', '--tokens=4096'];
const records = syntheticRecords({ sizes: [1e3, 4e3], budgets: [1e10, 4e10], questions: 4 });
const jsonl = (rs: unknown[]) => rs.map((r) => JSON.stringify(r) + '\n').join('');

describe('outputs that are not regular files are never replaced', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a device node or a FIFO as --out is refused at once and left as it was', async () => {
    const c = capture();
    const node = deviceNode('null-copy');
    const pipe = fifo('out-pipe');
    for (const target of [node, pipe].filter((x): x is string => x !== null)) {
      expect(await main(['train', '--out', target, ...tiny])).toBe(2);
      const results = join(dir, 'r.jsonl');
      writeFileSync(results, jsonl(records));
      expect(await main(['fit', results, '--out', target])).toBe(2);
      expect(await main(['merge', results, '--out', target])).toBe(2);
    }
    expect(c.err()).toMatch(/--out .*out-pipe is a FIFO \(named pipe\), not a regular file/);
    if (node) {
      expect(c.err()).toMatch(/--out .*null-copy is a character device, not a regular file/);
      expect(lstatSync(node).isCharacterDevice()).toBe(true);
    }
    expect(lstatSync(pipe).isFIFO()).toBe(true);
  });

  it('writeFileAtomic and appendDurable refuse a non-regular target whatever the caller checked', () => {
    const pipe = fifo('atomic-pipe');
    expect(() => writeFileAtomic(pipe, 'x')).toThrow(/FIFO .*not a regular file, and is left/);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    expect(() => writeFilesAtomic(dir, [['atomic-pipe', 'x']])).toThrow(OutputError);
  });

  it('--out /dev/null says t2lab never writes to /dev and how to discard instead', async () => {
    const c = capture();
    expect(await main(['train', '--out', '/dev/null', ...tiny])).toBe(2);
    expect(c.err()).toMatch(/never writes to \/dev; to discard the output/);
  });

  it('symbolic links are followed: the target is replaced, the link kept; a dangling link is refused', () => {
    const target = join(dir, 'real.json');
    writeFileSync(target, 'old');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'nowhere', 'x.json'), dangling);
    expect(() => checkOutput(dangling, { option: '--out' })).toThrow(
      /is a symbolic link to .*nowhere.*, which does not exist \(links are followed\)/,
    );
    expect(() => checkInput(dangling, 'checkpoint')).toThrow(/which does not exist/);
  });

  it('an empty --out is refused before any work, for every command that takes one', async () => {
    const c = capture();
    expect(await main(['train', '--out', '', ...tiny])).toBe(2);
    expect(await main(['train', '--out=', ...tiny])).toBe(2);
    expect(await main(['train', '--log', '', ...tiny])).toBe(2);
    expect(await main(['train', ...tiny, '--out'])).toBe(2); // was a file named "true"
    expect(existsSync('true')).toBe(false);
    expect(await main(['sweep', 'experiments/smoke.ts', '--out', ''])).toBe(2);
    const results = join(dir, 'empty-out.jsonl');
    writeFileSync(results, jsonl(records));
    expect(await main(['fit', results, '--out', ''])).toBe(2);
    expect(await main(['report', results, '--out', ''])).toBe(2);
    expect(await main(['merge', results, '--out', ''])).toBe(2);
    expect(await main(['export', '--format', 'csv', results, '--out', ''])).toBe(2);
    expect(await main(['bench', '--out', ''])).toBe(2);
    expect(
      await main(['sample', '--checkpoint', 'test/fixtures/add2-L1-C32.safetensors', '--out', '']),
    ).toBe(2);
    expect(existsSync(join(dir, 'empty-out_pass_at_k.csv'))).toBe(false);
    expect(c.err()).toMatch(/--out is an empty path; give a file name/);
    expect(c.err()).toMatch(/--log is an empty path/);
    expect(c.err()).toMatch(/--out needs a value \(--out=VALUE\)/);
    expect(c.err()).toMatch(/sweep: --out is an empty path; give a folder/);
  });
});

describe('inputs that are not regular files are refused before reading', () => {
  afterEach(() => vi.restoreAllMocks());

  it('/dev/zero, /dev/urandom and a FIFO are refused at once by every reader', async () => {
    const c = capture();
    const pipe = fifo('in-pipe.jsonl');
    expect(await main(['sample', '--checkpoint', '/dev/zero'])).toBe(2);
    expect(await main(['sample', '--checkpoint', pipe])).toBe(2);
    expect(await main(['export', '--format', 'hf', '/dev/urandom', join(dir, 'hf')])).toBe(2);
    expect(await main(['fit', pipe])).toBe(1);
    expect(await main(['report', pipe])).toBe(1);
    expect(await main(['calibrate', pipe])).toBe(1);
    expect(await main(['merge', pipe])).toBe(2);
    expect(await main(['export', '--format', 'csv', pipe])).toBe(2);
    expect(await main(['sweep', fifo('exp-pipe.json'), '--dry_run'])).toBe(2);
    expect(c.err()).toMatch(/checkpoint "\/dev\/zero" is a character device, not a regular file/);
    expect(c.err()).toMatch(/results file ".*in-pipe\.jsonl" is a FIFO \(named pipe\)/);
    expect(c.err()).toMatch(/experiment file ".*exp-pipe\.json" is a FIFO/);
  });

  it('a Hugging Face folder whose config.json is a FIFO is refused, not read', async () => {
    const c = capture();
    const hf = join(dir, 'hf-in');
    mkdirSync(hf);
    execFileSync('mkfifo', [join(hf, 'config.json')]);
    expect(await main(['import', hf, join(dir, 'imported.safetensors')])).toBe(2);
    expect(c.err()).toMatch(/config\.json" is a FIFO/);
  });

  it('fit and calibrate name a missing file and a folder in words, not ENOENT or EISDIR', async () => {
    const c = capture();
    expect(await main(['fit', join(dir, 'missing.jsonl')])).toBe(1);
    expect(await main(['calibrate', join(dir, 'missing.jsonl')])).toBe(1);
    expect(await main(['calibrate', dir])).toBe(1);
    expect(await main(['fit', dir])).toBeGreaterThan(0);
    expect(c.err()).not.toMatch(/ENOENT|EISDIR/);
    expect(c.err()).toMatch(/fit: results file ".*missing\.jsonl" not found/);
    expect(c.err()).toMatch(/calibrate: results file ".*" is a folder; give a file/);
  });
});

describe('names and folders', () => {
  afterEach(() => vi.restoreAllMocks());
  const grid = {
    base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 4 },
    models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
    budgets: { tokens_per_param: [4] },
    seeds: [1],
    sampling: { questions: 2, n: 2, k: [1, 2], max_new: 4 },
  };

  it('an experiment named "." or ".." is refused: it names the folder out/NAME', () => {
    for (const name of ['.', '..', '...'])
      expect(() => validateExperiment({ ...grid, name }, 'x.json')).toThrow(
        /x\.json: "name" must be a word .*not only dots/,
      );
    expect(() => validateExperiment({ ...grid, name: 'v1.2' }, 'x.json')).not.toThrow();
  });

  it('sweeping a renamed experiment into its old folder is refused before any run', async () => {
    const c = capture();
    const folder = join(dir, 'old-sweep');
    mkdirSync(folder);
    writeFileSync(join(folder, 'results.jsonl'), jsonl(records)); // runs of experiment "fixture"
    const file = join(dir, 'renamed.json');
    writeFileSync(file, JSON.stringify({ ...grid, name: 'renamed' }));
    const before = readFileSync(join(folder, 'results.jsonl'), 'utf8');
    expect(await main(['sweep', file, '--out', folder, '--no_report'])).toBe(2);
    expect(c.err()).toMatch(
      /holds the runs of experiment "fixture", not "renamed": sweeping "renamed" there would train every run again/,
    );
    expect(readFileSync(join(folder, 'results.jsonl'), 'utf8')).toBe(before);
    expect(await main(['sweep', file, '--out', folder, '--dry_run'])).toBe(0);
    expect(await main(['sweep', file, '--out', join(folder, 'results.jsonl'), '--dry_run'])).toBe(
      2,
    );
    expect(c.err()).toMatch(/--out .*results\.jsonl is a file, not a folder/);
    expect(c.out()).toMatch(/`t2lab sweep` would refuse: .*holds the runs of experiment "fixture"/);
  });

  it('a sweep folder whose own names are the wrong kind, or whose lock is a FIFO, is refused at once', async () => {
    const c = capture();
    const file = join(dir, 'kinds.json');
    writeFileSync(file, JSON.stringify({ ...grid, name: 'kinds' }));
    const a = join(dir, 'kinds-a');
    mkdirSync(a);
    writeFileSync(join(a, 'models'), '');
    expect(await main(['sweep', file, '--out', a, '--no_report'])).toBe(2);
    expect(c.err()).toMatch(
      /kinds-a\/models is a file, but a sweep folder keeps its models\/ folder there/,
    );
    const b = join(dir, 'kinds-b');
    mkdirSync(b);
    execFileSync('mkfifo', [join(b, 'results.jsonl.lock')]);
    expect(await main(['sweep', file, '--out', b, '--no_report'])).toBe(2);
    const rs = join(dir, 'kinds.jsonl');
    writeFileSync(rs, jsonl(records));
    expect(await main(['merge', rs, '--out', join(b, 'results.jsonl')])).toBe(2);
    expect(c.err()).toMatch(/merge: .*results\.jsonl\.lock is a FIFO/);
    expect(c.err()).toMatch(
      /results\.jsonl\.lock is a FIFO \(named pipe\), not a lock file t2lab wrote/,
    );
  });

  it('a getter that throws in an experiment is reported with the file name', () => {
    const exp = {
      ...grid,
      name: 'g',
      get seeds(): number[] {
        throw new Error('boom');
      },
    };
    expect(() => validateExperiment(exp, 'experiments/g.ts')).toThrow(
      /^experiments\/g\.ts: cannot be read: boom$/,
    );
  });

  it('a misspelled config key gets a "did you mean", on the command line and in an experiment', async () => {
    const c = capture();
    expect(await main(['train', '--n_layr=2'])).toBe(2);
    expect(c.err()).toMatch(/unknown option --n_layr \(did you mean n_layer\?\)/);
    expect(() =>
      validateExperiment({ ...grid, name: 'b', base: { ...grid.base, lr_warmup: 1 } }, 'b.json'),
    ).toThrow(/unknown key base\.lr_warmup/);
    expect(() =>
      validateExperiment({ ...grid, name: 'b', base: { ...grid.base, n_layr: 1 } }, 'b.json'),
    ).toThrow(/unknown key base\.n_layr \(did you mean n_layer\?\)/);
  });
});

describe('a train log is replaced only by a finished run', () => {
  it('PartialFile writes beside the old file and replaces it only on commit', () => {
    const log = join(dir, 'train.jsonl');
    writeFileSync(log, '{"type":"result","old":true}\n');
    const a = new PartialFile(log);
    a.append('{"type":"step"}\n');
    a.close(); // interrupted: the old log is whole, the new one is beside it
    expect(readFileSync(log, 'utf8')).toBe('{"type":"result","old":true}\n');
    expect(readFileSync(`${log}.partial`, 'utf8')).toBe('{"type":"step"}\n');
    const b = new PartialFile(log);
    b.append('{"type":"result","new":true}\n');
    b.commit();
    expect(readFileSync(log, 'utf8')).toBe('{"type":"result","new":true}\n');
    expect(existsSync(`${log}.partial`)).toBe(false);
  });
});

describe('a full disk', () => {
  // A real full disk: a small tmpfs (needs root and mount; skipped loudly otherwise).
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
      console.warn('*** full-disk cases SKIPPED: cannot mount a small tmpfs here (needs root)');
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [full]);
  });
  afterEach(() => vi.restoreAllMocks());

  it('a Hugging Face export is all or nothing: the folder is left as it was', ({ skip }) => {
    if (!mounted) skip();
    const hf = join(full, 'model-hf');
    mkdirSync(hf);
    writeFileSync(join(hf, 'config.json'), '{"old":true}');
    expect(() =>
      writeFilesAtomic(hf, [
        ['model.safetensors', new Uint8Array(200 * 1024)],
        ['config.json', '{"new":true}'],
      ]),
    ).toThrow(/could not write .*model-hf: the disk is full; no file of .* was changed/);
    expect(readdirSync(hf)).toEqual(['config.json']);
    const fresh = join(full, 'new-hf', 'deeper');
    expect(() =>
      writeFilesAtomic(fresh, [['model.safetensors', new Uint8Array(200 * 1024)]]),
    ).toThrow(/the disk is full/);
    expect(existsSync(join(full, 'new-hf'))).toBe(false); // no empty folder left behind
    expect(readFileSync(join(hf, 'config.json'), 'utf8')).toBe('{"old":true}');
  });

  it('a train log on a full disk: the error says so and the previous log is whole', ({ skip }) => {
    if (!mounted) skip();
    const log = join(full, 'train.jsonl');
    writeFileSync(log, '{"type":"result","old":true}\n');
    const f = new PartialFile(log);
    expect(() => {
      for (let i = 0; i < 10_000; i++)
        f.append(`{"type":"step","i":${i},"pad":"${'x'.repeat(64)}"}\n`);
    }).toThrow(
      /could not write .*train\.jsonl\.partial: the disk is full; the previous .*train\.jsonl is unchanged/,
    );
    expect(readFileSync(log, 'utf8')).toBe('{"type":"result","old":true}\n');
    rmSync(`${log}.partial`);
  });

  it('merge on a full disk says so in words, and its inputs are unchanged', async ({ skip }) => {
    if (!mounted) skip();
    const c = capture();
    const input = join(dir, 'big.jsonl');
    const many = syntheticRecords({ sizes: [1e3, 2e3, 4e3, 8e3], budgets: [1e10, 2e10, 4e10] });
    writeFileSync(input, jsonl(many));
    expect(statSync(input).size).toBeGreaterThan(64 * 1024);
    expect(await main(['merge', input, '--out', join(full, 'merged.jsonl')])).toBe(1);
    expect(c.err()).toMatch(/the disk is full/);
    expect(c.err()).not.toMatch(/ENOSPC/);
  });

  it('InputError and OutputError are what the CLI prints without a stack', () => {
    expect(new InputError('x')).toBeInstanceOf(Error);
  });
});
