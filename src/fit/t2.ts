// The train-to-test laws (T2.md): Approach 1 fits a loss law in (N, D, k), Approach 2 an accuracy law
// through a per-question Beta distribution driven by the Chinchilla loss; plus the per-model coverage
// curve pass@k ≈ exp(a·k^b). All least squares, L-BFGS from seeded random restarts, analytic gradients.
import { lbfgs, type Objective } from './lbfgs.ts';
import { lbeta } from '../stats/special.ts';
import { Rng } from '../util/rng.ts';
import { FitError } from './chinchilla.ts';

// ---------------------------------------------------------------- Approach 1: L(N, D, k)

export interface T2LossParams {
  E: number;
  A: number;
  B: number;
  G: number;
  alpha: number;
  beta: number;
  gamma: number;
}

/** One observation: the mean over questions of −log pass@k_i of a run (N, D) at k. */
export interface T2LossRow {
  N: number;
  D: number;
  k: number;
  y: number;
}

export interface T2LossFit {
  params: T2LossParams;
  /** Root-mean-square residual and R² over the rows. */
  rmse: number;
  r2: number;
  rows: number;
  restarts: number;
}

/** L(N, D, k) = E + A/N^α + B/D^β + G/k^γ. k may be fractional. */
export function t2Loss(p: T2LossParams, N: number, D: number, k: number): number {
  return p.E + p.A / N ** p.alpha + p.B / D ** p.beta + p.G / k ** p.gamma;
}

// x = [e, a, b, g, α, β, γ] with E = e^e, A = e^a, B = e^b, G = e^g: the coefficients stay positive.
function t2LossParamsOf(x: ArrayLike<number>): T2LossParams {
  return {
    E: Math.exp(x[0]!),
    A: Math.exp(x[1]!),
    B: Math.exp(x[2]!),
    G: Math.exp(x[3]!),
    alpha: x[4]!,
    beta: x[5]!,
    gamma: x[6]!,
  };
}

/** Σ (L(N, D, k) − y)², analytic gradient. */
function t2LossObjective(rows: T2LossRow[]): Objective {
  const lnN = rows.map((r) => Math.log(r.N)),
    lnD = rows.map((r) => Math.log(r.D)),
    lnK = rows.map((r) => Math.log(r.k));
  return (x, g) => {
    g.fill(0);
    let f = 0;
    const E = Math.exp(x[0]!);
    for (let i = 0; i < rows.length; i++) {
      const tA = Math.exp(x[1]! - x[4]! * lnN[i]!);
      const tB = Math.exp(x[2]! - x[5]! * lnD[i]!);
      const tG = Math.exp(x[3]! - x[6]! * lnK[i]!);
      const r = E + tA + tB + tG - rows[i]!.y;
      f += r * r;
      const d = 2 * r;
      g[0] += d * E;
      g[1] += d * tA;
      g[2] += d * tB;
      g[3] += d * tG;
      g[4] -= d * tA * lnN[i]!;
      g[5] -= d * tB * lnD[i]!;
      g[6] -= d * tG * lnK[i]!;
    }
    return f;
  };
}

function rmseAndR2(pred: number[], y: number[]): { rmse: number; r2: number } {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let ss = 0,
    st = 0;
  y.forEach((v, i) => {
    ss += (pred[i]! - v) ** 2;
    st += (v - mean) ** 2;
  });
  return { rmse: Math.sqrt(ss / y.length), r2: st > 0 ? 1 - ss / st : NaN };
}

export interface RestartOptions {
  /** Random restarts (default 64 for Approach 1, 48 for Approach 2). */
  restarts?: number;
  seed?: number;
  /** Extra starting points in the fit's own parameterisation, tried before the random ones. */
  starts?: number[][];
}

function bestOf(
  obj: Objective,
  starts: number[][],
  maxIter: number,
): { x: Float64Array; f: number } | null {
  let best: { x: Float64Array; f: number } | null = null;
  for (const s of starts) {
    const r = lbfgs(obj, s, { maxIter });
    if (Number.isFinite(r.f) && (!best || r.f < best.f)) best = { x: r.x, f: r.f };
  }
  return best;
}

export function fitT2Loss(rows: T2LossRow[], opts: RestartOptions = {}): T2LossFit {
  if (rows.length < 8)
    throw new FitError(
      `T² Approach 1 needs at least 8 (run, k) observations for 7 parameters, got ${rows.length}`,
    );
  if (new Set(rows.map((r) => r.k)).size < 2)
    throw new FitError('T² Approach 1 needs at least 2 distinct k');
  for (const r of rows)
    if (!(r.N > 0 && r.D > 0 && r.k > 0 && Number.isFinite(r.y)))
      throw new FitError(`T² Approach 1: bad observation N=${r.N} D=${r.D} k=${r.k} y=${r.y}`);
  const restarts = opts.restarts ?? 64;
  const rng = new Rng(opts.seed ?? 0);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const starts = [...(opts.starts ?? [])];
  for (let i = 0; i < restarts; i++)
    starts.push([u(-3, 1), u(0, 20), u(0, 20), u(-3, 3), u(0.05, 1.5), u(0.05, 1.5), u(0.05, 1.5)]);
  const best = bestOf(t2LossObjective(rows), starts, 400);
  if (!best) throw new FitError('T² Approach 1: no restart gave a finite objective');
  const params = t2LossParamsOf(best.x);
  const fit = rmseAndR2(
    rows.map((r) => t2Loss(params, r.N, r.D, r.k)),
    rows.map((r) => r.y),
  );
  return { params, ...fit, rows: rows.length, restarts: starts.length };
}

// ---------------------------------------------------------------- Approach 2: accuracy through a Beta

export interface T2AccuracyParams {
  theta0: number;
  theta1: number;
  theta2: number;
  theta3: number;
  theta4: number;
}

/** One observation: a run's measured pass@k (mean over questions) and its Chinchilla-fitted loss L̂(N, D). */
export interface T2AccuracyRow {
  Lhat: number;
  k: number;
  y: number;
}

export interface T2AccuracyFit {
  params: T2AccuracyParams;
  rmse: number;
  r2: number;
  rows: number;
  restarts: number;
}

/** The Beta(μν, (1−μ)ν) of per-question accuracy at Chinchilla loss L̂. */
export function t2BetaShape(p: T2AccuracyParams, Lhat: number): { a: number; b: number } {
  const mu = p.theta2 / (1 + Math.exp(p.theta1 * (Lhat - p.theta0)));
  const nu = Math.exp(p.theta3 + p.theta4 * Lhat);
  // μ can underflow to 0 (or reach 1) far from θ0; keep both shapes positive so lbeta stays finite.
  return { a: Math.max(mu * nu, 1e-300), b: Math.max((1 - mu) * nu, 1e-300) };
}

/** pass@k = 1 − B(a, b + k)/B(a, b) with (a, b) = t2BetaShape: E[1 − (1 − p)^k] for p ~ Beta(a, b). k may be fractional. */
export function t2Accuracy(p: T2AccuracyParams, Lhat: number, k: number): number {
  const { a, b } = t2BetaShape(p, Lhat);
  return betaPassAtK(a, b, k);
}

/** E[1 − (1 − p)^k] for p ~ Beta(a, b), via lbeta; expm1 keeps small values. */
export function betaPassAtK(a: number, b: number, k: number): number {
  return -Math.expm1(lbeta(a, b + k) - lbeta(a, b));
}

// x = [θ0, θ1, u, θ3, θ4] with θ2 = 1/(1 + e^−u) ∈ (0, 1): the ceiling of mean accuracy.
function t2AccuracyParamsOf(x: ArrayLike<number>): T2AccuracyParams {
  return {
    theta0: x[0]!,
    theta1: x[1]!,
    theta2: 1 / (1 + Math.exp(-x[2]!)),
    theta3: x[3]!,
    theta4: x[4]!,
  };
}

/** ψ(x) = d/dx log Γ(x) for x > 0: recurrence up to x >= 10, then the asymptotic series. */
export function digamma(x: number): number {
  let r = 0;
  while (x < 10) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return (
    r +
    Math.log(x) -
    0.5 / x -
    f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))))
  );
}

/** Σ (pass@k(θ; L̂, k) − y)² over x = [θ0, θ1, u, θ3, θ4], analytic gradient (digamma for ∂ log B). */
export function t2AccuracyObjective(rows: T2AccuracyRow[]): Objective {
  return (x, g) => {
    const th0 = x[0]!,
      th1 = x[1]!,
      th2 = 1 / (1 + Math.exp(-x[2]!)),
      th3 = x[3]!,
      th4 = x[4]!;
    g.fill(0);
    let f = 0;
    for (const row of rows) {
      const L = row.Lhat,
        k = row.k;
      const s = 1 / (1 + Math.exp(th1 * (L - th0)));
      const mu = th2 * s;
      const nu = Math.exp(th3 + th4 * L);
      const a = Math.max(mu * nu, 1e-300),
        b = Math.max((1 - mu) * nu, 1e-300);
      // Δ = log B(a, b + k) − log B(a, b); pass = 1 − e^Δ
      const delta = lbeta(a, b + k) - lbeta(a, b);
      const r = -Math.expm1(delta) - row.y;
      f += r * r;
      const dDelta = -2 * r * Math.exp(delta); // ∂f/∂Δ
      const psiAB = digamma(a + b),
        psiABK = digamma(a + b + k);
      const dA = dDelta * (psiAB - psiABK);
      const dB = dDelta * (digamma(b + k) - psiABK - digamma(b) + psiAB);
      const dMu = (dA - dB) * nu; // a = μν, b = (1 − μ)ν
      const dNu = dA * mu + dB * (1 - mu);
      const dZ = -dMu * th2 * s * (1 - s); // z = θ1(L − θ0), s = 1/(1 + e^z)
      g[0] += -dZ * th1;
      g[1] += dZ * (L - th0);
      g[2] += dMu * s * th2 * (1 - th2);
      g[3] += dNu * nu;
      g[4] += dNu * nu * L;
    }
    return f;
  };
}

export function fitT2Accuracy(rows: T2AccuracyRow[], opts: RestartOptions = {}): T2AccuracyFit {
  if (rows.length < 6)
    throw new FitError(
      `T² Approach 2 needs at least 6 (run, k) observations for 5 parameters, got ${rows.length}`,
    );
  for (const r of rows)
    if (!(Number.isFinite(r.Lhat) && r.k > 0 && r.y >= 0 && r.y <= 1))
      throw new FitError(`T² Approach 2: bad observation L̂=${r.Lhat} k=${r.k} pass@k=${r.y}`);
  const obj = t2AccuracyObjective(rows);
  const Ls = rows.map((r) => r.Lhat);
  const lo = Math.min(...Ls),
    hi = Math.max(...Ls);
  const restarts = opts.restarts ?? 48;
  const rng = new Rng(opts.seed ?? 0);
  const u = (a: number, b: number) => a + (b - a) * rng.next();
  const starts = [...(opts.starts ?? [])];
  for (let i = 0; i < restarts; i++)
    starts.push([u(lo, hi), u(0.5, 20) / Math.max(hi - lo, 0.1), u(-1, 4), u(-1, 4), u(-2, 2)]);
  const best = bestOf(obj, starts, 300);
  if (!best) throw new FitError('T² Approach 2: no restart gave a finite objective');
  const params = t2AccuracyParamsOf(best.x);
  const fit = rmseAndR2(
    rows.map((r) => t2Accuracy(params, r.Lhat, r.k)),
    rows.map((r) => r.y),
  );
  return { params, ...fit, rows: rows.length, restarts: starts.length };
}

// ---------------------------------------------------------------- coverage curve per model

export interface CoverageFit {
  /** pass@k ≈ exp(a·k^b), a < 0, b < 0. */
  a: number;
  b: number;
  /** RMS residual of log pass@k. */
  rmse: number;
  points: number;
}

/** Fit log pass@k = a·k^b (a = −e^u, b = −e^v) by least squares on the k with 0 < pass@k < 1; null when fewer than 2. */
export function fitCoverage(k: number[], pass: number[]): CoverageFit | null {
  const ks: number[] = [],
    ys: number[] = [];
  k.forEach((kk, i) => {
    const v = pass[i]!;
    if (v > 0 && v < 1 && kk > 0) {
      ks.push(kk);
      ys.push(Math.log(v));
    }
  });
  if (ks.length < 2) return null;
  const lnK = ks.map(Math.log);
  const obj: Objective = (x, g) => {
    const a = -Math.exp(x[0]!),
      b = -Math.exp(x[1]!);
    let f = 0;
    g.fill(0);
    for (let i = 0; i < ks.length; i++) {
      const t = a * Math.exp(b * lnK[i]!);
      const r = t - ys[i]!;
      f += r * r;
      g[0] += 2 * r * t; // ∂t/∂u = t
      g[1] += 2 * r * t * b * lnK[i]!; // ∂t/∂v = t·b·ln k
    }
    return f;
  };
  // −log pass@(smallest k) sets the scale of a; b from a few slopes.
  const u0 = Math.log(Math.max(-ys[0]!, 1e-12));
  const best = bestOf(
    obj,
    [Math.log(0.1), Math.log(0.5), Math.log(1.5)].map((v) => [u0, v]),
    200,
  )!;
  return {
    a: -Math.exp(best.x[0]!),
    b: -Math.exp(best.x[1]!),
    rmse: Math.sqrt(best.f / ks.length),
    points: ks.length,
  };
}
