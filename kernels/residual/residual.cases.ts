import { seededArray, type BenchCase, type CheckCase } from '../../src/gpu/cases.ts';
import {
  residual_forward,
  residual_forward_bytes,
  residual_forward_flops,
  residual_forward_grid,
  residual_forward_versions,
  type ResidualVersion,
} from './residual.ts';
import * as cpu from './residual.cpu.ts';

const versions = Object.keys(residual_forward_versions).map(Number) as ResidualVersion[];

// The residual stream of one block at bench scale (B·T=256, C=128), at the reference step and the
// largest model of the t2 grid (B·T=2048, C=64), and at a narrow model of that grid (C=16).
const SHAPES: [number, number][] = [
  [256, 128],
  [2048, 64],
  [2048, 16],
];

export const bench: BenchCase[] = SHAPES.flatMap(([BT, C]) =>
  versions.map((version): BenchCase => {
    const n = BT * C;
    return {
      kernel: 'residual_forward',
      version: `v${version}`,
      shape: `n=${n} (B·T=${BT} C=${C})`,
      flops: residual_forward_flops(n),
      bytes: residual_forward_bytes(n),
      setup(gpu) {
        const out = gpu.tensor('out', n),
          inp1 = gpu.tensor('inp1', n, seededArray(n, 1)),
          inp2 = gpu.tensor('inp2', n, seededArray(n, 2));
        return {
          record: () => residual_forward(gpu, out, inp1, inp2, n, { version }),
          dispose: () => [out, inp1, inp2].forEach((t) => t.buffer.destroy()),
        };
      },
    };
  }),
);

// Awkward sizes: one element, one short of / exactly / one past a 256-invocation workgroup, several workgroups,
// n a multiple of 4 (v2's vec4 path) and not; one past v2's 1024 elements per workgroup, in both paths.
const SIZES = [1, 3, 255, 256, 257, 1000, 1028, 1030, 4099];
// One float32 add of float32-exact inputs: at most half an ulp of |out| <= 2 from the float64 sum.
const TOL = 2.5e-7;

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => [
  ...SIZES.map((n): CheckCase => ({
    kernel: 'residual_forward',
    version: `v${version}`,
    shape: `n=${n}, stale output overwritten`,
    atol: TOL,
    rtol: 0,
    async run(gpu) {
      const inp1 = seededArray(n, 1),
        inp2 = seededArray(n, 2),
        want = new Float64Array(n);
      cpu.residual_forward(want, inp1, inp2, n);
      const out = gpu.tensor('out', n, seededArray(n, 3)),
        a = gpu.tensor('inp1', n, inp1),
        b = gpu.tensor('inp2', n, inp2);
      residual_forward(gpu, out, a, b, n, { version });
      const got = await gpu.read(out);
      [out, a, b].forEach((t) => t.buffer.destroy());
      return [{ what: 'out', got, want }];
    },
  })),
  // A grid folded into y (more than 65535 workgroups), or, where no tensor this adapter can bind needs one (v2's
  // 1024 elements per workgroup; the fold is the same code as v1's), the largest n a binding holds, the top of
  // the range it can reach. Exact: integers plus 0.5. Too big for the browser's software adapter.
  {
    kernel: 'residual_forward',
    version: `v${version}`,
    shape: 'n past 65535 workgroups (grid folded into y), or the largest n a binding holds',
    atol: 0,
    rtol: 0,
    quick: false,
    async run(gpu) {
      const max = gpu.limits.maxComputeWorkgroupsPerDimension,
        largest = Math.floor(gpu.limits.maxStorageBufferBindingSize / 4);
      const { workgroup, per } = residual_forward_grid[version];
      const n = Math.min(max * workgroup * per + 300, largest - 4),
        groups = Math.ceil(n / (workgroup * per));
      const inp1 = new Float32Array(n).map((_, i) => i % 1000),
        inp2 = new Float32Array(n).fill(0.5);
      const out = gpu.tensor('out', n),
        a = gpu.tensor('inp1', n, inp1),
        b = gpu.tensor('inp2', n, inp2);
      residual_forward(gpu, out, a, b, n, { version });
      const got = await gpu.read(out);
      [out, a, b].forEach((t) => t.buffer.destroy());
      return [
        {
          what: `out (n=${n}, ${groups > max ? 'grid folded into y' : `${groups} workgroups at the binding limit`})`,
          got,
          want: inp1.map((x) => x + 0.5),
        },
      ];
    },
  },
]);
