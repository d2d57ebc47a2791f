// The one rule that judges a kernel's check cases, in Vitest (expectClose) and in the browser self-check.
import { describe, expect, it } from 'vitest';
import { judge, worstElement, type CheckCase } from '../../src/gpu/cases.ts';

describe('worstElement', () => {
  it('finds the element furthest past atol + rtol·|want| (or nearest it), not the largest |diff|', () => {
    // |diff| 0.5 at want=100 is within rtol; |diff| 0.2 at want=0 is not.
    const w = worstElement([100.5, 0.2, 1], [100, 0, 1], 0.1, 0.01);
    expect(w).toMatchObject({ index: 1, got: 0.2, want: 0, allowed: 0.1, ok: false });
    expect(w.diff).toBeCloseTo(0.2, 15);
    expect(w.ratio).toBeCloseTo(2, 12);
    // All within: the one nearest its bound, 0.9 of it.
    expect(worstElement([100.5, 0.09, 1], [100, 0, 1], 0.1, 0.01)).toMatchObject({
      index: 1,
      ok: true,
    });
  });

  it('passes at the bound, fails just past it, and fails on any NaN', () => {
    expect(worstElement([1.5], [1], 0.5).ok).toBe(true);
    expect(worstElement([1.5000001], [1], 0.5).ok).toBe(false);
    expect(worstElement([0, NaN, 5], [0, 0, 0], 1)).toMatchObject({
      index: 1,
      ratio: Infinity,
      ok: false,
    });
    expect(worstElement([0, 1e-30], [0, 0], 0)).toMatchObject({
      index: 1,
      ratio: Infinity,
      ok: false,
    });
    expect(worstElement([0], [NaN], 1).ok).toBe(false);
  });

  it('an empty output passes; outputs of different lengths are an error', () => {
    expect(worstElement([], [], 0)).toMatchObject({ index: -1, ok: true });
    expect(() => worstElement([1, 2], [1], 0)).toThrow(/2 values, the reference has 1/);
  });
});

describe('judge', () => {
  const c: CheckCase = {
    kernel: 'k',
    version: 'v1',
    shape: 's',
    atol: 1e-3,
    rtol: 0,
    run: async () => [],
  };

  it('takes the worst element over all outputs, each under its own bound where it has one, and names it', () => {
    const w = judge(c, [
      { what: 'a', got: [1, 2.0005], want: [1, 2] }, // within 1e-3
      { what: 'exact', got: [0, 1e-6], want: [0, 0], atol: 0 }, // 1e-6 past an exact bound
    ]);
    expect(w).toMatchObject({ where: 'exact[1]', ok: false, allowed: 0 });
    // An exact output matched exactly does not hide a toleranced one near its bound.
    const near = judge(c, [
      { what: 'a', got: [1, 2.0005], want: [1, 2] },
      { what: 'exact', got: [3], want: [3], atol: 0 },
    ]);
    expect(near).toMatchObject({ where: 'a[1]', ok: true });
    expect(near.ratio).toBeCloseTo(0.5, 9);
  });

  it('a case that returns no outputs, or a wrong length, is an error naming the output', () => {
    expect(() => judge(c, [])).toThrow(/k v1 s: the case returned no outputs/);
    expect(() => judge(c, [{ what: 'losses', got: [1], want: [1, 2] }])).toThrow(
      /losses: 1 values, the reference has 2/,
    );
  });
});
