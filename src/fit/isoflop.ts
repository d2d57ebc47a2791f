// The direct answer, with no law in between (T2.md, "Measuring the shift directly"): per isoFLOP level
// (runs with the same C_train = 6·N·D), a parabola in log N through the held-out losses gives N_loss*
// (Chinchilla's Approach 2), and a parabola in log N through log pass@k at k = C_inf/(2N) gives N_T²*
// (exact from p_i for any k, fractional k included). Since D/N = C/(6N²), the ratio of the two D*/N* is
// (N_loss*/N_T²*)². Intervals come from a bootstrap over questions (every run of a sweep is graded on the
// same questions, so they are resampled jointly) and over seeds (resampled per size). Each parabola goes
// through the level's measured extremum and up to WINDOW sizes on each side. An optimum whose measured
// extremum is the smallest or largest size is not bracketed, and is marked so (inside: false).
import type { RunRecord } from '../sweep/record.ts';
import { passAtKFromP, quantileSorted } from '../stats/passk.ts';
import { Rng } from '../util/rng.ts';

/** One size of one level: its runs' seeds averaged. */
export interface IsoflopPoint {
  N: number;
  D: number;
  /** D/N with N non-embedding. */
  ratio: number;
  /** Held-out loss, mean over seeds. */
  loss: number;
  /** k = C_inf/(2N) (fractional) and the measured pass@k there, from p_i, mean over seeds. */
  k: number;
  pass: number;
  /** pass@k from samples at k rounded to an integer, log-interpolated between the sampled k (null when k > n). */
  pass_sampled: number | null;
  seeds: number;
  ids: string[];
}

/** The vertex of a parabola y = a·x² + b·x + c in x = ln N, with its bootstrap interval. */
export interface IsoflopOptimum {
  N: number;
  lo: number;
  hi: number;
  D_over_N: number;
  /** D/N at the interval's ends (D/N falls as N grows, so lo comes from hi and vice versa). */
  D_over_N_lo: number;
  D_over_N_hi: number;
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
}

export interface IsoflopLevel {
  /** The level's C_train (6·N·D, N non-embedding), as the experiment named it. */
  C_train: number;
  label: string;
  points: IsoflopPoint[];
  N_range: [number, number];
  loss: IsoflopOptimum | null;
  t2: IsoflopOptimum | null;
  /** (D*:N*)_T² over (D*:N*)_loss, = (N_loss* / N_T²*)², with its bootstrap interval. */
  ratio: { value: number; lo: number; hi: number; bound: 'at_least' | null } | null;
  /** Why an optimum is missing or not to be trusted. */
  notes: string[];
}

export interface IsoflopAnalysis {
  C_inf: number;
  levels: IsoflopLevel[];
  bootstrap: number;
  /** Pooled seed-to-seed SD of the loss and of ln pass@k, from the (level, size) groups with several seeds. */
  seed_noise: { loss: number; log_pass: number; groups: number };
}

export interface IsoflopOptions {
  /** Inference FLOPs per served token (2·N·k); default 2·(largest N among the records): k ≈ 1 for it. */
  C_inf?: number;
  /** Bootstrap resamples (default 1000). */
  bootstrap?: number;
  seed?: number;
}

/**
 * Level of a run: its experiment budget label "C=6.0e+10" in an id "<model>/C=…/s<seed>". D/N runs and a
 * calibration scan's runs ("…/C=…/lr=0.01/s1": several settings at one size) are on no level.
 */
export function levelOf(r: RunRecord): number | null {
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

/** Every isoFLOP level of a sweep's records, analysed directly. Diverged runs are left out (and named). */
export function isoflopAnalysis(records: RunRecord[], opts: IsoflopOptions = {}): IsoflopAnalysis {
  const usable = records.filter(
    (r) => !r.diverged && Number.isFinite(r.eval_loss) && r.questions.length > 0,
  );
  const C_inf = opts.C_inf ?? 2 * Math.max(...usable.map((r) => r.N_nonemb));
  const B = opts.bootstrap ?? 1000;
  const byLevel = new Map<number, RunRecord[]>();
  for (const r of usable) {
    const c = levelOf(r);
    if (c !== null) byLevel.set(c, [...(byLevel.get(c) ?? []), r]);
  }
  const noise = seedNoise([...byLevel.values()].flat(), C_inf);
  const levels: IsoflopLevel[] = [];
  for (const [C, runs] of [...byLevel].sort((a, b) => a[0] - b[0])) {
    levels.push(analyseLevel(C, runs, C_inf, B, new Rng(opts.seed ?? 0), noise));
    const skipped = records.filter((r) => levelOf(r) === C && !usable.includes(r));
    if (skipped.length)
      levels[levels.length - 1]!.notes.push(
        `left out (diverged or not evaluated): ${skipped.map((r) => r.id).join(', ')}`,
      );
  }
  return { C_inf, levels, bootstrap: B, seed_noise: noise };
}

/**
 * Seed-to-seed standard deviation of the held-out loss and of ln pass@k (at k = C_inf/(2N)), pooled over
 * every (level, size) that has several seeds. A size trained with one seed cannot show its own seed noise,
 * so the bootstrap gives it this much (the smallest sizes carry the extra seeds, where noise is largest, so
 * the pooled figure is if anything generous). Zero when no size has two seeds.
 */
function seedNoise(
  runs: RunRecord[],
  C_inf: number,
): { loss: number; log_pass: number; groups: number } {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `${levelOf(r)}/${r.N_nonemb}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let ssL = 0,
    ssP = 0,
    dof = 0,
    n = 0;
  for (const rs of groups.values()) {
    if (rs.length < 2) continue;
    const k = C_inf / (2 * rs[0]!.N_nonemb);
    const l = rs.map((r) => r.eval_loss),
      p = rs.map((r) => Math.log(Math.max(passFromP(r, k), 1e-12)));
    const ml = mean(l),
      mp = mean(p);
    ssL += l.reduce((a, x) => a + (x - ml) ** 2, 0);
    ssP += p.reduce((a, x) => a + (x - mp) ** 2, 0);
    dof += rs.length - 1;
    n++;
  }
  return dof
    ? { loss: Math.sqrt(ssL / dof), log_pass: Math.sqrt(ssP / dof), groups: n }
    : { loss: 0, log_pass: 0, groups: 0 };
}

function analyseLevel(
  C: number,
  runs: RunRecord[],
  C_inf: number,
  B: number,
  rng: Rng,
  noise: IsoflopAnalysis['seed_noise'],
): IsoflopLevel {
  const sizes = [...new Set(runs.map((r) => r.N_nonemb))].sort((a, b) => a - b);
  const bySize = sizes.map((N) => runs.filter((r) => r.N_nonemb === N));
  const Q = Math.min(...runs.map((r) => r.questions.length));
  const kOf = (N: number) => C_inf / (2 * N);
  const points: IsoflopPoint[] = bySize.map((rs) => {
    const N = rs[0]!.N_nonemb,
      k = kOf(N),
      D = mean(rs.map((r) => r.D));
    const sampled = rs.map((r) => passSampled(r, k));
    return {
      N,
      D,
      ratio: D / N,
      loss: mean(rs.map((r) => r.eval_loss)),
      k,
      pass: mean(rs.map((r) => passFromP(r, k))),
      pass_sampled: sampled.every((v) => v !== null) ? mean(sampled as number[]) : null,
      seeds: rs.length,
      ids: rs.map((r) => r.id),
    };
  });
  const lnN = sizes.map(Math.log);
  const [xlo, xhi] = [lnN[0]!, lnN[lnN.length - 1]!];
  const inside = (x: number | null) => x !== null && x > xlo && x < xhi;
  const PASS_FLOOR = 1e-12; // log pass@k of a level where a size solves nothing would be −∞

  // Each optimum is the vertex of a parabola through the measured extremum and up to WINDOW sizes on
  // each side (a level spans ~2 decades of N and its far ends are not parabolic: loss climbs steeply at
  // D/N ~ 1). The measured extremum must be an interior size: one at the edge is not bracketed.
  const local = (y: number[], mode: 'min' | 'max') => {
    let best = 0;
    for (let i = 1; i < y.length; i++)
      if (mode === 'min' ? y[i]! < y[best]! : y[i]! > y[best]!) best = i;
    const i0 = Math.max(0, best - WINDOW),
      i1 = Math.min(y.length - 1, best + WINDOW);
    const parabola = fitParabola(lnN.slice(i0, i1 + 1), y.slice(i0, i1 + 1));
    const bracketed = best > 0 && best < y.length - 1;
    return {
      x: bracketed ? vertex(parabola, mode) : null,
      bracketed,
      best,
      parabola,
      window: [sizes[i0]!, sizes[i1]!] as [number, number],
    };
  };
  const logPass = (pass: number[]) => pass.map((p) => Math.log(Math.max(p, PASS_FLOOR)));
  const solve = (loss: number[], pass: number[]) => ({
    xl: local(loss, 'min').x,
    xt: local(logPass(pass), 'max').x,
  });
  const pointLoss = points.map((p) => p.loss),
    pointPass = points.map((p) => p.pass);
  const notes: string[] = [];
  if (sizes.length < 3) notes.push(`only ${sizes.length} sizes: a parabola needs at least 3`);

  // Bootstrap: resample question indices (jointly across runs: the same questions grade every run) and,
  // per size, its seeds. Both vertices come from the same resample, so the ratio's interval is paired.
  const bootL: number[] = [],
    bootT: number[] = [],
    bootRatio: number[] = [];
  let okL = 0,
    okT = 0;
  const idx = new Int32Array(Q);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Q; i++) idx[i] = rng.int(Q);
    const loss: number[] = [],
      pass: number[] = [];
    for (const rs of bySize) {
      const pick = rs.map(() => rs[rng.int(rs.length)]!);
      const k = kOf(rs[0]!.N_nonemb);
      // One seed: its seed noise is drawn from the pooled estimate instead of resampled.
      const one = rs.length === 1;
      loss.push(mean(pick.map((r) => r.eval_loss)) + (one ? noise.loss * rng.normal() : 0));
      pass.push(
        mean(pick.map((r) => passFromP(r, k, idx))) *
          (one ? Math.exp(noise.log_pass * rng.normal()) : 1),
      );
    }
    const { xl, xt } = solve(loss, pass);
    if (inside(xl)) (okL++, bootL.push(xl!));
    if (inside(xt)) (okT++, bootT.push(xt!));
    if (inside(xl) && inside(xt)) bootRatio.push(Math.exp(2 * (xl! - xt!)));
  }
  const optimum = (
    boot: number[],
    ok: number,
    isT2: boolean,
    what: string,
  ): IsoflopOptimum | null => {
    const fit = isT2 ? local(logPass(pointPass), 'max') : local(pointLoss, 'min');
    if (!fit.parabola) return null; // fewer than 3 sizes: already noted
    const kind = isT2 ? 'maximum' : 'minimum';
    if (!fit.bracketed)
      notes.push(
        `${what}: the measured ${kind} is at the ${fit.best === 0 ? 'smallest' : 'largest'} size (${sizes[fit.best]}): not bracketed, widen the level`,
      );
    // Not bracketed: the optimum lies at or beyond the edge size, which is all the level can say.
    const x = fit.bracketed ? fit.x : lnN[fit.best]!;
    if (x === null) {
      notes.push(`${what}: the parabola has no ${kind} (it opens the wrong way)`);
      return null;
    }
    const N = Math.exp(x);
    const lo = fit.bracketed && boot.length ? Math.exp(quantile(boot, 0.025)) : NaN,
      hi = fit.bracketed && boot.length ? Math.exp(quantile(boot, 0.975)) : NaN;
    const ratio = (n: number) => C / (6 * n * n);
    const isInside = fit.bracketed && inside(x);
    if (fit.bracketed && !isInside)
      notes.push(
        `${what}: N* = ${N.toPrecision(3)} lies outside the level's sizes [${sizes[0]}, ${sizes[sizes.length - 1]}]: widen the level`,
      );
    else if (isInside && ok < 0.95 * B)
      notes.push(
        `${what}: only ${((100 * ok) / B).toFixed(0)}% of bootstrap resamples put the optimum inside the level`,
      );
    const bound = fit.bracketed
      ? null
      : fit.best === 0
        ? ('at_most' as const)
        : ('at_least' as const);
    return {
      N,
      lo,
      hi,
      D_over_N: ratio(N),
      D_over_N_lo: ratio(hi),
      D_over_N_hi: ratio(lo),
      k: isT2 ? kOf(N) : 1,
      parabola: fit.parabola,
      window: fit.window,
      inside: isInside,
      inside_frac: ok / B,
      bound,
    };
  };
  const loss = optimum(bootL, okL, false, 'loss optimum');
  const t2 = optimum(bootT, okT, true, 'T² optimum');
  // With the T² optimum at most the smallest size and the loss optimum bracketed, the ratio is a lower bound.
  const exact = loss && t2 && !loss.bound && !t2.bound;
  const lowerBound = loss && t2 && !loss.bound && t2.bound === 'at_most';
  const ratio: IsoflopLevel['ratio'] = exact
    ? {
        value: (loss.N / t2.N) ** 2,
        lo: quantile(bootRatio, 0.025),
        hi: quantile(bootRatio, 0.975),
        bound: null,
      }
    : lowerBound
      ? { value: (loss.N / t2.N) ** 2, lo: NaN, hi: NaN, bound: 'at_least' }
      : null;
  return {
    C_train: C,
    label: `C=${C.toExponential(1)}`,
    points,
    N_range: [sizes[0]!, sizes[sizes.length - 1]!],
    loss,
    t2,
    ratio,
    notes,
  };
}

// The per-level table `t2lab fit` prints: N*, D*/N* and k* of both optima with intervals, and their ratio.
export function formatIsoflop(a: IsoflopAnalysis): string {
  if (!a.levels.length)
    return 'isoFLOP levels: none (budgets given as D/N ratios, not FLOPs): no direct answer; the laws below extrapolate.';
  const g = (x: number) =>
    Number.isFinite(x)
      ? Math.abs(x) >= 100
        ? Math.round(x).toLocaleString('en-US')
        : x.toPrecision(3)
      : '–';
  const opt = (o: IsoflopOptimum | null, t2: boolean) =>
    !o
      ? 'none'
      : o.bound
        ? `${o.bound === 'at_most' ? '≤' : '≥'} ${g(o.N)}  D/N ${o.bound === 'at_most' ? '≥' : '≤'} ${g(o.D_over_N)}${t2 ? `  k ${o.bound === 'at_most' ? '≥' : '≤'} ${g(o.k)}` : ''}  (not bracketed: the measured ${t2 ? 'maximum' : 'minimum'} is the level's ${o.bound === 'at_most' ? 'smallest' : 'largest'} size)`
        : `${g(o.N)} [${g(o.lo)}, ${g(o.hi)}]  D/N ${g(o.D_over_N)} [${g(o.D_over_N_lo)}, ${g(o.D_over_N_hi)}]${t2 ? `  k ${g(o.k)}` : ''}${o.inside ? '' : '  (NOT inside the level)'}`;
  const lines = [
    `isoFLOP levels, the direct answer (parabolas in log N; C_inf = ${a.C_inf.toExponential(2)}; ${a.bootstrap} bootstrap resamples over questions and seeds;`,
    `  seed noise pooled from ${a.seed_noise.groups} multi-seed sizes, given to single-seed sizes: SD ${a.seed_noise.loss.toPrecision(2)} in loss, ${a.seed_noise.log_pass.toPrecision(2)} in ln pass@k):`,
  ];
  for (const l of a.levels) {
    lines.push(
      `  C_train ${l.C_train.toExponential(1)}: ${l.points.length} sizes, N ${g(l.N_range[0])}–${g(l.N_range[1])}, D/N ${g(Math.min(...l.points.map((p) => p.ratio)))}–${g(Math.max(...l.points.map((p) => p.ratio)))}`,
    );
    lines.push(`    loss optimum  N* ${opt(l.loss, false)}`);
    lines.push(`    T² optimum    N* ${opt(l.t2, true)}`);
    if (l.ratio)
      lines.push(
        `    (D*/N*)_T² / (D*/N*)_loss ${l.ratio.bound ? `≥ ${g(l.ratio.value)}` : `= ${g(l.ratio.value)} [${g(l.ratio.lo)}, ${g(l.ratio.hi)}]`}`,
      );
    for (const n of l.notes) lines.push(`    note: ${n}`);
  }
  return lines.join('\n');
}
