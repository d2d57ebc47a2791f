// Issue 14: fits that cannot identify the law are refused or flagged, naming the runs. Before, one run
// printed a confident T² fit (α=50.8, R² 0.984), nine copies of one run gave α=22.4, and a loss of
// 1e300 was fitted with B = inf and no warning.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitAll } from '../../src/fit/fit.ts';
import {
  DataError,
  identifiability,
  pointProblems,
  pointsFromRecords,
} from '../../src/fit/points.ts';
import { fitCommand } from '../../src/node/commands/fit.ts';
import { CHINCHILLA_GRID } from '../../src/fit/chinchilla.ts';
import { syntheticRecords } from '../report/fixture.ts';

const FAST = {
  starts: CHINCHILLA_GRID.filter((_, i) => i % 9 === 0),
  bootstrap: 10,
  restarts: 4,
  seed: 1,
};
const records = syntheticRecords({
  sizes: [1e3, 4e3, 1.6e4],
  budgets: [1e10, 4e10, 1.6e11],
  questions: 8,
});
const one = records[0]!;

describe('fits refuse data that cannot identify the law', () => {
  afterEach(() => vi.restoreAllMocks());

  it('one run: no law is fitted, each says why and names the run', () => {
    const { points } = pointsFromRecords([one]);
    const r = fitAll(points, FAST);
    expect(r.chinchilla).toBeNull();
    expect(r.t2_loss).toBeNull(); // was a confident α = 50.8 from one run's 11 k
    expect(r.skipped.t2_loss).toMatch(
      new RegExp(`needs runs of at least 2 model sizes.*\\(${one.id.replace(/[/.+]/g, '\\$&')}\\)`),
    );
  });

  it('one model size at many budgets: flagged, naming the size', () => {
    const sameSize = records.filter((r) => r.N_nonemb === one.N_nonemb);
    expect(sameSize.length).toBe(3);
    expect(identifiability(pointsFromRecords(sameSize).points, 'the Chinchilla fit')).toMatch(
      /at least 2 model sizes .* every run has N = 1000\.00/,
    );
  });

  it('nine copies of one run are refused as duplicates, not fitted as nine runs', () => {
    const { points } = pointsFromRecords(Array.from({ length: 9 }, () => one));
    expect(pointProblems(points).join('\n')).toMatch(
      new RegExp(`duplicated records: ${one.id.replace(/[/.+]/g, '\\$&')} ×9`),
    );
    expect(() => fitAll(points, FAST)).toThrow(DataError);
  });

  it('the same N, D and loss under two ids is flagged as copies', () => {
    const copy = { ...records[1]!, id: 'renamed-copy' };
    expect(pointProblems(pointsFromRecords([...records, copy]).points).join('\n')).toMatch(
      /identical N, D and loss under different names.*= renamed-copy/,
    );
  });

  it('a loss of 1e300 (or a non-finite one) is refused, naming the run', () => {
    const bad = { ...records[2]!, eval_loss: 1e300 };
    const pts = pointsFromRecords([...records.slice(0, 2), bad, ...records.slice(3)]).points;
    expect(() => fitAll(pts, FAST)).toThrow(
      new RegExp(`losses of 1000 nats or more.*${bad.id.replace(/[/.+]/g, '\\$&')} loss=1e\\+300`),
    );
    expect(pointProblems([{ N: 1e3, D: Infinity, loss: 2, id: 'inf-run' }]).join('')).toMatch(
      /non-finite.*inf-run: N=1000 D=Infinity/,
    );
  });

  it('t2lab fit exits 1 on duplicated records, with the runs in the message', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const f = join(mkdtempSync(join(tmpdir(), 't2lab-ident-')), 'results.jsonl');
    // Two sweeps into one folder used to give 8 records from 4 runs, and `fit` counted "8 runs".
    writeFileSync(f, [...records, ...records].map((r) => JSON.stringify(r) + '\n').join(''));
    expect(await fitCommand([f, '--bootstrap', '0'])).toBe(1);
    expect(err.mock.calls.flat().join('\n')).toMatch(
      /results\.jsonl: runs recorded more than once: .*\(line 1, line 10\)/,
    );
  });
});
