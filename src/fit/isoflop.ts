// The direct answer, with no law in between (T2.md, "Measuring the shift directly"): per isoFLOP level
// (runs with the same C_train = 6·N·D), the held-out losses locate N_loss* (Chinchilla's Approach 2) and
// pass@k at k = C_inf/(2N) locates N_T²* (exact from p_i for any k, fractional k included); pass@1 is
// located the same way. Since D/N = C/(6N²), the ratio of the two D*/N* is (N_loss*/N_T²*)².
//
// The answer knows its resolution (issue 22, item 6):
// - Each optimum is given twice: the measured-best size (a run that was trained) and the vertex of a
//   parabola in ln N through it and up to WINDOW sizes on each side. A vertex between two grid points
//   is an interpolation; only the measured sizes say whether two optima differ.
// - Intervals come from a bootstrap over questions (every run of a sweep is graded on the same questions,
//   so they are resampled jointly) and over seeds (resampled per size; a size with one seed gets the
//   pooled seed noise). A resample whose optimum falls at the level's edge is kept, at the edge, and
//   counted: the fraction at each edge is reported, and an interval that reaches an edge is a bound there.
// - Where a size has ≥ 2 seeds its seed SD is reported, and each optimum's gaps to its neighbours are set
//   beside the noise of those gaps: an optimum whose gap is smaller than the noise is "not resolved".
// - Two optima at the same measured run ("same run: no measured shift"), or a T² optimum at a larger
//   size than the loss optimum at any C_inf of the list ("reverses at C_inf = …"), are said so and never
//   given as a ratio with an interval (`ratio` is null then; `shift` says why).
// - D*/N* is given with N non-embedding (as C_train = 6·N·D counts it) and with all parameters.
// - Where records carry a per-question chance baseline (`questions[i].chance`: the pass@1 of a guesser
//   that knows the answer's format), the T² optimum's pass@k is set beside chance's pass@k at its k.
import type { RunRecord } from '../sweep/record.ts';
import { passAtKFromP, quantileSorted } from '../stats/passk.ts';
import { Rng } from '../util/rng.ts';

/** One size of one level: its runs' seeds averaged. */
export interface IsoflopPoint {
  N: number;
  /** Parameters with embeddings (all parameters). */
  N_total: number;
  D: number;
  /** D/N with N non-embedding, and with all parameters. */
  ratio: number;
  ratio_total: number;
  /** Held-out loss, mean over seeds. */
  loss: number;
  /** Seed-to-seed SD of the held-out loss at this size (null with one seed). */
  loss_sd: number | null;
  /** k = C_inf/(2N) (fractional) and the measured pass@k there, from p_i, mean over seeds. */
  k: number;
  pass: number;
  /** pass@1 from p_i, mean over seeds. */
  pass1: number;
  /** Chance's pass@k at this k and its pass@1 (mean over questions of `chance`); null when records lack it. */
  chance_pass: number | null;
  chance1: number | null;
  /** pass@k from samples at k rounded to an integer, log-interpolated between the sampled k (null when k > n). */
  pass_sampled: number | null;
  seeds: number;
  ids: string[];
}

/** The gap in the located quantity between an optimum's measured-best size and one neighbour. */
export interface IsoflopGap {
  /** The neighbour's N (non-embedding). */
  N: number;
  /** How much worse the neighbour is (loss: higher by; pass: lower by, in ln pass@k): ≥ 0. */
  gap: number;
  /** Standard error of that gap from seed noise (each size's own SD when it has ≥ 2 seeds, else the pooled SD); null when no size has 2 seeds. */
  noise: number | null;
  /** True when the neighbour's SD was measured at both sizes (≥ 2 seeds each), false when pooled. */
  measured: boolean;
}

/** The vertex of a parabola y = a·x² + b·x + c in x = ln N, with its bootstrap interval, and the measured best. */
export interface IsoflopOptimum {
  N: number;
  lo: number;
  hi: number;
  /**
   * The interval counts resamples whose optimum fell at the level's edge (placed at the edge size): when
   * its lower end is the smallest size (lo_bound) the optimum may lie below it, when its upper end is
   * the largest size (hi_bound) above it.
   */
  lo_bound: boolean;
  hi_bound: boolean;
  /** Fraction of resamples whose optimum fell at (or beyond) the smallest and the largest size. */
  edge_frac: { low: number; high: number };
  D_over_N: number;
  /** D/N at the interval's ends (D/N falls as N grows, so lo comes from hi and vice versa). */
  D_over_N_lo: number;
  D_over_N_hi: number;
  /** N* with all parameters (interpolated in ln N between sizes) and D*:N* counting them. */
  N_total: number;
  D_over_N_total: number;
  /** Samples per question at the optimum, C_inf/(2N*) (1 for the loss optimum, which ignores inference). */
  k: number;
  /** Parabola coefficients in ln N: [a, b, c], fitted on the sizes in `window` only. */
  parabola: [number, number, number];
  /** The sizes the parabola went through: the measured extremum and up to WINDOW sizes on each side. */
  window: [number, number];
  /** True when the measured extremum is an interior size and the vertex lies strictly inside the level's N range. */
  inside: boolean;
  /** Fraction of bootstrap resamples whose vertex was of the right kind and inside the range. */
  inside_frac: number;
  /**
   * null when bracketed. Otherwise the measured extremum is an edge size and N is that size: the true
   * optimum is 'at_most' N (the smallest size) or 'at_least' N (the largest); lo and hi are NaN.
   */
  bound: 'at_most' | 'at_least' | null;
  /** The measured-best size: a run that was trained, and how often resamples agree on it. */
  best: {
    N: number;
    N_total: number;
    D_over_N: number;
    D_over_N_total: number;
    k: number;
    /** The located value there: loss, pass@1 or pass@k. */
    value: number;
    /** Fraction of bootstrap resamples whose measured best is this same size. */
    frac: number;
  };
  /** Gaps to the measured best's neighbours (one or two), against their seed noise. */
  gaps: IsoflopGap[];
  /** False when a gap that places the optimum is smaller than its seed noise; null when no seed noise was measured. */
  resolved: boolean | null;
}

/** How the T² optimum stands against the loss optimum at one C_inf. */
export interface IsoflopDirection {
  C_inf: number;
  /** The T² measured-best size and its k there; the vertex (null when at an edge or missing). */
  best_N: number;
  k: number;
  vertex_N: number | null;
  at_edge: 'low' | 'high' | null;
  /** Against the loss's measured best: at a smaller size (the T² direction), the same run, or a larger one (reversed). */
  direction: 'smaller' | 'same' | 'larger';
}

/**
 * What a level says about the shift. kind:
 * - 'shift': both optima bracketed, at different measured sizes, the T² one smaller at every C_inf;
 * - 'bound': the T² optimum is at most the smallest size (the ratio is a lower bound);
 * - 'same_run': both measured bests are the same run: no measured shift;
 * - 'reversed': the T² measured best is at a larger size than the loss's, at this C_inf;
 * - 'reverses': smaller here, but larger at another C_inf of the list (reverses_at);
 * - 'none': an optimum is missing or at an edge that says nothing about the direction.
 */
export interface IsoflopShift {
  kind: 'shift' | 'bound' | 'same_run' | 'reversed' | 'reverses' | 'none';
  /** One line saying it, as `t2lab fit` prints it. */
  text: string;
  /** (D/N)_T² ÷ (D/N)_loss of the two measured-best runs, N non-embedding and all parameters. */
  measured: number | null;
  measured_total: number | null;
  /** (N_loss* ÷ N_T²*)² from the vertices (an interpolation between grid points). */
  vertex: number | null;
  /** Fraction of resamples in which both measured bests are the same size. */
  same_run_frac: number;
  /** The T² optimum at each C_inf of the list. */
  by_C_inf: IsoflopDirection[];
  /** The C_inf of the list at which the T² measured best sits at a larger size than the loss's. */
  reverses_at: number[];
}

export interface IsoflopLevel {
  /** The level's C_train (6·N·D, N non-embedding), as the experiment named it. */
  C_train: number;
  label: string;
  points: IsoflopPoint[];
  N_range: [number, number];
  loss: IsoflopOptimum | null;
  /** The pass@1 optimum (k = 1 for every size: no inference budget). */
  pass1: IsoflopOptimum | null;
  t2: IsoflopOptimum | null;
  /**
   * (D*:N*)_T² over (D*:N*)_loss, = (N_loss* / N_T²*)², from the vertices, with its bootstrap interval
   * (edge outcomes included, at the edge; edge_frac of resamples had one). null whenever the shift is
   * not a measured one: same run, reversed at some C_inf, or an optimum missing.
   */
  ratio: {
    value: number;
    lo: number;
    hi: number;
    bound: 'at_least' | null;
    /** The same ratio with all parameters counted in N. */
    value_total: number;
    edge_frac: number;
  } | null;
  shift: IsoflopShift;
  /** The T² optimum's measured pass@k beside chance's at the same k (null when records carry no `chance`). */
  chance: { k: number; pass: number; chance: number; twice: boolean } | null;
  /** Why an optimum is missing or not to be trusted. */
  notes: string[];
}

export interface IsoflopTrend {
  /** Per level: C_train, the shift's kind, and the measured and vertex ratios where there is a shift. */
  levels: {
    C_train: number;
    kind: IsoflopShift['kind'];
    measured: number | null;
    vertex: number | null;
  }[];
  /** Least-squares slope of ln(vertex ratio) on ln C_train over the levels with a measured shift (null with < 2). */
  slope: number | null;
  text: string;
}

export interface IsoflopAnalysis {
  C_inf: number;
  /** Every C_inf the direction was checked at: C_inf, 2·N_max, C_inf/4, C_inf/16 (or as given). */
  C_inf_list: number[];
  levels: IsoflopLevel[];
  bootstrap: number;
  /** Pooled seed-to-seed SD of the loss, of ln pass@k and of ln pass@1, from the (level, size) groups with several seeds. */
  seed_noise: { loss: number; log_pass: number; log_pass1: number; groups: number };
  /** The shift against C_train across levels. */
  trend: IsoflopTrend;
  /** Whether any record carried a per-question `chance`. */
  has_chance: boolean;
}

export interface IsoflopOptions {
  /** Inference FLOPs per served token (2·N·k); default 2·(largest N among the records): k ≈ 1 for it. */
  C_inf?: number;
  /** Further C_inf at which the direction is checked (default 2·N_max, C_inf/4 and C_inf/16). */
  C_inf_list?: number[];
  /** Bootstrap resamples (default 1000). */
  bootstrap?: number;
  seed?: number;
}

/**
 * Level of a run: its experiment budget label "C=6.0e+10" in an id "<model>/C=…/s<seed>". D/N runs and a
 * calibration scan's runs ("…/C=…/lr=0.01/s1": several settings at one size) are on no level.
 */
export function levelOf(r: Pick<RunRecord, 'id'>): number | null {
  const m = /^[^/]+\/C=([0-9.e+-]+)\/s\d+$/.exec(r.id);
  return m ? Number(m[1]) : null;
}

/** Least-squares parabola through (x, y); null with fewer than 3 distinct x. */
export function fitParabola(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): [number, number, number] | null {
  const n = x.length;
  if (new Set(Array.from(x)).size < 3) return null;
  // Normal equations on centred x (better conditioned), solved by Cramer's rule on the 3×3 system.
  let mx = 0;
  for (let i = 0; i < n; i++) mx += x[i]!;
  mx /= n;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    t0 = 0,
    t1 = 0,
    t2 = 0;
  for (let i = 0; i < n; i++) {
    const u = x[i]! - mx,
      v = y[i]!;
    s0 += 1;
    s1 += u;
    s2 += u * u;
    s3 += u * u * u;
    s4 += u * u * u * u;
    t0 += v;
    t1 += u * v;
    t2 += u * u * v;
  }
  const det3 = (m: number[]) =>
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
  const M = [s4, s3, s2, s3, s2, s1, s2, s1, s0];
  const det = det3(M);
  if (!(Math.abs(det) > 0)) return null;
  const A = det3([t2, s3, s2, t1, s2, s1, t0, s1, s0]) / det;
  const B = det3([s4, t2, s2, s3, t1, s1, s2, t0, s0]) / det;
  const C = det3([s4, s3, t2, s3, s2, t1, s2, s1, t0]) / det;
  // Back from u = x − mx: a·x² + (b − 2a·mx)·x + (a·mx² − b·mx + c).
  return [A, B - 2 * A * mx, A * mx * mx - B * mx + C];
}

/** Sizes on each side of a level's measured extremum that its parabola goes through. */
export const WINDOW = 2;

/** x of the vertex when the parabola opens the right way (min: a > 0, max: a < 0), else null. */
function vertex(p: [number, number, number] | null, mode: 'min' | 'max'): number | null {
  if (!p) return null;
  const [a, b] = p;
  if (mode === 'min' ? !(a > 0) : !(a < 0)) return null;
  return -b / (2 * a);
}

/** The q-quantile of a bootstrap sample (NaN when empty), by src/stats' interpolation. */
const quantile = (xs: number[], q: number): number =>
  xs.length
    ? quantileSorted(
        [...xs].sort((a, b) => a - b),
        q,
      )
    : NaN;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean over questions of pass@k from p_i (exact, fractional k allowed), with an optional resample of question indices. */
function passFromP(r: RunRecord, k: number, idx?: Int32Array): number {
  const qs = r.questions;
  if (!idx) return qs.reduce((s, q) => s + passAtKFromP(q.p, k), 0) / qs.length;
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += passAtKFromP(qs[idx[i]!]!.p, k);
  return s / idx.length;
}

/** pass@k from the samples' table at fractional k: linear in ln k between the sampled k; null past the largest. */
function passSampled(r: RunRecord, k: number): number | null {
  const t = r.pass_at_k.sampling;
  if (!t.k.length || k > t.k[t.k.length - 1]! || k < t.k[0]!)
    return k < (t.k[0] ?? 1) ? (t.value[0] ?? null) : null;
  for (let j = 0; j < t.k.length; j++) {
    if (t.k[j] === k) return t.value[j]!;
    if (t.k[j]! > k) {
      const k0 = t.k[j - 1]!,
        k1 = t.k[j]!,
        w = Math.log(k / k0) / Math.log(k1 / k0);
      return t.value[j - 1]! * (1 - w) + t.value[j]! * w;
    }
  }
  return null;
}

/** Per-question chance baselines of a record (`questions[i].chance`), or null when any question lacks one. */
export function chanceOf(r: RunRecord): number[] | null {
  const c = r.questions.map((q) => (q as { chance?: unknown }).chance);
  return c.length && c.every((x) => typeof x === 'number' && x >= 0 && x <= 1)
    ? (c as number[])
    : null;
}

/** Chance's pass@k: the mean over questions of 1 − (1 − chance_i)^k. */
export function chancePassAtK(chance: number[], k: number): number {
  return mean(chance.map((c) => passAtKFromP(c, k)));
}

const sd = (xs: number[]): number | null => {
  if (xs.length < 2) return null;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};
const PASS_FLOOR = 1e-12; // log pass@k of a level where a size solves nothing would be −∞
const lnPass = (p: number) => Math.log(Math.max(p, PASS_FLOOR));
/** Two C_inf are the same when they agree to 1e-9 relative. */
const sameC = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(a, b);

/** Every isoFLOP level of a sweep's records, analysed directly. Diverged runs are left out (and named). */
export function isoflopAnalysis(records: RunRecord[], opts: IsoflopOptions = {}): IsoflopAnalysis {
  const usable = records.filter(
    (r) => !r.diverged && Number.isFinite(r.eval_loss) && r.questions.length > 0,
  );
  const Nmax = Math.max(...usable.map((r) => r.N_nonemb));
  const C_inf = opts.C_inf ?? 2 * Nmax;
  const C_inf_list: number[] = [];
  // The main C_inf first, then the others from the largest down.
  for (const c of [
    C_inf,
    ...[...(opts.C_inf_list ?? [2 * Nmax, C_inf / 4, C_inf / 16])].sort((a, b) => b - a),
  ])
    if (c > 0 && Number.isFinite(c) && !C_inf_list.some((x) => sameC(x, c))) C_inf_list.push(c);
  const B = opts.bootstrap ?? 1000;
  const byLevel = new Map<number, RunRecord[]>();
  for (const r of usable) {
    const c = levelOf(r);
    if (c !== null) byLevel.set(c, [...(byLevel.get(c) ?? []), r]);
  }
  const noise = seedNoise([...byLevel.values()].flat(), C_inf);
  const levels: IsoflopLevel[] = [];
  for (const [C, runs] of [...byLevel].sort((a, b) => a[0] - b[0])) {
    levels.push(analyseLevel(C, runs, C_inf, C_inf_list, B, new Rng(opts.seed ?? 0), noise));
    const skipped = records.filter((r) => levelOf(r) === C && !usable.includes(r));
    if (skipped.length)
      levels[levels.length - 1]!.notes.push(
        `left out (diverged or not evaluated): ${skipped.map((r) => r.id).join(', ')}`,
      );
  }
  return {
    C_inf,
    C_inf_list,
    levels,
    bootstrap: B,
    seed_noise: noise,
    trend: trendOf(levels),
    has_chance: usable.some((r) => chanceOf(r) !== null),
  };
}

/**
 * Seed-to-seed standard deviation of the held-out loss, of ln pass@k (at k = C_inf/(2N)) and of ln pass@1,
 * pooled over every (level, size) that has several seeds. A size trained with one seed cannot show its own
 * seed noise, so the bootstrap gives it this much. Zero when no size has two seeds.
 */
function seedNoise(runs: RunRecord[], C_inf: number): IsoflopAnalysis['seed_noise'] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `${levelOf(r)}/${r.N_nonemb}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let ssL = 0,
    ssP = 0,
    ss1 = 0,
    dof = 0,
    n = 0;
  for (const rs of groups.values()) {
    if (rs.length < 2) continue;
    const k = C_inf / (2 * rs[0]!.N_nonemb);
    const ss = (v: number[]) => {
      const m = mean(v);
      return v.reduce((a, x) => a + (x - m) ** 2, 0);
    };
    ssL += ss(rs.map((r) => r.eval_loss));
    ssP += ss(rs.map((r) => lnPass(passFromP(r, k))));
    ss1 += ss(rs.map((r) => lnPass(passFromP(r, 1))));
    dof += rs.length - 1;
    n++;
  }
  return dof
    ? {
        loss: Math.sqrt(ssL / dof),
        log_pass: Math.sqrt(ssP / dof),
        log_pass1: Math.sqrt(ss1 / dof),
        groups: n,
      }
    : { loss: 0, log_pass: 0, log_pass1: 0, groups: 0 };
}

type Mode = 'min' | 'max';

function analyseLevel(
  C: number,
  runs: RunRecord[],
  C_inf: number,
  C_inf_list: number[],
  B: number,
  rng: Rng,
  noise: IsoflopAnalysis['seed_noise'],
): IsoflopLevel {
  const sizes = [...new Set(runs.map((r) => r.N_nonemb))].sort((a, b) => a - b);
  const bySize = sizes.map((N) => runs.filter((r) => r.N_nonemb === N));
  const Q = Math.min(...runs.map((r) => r.questions.length));
  const kOf = (N: number, ci = C_inf) => ci / (2 * N);
  const chances = bySize.map((rs) => {
    const cs = rs.map(chanceOf);
    return cs.every((c) => c !== null) ? (cs as number[][]) : null;
  });
  const points: IsoflopPoint[] = bySize.map((rs, i) => {
    const N = rs[0]!.N_nonemb,
      k = kOf(N),
      D = mean(rs.map((r) => r.D)),
      N_total = mean(rs.map((r) => r.N));
    const sampled = rs.map((r) => passSampled(r, k));
    const ch = chances[i];
    return {
      N,
      N_total,
      D,
      ratio: D / N,
      ratio_total: D / N_total,
      loss: mean(rs.map((r) => r.eval_loss)),
      loss_sd: sd(rs.map((r) => r.eval_loss)),
      k,
      pass: mean(rs.map((r) => passFromP(r, k))),
      pass1: mean(rs.map((r) => passFromP(r, 1))),
      chance_pass: ch ? mean(ch.map((c) => chancePassAtK(c, k))) : null,
      chance1: ch ? mean(ch.map((c) => chancePassAtK(c, 1))) : null,
      pass_sampled: sampled.every((v) => v !== null) ? mean(sampled as number[]) : null,
      seeds: rs.length,
      ids: rs.map((r) => r.id),
    };
  });
  const lnN = sizes.map(Math.log);
  const last = sizes.length - 1;
  const [xlo, xhi] = [lnN[0]!, lnN[last]!];
  const inside = (x: number | null) => x !== null && x > xlo && x < xhi;
  // All parameters at an N between sizes: linear in ln N_total against ln N between neighbouring sizes.
  const lnTot = points.map((p) => Math.log(p.N_total));
  const totalAt = (x: number): number => {
    if (sizes.length === 1) return points[0]!.N_total;
    let j = 0;
    while (j < last - 1 && x > lnN[j + 1]!) j++;
    const w = (x - lnN[j]!) / (lnN[j + 1]! - lnN[j]!);
    return Math.exp(lnTot[j]! + w * (lnTot[j + 1]! - lnTot[j]!));
  };

  // Each optimum is the vertex of a parabola through the measured extremum and up to WINDOW sizes on
  // each side (a level spans ~2 decades of N and its far ends are not parabolic: loss climbs steeply at
  // D/N ~ 1). The measured extremum must be an interior size: one at the edge is not bracketed.
  const locate = (y: number[], mode: Mode) => {
    let best = 0;
    for (let i = 1; i < y.length; i++)
      if (mode === 'min' ? y[i]! < y[best]! : y[i]! > y[best]!) best = i;
    const i0 = Math.max(0, best - WINDOW),
      i1 = Math.min(last, best + WINDOW);
    const parabola = fitParabola(lnN.slice(i0, i1 + 1), y.slice(i0, i1 + 1));
    const bracketed = best > 0 && best < last;
    return {
      x: bracketed ? vertex(parabola, mode) : null,
      bracketed,
      best,
      parabola,
      window: [sizes[i0]!, sizes[i1]!] as [number, number],
    };
  };
  // A bootstrap outcome: the vertex, or the edge size when the measured extremum or the vertex is at or
  // beyond an edge (kept in the interval as a bound, and counted).
  const outcome = (y: number[], mode: Mode) => {
    const f = locate(y, mode);
    let x: number,
      edge: 'low' | 'high' | null = null;
    if (f.best === 0 || (f.x !== null && f.x <= xlo)) ((x = xlo), (edge = 'low'));
    else if (f.best === last || (f.x !== null && f.x >= xhi)) ((x = xhi), (edge = 'high'));
    else x = f.x ?? lnN[f.best]!;
    return { x, edge, best: f.best };
  };

  // Per seed, per size: what the optima are located on (loss; ln pass@1; ln pass@k at C_inf).
  const perSeed = {
    loss: bySize.map((rs) => rs.map((r) => r.eval_loss)),
    pass1: bySize.map((rs) => rs.map((r) => lnPass(passFromP(r, 1)))),
    t2: bySize.map((rs) => rs.map((r) => lnPass(passFromP(r, kOf(r.N_nonemb))))),
  };
  const pooled = { loss: noise.loss, pass1: noise.log_pass1, t2: noise.log_pass };
  const y0 = {
    loss: points.map((p) => p.loss),
    pass1: points.map((p) => lnPass(p.pass1)),
    t2: points.map((p) => lnPass(p.pass)),
  };
  const modes = { loss: 'min', pass1: 'max', t2: 'max' } as const;
  const kinds = ['loss', 'pass1', 't2'] as const;
  type K = (typeof kinds)[number];
  const fit0 = {
    loss: locate(y0.loss, 'min'),
    pass1: locate(y0.pass1, 'max'),
    t2: locate(y0.t2, 'max'),
  };
  const notes: string[] = [];
  if (sizes.length < 3) notes.push(`only ${sizes.length} sizes: a parabola needs at least 3`);

  // Bootstrap: resample question indices (jointly across runs: the same questions grade every run) and,
  // per size, its seeds. All optima come from the same resample, so the ratio's interval is paired.
  const boot = {
    loss: { xs: [] as number[], low: 0, high: 0, same: 0 },
    pass1: { xs: [] as number[], low: 0, high: 0, same: 0 },
    t2: { xs: [] as number[], low: 0, high: 0, same: 0 },
  };
  const bootRatio: number[] = [];
  let sameRun = 0,
    ratioEdge = 0;
  const idx = new Int32Array(Q);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Q; i++) idx[i] = rng.int(Q);
    const y: Record<K, number[]> = { loss: [], pass1: [], t2: [] };
    for (const rs of bySize) {
      const pick = rs.map(() => rs[rng.int(rs.length)]!);
      const k = kOf(rs[0]!.N_nonemb);
      // One seed: its seed noise is drawn from the pooled estimate instead of resampled.
      const one = rs.length === 1;
      const jitter = (sdev: number) => (one ? sdev * rng.normal() : 0);
      y.loss.push(mean(pick.map((r) => r.eval_loss)) + jitter(noise.loss));
      y.pass1.push(lnPass(mean(pick.map((r) => passFromP(r, 1, idx)))) + jitter(noise.log_pass1));
      y.t2.push(lnPass(mean(pick.map((r) => passFromP(r, k, idx)))) + jitter(noise.log_pass));
    }
    const o = {} as Record<K, ReturnType<typeof outcome>>;
    for (const kind of kinds) {
      o[kind] = outcome(y[kind], modes[kind]);
      const s = boot[kind];
      s.xs.push(o[kind].x);
      if (o[kind].edge === 'low') s.low++;
      if (o[kind].edge === 'high') s.high++;
      if (o[kind].best === fit0[kind].best) s.same++;
    }
    if (o.loss.best === o.t2.best) sameRun++;
    if (o.loss.edge || o.t2.edge) ratioEdge++;
    bootRatio.push(Math.exp(2 * (o.loss.x - o.t2.x)));
  }
  const frac = (n: number) => (B ? n / B : NaN);

  const optimum = (kind: K, what: string): IsoflopOptimum | null => {
    const mode = modes[kind],
      fit = fit0[kind],
      y = y0[kind],
      isLoss = kind === 'loss';
    if (!fit.parabola) return null; // fewer than 3 sizes: already noted
    const extremum = isLoss ? 'minimum' : 'maximum';
    if (!fit.bracketed)
      notes.push(
        `${what}: the measured ${extremum} is at the ${fit.best === 0 ? 'smallest' : 'largest'} size (${sizes[fit.best]}): not bracketed, widen the level`,
      );
    // Not bracketed: the optimum lies at or beyond the edge size, which is all the level can say.
    const x = fit.bracketed ? fit.x : lnN[fit.best]!;
    if (x === null) {
      notes.push(`${what}: the parabola has no ${extremum} (it opens the wrong way)`);
      return null;
    }
    const N = Math.exp(x);
    const s = boot[kind];
    const qlo = fit.bracketed && B ? quantile(s.xs, 0.025) : NaN,
      qhi = fit.bracketed && B ? quantile(s.xs, 0.975) : NaN;
    const lo = Math.exp(qlo),
      hi = Math.exp(qhi);
    const ratio = (n: number) => C / (6 * n * n);
    const isInside = fit.bracketed && inside(x);
    if (fit.bracketed && !isInside)
      notes.push(
        `${what}: N* = ${N.toPrecision(3)} lies outside the level's sizes [${sizes[0]}, ${sizes[last]}]: widen the level`,
      );
    else if (isInside && s.low + s.high > 0.025 * B)
      notes.push(
        `${what}: ${pct(frac(s.low))} of bootstrap resamples put it at the smallest size, ${pct(frac(s.high))} at the largest: the interval reaches the level's edge`,
      );
    const bound = fit.bracketed
      ? null
      : fit.best === 0
        ? ('at_most' as const)
        : ('at_least' as const);
    // The gaps that place the measured best, against the seed noise of a difference of seed means.
    const own = perSeed[kind].map(sd);
    const se = (i: number) => {
      const v = own[i] ?? (noise.groups ? pooled[kind] : null);
      return v === null ? null : v / Math.sqrt(perSeed[kind][i]!.length);
    };
    const gaps: IsoflopGap[] = [fit.best - 1, fit.best + 1]
      .filter((j) => j >= 0 && j <= last)
      .map((j) => {
        const a = se(fit.best),
          c = se(j);
        return {
          N: sizes[j]!,
          gap: mode === 'min' ? y[j]! - y[fit.best]! : y[fit.best]! - y[j]!,
          noise: a === null || c === null ? null : Math.hypot(a, c),
          measured: own[fit.best] !== null && own[j] !== null,
        };
      });
    const judged = gaps.filter((g) => g.noise !== null);
    const resolved = judged.length ? judged.every((g) => g.gap > g.noise!) : null;
    if (resolved === false) {
      const g = judged.find((g) => !(g.gap > g.noise!))!;
      notes.push(
        `${what} not resolved: its gap to N = ${g.N} (${g.gap.toPrecision(2)}${isLoss ? ' nats' : ' in ln pass'}) is smaller than the seed noise of that gap (${g.noise!.toPrecision(2)})`,
      );
    }
    const p = points[fit.best]!;
    const Ntot = totalAt(x);
    return {
      N,
      lo,
      hi,
      lo_bound: fit.bracketed && qlo <= xlo + 1e-12,
      hi_bound: fit.bracketed && qhi >= xhi - 1e-12,
      edge_frac: { low: frac(s.low), high: frac(s.high) },
      D_over_N: ratio(N),
      D_over_N_lo: ratio(hi),
      D_over_N_hi: ratio(lo),
      N_total: Ntot,
      D_over_N_total: C / (6 * N * Ntot),
      k: kind === 't2' ? kOf(N) : 1,
      parabola: fit.parabola,
      window: fit.window,
      inside: isInside,
      inside_frac: frac(B - s.low - s.high),
      bound,
      best: {
        N: p.N,
        N_total: p.N_total,
        D_over_N: p.ratio,
        D_over_N_total: p.ratio_total,
        k: kind === 't2' ? p.k : 1,
        value: kind === 'loss' ? p.loss : kind === 'pass1' ? p.pass1 : p.pass,
        frac: frac(s.same),
      },
      gaps,
      resolved,
    };
  };
  const loss = optimum('loss', 'loss optimum');
  const pass1 = optimum('pass1', 'pass@1 optimum');
  const t2 = optimum('t2', 'T² optimum');

  // The T² optimum at every C_inf of the list, against the loss's measured best.
  const lb = fit0.loss.best;
  const by_C_inf: IsoflopDirection[] = C_inf_list.map((ci) => {
    const f = locate(
      bySize.map((rs) => lnPass(mean(rs.map((r) => passFromP(r, kOf(r.N_nonemb, ci)))))),
      'max',
    );
    return {
      C_inf: ci,
      best_N: sizes[f.best]!,
      k: kOf(sizes[f.best]!, ci),
      vertex_N: f.bracketed && inside(f.x) ? Math.exp(f.x!) : null,
      at_edge: f.best === 0 ? 'low' : f.best === last ? 'high' : null,
      direction: f.best < lb ? 'smaller' : f.best === lb ? 'same' : 'larger',
    };
  });
  const reverses_at = by_C_inf.filter((d) => d.direction === 'larger').map((d) => d.C_inf);
  const shift = shiftOf(loss, t2, points, fit0.loss.best, fit0.t2.best, by_C_inf, reverses_at);
  shift.same_run_frac = frac(sameRun);
  const ratio: IsoflopLevel['ratio'] =
    loss && t2 && (shift.kind === 'shift' || shift.kind === 'bound')
      ? {
          value: (loss.N / t2.N) ** 2,
          lo: shift.kind === 'shift' && B ? quantile(bootRatio, 0.025) : NaN,
          hi: shift.kind === 'shift' && B ? quantile(bootRatio, 0.975) : NaN,
          bound: shift.kind === 'bound' ? 'at_least' : null,
          value_total: (loss.N * loss.N_total) / (t2.N * t2.N_total),
          edge_frac: frac(ratioEdge),
        }
      : null;
  const tp = points[fit0.t2.best]!;
  const chance =
    t2 && tp.chance_pass !== null
      ? { k: tp.k, pass: tp.pass, chance: tp.chance_pass, twice: tp.pass >= 2 * tp.chance_pass }
      : null;
  if (chance && !chance.twice)
    notes.push(
      `T² optimum: its pass@${g(chance.k)} (${chance.pass.toFixed(3)}) is less than twice chance's (${chance.chance.toFixed(3)}): its wins may be guessing`,
    );
  return {
    C_train: C,
    label: `C=${C.toExponential(1)}`,
    points,
    N_range: [sizes[0]!, sizes[last]!],
    loss,
    pass1,
    t2,
    ratio,
    shift,
    chance,
    notes,
  };
}

/** What a level's two optima say about the shift, in words (see IsoflopShift). */
function shiftOf(
  loss: IsoflopOptimum | null,
  t2: IsoflopOptimum | null,
  points: IsoflopPoint[],
  lb: number,
  tb: number,
  by_C_inf: IsoflopDirection[],
  reverses_at: number[],
): IsoflopShift {
  const base = { same_run_frac: NaN, by_C_inf, reverses_at };
  const same = by_C_inf.filter((d) => d.direction === 'same').map((d) => d.C_inf);
  // The main C_inf (first of the list) is said by the kind itself; `rev` names the others.
  const others = reverses_at.filter((c) => c !== by_C_inf[0]?.C_inf);
  const rev = others.length
    ? `reverses at C_inf = ${others
        .map(
          (c) =>
            `${c.toExponential(2)} (T² best N ${g(by_C_inf.find((d) => d.C_inf === c)!.best_N)})`,
        )
        .join(', ')}`
    : '';
  if (!loss || !t2)
    return {
      ...base,
      kind: 'none',
      text: 'no shift: an optimum is missing',
      measured: null,
      measured_total: null,
      vertex: null,
    };
  const pl = points[lb]!,
    pt = points[tb]!;
  const measured = pt.ratio / pl.ratio,
    measured_total = pt.ratio_total / pl.ratio_total,
    vertex = (loss.N / t2.N) ** 2;
  const nums = { measured, measured_total, vertex };
  if (tb === lb)
    return {
      ...base,
      ...nums,
      kind: 'same_run',
      text: `same run (N = ${g(pl.N)}${loss.bound || t2.bound ? `, at the level's ${lb === 0 ? 'smallest' : 'largest'} size` : ''}): no measured shift${loss.bound || t2.bound ? '' : ` (the vertices alone, between grid points, would say ${g(vertex)}×)`}${rev ? `; ${rev}` : ''}`,
    };
  if (tb > lb)
    return {
      ...base,
      ...nums,
      kind: 'reversed',
      text: `reversed: the best pass@k is at a larger size (N = ${g(pt.N)}) than the best loss (N = ${g(pl.N)}): no shift toward small models${rev ? `; ${rev}` : ''}`,
    };
  if (loss.bound)
    return {
      ...base,
      ...nums,
      kind: 'none',
      text: `no ratio: the loss optimum is at the level's ${loss.bound === 'at_most' ? 'smallest' : 'largest'} size (not bracketed)${rev ? `; ${rev}` : ''}`,
    };
  if (others.length)
    return {
      ...base,
      ...nums,
      kind: 'reverses',
      text: `T² best at a smaller size here (N = ${g(pt.N)} vs ${g(pl.N)}), but the direction ${rev}: not a measured shift`,
    };
  const unresolved = [loss.resolved === false ? 'loss' : '', t2.resolved === false ? 'T²' : '']
    .filter(Boolean)
    .join(' and ');
  return {
    ...base,
    ...nums,
    kind: t2.bound === 'at_most' ? 'bound' : 'shift',
    text: `T² best at a smaller measured size (N = ${g(pt.N)} vs ${g(pl.N)}): the two measured runs' D/N differ ${g(measured)}× (all parameters: ${g(measured_total)}×)${same.length ? `; the same run as the loss's at C_inf = ${same.map((c) => c.toExponential(2)).join(', ')}` : ''}${unresolved ? `; the ${unresolved} optimum NOT resolved (a gap that places it is within seed noise)` : ''}`,
  };
}

/** The shift against C_train across levels: T² predicts it grows (T2.md, "Designing a toy grid"). */
function trendOf(levels: IsoflopLevel[]): IsoflopTrend {
  const rows = levels.map((l) => ({
    C_train: l.C_train,
    kind: l.shift.kind,
    measured: l.ratio ? l.shift.measured : null,
    vertex: l.ratio ? l.ratio.value : null,
  }));
  const pts = rows.filter((r) => r.kind === 'shift');
  let slope: number | null = null;
  if (pts.length >= 2) {
    const xs = pts.map((r) => Math.log(r.C_train)),
      ys = pts.map((r) => Math.log(r.vertex!));
    const mx = mean(xs),
      my = mean(ys);
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    slope = sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / sxx : null;
  }
  const each = rows
    .map(
      (r) =>
        `${r.C_train.toExponential(1)}: ${
          r.kind === 'shift'
            ? `${g(r.vertex!)}×`
            : r.kind === 'bound'
              ? `≥ ${g(r.vertex!)}× (bound)`
              : r.kind === 'same_run'
                ? 'same run'
                : r.kind === 'reversed'
                  ? 'reversed'
                  : r.kind === 'reverses'
                    ? 'reverses at another C_inf'
                    : 'no ratio'
        }`,
    )
    .join('; ');
  const verdict =
    slope === null
      ? `fewer than 2 levels with a measured shift: no trend with C_train can be read`
      : `over the ${pts.length} levels with a measured shift the ratio ${slope > 0 ? 'grows' : 'shrinks'} with C_train (slope ${slope.toFixed(2)} of ln ratio on ln C_train; T² predicts it grows)`;
  return { levels: rows, slope, text: `${each}. ${verdict}` };
}

const g = (x: number) =>
  Number.isFinite(x)
    ? Math.abs(x) >= 100
      ? Math.round(x).toLocaleString('en-US')
      : x.toPrecision(3)
    : '–';
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '–');

function textTable(header: string[], rows: string[][], indent: string): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => indent + r.map((c, i) => c.padStart(w[i]!)).join('  ');
  return [line(header), ...rows.map(line)];
}

/** One optimum as `t2lab fit` prints it: the measured best, its gaps and noise, then the vertex. */
function formatOptimum(
  o: IsoflopOptimum | null,
  name: string,
  kind: 'loss' | 'pass1' | 't2',
): string[] {
  const pad = ' '.repeat(name.length);
  if (!o) return [`${name} none`];
  const b = o.best;
  const value =
    kind === 'loss'
      ? `loss ${b.value.toFixed(4)}`
      : `pass@${kind === 't2' ? g(b.k) : '1'} ${b.value.toFixed(3)}`;
  const gaps = o.gaps.length
    ? `; gap${o.gaps.length > 1 ? 's' : ''} ${o.gaps
        .map(
          (x) =>
            `${kind === 'loss' ? x.gap.toFixed(4) : x.gap.toFixed(3)} to ${g(x.N)}${x.noise === null ? '' : ` (seed noise ${x.noise.toPrecision(2)}${x.measured ? '' : ', pooled'})`}`,
        )
        .join(
          ', ',
        )}${o.resolved === false ? ': NOT resolved' : o.resolved === null ? ': seed noise not measured' : ': resolved'}`
    : '';
  const out = [
    `${name} best N ${g(b.N)} (${value}; D/N ${g(b.D_over_N)}, all params ${g(b.D_over_N_total)}; the best in ${pct(b.frac)} of resamples)${gaps}`,
  ];
  if (o.bound)
    out.push(
      `${pad} vertex none: the measured ${kind === 'loss' ? 'minimum' : 'maximum'} is the level's ${o.bound === 'at_most' ? 'smallest' : 'largest'} size, so N* ${o.bound === 'at_most' ? '≤' : '≥'} ${g(o.N)}, D/N ${o.bound === 'at_most' ? '≥' : '≤'} ${g(o.D_over_N)} (not bracketed)`,
    );
  else {
    const lo = `${o.lo_bound ? '≤ ' : ''}${g(o.lo)}`,
      hi = `${o.hi_bound ? '≥ ' : ''}${g(o.hi)}`;
    const dlo = `${o.hi_bound ? '≤ ' : ''}${g(o.D_over_N_lo)}`,
      dhi = `${o.lo_bound ? '≥ ' : ''}${g(o.D_over_N_hi)}`;
    out.push(
      `${pad} vertex N* ${g(o.N)} [${lo}, ${hi}]  D/N ${g(o.D_over_N)} [${dlo}, ${dhi}], all params ${g(o.D_over_N_total)}${kind === 't2' ? `  k ${g(o.k)}` : ''}${o.inside ? '' : '  (NOT inside the level)'}; at an edge in ${pct(o.edge_frac.low)} (smallest) / ${pct(o.edge_frac.high)} (largest) of resamples`,
    );
  }
  return out;
}

// The per-level table `t2lab fit` prints: per size the measurements, then per optimum the measured best
// (with its gaps against seed noise) and the vertex (with its interval), then what the level says about
// the shift, at every C_inf of the list; last, the shift's trend with C_train.
export function formatIsoflop(a: IsoflopAnalysis): string {
  if (!a.levels.length)
    return 'isoFLOP levels: none (budgets given as D/N ratios, not FLOPs): no direct answer; the laws below extrapolate.';
  const n = a.seed_noise;
  const lines = [
    `isoFLOP levels, the direct answer (C_inf = ${a.C_inf.toExponential(2)}, k = C_inf/(2N); ${a.bootstrap} bootstrap resamples over questions and seeds, edge outcomes kept and counted;`,
    n.groups
      ? `  seed noise pooled from ${n.groups} multi-seed sizes, given to single-seed sizes: SD ${n.loss.toPrecision(2)} in loss, ${n.log_pass.toPrecision(2)} in ln pass@k, ${n.log_pass1.toPrecision(2)} in ln pass@1;`
      : '  no size has 2 seeds: seed noise is not measured, so no optimum can be called resolved;',
    `  direction checked at C_inf = ${a.C_inf_list.map((c) => c.toExponential(2)).join(', ')}; ${a.has_chance ? "chance = the pass@k of a guesser that knows the answer's format (questions[i].chance)" : 'the records carry no per-question chance baseline (questions[i].chance)'}):`,
  ];
  for (const l of a.levels) {
    lines.push(
      `  C_train ${l.C_train.toExponential(1)}: ${l.points.length} sizes, N ${g(l.N_range[0])}–${g(l.N_range[1])}, D/N ${g(Math.min(...l.points.map((p) => p.ratio)))}–${g(Math.max(...l.points.map((p) => p.ratio)))}`,
    );
    const hasChance = l.points.some((p) => p.chance_pass !== null);
    lines.push(
      ...textTable(
        [
          'N',
          'N all',
          'D/N',
          'D/N all',
          'seeds',
          'loss',
          '± seed SD',
          'pass@1',
          'k',
          'pass@k',
          ...(hasChance ? ['chance@1', 'chance@k'] : []),
        ],
        l.points.map((p) => [
          g(p.N),
          g(p.N_total),
          g(p.ratio),
          g(p.ratio_total),
          String(p.seeds),
          p.loss.toFixed(4),
          p.loss_sd === null ? '' : p.loss_sd.toFixed(4),
          p.pass1.toFixed(3),
          g(p.k),
          p.pass.toFixed(3),
          ...(hasChance
            ? [
                p.chance1 === null ? '–' : p.chance1.toFixed(3),
                p.chance_pass === null ? '–' : p.chance_pass.toFixed(3),
              ]
            : []),
        ]),
        '    ',
      ),
    );
    lines.push(...formatOptimum(l.loss, '    loss  ', 'loss'));
    lines.push(...formatOptimum(l.pass1, '    pass@1', 'pass1'));
    lines.push(...formatOptimum(l.t2, '    T²    ', 't2'));
    if (l.chance)
      lines.push(
        `    chance: the T² best's pass@${g(l.chance.k)} ${l.chance.pass.toFixed(3)} vs chance's ${l.chance.chance.toFixed(3)}: ${l.chance.twice ? 'at least twice chance' : 'NOT twice chance'}`,
      );
    lines.push(`    shift: ${l.shift.text}`);
    if (l.ratio)
      lines.push(
        `    (D*/N*)_T² / (D*/N*)_loss ${l.ratio.bound ? `≥ ${g(l.ratio.value)} (the loss vertex against the T² bound)` : `from the vertices = ${g(l.ratio.value)} [${g(l.ratio.lo)}, ${g(l.ratio.hi)}]`}, all params ${l.ratio.bound ? '≥ ' : ''}${g(l.ratio.value_total)}${l.ratio.bound ? '' : `; ${pct(l.ratio.edge_frac)} of resamples had an optimum at an edge (kept there)`}; same run in ${pct(l.shift.same_run_frac)} of resamples`,
      );
    lines.push(
      `    T² best by C_inf: ${l.shift.by_C_inf
        .map(
          (d) =>
            `${d.C_inf.toExponential(2)}: N ${g(d.best_N)}${d.at_edge ? ` (${d.at_edge === 'low' ? 'smallest' : 'largest'} size)` : ''}, k ${g(d.k)}, ${d.direction === 'smaller' ? 'smaller than' : d.direction === 'same' ? 'same run as' : 'LARGER than'} the loss's`,
        )
        .join('; ')}`,
    );
    for (const note of l.notes) lines.push(`    note: ${note}`);
  }
  lines.push(`  trend of the shift with C_train: ${a.trend.text}`);
  return lines.join('\n');
}
