import type { BenchCase } from '../../src/gpu/cases.ts';
import { fma_peak, fma_peak_bytes, fma_peak_flops, fma_peak_versions, type FmaPeakVersion } from './fma_peak.ts';

const versions = Object.keys(fma_peak_versions).map(Number) as FmaPeakVersion[];

// A fixed size for the table, ~50 ms on a software adapter (0.27 GFLOP); fma_peak_gflops sizes its own
// dispatch per adapter for the roofline.
const N = 4096, ITERS = 1024;

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
