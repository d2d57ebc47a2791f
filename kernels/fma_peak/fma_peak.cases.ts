import type { BenchCase, CheckCase } from '../../src/gpu/cases.ts';
import {
  fma_peak,
  fma_peak_bytes,
  fma_peak_flops,
  fma_peak_versions,
  type FmaPeakVersion,
} from './fma_peak.ts';
import * as cpu from './fma_peak.cpu.ts';

const versions = Object.keys(fma_peak_versions).map(Number) as FmaPeakVersion[];

// A fixed size for the table, ~50 ms on a software adapter (0.27 GFLOP); fma_peak_gflops sizes its own
// dispatch per adapter for the roofline.
const N = 4096,
  ITERS = 1024;

export const bench: BenchCase[] = versions.map((version) => ({
  kernel: 'fma_peak',
  version: `v${version}`,
  shape: `n=${N} iters=${ITERS}`,
  flops: fma_peak_flops(N, ITERS),
  bytes: fma_peak_bytes(N),
  setup(gpu) {
    const out = gpu.tensor('out', N);
    return {
      record: () => fma_peak(gpu, out, N, ITERS, { version }),
      dispose: () => out.buffer.destroy(),
    };
  },
}));

// The stored values prove the work was done: n not a multiple of the workgroup; iters where every step still
// changes the result visibly. 32 chains of values ≤ 4.5, each step rounded to f32 (contracting by 0.9),
// summed: ≤ ~1e-5 off.
export const checks: CheckCase[] = versions.flatMap((version) =>
  (
    [
      [1, 0],
      [1, 1],
      [130, 7],
      [1000, 40],
    ] as const
  ).map(([n, iters]): CheckCase => ({
    kernel: 'fma_peak',
    version: `v${version}`,
    shape: `n=${n} iters=${iters}`,
    atol: 2e-5,
    rtol: 1e-6,
    async run(gpu) {
      const want = new Float64Array(n),
        out = gpu.tensor('out', n);
      cpu.fma_peak(want, n, iters);
      fma_peak(gpu, out, n, iters, { version });
      const got = await gpu.read(out);
      out.buffer.destroy();
      return [{ what: 'out', got, want }];
    },
  })),
);
