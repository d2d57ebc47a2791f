// The joint-optimum scan: on a Chinchilla law it finds the closed-form frontier; charging inference
// moves the optimum to smaller N and more tokens per parameter.
import { describe, expect, it } from 'vitest';
import { chinchillaFrontier, chinchillaLoss } from '../../src/fit/chinchilla.ts';
import { computeGrid, optimumTable, scanOptimum } from '../../src/fit/optimum.ts';
import { t2Loss } from '../../src/fit/t2.ts';
import { TRUE_CHINCHILLA } from './synthetic.ts';

describe('scanOptimum', () => {
  it('finds the closed-form Chinchilla frontier on the isoFLOP line', () => {
    for (const p of [TRUE_CHINCHILLA, { E: 1.82, A: 482, B: 2085, alpha: 0.348, beta: 0.366 }]) {
      for (const C of [1e10, 1e13, 1e16, 1e22]) {
        const want = chinchillaFrontier(p, C);
        const got = scanOptimum((N) => chinchillaLoss(p, N, C / (6 * N)), 1, 1e15, 'min')!;
        expect(got.N / want.N, `C=${C}`).toBeCloseTo(1, 5);
        expect(got.atBoundary).toBe(false);
      }
    }
  });

  it('maximises, and flags an optimum on the edge of the range', () => {
    const r = scanOptimum((N) => -((Math.log(N) - Math.log(300)) ** 2), 1, 1e6, 'max')!;
    expect(r.N).toBeCloseTo(300, 4);
    const edge = scanOptimum((N) => N, 10, 1000, 'min')!;
    expect(edge.N).toBeCloseTo(10, 6);
    expect(edge.atBoundary).toBe(true);
    expect(scanOptimum(() => NaN, 1, 10, 'min')).toBeNull();
  });
});

describe('optimumTable', () => {
  const chin = TRUE_CHINCHILLA;
  const C_inf = 2e6; // the largest model of a 1e3–1e6 grid gets k = 1

  it('with no k term (G = 0) the T² loss optimum is the Chinchilla one', () => {
    const t2 = {
      E: chin.E,
      A: chin.A,
      B: chin.B,
      G: 0,
      alpha: chin.alpha,
      beta: chin.beta,
      gamma: 0.5,
    };
    const rows = optimumTable({ chinchilla: chin, t2Loss: t2 }, [1e10, 1e12], C_inf, 10, 1e7);
    for (const row of rows) {
      expect(row.t2_loss!.N / row.chinchilla.N).toBeCloseTo(1, 4);
      expect(row.chinchilla.D * row.chinchilla.N * 6).toBeCloseTo(row.C_train, -2);
      expect(row.chinchilla.k).toBeCloseTo(C_inf / (2 * row.chinchilla.N), 8);
    }
  });

  it('charging inference moves the optimum to smaller N and larger D/N', () => {
    const t2 = {
      E: 0.05,
      A: chin.A,
      B: chin.B,
      G: 1.5,
      alpha: chin.alpha,
      beta: chin.beta,
      gamma: 0.5,
    };
    const rows = optimumTable(
      { chinchilla: chin, t2Loss: t2 },
      computeGrid(1e10, 1e14),
      C_inf,
      100,
      1e7,
    );
    for (const row of rows) {
      const o = row.t2_loss!;
      expect(o.N).toBeLessThan(row.chinchilla.N);
      expect(o.ratio).toBeGreaterThan(row.chinchilla.ratio);
      expect(o.k).toBeCloseTo(C_inf / (2 * o.N), 8);
      expect(o.N).toBeLessThanOrEqual(C_inf / 2 + 1e-6); // never beyond k = 1
      // it is the argmin: neighbours on the same two budget lines are worse
      const at = (N: number) => t2Loss(t2, N, row.C_train / (6 * N), C_inf / (2 * N));
      if (!o.atBoundary) {
        expect(at(o.N)).toBeLessThanOrEqual(at(o.N * 1.01));
        expect(at(o.N)).toBeLessThanOrEqual(at(o.N / 1.01));
      }
    }
  });

  it('computeGrid doubles, spans the range and caps the count', () => {
    computeGrid(1, 8).forEach((v, i) => expect(v).toBeCloseTo([1, 2, 4, 8][i]!, 12));
    expect(computeGrid(1, 8).length).toBe(4);
    const g = computeGrid(1e6, 1e16);
    expect(g.length).toBe(16);
    expect(g[0]).toBe(1e6);
    expect(g.at(-1)! / 1e16).toBeCloseTo(1, 12);
    expect(computeGrid(5, 5)).toEqual([5]);
  });
});
