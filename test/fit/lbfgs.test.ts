// L-BFGS on functions with known minima, and the central-difference gradient against analytic ones.
import { describe, expect, it } from 'vitest';
import { centralDiff, lbfgs, type Objective } from '../../src/fit/lbfgs.ts';

/** n-dimensional Rosenbrock: minimum 0 at (1, …, 1), a curved narrow valley. */
const rosenbrock: Objective = (x, g) => {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!,
      b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i]! * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
};

describe('lbfgs', () => {
  it('finds the Rosenbrock minimum in 2 and 10 dimensions', () => {
    const r2 = lbfgs(rosenbrock, [-1.2, 1]);
    expect(r2.converged, r2.message).toBe(true);
    for (const v of r2.x) expect(v).toBeCloseTo(1, 5);
    expect(r2.iterations).toBeLessThan(100);
    const r10 = lbfgs(
      rosenbrock,
      Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1.2)),
    );
    expect(r10.converged, r10.message).toBe(true);
    for (const v of r10.x) expect(v).toBeCloseTo(1, 4);
  });

  it('solves an ill-conditioned quadratic (condition number 1e6) to high accuracy', () => {
    const d = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];
    const c = d.map((_, i) => i - 3);
    const quad: Objective = (x, g) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        const r = x[i]! - c[i]!;
        f += 0.5 * d[i]! * r * r;
        g[i] = d[i]! * r;
      }
      return f;
    };
    const r = lbfgs(quad, new Array(7).fill(0), { gtol: 1e-10, ftol: 0 });
    expect(r.converged, r.message).toBe(true);
    r.x.forEach((v, i) => expect(v, `x[${i}]`).toBeCloseTo(c[i]!, 7));
  });

  it('treats a non-finite value as outside the domain and shrinks the step', () => {
    // f(x) = x − log x on x > 0 (NaN for x <= 0), minimum at x = 1; a unit step from 3 would go negative.
    const f: Objective = (x, g) => {
      g[0] = 1 - 1 / x[0]!;
      return x[0]! - Math.log(x[0]!);
    };
    const r = lbfgs(f, [0.05]);
    expect(r.converged, r.message).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(lbfgs(f, [-1]).converged).toBe(false); // a non-finite start is reported, not thrown
  });

  it('centralDiff matches analytic gradients', () => {
    const value = (x: Float64Array) => Math.exp(x[0]!) * Math.sin(x[1]!) + x[0]! * x[2]! ** 3;
    const obj = centralDiff(value);
    const x = Float64Array.from([0.3, -1.1, 2.0]);
    const g = new Float64Array(3);
    expect(obj(x, g)).toBe(value(x));
    const want = [Math.exp(0.3) * Math.sin(-1.1) + 8, Math.exp(0.3) * Math.cos(-1.1), 3 * 0.3 * 4];
    want.forEach((w, i) => expect(Math.abs(g[i]! - w), `g[${i}]`).toBeLessThan(1e-7));
    // and L-BFGS converges with it
    const r = lbfgs(
      centralDiff((x) => (x[0]! - 2) ** 2 + 3 * (x[1]! + 1) ** 4),
      [0, 0],
    );
    expect(r.x[0]).toBeCloseTo(2, 6);
    expect(r.x[1]).toBeCloseTo(-1, 2);
  });
});
