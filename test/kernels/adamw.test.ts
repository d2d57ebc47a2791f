import { describe, expect, it } from 'vitest';
import {
  adamw_check_hyper,
  adamw_hyper,
  adamw_update,
  adamw_write_hyper,
} from '../../kernels/adamw/adamw.ts';
import * as cpu from '../../kernels/adamw/adamw.cpu.ts';
import { checks } from '../../kernels/adamw/adamw.cases.ts';
import { describeGpu, itChecks } from '../helpers.ts';

const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

describeGpu('adamw_update', (gpu) => {
  // Every version against the float64 reference: the table in kernels/adamw/adamw.cases.ts.
  itChecks(gpu, checks);

  it('refuses bad arguments', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n);
    const [p, g, m, v, norm] = [t(10, 'p'), t(10, 'g'), t(10, 'm'), t(9, 'v'), t(2, 'norm')];
    const hyper = adamw_hyper(gpu);
    expect(() => adamw_update(gpu, p, g, m, v, norm, hyper, 0, 0)).toThrow(
      /n must be an integer >= 1/,
    );
    expect(() => adamw_update(gpu, p, g, m, v, norm, hyper, 9, 10)).toThrow(
      /n_decay must be an integer in \[0, n=9\]/,
    );
    expect(() => adamw_update(gpu, p, g, m, v, norm, hyper, 10, 5)).toThrow(
      /v "v" has 9 floats, needs n = 10/,
    );
    expect(() => adamw_update(gpu, p, g, m, v, t(1, 'n1'), hyper, 9, 5)).toThrow(
      /norm "n1" has 1 floats, needs 2/,
    );
    expect(() => adamw_update(gpu, p, g, m, v, norm, gpu.uniform('small', 16), 9, 5)).toThrow(
      /hyper "small" has 16 bytes, needs 48/,
    );
    expect(() => adamw_update(gpu, p, g, p, v, norm, hyper, 9, 5)).toThrow(
      /params "p" and m "p" overlap/,
    );
    expect(() => adamw_write_hyper(gpu, hyper, { ...HYPER, step: 0 })).toThrow(
      /step must be an integer >= 1/,
    );
    expect(() => adamw_write_hyper(gpu, hyper, { ...HYPER, beta2: 1, step: 1 })).toThrow(
      /beta2 must be in \[0, 1\)/,
    );
    expect(() => adamw_write_hyper(gpu, hyper, { ...HYPER, eps: 0, step: 1 })).toThrow(
      /eps must be a finite number > 0/,
    );
    expect(() => adamw_write_hyper(gpu, gpu.uniform('small', 16), { ...HYPER, step: 1 })).toThrow(
      /needs 48/,
    );
  });
});

describe('adamw_update CPU reference', () => {
  it('one step by hand: t = 1 moves each weight by ≈ lr·sign(g), plus decay only below n_decay', () => {
    const p = Float64Array.from([1, 1]),
      m = new Float64Array(2),
      v = new Float64Array(2);
    cpu.adamw_update(p, [0.5, 0.5], m, v, [0, 1], { ...HYPER, step: 1 }, 2, 1);
    // m̂ = g, v̂ = g², so m̂/(sqrt v̂ + eps) = g/(|g| + eps)
    expect(p[0]).toBeCloseTo(1 - HYPER.lr * (0.5 / (0.5 + 1e-8) + HYPER.weightDecay), 14);
    expect(p[1]).toBeCloseTo(1 - HYPER.lr * (0.5 / (0.5 + 1e-8)), 14);
    expect(() => adamw_check_hyper({ ...HYPER, lr: NaN, step: 1 })).toThrow(/lr must be/);
  });
});
