import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { global_norm, global_norm_bytes, global_norm_flops, global_norm_partials, global_norm_versions, type GlobalNormVersion } from './global_norm.ts';
import * as cpu from './global_norm.cpu.ts';

const versions = Object.keys(global_norm_versions).map(Number) as GlobalNormVersion[];

// A bench-scale model's parameter count (~1M), then a larger one that needs the y-folded grid on GPUs.
const SIZES = [1 << 20, 1 << 24];

export const bench: BenchCase[] = SIZES.flatMap((n) =>
  versions.map((version) => ({
    kernel: 'global_norm',
    version: `v${version}`,
    shape: `n=${n}`,
    flops: global_norm_flops(n),
    bytes: global_norm_bytes(n),
    setup(gpu) {
      const out = gpu.tensor('out', 2), partials = gpu.tensor('partials', global_norm_partials(n)), grads = gpu.tensor('grads', n, seededArray(n, 1));
      return {
        record: () => global_norm(gpu, out, partials, grads, n, 1.0, { version }),
        dispose: () => [out, partials, grads].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
);

export const checks: CheckCase[] = versions.map((version) => {
  const n = 70001;
  return {
    kernel: 'global_norm',
    version: `v${version}`,
    shape: `n=${n} max_norm=1`,
    tolerance: 2e-3, // norm ≈ 152 from a float32 sum of n squares: 1e-5 relative; the scale ≈ 0.0066 is far tighter
    async run(gpu) {
      const grads = seededArray(n, 1);
      const want = new Float64Array(2);
      cpu.global_norm(want, null, grads, n, 1.0);
      const out = gpu.tensor('out', 2);
      global_norm(gpu, out, gpu.tensor('partials', global_norm_partials(n)), gpu.tensor('grads', n, grads), n, 1.0, { version });
      return maxAbsDiff(await gpu.read(out), want);
    },
  };
});
