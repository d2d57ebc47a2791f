// Issue 25, class 3: one table of bounds (src/config.ts BOUNDS) at every door, each error naming the
// bound and the value. Before, `sampling.questions: 1e9` hung `sweep --dry_run`, `--n_layer=1000`
// segfaulted after 20 s and 1e9 ran out of heap, token budgets went past 2^53, a grid of millions of
// runs grew without bound, and checkpoints and Hugging Face folders were read back unbounded.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import { BOUNDS, boundProblem, makeConfig } from '../../src/config.ts';
import { validateExperiment } from '../../src/sweep/experiment.ts';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { exportHf, importHf } from '../../src/checkpoint/hf.ts';

// Refusals come before any work: one that hung (a huge grid, a huge model) fails by this timeout, not by a
// wall-clock bound that a busy machine could break.
vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 't2lab-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err) };
}

const grid = {
  name: 'b',
  base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 4 },
  models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
  budgets: { tokens_per_param: [4] },
  seeds: [1],
  sampling: { questions: 2, n: 2, k: [1, 2], max_new: 4 },
};

describe('one table of bounds, at every door', () => {
  afterEach(() => vi.restoreAllMocks());

  it('boundProblem names the bound, the value and why (the app calls it too)', () => {
    expect(boundProblem('n_layer', 1000)).toMatch(/^n_layer 1,000 is above the bound 64 \(.+\)/);
    expect(boundProblem('n_layer', 2)).toBeNull();
    expect(boundProblem('tokens', 2 ** 53 + 2)).toMatch(/above the bound 1,000,000,000,000/);
    expect(boundProblem('n', 1.5)).toMatch(/must be an integer in \[1, 100,000\], got 1\.5/);
    expect(boundProblem('temperature', '3')).toMatch(/got "3"/);
    // Past 2^53 "exactly D tokens" cannot hold: the bound keeps every budget an exact integer.
    expect(BOUNDS.tokens.max).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('train refuses n_layer 1000 and 1e9, and token budgets past the bound, at once', async () => {
    const c = capture();
    expect(await main(['train', '--n_layer=1000'])).toBe(2);
    expect(await main(['train', '--n_layer=1e9'])).toBe(2);
    expect(await main(['train', '--tokens=9007199254740993'])).toBe(2);
    expect(c.err()).toMatch(/config key "n_layer" 1,000 is above the bound 64/);
    expect(c.err()).toMatch(/config key "n_layer" 1,000,000,000 is above the bound 64/);
    expect(c.err()).toMatch(/config key "tokens" 9,007,199,254,740,992 is above the bound/);
  });

  it('an experiment with sampling.questions 1e9 is refused by --dry_run at once, not hung', async () => {
    const c = capture();
    const file = join(dir, 'q.json');
    writeFileSync(
      file,
      JSON.stringify({ ...grid, sampling: { ...grid.sampling, questions: 1e9 } }),
    );
    expect(await main(['sweep', file, '--dry_run'])).toBe(2);
    expect(c.err()).toMatch(/q\.json: sampling\.questions 1,000,000,000 is above the bound 10,000/);
  });

  it('a grid of millions of runs is refused before it is expanded', () => {
    const seeds = Array.from({ length: 3000 }, (_, i) => i);
    expect(() =>
      validateExperiment(
        {
          ...grid,
          seeds,
          budgets: { tokens_per_param: Array.from({ length: 1000 }, (_, i) => i + 1) },
        },
        'big.json',
      ),
    ).toThrow(/big\.json: the grid lists up to 3,000,000 runs .*above the bound 10,000/);
  });

  it('model sizes, samples per run and budgets in an experiment are bounded alike', () => {
    expect(() =>
      validateExperiment({ ...grid, models: [{ n_layer: 1000, n_embd: 16, n_head: 2 }] }, 'm.json'),
    ).toThrow(/m\.json: models\[0\]\.n_layer 1,000 is above the bound 64/);
    expect(() =>
      validateExperiment(
        { ...grid, sampling: { ...grid.sampling, questions: 10_000, n: 100_000 } },
        's.json',
      ),
    ).toThrow(/s\.json: sampling: 10,000 questions × 1 task\(s\) × n = 100,000 .* above the bound/);
    expect(() => validateExperiment({ ...grid, budgets: { flops: [1e30] } }, 'f.json')).toThrow(
      /f\.json: a run of the grid: config key "tokens" .* is above the bound/,
    );
  });

  it('a checkpoint whose config is past the bounds is refused when read back', () => {
    const bytes = readFileSync('test/fixtures/add2-L1-C32.safetensors');
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const config = JSON.parse(header.__metadata__.config);
    header.__metadata__.config = JSON.stringify({ ...config, tokens: 1e15 });
    const text = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(text.length));
    const edited = Buffer.concat([len, text, bytes.subarray(8 + n)]);
    expect(() => loadCheckpoint(new Uint8Array(edited), 'edited.safetensors')).toThrow(
      /edited\.safetensors: its config is invalid: config key "tokens" 1,000,000,000,000,000 is above the bound/,
    );
  });

  it('a Hugging Face config past the bounds is refused when imported', () => {
    const ck = loadCheckpoint(
      new Uint8Array(readFileSync('test/fixtures/add2-L1-C32.safetensors')),
    );
    const files = exportHf(ck);
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    delete config.t2lab;
    files['config.json'] = new TextEncoder().encode(JSON.stringify({ ...config, n_layer: 1000 }));
    expect(() => importHf(files, 'deep-hf')).toThrow(
      /deep-hf: config\.json: config key "n_layer" 1,000 is above the bound 64/,
    );
    expect(() => makeConfig({ n_layer: 64 })).not.toThrow();
  });
});
