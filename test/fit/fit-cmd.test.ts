// `t2lab fit`: exit codes, CSV with only N, D, loss (Chinchilla alone, T² skipped with the reason),
// JSONL with a corrupt line (skipped with a warning naming it), --json and --out.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fitCommand } from '../../src/node/commands/fit.ts';
import { syntheticRecords } from '../report/fixture.ts';

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err), out: () => text(log) };
}

describe('t2lab fit', () => {
  afterEach(() => vi.restoreAllMocks());
  const dir = mkdtempSync(join(tmpdir(), 't2lab-fit-'));
  // 6 runs, two budgets: the smoke sweep's size
  const records = syntheticRecords({
    sizes: [1e3, 4e3, 1.6e4],
    budgets: [1e10, 4e10],
    questions: 8,
  });

  it('bad arguments exit 2 with the usage', async () => {
    const c = capture();
    for (const args of [
      [],
      ['a.txt'],
      ['a.csv', 'b.csv'],
      ['a.csv', '--c_inf=-3'],
      ['a.csv', '--c-inf=-3'],
      ['a.jsonl', '--n', 'half'],
      ['a.csv', '--frobnicate'],
      ['a.csv', '--bootstrap', '1.5'],
      ['a.jsonl', '--c_inf_list', '5e4,-1'],
    ]) {
      expect(await fitCommand(args), args.join(' ')).toBe(2);
    }
    expect(c.err()).toMatch(/t2lab fit: missing FILE\n\nUsage: npx t2lab fit FILE/);
    expect(c.err()).toMatch(/--c_inf must be a positive number, got "-3"/);
    expect(c.err()).toMatch(/FILE must end in .jsonl or .csv/);
    expect(c.err()).toMatch(
      /--c_inf_list must be positive numbers separated by commas, got "5e4,-1"/,
    );
  });

  it('bad data exits 1 naming the line; a missing file exits 1', async () => {
    const c = capture();
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'N,D,loss\n1000,2e4,2.5\n1000,x,2.5\n');
    expect(await fitCommand([f])).toBe(1);
    expect(c.err()).toMatch(/CSV line 3: D = "x" is not a positive number/);
    expect(await fitCommand([join(dir, 'missing.csv')])).toBe(1);
    expect(c.err()).toMatch(/FILE ".*missing\.csv" not found/);
  });

  it('a CSV of N, D, loss: Chinchilla with intervals, and says why the T² fits were skipped', async () => {
    const c = capture();
    const f = join(dir, 'runs.csv');
    writeFileSync(
      f,
      'N,D,loss\n' + records.map((r) => `${r.N_nonemb},${r.D},${r.eval_loss}`).join('\n') + '\n',
    );
    expect(await fitCommand([f, '--bootstrap', '20'])).toBe(0);
    const out = c.out();
    expect(out).toMatch(/Chinchilla Approach 3: .* on 6 runs .* 20 bootstrap resamples/);
    expect(out).toMatch(/\n\s+α\s+[\d.]+\s+\[[\d.]+, [\d.]+\]/);
    expect(out).toMatch(
      /T² Approach 1 skipped: the data has only N, D, loss: no pass@k table and no per-question p/,
    );
    expect(out).toMatch(/Optimum per C_train/);
  });

  it('JSONL with a corrupt line: warns with the line number, fits the rest, writes --out JSON', async () => {
    const c = capture();
    const f = join(dir, 'results.jsonl');
    const lines = records.map((r) => JSON.stringify(r));
    lines.splice(1, 0, '{ not json');
    writeFileSync(f, lines.join('\n') + '\n');
    const outFile = join(dir, 'fit.json');
    expect(
      await fitCommand([f, '--json', '--out', outFile, '--bootstrap', '10', '--c-inf', '1e5']),
    ).toBe(0);
    expect(c.err()).toMatch(/results\.jsonl line 2: not valid JSON .*; line skipped/);
    const printed = JSON.parse(c.out());
    expect(printed.points).toBe(6);
    expect(printed.optimum.C_inf).toBe(1e5);
    expect(printed.t2_accuracy).not.toBeNull();
    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toEqual(printed);
  });

  it('too few runs for any fit: prints the reasons and exits 1', async () => {
    const c = capture();
    const f = join(dir, 'three.jsonl');
    writeFileSync(
      f,
      records
        .slice(0, 3)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    expect(await fitCommand([f])).toBe(1);
    expect(c.out()).toMatch(
      /Chinchilla fit skipped: the Chinchilla fit has 5 parameters but the data has only 3 distinct \(N, D\) points \(3 runs: N1000\/C=1\.0e\+10\/s1, /,
    );
  });
});
