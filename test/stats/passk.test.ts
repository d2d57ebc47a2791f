// pass@k: the unbiased estimator against exact combinatorics (BigInt), its unbiasedness by exhaustive
// expectation, the likelihood form's stability, and the bootstrap interval's coverage.
import { describe, expect, it } from 'vitest';
import {
  passAtKFromP,
  passAtKTable,
  passAtKUnbiased,
  quantileSorted,
} from '../../src/stats/passk.ts';
import { Rng } from '../../src/util/rng.ts';

function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

/** 1 − C(n−c, k)/C(n, k), exact rational to float: scale the ratio by 10^30 in integers first. */
function exactPassAtK(n: number, c: number, k: number): number {
  const scale = 10n ** 30n;
  const miss = (choose(n - c, k) * scale) / choose(n, k);
  return 1 - Number(miss) / 1e30;
}

function binomPmf(n: number, c: number, p: number): number {
  return Number(choose(n, c)) * p ** c * (1 - p) ** (n - c);
}

describe('passAtKUnbiased', () => {
  it('equals 1 − C(n−c,k)/C(n,k) on every (n, c, k) with n <= 40, and on large n', () => {
    let checked = 0;
    for (let n = 1; n <= 40; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) {
          const want = exactPassAtK(n, c, k);
          const got = passAtKUnbiased(n, c, k);
          expect(Math.abs(got - want), `n=${n} c=${c} k=${k}`).toBeLessThan(1e-13);
          checked++;
        }
      }
    }
    expect(checked).toBe(22960); // Σ_{n=1}^{40} n(n+1)
    for (const [n, c, k] of [
      [1000, 1, 1],
      [1000, 1, 999],
      [1000, 3, 17],
      [1024, 500, 1024],
      [500, 0, 250],
      [300, 299, 2],
    ] as const) {
      expect(
        Math.abs(passAtKUnbiased(n, c, k) - exactPassAtK(n, c, k)),
        `n=${n} c=${c} k=${k}`,
      ).toBeLessThan(1e-12);
    }
  });

  it('edge cases: c = 0 gives 0, n − c < k gives 1, k = 1 gives c/n', () => {
    expect(passAtKUnbiased(10, 0, 5)).toBe(0);
    expect(passAtKUnbiased(10, 6, 5)).toBe(1);
    expect(passAtKUnbiased(10, 10, 10)).toBe(1);
    expect(passAtKUnbiased(1, 1, 1)).toBe(1);
    expect(passAtKUnbiased(1, 0, 1)).toBe(0);
    expect(passAtKUnbiased(7, 3, 1)).toBeCloseTo(3 / 7, 15);
    // tiny values keep their digits: 1 correct of 1e6 samples, k = 1
    expect(passAtKUnbiased(1_000_000, 1, 1) / 1e-6).toBeCloseTo(1, 12);
  });

  it('rejects k > n, c > n, non-integers and negatives with a clear message', () => {
    expect(() => passAtKUnbiased(5, 2, 6)).toThrow(/k = 6 exceeds n = 5/);
    expect(() => passAtKUnbiased(5, 6, 1)).toThrow(/c = 6 correct exceeds n = 5/);
    expect(() => passAtKUnbiased(5.5, 2, 1)).toThrow(/n must be an integer/);
    expect(() => passAtKUnbiased(5, 2.5, 1)).toThrow(/c must be an integer/);
    expect(() => passAtKUnbiased(5, 2, 1.5)).toThrow(/k must be an integer/);
    expect(() => passAtKUnbiased(5, -1, 1)).toThrow(/c must be an integer >= 0/);
    expect(() => passAtKUnbiased(5, 1, 0)).toThrow(/k must be an integer >= 1/);
  });

  it('is unbiased: E over c ~ Binomial(n, p) equals 1 − (1 − p)^k exactly', () => {
    for (const n of [1, 2, 5, 10, 16]) {
      for (const p of [0.001, 0.05, 0.3, 0.5, 0.9]) {
        for (let k = 1; k <= n; k++) {
          let e = 0;
          for (let c = 0; c <= n; c++) e += binomPmf(n, c, p) * passAtKUnbiased(n, c, k);
          expect(Math.abs(e - (1 - (1 - p) ** k)), `n=${n} p=${p} k=${k}`).toBeLessThan(1e-12);
        }
      }
    }
    // and the plug-in estimator is not (the reason this one exists): n = 10, p = 0.1, k = 5
    let plugin = 0;
    for (let c = 0; c <= 10; c++) plugin += binomPmf(10, c, 0.1) * (1 - (1 - c / 10) ** 5);
    expect(Math.abs(plugin - (1 - 0.9 ** 5))).toBeGreaterThan(0.03);
  });
});

describe('passAtKFromP', () => {
  it('endpoints and exact values', () => {
    expect(passAtKFromP(0, 1000)).toBe(0);
    expect(passAtKFromP(1, 1)).toBe(1);
    expect(passAtKFromP(1, 1e6)).toBe(1);
    expect(passAtKFromP(0.3, 0)).toBe(0);
    expect(passAtKFromP(0.5, 3)).toBeCloseTo(0.875, 15);
    expect(passAtKFromP(0.2, 2.5)).toBeCloseTo(1 - 0.8 ** 2.5, 15);
  });

  it('is stable for tiny p and large k where 1 − (1 − p)^k is not', () => {
    // p = 1e-20: (1 − p) rounds to 1 in float64, so the naive form returns 0
    expect(1 - (1 - 1e-20) ** 1000).toBe(0);
    expect(passAtKFromP(1e-20, 1000) / 1e-17).toBeCloseTo(1, 12);
    // k·p small: pass@k = k·p − C(k,2)·p² + O((kp)³), and the O((kp)³) term is ~1e-25 here
    const p = 1e-12,
      k = 1e4;
    expect(passAtKFromP(p, k) / (k * p - ((k * (k - 1)) / 2) * p * p)).toBeCloseTo(1, 14);
    // k large with p moderate: approaches 1 without overshooting
    expect(passAtKFromP(0.01, 1e5)).toBe(1);
    expect(passAtKFromP(1e-6, 1e6)).toBeCloseTo(1 - Math.exp(-1), 6);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => passAtKFromP(1.5, 1)).toThrow(/p must be in \[0, 1\]/);
    expect(() => passAtKFromP(NaN, 1)).toThrow(/p must be in \[0, 1\]/);
  });
});

describe('passAtKTable', () => {
  const qs = [
    { n: 8, c: 0, p: 0.01 },
    { n: 8, c: 2, p: 0.2 },
    { n: 8, c: 8, p: 0.95 },
    { n: 4, c: 1, p: 0.3 },
  ];

  it('values are the means over questions; sampling stops at the smallest n', () => {
    const t = passAtKTable(qs, [1, 2, 4, 8, 16], { resamples: 200, seed: 1 });
    expect(t.likelihood.k).toEqual([1, 2, 4, 8, 16]);
    expect(t.sampling.k).toEqual([1, 2, 4]);
    const meanS = (k: number) =>
      qs.reduce((s, q) => s + passAtKUnbiased(q.n, q.c, k), 0) / qs.length;
    const meanL = (k: number) => qs.reduce((s, q) => s + passAtKFromP(q.p, k), 0) / qs.length;
    t.sampling.k.forEach((k, i) => expect(t.sampling.value[i]).toBeCloseTo(meanS(k), 14));
    t.likelihood.k.forEach((k, i) => expect(t.likelihood.value[i]).toBeCloseTo(meanL(k), 14));
    for (const m of [t.sampling, t.likelihood]) {
      m.k.forEach((_, i) => {
        expect(m.lo[i]!).toBeLessThanOrEqual(m.value[i]! + 1e-12);
        expect(m.hi[i]!).toBeGreaterThanOrEqual(m.value[i]! - 1e-12);
        expect(m.hi[i]!).toBeGreaterThan(m.lo[i]!);
      });
    }
  });

  it('is deterministic with the seed and changes with it', () => {
    const a = passAtKTable(qs, [1, 2], { resamples: 100, seed: 7 });
    const b = passAtKTable(qs, [1, 2], { resamples: 100, seed: 7 });
    const c = passAtKTable(qs, [1, 2], { resamples: 100, seed: 8 });
    expect(a).toEqual(b);
    expect(a.likelihood.lo).not.toEqual(c.likelihood.lo);
  });

  it('rejects an empty question list', () => {
    expect(() => passAtKTable([], [1])).toThrow(/no questions/);
  });

  it('the 95% interval covers the true pass@k in about 95% of simulated datasets', () => {
    // Questions with p ~ Uniform(0, 1): the population pass@k is E[1 − (1 − p)^k] = k/(k + 1).
    // Each dataset: 60 questions, n = 8 samples each, c ~ Binomial(8, p).
    const ks = [1, 4];
    const datasets = 200;
    const hits = { sampling: [0, 0], likelihood: [0, 0] };
    const rng = new Rng(2024);
    for (let d = 0; d < datasets; d++) {
      const questions = Array.from({ length: 60 }, () => {
        const p = rng.next();
        let c = 0;
        for (let s = 0; s < 8; s++) if (rng.next() < p) c++;
        return { n: 8, c, p };
      });
      const t = passAtKTable(questions, ks, { resamples: 400, seed: d });
      ks.forEach((k, i) => {
        const truth = k / (k + 1);
        for (const m of ['sampling', 'likelihood'] as const)
          if (t[m].lo[i]! <= truth && truth <= t[m].hi[i]!) hits[m][i]!++;
      });
    }
    for (const m of ['sampling', 'likelihood'] as const) {
      for (const h of hits[m]) {
        expect(h / datasets, `${m} coverage`).toBeGreaterThanOrEqual(0.88);
        expect(h / datasets, `${m} coverage`).toBeLessThanOrEqual(0.99);
      }
    }
  });
});

describe('quantileSorted', () => {
  it('interpolates between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    expect(quantileSorted([4], 0.975)).toBe(4);
  });
});
