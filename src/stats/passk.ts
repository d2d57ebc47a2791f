// src/stats/: pass@k estimators, bootstrap, special functions. Imports util; imported by sample,
// sweep, fit, report, worker, node, web (layers: test/structure.test.ts).
//
// pass@k two ways (T2.md): from n graded samples per question (Chen et al.'s unbiased estimator) and
// from the likelihood p_i of the gold answer (exact for every k). The task score is the mean over
// questions; its interval is a percentile bootstrap over questions.
import { Rng } from '../util/rng.ts';

/** pass@k at each k, with a bootstrap interval over questions. */
export interface PassAtK {
  k: number[];
  value: number[]; // mean over questions
  lo: number[]; // 2.5% bootstrap quantile
  hi: number[]; // 97.5% bootstrap quantile
}

/** What guessing gets: pass@k of a guesser that knows each answer's format (mean over questions, exact). */
export interface ChanceAtK {
  k: number[];
  value: number[];
}

/** The pass@k tables of a set of questions: from samples, from p_i, and (when known) by chance. */
export interface PassAtKTables {
  sampling: PassAtK;
  likelihood: PassAtK;
  /** Present when every question carries its chance baseline. */
  chance?: ChanceAtK;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min)
    throw new Error(`pass@k: ${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Unbiased pass@k from n samples with c correct: 1 − C(n−c, k)/C(n, k) = 1 − ∏_{j=n−c+1}^{n} (1 − k/j).
 * The product is summed in log space (log1p) and subtracted with expm1, so a value near 0 keeps its
 * digits. The plug-in 1 − (1 − c/n)^k is biased; don't use it.
 */
export function passAtKUnbiased(n: number, c: number, k: number): number {
  checkCount('n', n, 1);
  checkCount('c', c, 0);
  checkCount('k', k, 1);
  if (c > n) throw new Error(`pass@k: c = ${c} correct exceeds n = ${n} samples`);
  if (k > n)
    throw new Error(
      `pass@k: k = ${k} exceeds n = ${n} samples; the unbiased estimator needs n >= k`,
    );
  if (c === 0) return 0;
  if (n - c < k) return 1; // every draw of k samples contains a correct one
  let logMiss = 0; // log C(n−c, k)/C(n, k)
  for (let j = n - c + 1; j <= n; j++) logMiss += Math.log1p(-k / j);
  return -Math.expm1(logMiss);
}

/** pass@k = 1 − (1 − p)^k for single-sample success probability p, stably: −expm1(k·log1p(−p)). k may be fractional. */
export function passAtKFromP(p: number, k: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`pass@k: p must be in [0, 1], got ${p}`);
  if (!(k >= 0) || !Number.isFinite(k))
    throw new Error(`pass@k: k must be finite and >= 0, got ${k}`);
  if (k === 0) return 0;
  if (p === 1) return 1;
  return -Math.expm1(k * Math.log1p(-p));
}

/** q-quantile of a sorted array, linear interpolation between order statistics (R's type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface PassAtKTableOptions {
  /** Bootstrap resamples of the questions (default 1000). */
  resamples?: number;
  /** Seed of the resampling (default 0): the same data and seed give the same interval. */
  seed?: number;
}

/**
 * pass@k at each k by both methods, mean over questions with a 2.5–97.5% percentile bootstrap interval
 * (questions resampled with replacement; the same resamples serve every k and both methods).
 * The sampling table covers only the k <= min n (the unbiased estimator needs n >= k); the likelihood
 * table covers every k. The chance table (when every question has its `chance`) is exact: no interval.
 */
export function passAtKTable(
  questions: { n: number; c: number; p: number; chance?: number }[],
  ks: number[],
  opts: PassAtKTableOptions = {},
): PassAtKTables {
  const Q = questions.length;
  if (Q === 0) throw new Error('pass@k: no questions');
  const resamples = opts.resamples ?? 1000;
  checkCount('resamples', resamples, 1);
  const minN = Math.min(...questions.map((q) => q.n));
  const sampledKs = ks.filter((k) => k <= minN);
  // values[k][question]
  const sampling = sampledKs.map((k) => questions.map((q) => passAtKUnbiased(q.n, q.c, k)));
  const likelihood = ks.map((k) => questions.map((q) => passAtKFromP(q.p, k)));

  const rng = new Rng(opts.seed ?? 0);
  const bootS = sampledKs.map(() => new Float64Array(resamples));
  const bootL = ks.map(() => new Float64Array(resamples));
  const idx = new Int32Array(Q);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < Q; i++) idx[i] = rng.int(Q);
    for (const [vals, boot] of [
      [sampling, bootS],
      [likelihood, bootL],
    ] as const) {
      for (let j = 0; j < vals.length; j++) {
        const v = vals[j]!;
        let s = 0;
        for (let i = 0; i < Q; i++) s += v[idx[i]!]!;
        boot[j]![r] = s / Q;
      }
    }
  }
  const table = (kList: number[], vals: number[][], boot: Float64Array[]): PassAtK => ({
    k: [...kList],
    value: vals.map((v) => v.reduce((a, b) => a + b, 0) / Q),
    lo: boot.map((b) => quantileSorted(b.sort(), 0.025)),
    hi: boot.map((b) => quantileSorted(b.sort(), 0.975)),
  });
  const out: PassAtKTables = {
    sampling: table(sampledKs, sampling, bootS),
    likelihood: table(ks, likelihood, bootL),
  };
  if (questions.every((q) => q.chance !== undefined))
    out.chance = {
      k: [...ks],
      value: ks.map((k) => questions.reduce((s, q) => s + passAtKFromP(q.chance!, k), 0) / Q),
    };
  return out;
}
