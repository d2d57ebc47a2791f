// The direct per-level answer (src/fit/isoflop.ts) on records whose truth is known: held-out losses on an
// exact parabola in ln N with its minimum at N_l, and per-question p_i chosen so that pass@k at
// k = C_inf/(2N) is an exact parabola in ln N (in log space) with its maximum at N_t. The analysis must
// find both vertices, their D*/N*, and the ratio (N_l/N_t)², flag an optimum outside the level, and give
// intervals that cover the truth when seeds add noise.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.ts';
import { RECORD_FORMAT, type RunRecord } from '../../src/sweep/record.ts';
import { fitParabola, isoflopAnalysis, levelOf } from '../../src/fit/isoflop.ts';
import { Rng } from '../../src/util/rng.ts';

const C_inf = 2e5;

function level(
  C: number,
  sizes: number[],
  Nl: number,
  Nt: number,
  opts: { seeds?: number; noise?: number; Q?: number } = {},
): RunRecord[] {
  const rng = new Rng(Math.round(C / 1e6));
  const out: RunRecord[] = [];
  for (const N of sizes) {
    for (let s = 1; s <= (opts.seeds ?? 1); s++) {
      const D = Math.round(C / (6 * N));
      const loss = 1.5 + 0.2 * (Math.log(N) - Math.log(Nl)) ** 2 + (opts.noise ?? 0) * rng.normal();
      const k = C_inf / (2 * N);
      const logPass = -0.05 - 0.3 * (Math.log(N) - Math.log(Nt)) ** 2;
      const p = 1 - Math.pow(1 - Math.exp(logPass), 1 / k);
      const Q = opts.Q ?? 8;
      const questions = Array.from({ length: Q }, (_, i) => ({
        task: 'add',
        prompt: `q${i}`,
        answer: '1',
        n: 4,
        c: 1,
        p,
      }));
      out.push({
        format: RECORD_FORMAT,
        id: `N${N}/C=${C.toExponential(1)}/s${s}`,
        sweep: 'test',
        config: { ...DEFAULTS, tokens: D, seed: s },
        N: N + 1000,
        N_nonemb: N,
        D,
        C_train: 6 * N * D,
        C_train_exact: 7 * N * D,
        curve: [],
        evals: [],
        eval_loss: loss,
        diverged: false,
        sampling: { n: 4, temperature: 1, top_k: 0, top_p: 1, questions: Q, seed: 0 },
        questions,
        pass_at_k: {
          sampling: { k: [1], value: [0.25], lo: [0], hi: [1] },
          likelihood: { k: [1], value: [p], lo: [p], hi: [p] },
        },
        device: 'test',
        timings: { train_s: 1, sample_s: 1, tokens_per_s: 1, samples_per_s: 1 },
        code_version: 'test',
        finished_at: '2026-01-01T00:00:00Z',
      });
    }
  }
  return out;
}

const sizes = [1e3, 2e3, 4e3, 8e3, 1.6e4, 3.2e4, 6.4e4];

describe('isoflop', () => {
  it('fitParabola recovers an exact parabola and refuses fewer than 3 distinct x', () => {
    const x = [0.5, 1, 2, 3, 5];
    const [a, b, c] = fitParabola(
      x,
      x.map((v) => 2 * v * v - 3 * v + 7),
    )!;
    expect(a).toBeCloseTo(2, 10);
    expect(b).toBeCloseTo(-3, 10);
    expect(c).toBeCloseTo(7, 10);
    expect(fitParabola([1, 1, 2], [1, 2, 3])).toBeNull();
  });

  it('finds both optima of a level, their D*/N*, and the ratio (N_l/N_t)²', () => {
    const C = 1e11;
    const a = isoflopAnalysis(level(C, sizes, 1.2e4, 3e3), { C_inf, bootstrap: 50 });
    expect(a.levels).toHaveLength(1);
    const l = a.levels[0]!;
    expect(l.C_train).toBe(1e11);
    expect(l.loss!.N).toBeCloseTo(1.2e4, 3);
    expect(l.t2!.N).toBeCloseTo(3e3, 3);
    expect(l.loss!.inside && l.t2!.inside).toBe(true);
    expect(l.loss!.D_over_N).toBeCloseTo(C / (6 * 1.2e4 ** 2), 6);
    expect(l.t2!.k).toBeCloseTo(C_inf / (2 * 3e3), 6);
    expect(l.ratio!.value).toBeCloseTo(16, 6);
    expect(l.notes).toEqual([]);
  });

  it("flags an optimum beyond the level's sizes instead of reporting it as found", () => {
    const l = isoflopAnalysis(level(1e11, sizes, 2e5, 3e3), { C_inf, bootstrap: 50 }).levels[0]!;
    expect(l.loss!.inside).toBe(false);
    expect(l.notes.join(' ')).toMatch(
      /loss optimum: the measured minimum is at the largest size \(64000\): not bracketed, widen the level/,
    );
    expect(l.t2!.inside).toBe(true);
    expect(l.loss!.bound).toBe('at_least');
    expect(l.loss!.N).toBeCloseTo(6.4e4, 6);
    expect(Number.isNaN(l.loss!.lo)).toBe(true);
    expect(l.ratio).toBeNull();
  });

  it('a T² maximum at the smallest size is a bound, and so is the ratio', () => {
    const l = isoflopAnalysis(level(1e11, sizes, 1.2e4, 300), { C_inf, bootstrap: 50 }).levels[0]!;
    expect(l.t2!.bound).toBe('at_most');
    expect(l.t2!.N).toBeCloseTo(1e3, 6);
    expect(l.loss!.bound).toBeNull();
    expect(l.ratio!.bound).toBe('at_least');
    expect(l.ratio!.value).toBeCloseTo((l.loss!.N / 1e3) ** 2, 6);
  });

  it('fits each parabola near the measured extremum: a steep far end of the level does not move the vertex', () => {
    const recs = level(1e11, [...sizes, 1.28e5, 2.56e5], 6e3, 3e3);
    // The two largest sizes (D/N < 1) climb far above the parabola, as undertrained runs do.
    for (const r of recs) if (r.N_nonemb > 1e5) r.eval_loss += 3;
    const l = isoflopAnalysis(recs, { C_inf, bootstrap: 20 }).levels[0]!;
    expect(l.loss!.N).toBeCloseTo(6e3, 3);
    expect(l.loss!.window).toEqual([2e3, 3.2e4]);
  });

  it('with seed noise the bootstrap interval covers the true optimum and has width', () => {
    const l = isoflopAnalysis(level(1e11, sizes, 1.2e4, 3e3, { seeds: 3, noise: 0.02 }), {
      C_inf,
      bootstrap: 400,
      seed: 2,
    }).levels[0]!;
    expect(l.points.every((p) => p.seeds === 3)).toBe(true);
    expect(l.loss!.lo).toBeLessThan(1.2e4);
    expect(l.loss!.hi).toBeGreaterThan(1.2e4);
    expect(l.loss!.hi / l.loss!.lo).toBeGreaterThan(1.01);
    expect(l.ratio!.lo).toBeLessThan(l.ratio!.hi);
  });

  it('groups runs by their level id; runs on no level (D/N budgets) are left out', () => {
    const recs = [...level(1e11, sizes, 1.2e4, 3e3), ...level(4e11, sizes, 2.4e4, 6e3)];
    const extra = { ...recs[0]!, id: 'N1000/D/N=1000/s1' };
    expect(levelOf(extra)).toBeNull();
    // A calibration scan's runs (…/C=…/lr=0.01/s1) mix settings at one size: they are on no level.
    expect(levelOf({ ...recs[0]!, id: 'N1000/C=1.0e+11/add_digits=2,lr=0.01/s1' })).toBeNull();
    const a = isoflopAnalysis([...recs, extra], { C_inf, bootstrap: 20 });
    expect(a.levels.map((l) => l.C_train)).toEqual([1e11, 4e11]);
    expect(a.levels[1]!.loss!.N).toBeCloseTo(2.4e4, 3);
  });
});
