// Synthetic runs from known laws, on a grid like the project's sweeps (N 1e3–1e6, D/N 1–1e3), with
// seeded noise: what the fit tests must recover.
import type { ChinchillaParams } from '../../src/fit/chinchilla.ts';
import { chinchillaLoss } from '../../src/fit/chinchilla.ts';
import type { FitPoint } from '../../src/fit/points.ts';
import { Rng } from '../../src/util/rng.ts';

// Losses from ~1.3 (N = 1e6, D = 1e9) to ~7 (N = D = 1e3): the range of a character-level toy model.
export const TRUE_CHINCHILLA: ChinchillaParams = { E: 1.0, A: 25, B: 30, alpha: 0.35, beta: 0.3 };
export const GRID_N = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6];
export const GRID_RATIO = [1, 3, 10, 30, 100, 300, 1000];

/** One run per (N, D/N), loss with multiplicative lognormal noise of relative size `noise`. */
export function chinchillaPoints(
  p = TRUE_CHINCHILLA,
  noise = 0.01,
  seed = 1,
  Ns = GRID_N,
  ratios = GRID_RATIO,
): FitPoint[] {
  const rng = new Rng(seed);
  return Ns.flatMap((N) =>
    ratios.map((r) => ({
      N,
      D: N * r,
      loss: chinchillaLoss(p, N, N * r) * Math.exp(noise * rng.normal()),
      id: `N${N}-r${r}`,
    })),
  );
}

/** Gamma(shape, 1) by Marsaglia–Tsang (with the shape < 1 boost). */
export function gammaSample(rng: Rng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * rng.next() ** (1 / shape);
  const d = shape - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gammaSample(rng, a),
    y = gammaSample(rng, b);
  return x / (x + y);
}
