import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { adamw_bytes, adamw_flops, adamw_hyper, adamw_update, adamw_versions, adamw_write_hyper, type AdamwHyper, type AdamwVersion } from './adamw.ts';
import * as cpu from './adamw.cpu.ts';

const versions = Object.keys(adamw_versions).map(Number) as AdamwVersion[];
const HYPER: AdamwHyper = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 3 };

// A bench-scale model's parameter count (~1M) and a larger one; two thirds of it decayed (matrices).
const SIZES = [1 << 20, 1 << 24];

export const bench: BenchCase[] = SIZES.flatMap((n) =>
  versions.map((version) => ({
    kernel: 'adamw_update',
    version: `v${version}`,
    shape: `n=${n}`,
    flops: adamw_flops(n),
    bytes: adamw_bytes(n),
    setup(gpu) {
      const t = (label: string, data?: Float64Array) => gpu.tensor(label, n, data);
      const params = t('params', seededArray(n, 1)), grads = t('grads', seededArray(n, 2)), m = t('m'), v = t('v');
      const norm = gpu.tensor('norm', 2, [1, 1]), hyper = adamw_hyper(gpu);
      adamw_write_hyper(gpu, hyper, HYPER);
      return {
        record: () => adamw_update(gpu, params, grads, m, v, norm, hyper, n, Math.floor((2 * n) / 3), { version }),
        dispose: () => {
          [params, grads, m, v, norm].forEach((x) => x.buffer.destroy());
          hyper.destroy();
        },
      };
    },
  })),
);

export const checks: CheckCase[] = versions.map((version) => {
  const n = 4099, nDecay = 2050;
  return {
    kernel: 'adamw_update',
    version: `v${version}`,
    shape: `n=${n} n_decay=${nDecay} t=3 clip=0.5`,
    tolerance: 1e-6, // f32 params ≈ 1 and m, v ≤ 1 after one step: a few ulps
    async run(gpu) {
      const p = seededArray(n, 1), g = seededArray(n, 2), m = seededArray(n, 3), v = seededArray(n, 4, 0, 1), norm = [20, 0.5];
      const P = gpu.tensor('params', n, p), M = gpu.tensor('m', n, m), V = gpu.tensor('v', n, v), hyper = adamw_hyper(gpu);
      adamw_write_hyper(gpu, hyper, HYPER);
      adamw_update(gpu, P, gpu.tensor('grads', n, g), M, V, gpu.tensor('norm', 2, norm), hyper, n, nDecay, { version });
      cpu.adamw_update(p, g, m, v, norm, HYPER, n, nDecay);
      return Math.max(maxAbsDiff(await gpu.read(P), p), maxAbsDiff(await gpu.read(M), m), maxAbsDiff(await gpu.read(V), v));
    },
  };
});
