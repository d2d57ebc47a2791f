import { seededArray, type BenchCase, type CheckCase } from '../../src/gpu/cases.ts';
import {
  global_norm,
  global_norm_bytes,
  global_norm_flops,
  global_norm_partials,
  global_norm_versions,
  type GlobalNormVersion,
} from './global_norm.ts';
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
      const out = gpu.tensor('out', 2),
        partials = gpu.tensor('partials', global_norm_partials(n)),
        grads = gpu.tensor('grads', n, seededArray(n, 1));
      return {
        record: () => global_norm(gpu, out, partials, grads, n, 1.0, undefined, { version }),
        dispose: () => [out, partials, grads].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
);

// float32 sums of squares: each stage adds in a tree of depth ~log2(n), so the relative error of the sum is
// ~log2(n)·2^-24 ≤ 2e-6; the norm is its square root (half that). 1e-5 relative leaves margin.
const [ATOL, RTOL] = [1e-7, 1e-5];

// 1 and 255: less than one workgroup; 257: one past it; 70000: many blocks, the last one partial;
// 2^24+3: 8193 blocks, so stage 2 loops over 32 partials per invocation, with a ragged tail (Vitest only).
const CHECK_SIZES = [1, 255, 257, 70000, (1 << 24) + 3];

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => [
  ...CHECK_SIZES.map((n): CheckCase => ({
    kernel: 'global_norm',
    version: `v${version}`,
    shape: `n=${n} max_norm=0.5: norm, clip scale, partials`,
    atol: ATOL,
    rtol: RTOL,
    quick: n < 1 << 20,
    async run(gpu) {
      const grads = seededArray(n, n),
        max_norm = 0.5; // below every norm here except n = 1: clipping active
      const want = new Float64Array(2),
        wantPartials = new Float64Array(global_norm_partials(n));
      cpu.global_norm(want, wantPartials, grads, n, max_norm);
      if (n > 1 && !(want[1]! < 1))
        throw new Error(`the case's gradients no longer clip (scale ${want[1]})`);
      const out = gpu.tensor('out', 2),
        partials = gpu.tensor('partials', global_norm_partials(n)),
        g = gpu.tensor('grads', n, grads);
      global_norm(gpu, out, partials, g, n, max_norm, undefined, { version });
      const outputs = [
        { what: 'norm, scale', got: await gpu.read(out), want },
        { what: 'partials', got: await gpu.read(partials), want: wantPartials },
      ];
      [out, partials, g].forEach((t) => t.buffer.destroy());
      return outputs;
    },
  })),
  {
    kernel: 'global_norm',
    version: `v${version}`,
    shape: 'n=1000, norm ≈ 0.18: scale exactly 1 at max_norm=1, < 0.3 at max_norm=0.05',
    atol: ATOL,
    rtol: RTOL,
    async run(gpu) {
      const n = 1000,
        grads = seededArray(n, 7, -0.01, 0.01);
      const out = gpu.tensor('out', 2),
        partials = gpu.tensor('partials', global_norm_partials(n)),
        g = gpu.tensor('grads', n, grads);
      const [unclipped, clipped] = [new Float64Array(2), new Float64Array(2)];
      cpu.global_norm(unclipped, null, grads, n, 1.0);
      cpu.global_norm(clipped, null, grads, n, 0.05);
      if (unclipped[1] !== 1 || !(clipped[1]! < 0.3))
        throw new Error(`the case's gradients moved (scales ${unclipped[1]}, ${clipped[1]})`);
      global_norm(gpu, out, partials, g, n, 1.0, undefined, { version });
      const got1 = await gpu.read(out);
      global_norm(gpu, out, partials, g, n, 0.05, undefined, { version });
      const got2 = await gpu.read(out);
      [out, partials, g].forEach((t) => t.buffer.destroy());
      return [
        { what: 'unclipped', got: got1, want: unclipped },
        { what: 'unclipped scale (exactly 1)', got: [got1[1]!], want: [1], atol: 0, rtol: 0 },
        { what: 'clipped', got: got2, want: clipped },
      ];
    },
  },
]);
