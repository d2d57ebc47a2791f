// The joint optimum under two budgets (T2.md): for each C_train, D = C_train/(6N) and k = C_inf/(2N),
// so a smaller model gets both more tokens and more samples. Scan N on a fine log grid, refine the best
// cell by golden section, and report N*, D*, D*/N*, k* beside the Chinchilla (k = 1) optimum.
//
// Feasibility: k is fractional in the laws, but a model that cannot afford one sample per question
// (N > C_inf/2, k < 1) is outside the inference budget, so the scan stops at k = 1 instead of clamping k.
// With the default C_inf (T2.md: the largest model of the grid gets k = 1) the T² optimum therefore never
// exceeds the largest trained model; an optimum on the edge of the scan is flagged.
import { chinchillaFrontier, chinchillaLoss, type ChinchillaParams } from './chinchilla.ts';
import { t2Accuracy, t2Loss, type T2AccuracyParams, type T2LossParams } from './t2.ts';

export interface ScanResult {
  N: number;
  value: number;
  /** The optimum lies on the first or last point of the scanned range (the true one may lie beyond). */
  atBoundary: boolean;
}

/** The N in [lo, hi] minimising (or maximising) f(N): a log grid of `steps` points, then golden section. */
export function scanOptimum(
  f: (N: number) => number,
  lo: number,
  hi: number,
  mode: 'min' | 'max',
  steps = 1000,
): ScanResult | null {
  if (!(lo > 0 && hi >= lo)) return null;
  const sign = mode === 'min' ? 1 : -1;
  const g = (lnN: number) => {
    const v = sign * f(Math.exp(lnN));
    return Number.isFinite(v) ? v : Infinity;
  };
  const a = Math.log(lo),
    b = Math.log(hi);
  const n = hi > lo ? steps : 1;
  const x = (i: number) => (n === 1 ? a : a + ((b - a) * i) / (n - 1));
  let bi = 0,
    bv = Infinity;
  for (let i = 0; i < n; i++) {
    const v = g(x(i));
    if (v < bv) {
      bv = v;
      bi = i;
    }
  }
  if (bv === Infinity) return null;
  let l = x(Math.max(bi - 1, 0)),
    r = x(Math.min(bi + 1, n - 1));
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = r - phi * (r - l),
    d = l + phi * (r - l);
  let fc = g(c),
    fd = g(d);
  for (let it = 0; it < 80 && r - l > 1e-12; it++) {
    if (fc < fd) {
      r = d;
      d = c;
      fd = fc;
      c = r - phi * (r - l);
      fc = g(c);
    } else {
      l = c;
      c = d;
      fc = fd;
      d = l + phi * (r - l);
      fd = g(d);
    }
  }
  let lnBest = (l + r) / 2,
    vBest = g(lnBest);
  if (bv < vBest) {
    lnBest = x(bi);
    vBest = bv;
  }
  return {
    N: Math.exp(lnBest),
    value: sign * vBest,
    atBoundary: n > 1 && (bi === 0 || bi === n - 1),
  };
}

export interface Laws {
  chinchilla: ChinchillaParams;
  t2Loss?: T2LossParams;
  t2Accuracy?: T2AccuracyParams;
}

export interface OptimumPoint {
  N: number;
  D: number;
  /** D/N, tokens per parameter. */
  ratio: number;
  /** Samples per question the inference budget buys: C_inf/(2N). */
  k: number;
  /** Chinchilla loss L(N, D); the T² loss law and accuracy law at (N, D, k) when fitted. */
  loss: number;
  t2_loss?: number;
  accuracy?: number;
  atBoundary?: boolean;
}

export interface OptimumRow {
  C_train: number;
  /** Closed-form Chinchilla optimum (k = 1 in the law: inference not charged). */
  chinchilla: OptimumPoint;
  /** argmin of the Approach-1 loss law, and argmax of the Approach-2 accuracy law, under both budgets. */
  t2_loss: OptimumPoint | null;
  t2_accuracy: OptimumPoint | null;
}

function pointAt(laws: Laws, C_train: number, C_inf: number, N: number): OptimumPoint {
  const D = C_train / (6 * N),
    k = C_inf / (2 * N);
  const pt: OptimumPoint = { N, D, ratio: D / N, k, loss: chinchillaLoss(laws.chinchilla, N, D) };
  if (laws.t2Loss) pt.t2_loss = t2Loss(laws.t2Loss, N, D, k);
  if (laws.t2Accuracy) pt.accuracy = t2Accuracy(laws.t2Accuracy, pt.loss, k);
  return pt;
}

/** The optimum table over C_train levels, scanning N in [Nlo, Nhi] (cut at N = C_inf/2, where k = 1). */
export function optimumTable(
  laws: Laws,
  C_train: number[],
  C_inf: number,
  Nlo: number,
  Nhi: number,
): OptimumRow[] {
  const hi = Math.min(Nhi, C_inf / 2);
  return C_train.map((C) => {
    const ch =
      laws.chinchilla.alpha > 0 && laws.chinchilla.beta > 0
        ? chinchillaFrontier(laws.chinchilla, C)
        : null;
    const chinchilla = ch
      ? pointAt(laws, C, C_inf, ch.N)
      : { N: NaN, D: NaN, ratio: NaN, k: NaN, loss: NaN };
    const scan = (f: (N: number) => number, mode: 'min' | 'max') => {
      const r = scanOptimum(f, Nlo, hi, mode);
      return r ? { ...pointAt(laws, C, C_inf, r.N), atBoundary: r.atBoundary } : null;
    };
    const lossLaw = laws.t2Loss,
      accLaw = laws.t2Accuracy,
      chin = laws.chinchilla;
    return {
      C_train: C,
      chinchilla,
      t2_loss: lossLaw
        ? scan((N) => t2Loss(lossLaw, N, C / (6 * N), C_inf / (2 * N)), 'min')
        : null,
      t2_accuracy: accLaw
        ? scan(
            (N) => t2Accuracy(accLaw, chinchillaLoss(chin, N, C / (6 * N)), C_inf / (2 * N)),
            'max',
          )
        : null,
    };
  });
}

/** A log grid from lo to hi in factor-of-2 steps (isoFLOP levels double), at most `max` points. */
export function computeGrid(lo: number, hi: number, max = 16): number[] {
  if (!(lo > 0 && hi >= lo)) return [];
  if (hi / lo < 1.01) return [lo];
  const n = Math.min(max, Math.max(2, Math.round(Math.log2(hi / lo)) + 1));
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
}
