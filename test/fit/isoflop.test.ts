// The direct per-level answer (src/fit/isoflop.ts) on records whose truth is known: held-out losses on an
// exact parabola in ln N with its minimum at N_l, and per-question p_i chosen so that pass@k at
// k = C_inf/(2N) is an exact parabola in ln N (in log space) with its maximum at N_t. The analysis must
// find both vertices, their D*/N*, and the ratio (N_l/N_t)², flag an optimum outside the level, and give
// intervals that cover the truth when seeds add noise.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.ts';
import { RECORD_FORMAT, type RunRecord } from '../../src/sweep/record.ts';
import { readFileSync } from 'node:fs';
import {
  chancePassAtK,
  fitParabola,
  formatIsoflop,
  isoflopAnalysis,
  levelOf,
} from '../../src/fit/isoflop.ts';
import { parseRecordsJsonl } from '../../src/sweep/record.ts';
import { Rng } from '../../src/util/rng.ts';

const C_inf = 2e5;

function level(
  C: number,
  sizes: number[],
  Nl: number,
  Nt: number,
  opts: {
    seeds?: number;
    noise?: number;
    Q?: number;
    /** Curvature of the loss parabola in ln N (default 0.2). */
    curv?: number;
    /** Per-question chance baseline written into every question (absent by default). */
    chance?: number;
    /** Per size, per-question p instead of the exact T² parabola. */
    ps?: (N: number) => number[];
  } = {},
): RunRecord[] {
  const rng = new Rng(Math.round(C / 1e6));
  const out: RunRecord[] = [];
  for (const N of sizes) {
    for (let s = 1; s <= (opts.seeds ?? 1); s++) {
      const D = Math.round(C / (6 * N));
      const loss =
        1.5 +
        (opts.curv ?? 0.2) * (Math.log(N) - Math.log(Nl)) ** 2 +
        (opts.noise ?? 0) * rng.normal();
      const k = C_inf / (2 * N);
      const logPass = -0.05 - 0.3 * (Math.log(N) - Math.log(Nt)) ** 2;
      const p = 1 - Math.pow(1 - Math.exp(logPass), 1 / k);
      const Q = opts.Q ?? 8;
      const ps = opts.ps?.(N) ?? Array.from({ length: Q }, () => p);
      const questions = ps.map((p, i) => ({
        task: 'add',
        prompt: `q${i}`,
        answer: '1',
        n: 4,
        c: 1,
        p,
        ...(opts.chance !== undefined ? { chance: opts.chance } : {}),
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
        sampling: { n: 4, temperature: 1, top_k: 0, top_p: 1, questions: ps.length, seed: 0 },
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

// Issue 22, item 6: the answer knows its resolution. Each case is a level whose truth is known.
describe('isoflop resolution', () => {
  it('a clean interior shift: measured bests differ, both resolved, a ratio with an interval, all parameters too', () => {
    const C = 1e11;
    const a = isoflopAnalysis(level(C, sizes, 1.2e4, 3e3, { seeds: 2, noise: 0.001 }), {
      C_inf,
      C_inf_list: [C_inf / 4],
      bootstrap: 200,
      seed: 1,
    });
    const l = a.levels[0]!;
    expect(l.shift.kind).toBe('shift');
    // Measured bests: 1.6e4 (nearest 1.2e4 in ln N) and 4e3 (nearest 3e3): their D/N differ (1.6e4/4e3)².
    expect(l.loss!.best.N).toBe(1.6e4);
    expect(l.t2!.best.N).toBe(4e3);
    expect(l.shift.measured).toBeCloseTo(16, 1);
    expect(l.loss!.resolved).toBe(true);
    expect(l.t2!.resolved).toBe(true);
    expect(l.points.every((p) => p.loss_sd !== null)).toBe(true);
    expect(l.ratio!.value).toBeCloseTo(16, 1);
    expect(l.ratio!.lo).toBeLessThan(16);
    expect(l.ratio!.hi).toBeGreaterThan(16);
    // All parameters: N_total = N + 1000 in these records.
    expect(l.loss!.best.D_over_N_total).toBeCloseTo(C / 6 / 1.6e4 / (1.6e4 + 1000), 0);
    expect(l.ratio!.value_total).toBeCloseTo(
      (l.loss!.N * l.loss!.N_total) / (3e3 * l.t2!.N_total),
      3,
    );
    expect(l.loss!.edge_frac).toEqual({ low: 0, high: 0 });
    const text = formatIsoflop(a);
    expect(text).toMatch(/T² best at a smaller measured size \(N = 4,000 vs 16,000\)/);
    expect(text).toMatch(/\(D\*\/N\*\)_T² \/ \(D\*\/N\*\)_loss from the vertices = 16\.0 \[/);
    expect(text).toMatch(/: resolved/);
    expect(text).not.toMatch(/NOT resolved/);
  });

  it('an edge optimum: resamples at the edge are kept in the interval as a bound and counted', () => {
    // The loss minimum at 1.6e3 is measured at 2e3, one size from the edge; seed noise sends some
    // resamples to 1e3.
    const l = isoflopAnalysis(
      level(1e11, sizes, 1.6e3, 8e3, { seeds: 3, noise: 0.01, curv: 0.1 }),
      { C_inf, bootstrap: 400, seed: 3 },
    ).levels[0]!;
    expect(l.loss!.best.N).toBe(2e3);
    expect(l.loss!.bound).toBeNull();
    expect(l.loss!.edge_frac.low).toBeGreaterThan(0.025);
    expect(l.loss!.lo_bound).toBe(true);
    expect(l.loss!.lo).toBeCloseTo(1e3, 6);
    expect(l.loss!.inside_frac).toBeCloseTo(1 - l.loss!.edge_frac.low - l.loss!.edge_frac.high, 9);
    expect(l.notes.join(' ')).toMatch(
      /loss optimum: \d+% of bootstrap resamples put it at the smallest size/,
    );
    const text = formatIsoflop({
      ...isoflopAnalysis([], {}),
      levels: [l],
      C_inf,
      C_inf_list: [C_inf],
    });
    expect(text).toMatch(/vertex N\* [\d,]+ \[≤ 1,000, /);
  });

  it('same-run optima: "same run: no measured shift", never a ratio with an interval', () => {
    const a = isoflopAnalysis(level(1e11, sizes, 4.2e3, 3.9e3), { C_inf, bootstrap: 100 });
    const l = a.levels[0]!;
    expect(l.loss!.best.N).toBe(4e3);
    expect(l.t2!.best.N).toBe(4e3);
    expect(l.shift.kind).toBe('same_run');
    expect(l.ratio).toBeNull();
    const text = formatIsoflop(a);
    expect(text).toMatch(/shift: same run \(N = 4,000\): no measured shift/);
    expect(text).not.toMatch(/\(D\*\/N\*\)_T² \/ \(D\*\/N\*\)_loss/);
    expect(a.trend.text).toMatch(/same run/);
    expect(a.trend.slope).toBeNull();
  });

  it('a T² optimum at a larger size than the loss optimum is printed as reversed', () => {
    const a = isoflopAnalysis(level(1e11, sizes, 4e3, 1.6e4), { C_inf, bootstrap: 50 });
    const l = a.levels[0]!;
    expect(l.shift.kind).toBe('reversed');
    expect(l.shift.reverses_at).toContain(C_inf);
    expect(l.ratio).toBeNull();
    expect(formatIsoflop(a)).toMatch(/shift: reversed: the best pass@k is at a larger size/);
  });

  it('a direction that reverses at another C_inf: "reverses at C_inf = …", no ratio', () => {
    // k = C_inf/(2N): 100, 50, 25, 12.5, 6.25 at C_inf; 16× fewer at C_inf/16. The 2e3 model is
    // weakly right on every question (wins with many samples); the 4e3 model is sure of half of them
    // (wins with few).
    const Ns = [1e3, 2e3, 4e3, 8e3, 1.6e4];
    const half = (p: number) => Array.from({ length: 8 }, (_, i) => (i < 4 ? p : 0));
    const ps = (N: number) =>
      N === 1e3
        ? Array(8).fill(0.01)
        : N === 2e3
          ? Array(8).fill(0.1)
          : N === 4e3
            ? half(0.9)
            : N === 8e3
              ? half(0.5)
              : Array(8).fill(0.02);
    const a = isoflopAnalysis(level(1e11, Ns, 4e3, 0, { ps }), {
      C_inf,
      C_inf_list: [C_inf / 4, C_inf / 16],
      bootstrap: 100,
    });
    const l = a.levels[0]!;
    expect(l.loss!.best.N).toBe(4e3);
    expect(l.t2!.best.N).toBe(2e3);
    expect(l.shift.by_C_inf.map((d) => [d.C_inf, d.best_N, d.direction])).toEqual([
      [C_inf, 2e3, 'smaller'],
      [C_inf / 4, 2e3, 'smaller'],
      [C_inf / 16, 4e3, 'same'],
    ]);
    // Same run at C_inf/16 is not yet a reversal: a larger T² size is. Make 8e3 win there.
    const ps2 = (N: number) => (N === 8e3 ? half(0.99) : N === 4e3 ? half(0.3) : ps(N));
    const b = isoflopAnalysis(level(1e11, Ns, 4e3, 0, { ps: ps2 }), {
      C_inf,
      C_inf_list: [C_inf / 4, C_inf / 16],
      bootstrap: 100,
    });
    const m = b.levels[0]!;
    expect(m.t2!.best.N).toBe(2e3);
    expect(m.shift.kind).toBe('reverses');
    expect(m.shift.reverses_at).toEqual([C_inf / 16]);
    expect(m.ratio).toBeNull();
    const text = formatIsoflop(b);
    expect(text).toMatch(/reverses at C_inf = 1\.25e\+4 \(T² best N 8,000\): not a measured shift/);
    expect(text).not.toMatch(/\(D\*\/N\*\)_T² \/ \(D\*\/N\*\)_loss/);
  });

  it('seed noise larger than the gaps: the optimum is printed as not resolved', () => {
    const a = isoflopAnalysis(level(1e11, sizes, 8e3, 3e3, { seeds: 3, noise: 0.05, curv: 0.01 }), {
      C_inf,
      bootstrap: 100,
    });
    const l = a.levels[0]!;
    expect(l.loss!.resolved).toBe(false);
    expect(l.loss!.gaps.every((g) => g.measured)).toBe(true);
    expect(l.loss!.gaps.some((g) => g.gap < g.noise!)).toBe(true);
    expect(a.seed_noise.loss).toBeGreaterThan(0.02);
    expect(l.notes.join(' ')).toMatch(/loss optimum not resolved: its gap to N = \d+/);
    expect(formatIsoflop(a)).toMatch(/loss {3}best N [\d,]+ .*: NOT resolved/);
  });

  it('with one seed everywhere the noise is not measured, and no optimum is called resolved', () => {
    const a = isoflopAnalysis(level(1e11, sizes, 1.2e4, 3e3), { C_inf, bootstrap: 20 });
    expect(a.levels[0]!.loss!.resolved).toBeNull();
    expect(formatIsoflop(a)).toMatch(/no size has 2 seeds: seed noise is not measured/);
  });

  it("sets the T² optimum's pass@k beside chance's, when records carry questions[i].chance", () => {
    const low = isoflopAnalysis(level(1e11, sizes, 1.2e4, 3e3, { chance: 0.01 }), {
      C_inf,
      bootstrap: 20,
    });
    const l = low.levels[0]!;
    expect(low.has_chance).toBe(true);
    expect(l.chance!.k).toBeCloseTo(C_inf / (2 * 4e3), 9);
    expect(l.chance!.chance).toBeCloseTo(chancePassAtK([0.01], l.chance!.k), 12);
    expect(l.chance!.twice).toBe(true);
    expect(formatIsoflop(low)).toMatch(/chance@k/);
    const high = isoflopAnalysis(level(1e11, sizes, 1.2e4, 3e3, { chance: 0.05 }), {
      C_inf,
      bootstrap: 20,
    }).levels[0]!;
    expect(high.chance!.twice).toBe(false);
    expect(high.notes.join(' ')).toMatch(/less than twice chance/);
    const none = isoflopAnalysis(level(1e11, sizes, 1.2e4, 3e3), { C_inf, bootstrap: 20 });
    expect(none.has_chance).toBe(false);
    expect(none.levels[0]!.chance).toBeNull();
  });

  it('the trend with C_train: a shift that grows across levels', () => {
    const recs = [
      ...level(1e11, sizes, 8e3, 4e3),
      ...level(4e11, sizes, 1.6e4, 4e3),
      ...level(1.6e12, sizes, 3.2e4, 4e3),
    ];
    const a = isoflopAnalysis(recs, { C_inf, C_inf_list: [], bootstrap: 20 });
    expect(a.levels.map((l) => l.shift.kind)).toEqual(['shift', 'shift', 'shift']);
    expect(a.trend.slope!).toBeGreaterThan(0);
    expect(a.trend.text).toMatch(/grows with C_train/);
  });

  // The committed addition-only grid (docs/results/t2): what issue 22 diagnosed from its records.
  it('on the committed t2 results: same run at 1.6e11, reversed at C_inf/16, no ratio with an interval there', () => {
    const { records } = parseRecordsJsonl(
      readFileSync(new URL('../../docs/results/t2/results.jsonl', import.meta.url), 'utf8'),
    );
    const a = isoflopAnalysis(records, { bootstrap: 200 });
    expect(a.C_inf).toBe(2e5 + 192);
    const top = a.levels.find((l) => l.C_train === 1.6e11)!;
    expect(top.loss!.best.N).toBe(3312);
    expect(top.t2!.best.N).toBe(3312);
    expect(top.shift.kind).toBe('same_run');
    expect(top.ratio).toBeNull();
    expect(top.shift.reverses_at.map((c) => c / a.C_inf)).toEqual([1 / 16]);
    expect(top.loss!.resolved).toBe(false);
    const text = formatIsoflop(a);
    expect(text).toMatch(
      /same run \(N = 3,312\): no measured shift .*reverses at C_inf = 1\.25e\+4/,
    );
  });
});
