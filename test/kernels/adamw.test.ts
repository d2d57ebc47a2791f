import { describe, expect, it } from 'vitest';
import { adamw_check_hyper, adamw_hyper, adamw_update, adamw_versions, adamw_write_hyper, type AdamwHyper, type AdamwVersion } from '../../kernels/adamw/adamw.ts';
import * as cpu from '../../kernels/adamw/adamw.cpu.ts';
import { global_norm, global_norm_partials } from '../../kernels/global_norm/global_norm.ts';
import * as cpuNorm from '../../kernels/global_norm/global_norm.cpu.ts';
import { describeGpu, expectClose, randArray } from '../helpers.ts';

const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
// float32 state: params ≈ 1 carry ~6e-8 rounding per step, the update lr·(±1) adds a few ulps of lr;
// m, v ≤ 1 round to ~6e-8 per step. Three steps stay well under these; a wrong term (decay, bias
// correction, clip scale) moves params by ≥ lr·wd·|p| ~ 1e-4.
const ATOL = { params: 1e-6, m: 1e-6, v: 1e-6 };

describeGpu('adamw_update', (gpu) => {
  const versions = Object.keys(adamw_versions).map(Number) as AdamwVersion[];
  for (const version of versions) {
    for (const clip of [true, false]) {
      it(`v${version} matches the float64 reference for steps t = 1, 2, 3, clipping ${clip ? 'active' : 'inactive'}`, async () => {
        const n = 5003, nDecay = 2477; // not multiples of the workgroup; the decay boundary mid-workgroup
        const max_norm = clip ? 1.0 : 1e6; // grads in [-1, 1): norm ≈ 41
        const p = randArray(n, 1), m = new Float64Array(n), v = new Float64Array(n);
        const P = gpu.tensor('params', n, p), G = gpu.tensor('grads', n), M = gpu.tensor('m', n), V = gpu.tensor('v', n);
        const norm = gpu.tensor('norm', 2), partials = gpu.tensor('partials', global_norm_partials(n));
        const hyper = adamw_hyper(gpu);
        for (let t = 1; t <= 3; t++) {
          const g = randArray(n, 10 + t);
          const wantNorm = new Float64Array(2);
          cpuNorm.global_norm(wantNorm, null, g, n, max_norm);
          if (clip) expect(wantNorm[1]).toBeLessThan(0.1);
          else expect(wantNorm[1]).toBe(1);
          const h: AdamwHyper = { ...HYPER, step: t };
          cpu.adamw_update(p, g, m, v, wantNorm, h, n, nDecay);
          gpu.write(G, g);
          adamw_write_hyper(gpu, hyper, h);
          global_norm(gpu, norm, partials, G, n, max_norm);
          adamw_update(gpu, P, G, M, V, norm, hyper, n, nDecay, { version });
          expectClose(await gpu.read(P), p, ATOL.params, 0, `v${version} t=${t} params`);
          expectClose(await gpu.read(M), m, ATOL.m, 0, `v${version} t=${t} m`);
          expectClose(await gpu.read(V), v, ATOL.v, 1e-5, `v${version} t=${t} v`);
        }
        [P, G, M, V, norm, partials].forEach((x) => x.buffer.destroy());
        hyper.destroy();
      });
    }

    it(`v${version} folds the grid into y past 65535 workgroups`, async () => {
      const n = 65535 * 256 + 300, nDecay = n - 100;
      const p = randArray(n, 2), g = randArray(n, 3), m = randArray(n, 4), v = randArray(n, 5, 0, 1);
      const norm = [12.5, 0.25];
      const h: AdamwHyper = { ...HYPER, step: 7 };
      const P = gpu.tensor('params', n, p), G = gpu.tensor('grads', n, g), M = gpu.tensor('m', n, m), V = gpu.tensor('v', n, v), N = gpu.tensor('norm', 2, norm);
      const hyper = adamw_hyper(gpu);
      adamw_write_hyper(gpu, hyper, h);
      adamw_update(gpu, P, G, M, V, N, hyper, n, nDecay, { version });
      cpu.adamw_update(p, g, m, v, norm, h, n, nDecay);
      expectClose(await gpu.read(P), p, ATOL.params, 0, `v${version} n=${n} params`);
      expectClose(await gpu.read(V), v, ATOL.v, 1e-5, `v${version} n=${n} v`);
      [P, G, M, V, N].forEach((x) => x.buffer.destroy());
      hyper.destroy();
    });
  }

  it('refuses bad arguments', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n);
    const [p, g, m, v, norm] = [t(10, 'p'), t(10, 'g'), t(10, 'm'), t(9, 'v'), t(2, 'norm')];
    const hyper = adamw_hyper(gpu);
    expect(() => adamw_update(gpu, p, g, m, v, norm, hyper, 0, 0)).toThrow(/n must be an integer >= 1/);
    expect(() => adamw_update(gpu, p, g, m, v, norm, hyper, 9, 10)).toThrow(/n_decay must be an integer in \[0, n=9\]/);
    expect(() => adamw_update(gpu, p, g, m, v, norm, hyper, 10, 5)).toThrow(/v "v" has 9 floats, needs n = 10/);
    expect(() => adamw_update(gpu, p, g, m, v, t(1, 'n1'), hyper, 9, 5)).toThrow(/norm "n1" has 1 floats, needs 2/);
    expect(() => adamw_update(gpu, p, g, m, v, norm, gpu.uniform('small', 16), 9, 5)).toThrow(/hyper "small" has 16 bytes, needs 48/);
    expect(() => adamw_update(gpu, p, g, p, v, norm, hyper, 9, 5)).toThrow(/params "p" and m "p" overlap/);
    expect(() => adamw_write_hyper(gpu, hyper, { ...HYPER, step: 0 })).toThrow(/step must be an integer >= 1/);
    expect(() => adamw_write_hyper(gpu, hyper, { ...HYPER, beta2: 1, step: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => adamw_write_hyper(gpu, hyper, { ...HYPER, eps: 0, step: 1 })).toThrow(/eps must be a finite number > 0/);
    expect(() => adamw_write_hyper(gpu, gpu.uniform('small', 16), { ...HYPER, step: 1 })).toThrow(/needs 48/);
  });
});

describe('adamw_update CPU reference', () => {
  it('one step by hand: t = 1 moves each weight by ≈ lr·sign(g), plus decay only below n_decay', () => {
    const p = Float64Array.from([1, 1]), m = new Float64Array(2), v = new Float64Array(2);
    cpu.adamw_update(p, [0.5, 0.5], m, v, [0, 1], { ...HYPER, step: 1 }, 2, 1);
    // m̂ = g, v̂ = g², so m̂/(sqrt v̂ + eps) = g/(|g| + eps)
    expect(p[0]).toBeCloseTo(1 - HYPER.lr * (0.5 / (0.5 + 1e-8) + HYPER.weightDecay), 14);
    expect(p[1]).toBeCloseTo(1 - HYPER.lr * (0.5 / (0.5 + 1e-8)), 14);
    expect(() => adamw_check_hyper({ ...HYPER, lr: NaN, step: 1 })).toThrow(/lr must be/);
  });
});
