// The calibration table (src/sweep/calibrate.ts): one learning rate per size from a scan at several budgets,
// the mean over budgets (not the larger budget's best), each budget's own best, and the scan's edge flagged.
import { describe, expect, it } from 'vitest';
import { calibrationTable, formatCalibration } from '../../src/sweep/calibrate.ts';
import { makeConfig } from '../../src/config.ts';
import { recordOf } from './fixture.ts';
import calibrateWorld from '../../experiments/calibrate-world.ts';
import type { RunRecord } from '../../src/sweep/record.ts';

function run(model: string, budget: string, lr: number, eval_loss: number, N = 1000): RunRecord {
  const id = `${model}/${budget}/lr=${lr}/s1`;
  const r = recordOf(calibrateWorld, {
    id,
    config: makeConfig({ lr }),
    N,
    N_nonemb: N,
  } as Parameters<typeof recordOf>[1]);
  return {
    ...r,
    C_train: Number(budget.slice(2)),
    eval_loss,
    questions: [
      { prompt: 'q', answer: 'a', p: 0.25, c: 1, n: 4, chance: 0 },
    ] as RunRecord['questions'],
  };
}

describe('calibrationTable', () => {
  // Size A: the larger budget alone prefers 0.024 (1.190 < 1.195), but over both budgets 0.012 is best
  // (mean 1.3475 against 1.3525): one rate for both budgets.
  const a = [
    run('A', 'C=1e11', 0.006, 1.52),
    run('A', 'C=1e11', 0.012, 1.5),
    run('A', 'C=1e11', 0.024, 1.515),
    run('A', 'C=1e11', 0.048, 1.6),
    run('A', 'C=2.5e11', 0.006, 1.3),
    run('A', 'C=2.5e11', 0.012, 1.195),
    run('A', 'C=2.5e11', 0.024, 1.19),
    run('A', 'C=2.5e11', 0.048, 1.25),
  ];
  // Size B: best at the highest scanned rate, at both budgets.
  const b = [0.006, 0.012, 0.024, 0.048].flatMap((lr, i) => [
    run('B', 'C=1e11', lr, 1.6 - 0.01 * i, 5000),
    run('B', 'C=2.5e11', lr, 1.4 - 0.01 * i, 5000),
  ]);

  it('picks one rate per size from the mean over budgets, keeps each budget best, flags the edge', () => {
    const t = calibrationTable([...b, ...a]);
    expect(t.rows.map((r) => r.model)).toEqual([...Array(8).fill('A'), ...Array(8).fill('B')]);
    expect(t.rows[0]).toMatchObject({ budget: 'C=1e11', setting: '', lr: 0.006 });
    const [A, B] = t.best;
    expect(A).toMatchObject({
      model: 'A',
      lr: 0.012,
      at_edge: false,
      budgets: ['C=1e11', 'C=2.5e11'],
    });
    expect(A!.eval_loss).toBeCloseTo((1.5 + 1.195) / 2, 12);
    expect(A!.per_budget).toEqual([
      { budget: 'C=1e11', lr: 0.012, eval_loss: 1.5 },
      { budget: 'C=2.5e11', lr: 0.024, eval_loss: 1.19 },
    ]);
    expect(B).toMatchObject({ model: 'B', lr: 0.048, at_edge: true });
    const text = formatCalibration(t);
    expect(text).toMatch(
      /A .*lr 0\.012 \(mean loss 1\.3475 over 2 budget\(s\).*C=2\.5e11 → 0\.024\)$/m,
    );
    expect(text).toMatch(/B .*lr 0\.048 .*AT THE SCAN'S EDGE \(0\.006, 0\.012, 0\.024, 0\.048\)/);
    expect(text).not.toMatch(/A .*AT THE SCAN'S EDGE/);
  });

  it('averages only over the budgets every rate ran at', () => {
    // 0.048 never ran at 2.5e11: the pick compares the rates on 1e11 alone.
    const t = calibrationTable(a.filter((r) => !(r.config.lr === 0.048 && r.C_train === 2.5e11)));
    expect(t.best[0]).toMatchObject({ lr: 0.012, budgets: ['C=1e11'], eval_loss: 1.5 });
  });

  it('keeps the other scanned settings apart, as the addition scan named them', () => {
    const withDigits = (r: RunRecord, d: number) => ({
      ...r,
      id: r.id.replace(/lr=([\d.]+)/, `add_digits=${d},lr=$1`),
    });
    const t = calibrationTable([
      ...a.map((r) => withDigits(r, 2)),
      ...a.map((r) => withDigits(r, 3)),
    ]);
    expect(t.best.map((x) => x.setting)).toEqual(['add_digits=2', 'add_digits=3']);
  });
});
