// Chinchilla Approach 3: the objective's analytic gradient against finite differences, recovery of a
// known law from noisy synthetic runs within its bootstrap intervals, and the closed-form frontier.
import { describe, expect, it } from 'vitest';
import {
  CHINCHILLA_GRID,
  FitError,
  chinchillaFrontier,
  chinchillaLoss,
  chinchillaObjective,
  fitChinchilla,
} from '../../src/fit/chinchilla.ts';
import { centralDiff } from '../../src/fit/lbfgs.ts';
import { TRUE_CHINCHILLA, chinchillaPoints } from './synthetic.ts';

describe('chinchilla', () => {
  it('the grid of starts is T2.md’s 5·5·5·6·6 = 4500 points', () => {
    expect(CHINCHILLA_GRID.length).toBe(4500);
    expect(CHINCHILLA_GRID[0]).toEqual([0, 0, -1, 0, 0]);
    expect(CHINCHILLA_GRID.at(-1)).toEqual([25, 25, 1, 2, 2]);
  });

  it('the Huber-LSE objective’s analytic gradient matches central differences (quadratic and linear Huber regions)', () => {
    const pts = chinchillaPoints(TRUE_CHINCHILLA, 0.01, 3).slice(0, 12);
    const lnN = Float64Array.from(pts, (p) => Math.log(p.N));
    const lnD = Float64Array.from(pts, (p) => Math.log(p.D));
    const lnL = Float64Array.from(pts, (p) => Math.log(p.loss));
    const w = Float64Array.from(pts, (_, i) => (i % 3) + 0.5);
    for (const delta of [1e-3, 10]) {
      const obj = chinchillaObjective(lnN, lnD, lnL, w, delta);
      const x = Float64Array.from([3.5, 5.9, 0.2, 0.41, 0.33]);
      const g = new Float64Array(5),
        gn = new Float64Array(5);
      obj(x, g);
      centralDiff((y) => obj(y, new Float64Array(5)), 1e-7)(x, gn);
      g.forEach((v, i) =>
        expect(Math.abs(v - gn[i]!), `δ=${delta} ∂/∂x${i}: ${v} vs ${gn[i]}`).toBeLessThan(
          1e-6 * Math.max(1, Math.abs(v)),
        ),
      );
    }
  });

  it('recovers a known law within its bootstrap intervals (49 runs, 1% noise, full grid of starts)', () => {
    const fit = fitChinchilla(chinchillaPoints(), { bootstrap: 100, seed: 1 });
    expect(fit.starts).toBe(4500);
    expect(fit.points).toBe(49);
    const t = TRUE_CHINCHILLA;
    for (const k of ['E', 'A', 'B', 'alpha', 'beta'] as const) {
      const iv = fit.intervals![k];
      expect(iv.lo, `${k} interval`).toBeLessThan(iv.hi);
      expect(t[k], `${k}: true ${t[k]} in [${iv.lo}, ${iv.hi}]`).toBeGreaterThanOrEqual(iv.lo);
      expect(t[k], `${k}: true ${t[k]} in [${iv.lo}, ${iv.hi}]`).toBeLessThanOrEqual(iv.hi);
    }
    // and reasonably close in absolute terms
    expect(Math.abs(fit.params.alpha - t.alpha)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.beta - t.beta)).toBeLessThan(0.03);
    expect(Math.abs(fit.params.E / t.E - 1)).toBeLessThan(0.05);
    expect(fit.frontier!.a).toBeCloseTo(t.beta / (t.alpha + t.beta), 1);
  });

  it('is exact on noise-free data from a smaller grid of starts', () => {
    const starts = CHINCHILLA_GRID.filter((_, i) => i % 37 === 0);
    const fit = fitChinchilla(chinchillaPoints(TRUE_CHINCHILLA, 0), { starts, bootstrap: 0 });
    expect(fit.intervals).toBeNull();
    expect(fit.params.alpha).toBeCloseTo(TRUE_CHINCHILLA.alpha, 3);
    expect(fit.params.beta).toBeCloseTo(TRUE_CHINCHILLA.beta, 3);
    expect(fit.params.E).toBeCloseTo(TRUE_CHINCHILLA.E, 2);
  });

  it('the closed-form frontier minimises L on the isoFLOP line and spends C = 6·N·D', () => {
    const p = { E: 1.82, A: 482, B: 2085, alpha: 0.348, beta: 0.366 }; // Chinchilla's own refit (T2.md)
    for (const C of [1e18, 1e21, 1e24]) {
      const { N, D } = chinchillaFrontier(p, C);
      expect((6 * N * D) / C).toBeCloseTo(1, 10);
      const at = (f: number) => chinchillaLoss(p, N * f, C / (6 * N * f));
      expect(at(1)).toBeLessThan(at(1.05));
      expect(at(1)).toBeLessThan(at(0.95));
    }
    // Chinchilla's headline: ~20 tokens per parameter near 1e23–1e24 FLOPs
    const { N, D } = chinchillaFrontier(p, 5.76e23);
    expect(D / N).toBeGreaterThan(10);
    expect(D / N).toBeLessThan(40);
  });

  it('refuses too few runs or a single N with a FitError', () => {
    const pts = chinchillaPoints();
    expect(() => fitChinchilla(pts.slice(0, 4), { bootstrap: 0 })).toThrow(FitError);
    expect(() => fitChinchilla(pts.slice(0, 4), { bootstrap: 0 })).toThrow(/at least 5 runs/);
    expect(() => fitChinchilla(pts.slice(0, 7), { bootstrap: 0 })).toThrow(/2 distinct N/);
  });
});
