// Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright, Algorithms 7.4, 3.5 and 3.6).
// Small and dependency-free: the scaling-law fits have 2–7 parameters and tens to hundreds of points,
// so the cost is in the objective, not here. The objective writes its gradient into `grad` and returns
// the value; `centralDiff` wraps a value-only function when an analytic gradient is not worth it.

/** f(x), writing ∇f(x) into grad. A non-finite value marks x as outside the domain (the step shrinks). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Iterations (line searches), default 500. */
  maxIter?: number;
  /** Correction pairs kept, default 10. */
  memory?: number;
  /** Stop when max |∂f/∂x_i| <= gtol, default 1e-9. */
  gtol?: number;
  /** Stop when the relative decrease of f in one iteration is <= ftol, default 1e-13. */
  ftol?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

const C1 = 1e-4; // sufficient decrease (Armijo)
const C2 = 0.9; // curvature: the usual choice for quasi-Newton methods

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Minimise f from x0. Never throws on a bad start: a non-finite f(x0) returns converged = false. */
export function lbfgs(f: Objective, x0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult {
  const maxIter = opts.maxIter ?? 500;
  const m = opts.memory ?? 10;
  const gtol = opts.gtol ?? 1e-9;
  const ftol = opts.ftol ?? 1e-13;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  const done = (iterations: number, converged: boolean, message: string): LbfgsResult => ({
    x,
    f: fx,
    iterations,
    evaluations,
    converged,
    message,
  });
  if (!Number.isFinite(fx) || !g.every(Number.isFinite))
    return done(0, false, 'objective not finite at the start');

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const alphaBuf = new Float64Array(m);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);

  /** φ(t) = f(x + t·dir); fills xt, gt and remembers t, so the accepted step needs no re-evaluation. */
  let lastT = NaN,
    lastPhi = NaN;
  const phi = (t: number): number => {
    for (let i = 0; i < n; i++) xt[i] = x[i]! + t * dir[i]!;
    evaluations++;
    lastT = t;
    return (lastPhi = f(xt, gt));
  };

  for (let iter = 1; iter <= maxIter; iter++) {
    if (maxAbs(g) <= gtol) return done(iter - 1, true, 'gradient below gtol');
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    for (let j = S.length - 1; j >= 0; j--) {
      const a = rho[j]! * dot(S[j]!, dir);
      alphaBuf[j] = a;
      for (let i = 0; i < n; i++) dir[i] -= a * Y[j]![i]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < n; i++) dir[i] *= gamma;
    }
    for (let j = 0; j < S.length; j++) {
      const b = rho[j]! * dot(Y[j]!, dir);
      for (let i = 0; i < n; i++) dir[i] += S[j]![i]! * (alphaBuf[j]! - b);
    }
    let dphi0 = dot(g, dir);
    if (!(dphi0 < 0)) {
      // Not a descent direction (curvature pairs gone stale): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]!;
      dphi0 = dot(g, dir);
    }
    const t0 = S.length === 0 ? Math.min(1, 1 / maxAbs(g)) : 1;
    const t = wolfeLineSearch(phi, fx, dphi0, t0, dir, gt);
    if (t === null) {
      if (S.length > 0) {
        S.length = Y.length = rho.length = 0; // retry once from steepest descent
        continue;
      }
      return done(iter - 1, false, 'line search found no decrease');
    }
    // xt and gt must hold x_new and g_new: the search usually ended by evaluating the accepted step.
    const fNew = lastT === t ? lastPhi : phi(t);
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xt[i]! - x[i]!;
      y[i] = gt[i]! - g[i]!;
    }
    const fOld = fx;
    x = Float64Array.from(xt);
    g = Float64Array.from(gt);
    fx = fNew;
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      // Keep the pair only when it has positive curvature, so H stays positive definite.
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    if (fOld - fx <= ftol * Math.max(Math.abs(fOld), Math.abs(fx), 1))
      return done(iter, true, 'relative decrease below ftol');
  }
  return done(maxIter, false, 'iteration limit');
}

/**
 * A step t along dir satisfying the strong Wolfe conditions, or, failing that after the bracketing
 * budget, any step with sufficient decrease; null if none was found.
 */
function wolfeLineSearch(
  phi: (t: number) => number,
  phi0: number,
  dphi0: number,
  t0: number,
  dir: Float64Array,
  gt: Float64Array,
): number | null {
  const dphi = () => dot(gt, dir);
  let tPrev = 0,
    phiPrev = phi0,
    dphiPrev = dphi0;
  let t = t0;
  let bestArmijo: number | null = null;
  for (let i = 0; i < 30; i++) {
    const p = phi(t);
    if (!Number.isFinite(p) || p > phi0 + C1 * t * dphi0 || (i > 0 && p >= phiPrev)) {
      return zoom(
        phi,
        dphi,
        phi0,
        dphi0,
        tPrev,
        phiPrev,
        dphiPrev,
        t,
        Number.isFinite(p) ? p : Infinity,
        bestArmijo,
      );
    }
    const dp = dphi();
    if (!Number.isFinite(dp))
      return zoom(phi, dphi, phi0, dphi0, tPrev, phiPrev, dphiPrev, t, Infinity, bestArmijo);
    bestArmijo = t;
    if (Math.abs(dp) <= -C2 * dphi0) return t;
    if (dp >= 0) return zoom(phi, dphi, phi0, dphi0, t, p, dp, tPrev, phiPrev, bestArmijo);
    tPrev = t;
    phiPrev = p;
    dphiPrev = dp;
    t *= 2;
  }
  return bestArmijo;
}

/** Shrink the bracket [lo, hi] (lo satisfies sufficient decrease) until a strong-Wolfe step is found. */
function zoom(
  phi: (t: number) => number,
  dphi: () => number,
  phi0: number,
  dphi0: number,
  lo: number,
  phiLo: number,
  dphiLo: number,
  hi: number,
  phiHi: number,
  bestArmijo: number | null,
): number | null {
  for (let i = 0; i < 40; i++) {
    // Minimiser of the quadratic through φ(lo), φ'(lo), φ(hi); bisect when it is not safely inside.
    const d = hi - lo;
    let t = lo - (dphiLo * d * d) / (2 * (phiHi - phiLo - dphiLo * d));
    const a = Math.min(lo, hi),
      b = Math.max(lo, hi);
    if (!Number.isFinite(t) || t <= a + 0.1 * (b - a) || t >= b - 0.1 * (b - a)) t = (lo + hi) / 2;
    const p = phi(t);
    if (!Number.isFinite(p) || p > phi0 + C1 * t * dphi0 || p >= phiLo) {
      hi = t;
      phiHi = Number.isFinite(p) ? p : Infinity;
    } else {
      const dp = dphi();
      bestArmijo = t;
      if (Math.abs(dp) <= -C2 * dphi0) return t;
      if (dp * (hi - lo) >= 0) {
        hi = lo;
        phiHi = phiLo;
      }
      lo = t;
      phiLo = p;
      dphiLo = dp;
    }
    if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
  }
  // Sufficient decrease without the curvature condition is still progress (kinks of a Huber loss).
  if (bestArmijo !== null) return bestArmijo;
  return lo > 0 && phiLo < phi0 ? lo : null;
}

/** Wrap a value-only f with a central-difference gradient (2·n extra evaluations), step h·max(1, |x_i|). */
export function centralDiff(f: (x: Float64Array) => number, h = 1e-6): Objective {
  return (x, grad) => {
    const fx = f(x);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const step = h * Math.max(1, Math.abs(xi));
      x[i] = xi + step;
      const fp = f(x);
      x[i] = xi - step;
      const fm = f(x);
      x[i] = xi;
      grad[i] = (fp - fm) / (2 * step);
    }
    return fx;
  };
}
