// Reading fit points: the CSV format and its errors (each names the line), and RunRecords.
import { describe, expect, it } from 'vitest';
import { DataError, pointsFromCsv, pointsFromRecords } from '../../src/fit/points.ts';
import { syntheticRecords } from '../report/fixture.ts';

describe('pointsFromCsv', () => {
  it('one run per row with N, D, loss (any column order, extra columns ignored)', () => {
    const pts = pointsFromCsv('# a comment\nloss,N,run,D\n2.5,1000,a,20000\n\n2.1,4000,b,80000\n');
    expect(pts).toEqual([
      { N: 1000, D: 20000, loss: 2.5 },
      { N: 4000, D: 80000, loss: 2.1 },
    ]);
  });

  it('groups k, pass_at_k rows of the same N, D, loss into one pass table, sorted by k', () => {
    const csv = [
      'N,D,loss,k,pass_at_k',
      '1000,2e4,2.5,4,0.3',
      '1000,2e4,2.5,1,0.1',
      '1000,2e4,2.4,1,0.12',
      '4000,8e4,2.1,1,0.2',
    ].join('\n');
    const pts = pointsFromCsv(csv);
    expect(pts.length).toBe(3); // two seeds at the same N, D stay apart by their loss
    expect(pts[0]).toEqual({
      N: 1000,
      D: 20000,
      loss: 2.5,
      pass: { k: [1, 4], value: [0.1, 0.3] },
    });
    expect(pts[1]!.pass).toEqual({ k: [1], value: [0.12] });
  });

  it('errors name the line and what is wrong', () => {
    const bad = (text: string, re: RegExp) => {
      expect(() => pointsFromCsv(text)).toThrow(DataError);
      expect(() => pointsFromCsv(text)).toThrow(re);
    };
    bad('', /empty file/);
    bad('N,loss\n1,2', /line 1: header lacks column D/);
    bad('N,D,loss,k\n1,2,3,4', /line 1: columns k and pass_at_k come together/);
    bad('N,D,loss\n1000,2e4,2.5\n1000,abc,2.5', /line 3: D = "abc" is not a positive number/);
    bad('N,D,loss\n1000,2e4', /line 2: 2 fields, header has 3/);
    bad('N,D,loss\n-5,2e4,1', /line 2: N = "-5" is not a positive number/);
    bad('N,D,loss\n5,2e4,', /line 2: loss = "" is not a positive number/);
    bad('N,D,loss,k,pass_at_k\n5,10,1,1,1.5', /line 2: pass_at_k = "1.5" is not a probability/);
    bad('N,D,loss,k,pass_at_k\n5,10,1,0,0.5', /line 2: k = "0" is not a number >= 1/);
    bad('N,D,loss,k,pass_at_k\n5,10,1,2,0.5\n5,10,1,2,0.6', /line 3: k = 2 repeats line 2/);
    bad('N,D,loss\n\n', /no data rows/);
  });
});

describe('pointsFromRecords', () => {
  const records = syntheticRecords({ sizes: [1e3, 4e3], budgets: [1e10], questions: 10 });

  it('takes eval_loss, N non-embedding by default (total on request), the likelihood table and p', () => {
    const { points, skipped } = pointsFromRecords(records);
    expect(skipped).toEqual([]);
    expect(points.length).toBe(2);
    const r = records[0]!;
    expect(points[0]).toMatchObject({ N: r.N_nonemb, D: r.D, loss: r.eval_loss, id: r.id });
    expect(points[0]!.pass).toEqual({
      k: r.pass_at_k.likelihood.k,
      value: r.pass_at_k.likelihood.value,
    });
    expect(points[0]!.p).toEqual(r.questions.map((q) => q.p));
    expect(pointsFromRecords(records, { n: 'total' }).points[0]!.N).toBe(r.N);
    expect(pointsFromRecords(records, { method: 'sampling' }).points[0]!.pass!.value).toEqual(
      r.pass_at_k.sampling.value,
    );
  });

  it('skips diverged runs and says so', () => {
    const diverged = { ...records[1]!, diverged: true, eval_loss: NaN };
    const { points, skipped } = pointsFromRecords([records[0]!, diverged]);
    expect(points.length).toBe(1);
    expect(skipped).toEqual([`${diverged.id}: diverged, left out of the fits`]);
  });
});
