// T² Approaches 1 and 2 and the coverage curve: recovery of known laws from seeded synthetic data,
// analytic gradients against finite differences, and the Beta pass@k identity.
import { describe, expect, it } from 'vitest';
import { centralDiff } from '../../src/fit/lbfgs.ts';
import { chinchillaLoss } from '../../src/fit/chinchilla.ts';
import {
  betaPassAtK,
  digamma,
  fitCoverage,
  fitT2Accuracy,
  fitT2Loss,
  t2Accuracy,
  t2AccuracyObjective,
  t2BetaShape,
  t2Loss,
} from '../../src/fit/t2.ts';
import { lgamma } from '../../src/stats/special.ts';
import { Rng } from '../../src/util/rng.ts';
import { GRID_N, GRID_RATIO, TRUE_CHINCHILLA, betaSample } from './synthetic.ts';

const KS = Array.from({ length: 11 }, (_, i) => 2 ** i);

describe('betaPassAtK and digamma', () => {
  it('pass@k under Beta(1, 1) is k/(k + 1), and matches numerical integration for Beta(2, 3) and fractional k', () => {
    for (const k of [1, 2, 7, 1024]) expect(betaPassAtK(1, 1, k)).toBeCloseTo(k / (k + 1), 12);
    // ∫ (1 − (1 − p)^k) p^(a−1) (1 − p)^(b−1) dp / B(a, b), Simpson on 20000 intervals
    const a = 2,
      b = 3,
      B = Math.exp(lgamma(a) + lgamma(b) - lgamma(a + b));
    for (const k of [1, 3.5, 40]) {
      const n = 20000;
      let s = 0;
      for (let i = 0; i <= n; i++) {
        const p = i / n;
        const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
        s += w * (1 - (1 - p) ** k) * p ** (a - 1) * (1 - p) ** (b - 1);
      }
      expect(betaPassAtK(a, b, k)).toBeCloseTo(s / (3 * n) / B, 10);
    }
  });

  it('digamma: ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, and the derivative of lgamma', () => {
    const euler = 0.5772156649015329;
    expect(digamma(1)).toBeCloseTo(-euler, 12);
    expect(digamma(0.5)).toBeCloseTo(-euler - 2 * Math.LN2, 12);
    for (const x of [1e-3, 0.3, 2.5, 17, 1500]) {
      const h = 1e-5 * x;
      expect(digamma(x), `x=${x}`).toBeCloseTo((lgamma(x + h) - lgamma(x - h)) / (2 * h), 5);
    }
  });
});

describe('T² Approach 1: L(N, D, k) = E + A/N^α + B/D^β + G/k^γ', () => {
  it('recovers a known law from 49 runs × 11 k with 1% noise', () => {
    const truth = { E: 0.05, A: 20, B: 30, G: 1.5, alpha: 0.35, beta: 0.3, gamma: 0.5 };
    const rng = new Rng(5);
    const rows = GRID_N.flatMap((N) =>
      GRID_RATIO.flatMap((r) =>
        KS.map((k) => ({
          N,
          D: N * r,
          k,
          y: t2Loss(truth, N, N * r, k) * Math.exp(0.01 * rng.normal()),
        })),
      ),
    );
    const fit = fitT2Loss(rows, { seed: 1 });
    expect(fit.rows).toBe(539);
    expect(fit.r2).toBeGreaterThan(0.999);
    expect(fit.params.alpha).toBeCloseTo(truth.alpha, 1);
    expect(fit.params.beta).toBeCloseTo(truth.beta, 1);
    expect(fit.params.gamma).toBeCloseTo(truth.gamma, 1);
    for (const k of ['A', 'B', 'G'] as const)
      expect(Math.abs(fit.params[k] / truth[k] - 1), k).toBeLessThan(0.1);
    expect(Math.abs(fit.params.E - truth.E)).toBeLessThan(0.02);
  });

  it('needs two distinct k and enough rows', () => {
    const rows = [...GRID_N, 2e6, 3e6].map((N) => ({ N, D: N, k: 1, y: 2 }));
    expect(() => fitT2Loss(rows)).toThrow(/2 distinct k/);
    expect(() => fitT2Loss(rows.slice(0, 3))).toThrow(/at least 8/);
  });
});

describe('T² Approach 2: accuracy through Beta(μν, (1−μ)ν)', () => {
  const truth = { theta0: 2.5, theta1: 2, theta2: 0.95, theta3: 1.5, theta4: -0.2 };

  it('the objective’s analytic gradient matches central differences', () => {
    const rows = [1.3, 2.2, 3.9, 6].flatMap((Lhat) =>
      [1, 5, 300].map((k) => ({ Lhat, k, y: 0.3 })),
    );
    const obj = t2AccuracyObjective(rows);
    const x = Float64Array.from([2.3, 1.7, 1.2, 1.4, -0.3]);
    const g = new Float64Array(5),
      gn = new Float64Array(5);
    obj(x, g);
    centralDiff((y) => obj(y, new Float64Array(5)), 1e-6)(x, gn);
    g.forEach((v, i) =>
      expect(Math.abs(v - gn[i]!), `∂/∂x${i}: ${v} vs ${gn[i]}`).toBeLessThan(
        1e-6 * Math.max(1, Math.abs(v)),
      ),
    );
  });

  it('recovers a known law from per-question accuracies drawn from the Beta (300 questions per run)', () => {
    const rng = new Rng(5);
    const rows = GRID_N.flatMap((N) =>
      GRID_RATIO.flatMap((r) => {
        const Lhat = chinchillaLoss(TRUE_CHINCHILLA, N, N * r);
        const { a, b } = t2BetaShape(truth, Lhat);
        const ps = Array.from({ length: 300 }, () => betaSample(rng, a, b));
        return KS.map((k) => ({
          Lhat,
          k,
          y: ps.reduce((s, p) => s + 1 - (1 - p) ** k, 0) / ps.length,
        }));
      }),
    );
    const fit = fitT2Accuracy(rows, { seed: 1 });
    expect(fit.r2).toBeGreaterThan(0.99);
    expect(fit.params.theta0).toBeCloseTo(truth.theta0, 1);
    expect(Math.abs(fit.params.theta1 / truth.theta1 - 1)).toBeLessThan(0.1);
    expect(fit.params.theta2).toBeCloseTo(truth.theta2, 1);
    // ν is set by the questions' spread, the noisiest part of 300 draws: looser
    expect(Math.abs(fit.params.theta3 - truth.theta3)).toBeLessThan(0.5);
    expect(Math.abs(fit.params.theta4 - truth.theta4)).toBeLessThan(0.15);
    // the fitted law predicts the true (infinite-question) pass@k closely everywhere
    let worst = 0;
    for (const L of [1.3, 2, 3, 5, 7])
      for (const k of KS)
        worst = Math.max(worst, Math.abs(t2Accuracy(fit.params, L, k) - t2Accuracy(truth, L, k)));
    expect(worst).toBeLessThan(0.05);
  });
});

describe('coverage curve pass@k ≈ exp(a·k^b)', () => {
  it('recovers a and b exactly from the law itself', () => {
    const fit = fitCoverage(
      KS,
      KS.map((k) => Math.exp(-2 * k ** -0.4)),
    )!;
    expect(fit.a).toBeCloseTo(-2, 6);
    expect(fit.b).toBeCloseTo(-0.4, 6);
    expect(fit.points).toBe(11);
  });

  it('for p ~ Beta(0.3, 3) the exponent is near −0.3 (the heavy left tail sets it)', () => {
    const fit = fitCoverage(
      KS,
      KS.map((k) => betaPassAtK(0.3, 3, k)),
    )!;
    expect(fit.b).toBeLessThan(-0.25);
    expect(fit.b).toBeGreaterThan(-0.5);
    expect(fit.a).toBeLessThan(0);
  });

  it('is null with fewer than 2 usable k (pass@k of 0 or 1 carries no slope)', () => {
    expect(fitCoverage([1, 2, 4], [0, 0, 0.5])).toBeNull();
    expect(fitCoverage([1, 2], [1, 1])).toBeNull();
  });
});
