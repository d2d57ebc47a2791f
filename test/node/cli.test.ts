// Issue 13 item 5: one spelling for options across commands (underscores, as the keys are spelled in
// files; the dashed spelling still accepted), per-command --help for every command, unknown options and
// commands answered with the nearest name. Issue 14: limits in the config's words; seeds in range;
// SLURM_ARRAY_TASK_ID without a count refused.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, divergenceHint } from '../../src/node/cli.ts';
import { UsageError, normaliseOption, parseCommand } from '../../src/node/args.ts';
import { SAMPLE_SPEC } from '../../src/node/commands/sample.ts';
import { shardFromEnv } from '../../src/node/commands/sweep.ts';
import { runLimitProblems } from '../../src/sweep/limits.ts';
import { makeConfig } from '../../src/config.ts';
import { kernelChoiceStore } from '../../src/node/store.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err), out: () => text(log) };
}

describe('the command line', () => {
  afterEach(() => vi.restoreAllMocks());

  it('every command has its own --help (not the global one)', async () => {
    for (const cmd of ['devices', 'bench', 'train', 'sample', 'sweep', 'merge', 'fit', 'report']) {
      const c = capture();
      expect(await main([cmd, '--help']), cmd).toBe(0);
      expect(c.out(), cmd).toMatch(new RegExp(`^Usage: npx t2lab ${cmd}\\b`));
      expect(c.out(), cmd).not.toMatch(/^Commands:/m);
      vi.restoreAllMocks();
    }
    const c = capture();
    expect(await main(['train', '--help'])).toBe(0);
    expect(c.out()).toMatch(/--n_layer=2/); // train's help lists the config keys
  });

  it('one spelling, the old one still accepted', () => {
    expect(normaliseOption('--top-k=3')).toBe('--top_k=3');
    expect(normaliseOption('--dry-run')).toBe('--dry_run');
    expect(normaliseOption('a-b')).toBe('a-b'); // positionals untouched
    const a = parseCommand(SAMPLE_SPEC, ['--top-k', '3', '--max_new=4', '--top_p', '0.9']).values;
    expect(a).toMatchObject({ top_k: '3', max_new: '4', top_p: '0.9' });
    expect(() => parseCommand(SAMPLE_SPEC, ['--temprature', '1'])).toThrow(
      /unknown option --temprature \(did you mean temperature\?\)/,
    );
  });

  it('unknown commands and options name the nearest', async () => {
    const c = capture();
    expect(await main(['sweeep'])).toBe(2);
    expect(c.err()).toMatch(/unknown command "sweeep" \(did you mean sweep\?\)/);
    expect(await main(['fit', 'x.csv', '--bootstrapp', '3'])).toBe(2);
    expect(c.err()).toMatch(/unknown option --bootstrapp \(did you mean bootstrap\?\)/);
  });

  it('seeds are checked to the 32-bit range that is really used', async () => {
    const c = capture();
    expect(await main(['train', '--seed=4294967296'])).toBe(2);
    expect(c.err()).toMatch(/"seed" 4,294,967,296 is above the bound 4,294,967,295/);
    expect(() => makeConfig({ seed: 4294967295 })).not.toThrow();
    expect(
      await main([
        'sample',
        '--checkpoint',
        'test/fixtures/add2-L1-C32.safetensors',
        '--seed',
        '4294967296',
      ]),
    ).toBe(2);
    expect(c.err()).toMatch(/--seed 4,294,967,296 is above the bound 4,294,967,295/);
  });

  it('huge sampling requests are refused before any work, saying what to lower', async () => {
    const c = capture();
    expect(
      await main([
        'sample',
        '--checkpoint',
        'test/fixtures/add2-L1-C32.safetensors',
        '--n',
        '100000',
        '--questions',
        '1000',
      ]),
    ).toBe(2);
    expect(c.err()).toMatch(
      /samples, more than the 20,000,000 kept in memory at once; lower --n or --questions/,
    );
    expect(
      await main([
        'sample',
        '--checkpoint',
        'test/fixtures/add2-L1-C32.safetensors',
        '--questions',
        '1000000',
      ]),
    ).toBe(2);
    expect(c.err()).toMatch(/--questions 1,000,000 is above the bound 10,000/);
    expect(await main(['fit', 'x.csv', '--bootstrap', '1e9'])).toBe(2);
    expect(c.err()).toMatch(/--bootstrap must be an integer in \[0, 100000\]/);
    expect(await main(['fit', 'x.csv', '--tasks', 'cpy'])).toBe(2);
    expect(c.err()).toMatch(/--tasks needs a JSONL results file/);
    expect(await main(['fit', 'x.jsonl', '--tasks', 'cpy,,rev'])).toBe(2);
    expect(c.err()).toMatch(/--tasks must be task names separated by commas, got "cpy,,rev"/);
    expect(await main(['fit', 'x.csv', '--by_level'])).toBe(2);
    expect(c.err()).toMatch(/--by_level needs a JSONL results file/);
  });

  it('SLURM_ARRAY_TASK_ID without SLURM_ARRAY_TASK_COUNT is refused, not the whole grid', () => {
    expect(() => shardFromEnv(undefined, { SLURM_ARRAY_TASK_ID: '3' })).toThrow(UsageError);
    expect(() => shardFromEnv(undefined, { SLURM_ARRAY_TASK_ID: '3' })).toThrow(
      /SLURM_ARRAY_TASK_COUNT is not/,
    );
    expect(
      shardFromEnv(undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }),
    ).toEqual({ index: 3, count: 4 });
  });

  it('sizes past the adapter limits are named in config words, with what would fit', () => {
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    expect(runLimitProblems(makeConfig(), limits)).toEqual([]);
    const wide = runLimitProblems(makeConfig({ batch_size: 100_000, tokens: 1e9 }), limits);
    expect(wide).toHaveLength(1);
    expect(wide[0]).toMatch(
      /^batch_size 100000 × block_size 64 × 4·n_embd = 256 floats per activation: .* over this adapter's 128 MiB per buffer; lower batch_size to at most 2,048$/,
    );
    const deep = runLimitProblems(makeConfig({ n_layer: 64, n_embd: 4096, n_head: 32 }), limits);
    expect(deep[0]).toMatch(
      /^n_layer 64 × n_embd 4096 makes N = .* parameters: .*; lower n_layer or n_embd/,
    );
  });

  it('a divergence from weight decay is blamed on weight decay, not the learning rate', () => {
    expect(divergenceHint(makeConfig({ weight_decay: 1000 }))).toMatch(/lower --weight_decay/);
    expect(divergenceHint(makeConfig({ lr: 0.5 }))).toMatch(/Lower --lr \(now 0.5\)/);
  });

  it('an unwritable kernel cache is said once, up front, and never fails the command', async () => {
    const saved = process.env.T2LAB_CACHE_DIR;
    const file = join(mkdtempSync(join(tmpdir(), 't2lab-cache-')), 'a-file');
    writeFileSync(file, '');
    process.env.T2LAB_CACHE_DIR = join(file, 'cache'); // under a file: unwritable even for root
    try {
      const warnings: string[] = [];
      const store = kernelChoiceStore((m) => warnings.push(m));
      expect(warnings).toHaveLength(1); // before any tuning
      await store.set('a', '1');
      await store.set('b', '2');
      expect(await store.get('a')).toBeNull();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^the kernel cache cannot be written: T2LAB_CACHE_DIR .*a-file\/cache\/kernels\.json: .*a-file is a file, so no folder can be made there; choose another T2LAB_CACHE_DIR; choices and step times are measured again next time$/,
      );
    } finally {
      if (saved === undefined) delete process.env.T2LAB_CACHE_DIR;
      else process.env.T2LAB_CACHE_DIR = saved;
    }
  });
});
