import { describe, expect, it } from 'vitest';
import { fma_peak, fma_peak_flops, fma_peak_gflops, fma_peak_versions, type FmaPeakVersion } from '../../kernels/fma_peak/fma_peak.ts';
import * as cpu from '../../kernels/fma_peak/fma_peak.cpu.ts';
import { describeGpu, expectClose } from '../helpers.ts';

describeGpu('fma_peak', (gpu) => {
  const versions = Object.keys(fma_peak_versions).map(Number) as FmaPeakVersion[];
  for (const version of versions) {
    it(`v${version} stores what the float64 reference computes (the work was done)`, async () => {
      // n not a multiple of the workgroup; iters where every step still changes the result visibly
      for (const [n, iters] of [[1, 0], [1, 1], [130, 7], [1000, 40]] as const) {
        const want = new Float64Array(n);
        cpu.fma_peak(want, n, iters);
        const out = gpu.tensor('out', n);
        fma_peak(gpu, out, n, iters, { version });
        // 32 chains of values ≤ 4.5, each step rounds to f32 (contracting by 0.9), summed: ≤ ~1e-5 off.
        expectClose(await gpu.read(out), want, 2e-5, 1e-6, `v${version} n=${n} iters=${iters}`);
        out.buffer.destroy();
      }
    });
  }

  it('fma_peak_gflops returns a positive finite rate', async () => {
    const { gflops, clock } = await fma_peak_gflops(gpu);
    console.log(`fma_peak: ${gflops.toFixed(2)} GFLOP/s on ${gpu.adapter.description || gpu.adapter.device} (${clock} clock)`);
    expect(Number.isFinite(gflops) && gflops > 0).toBe(true);
    expect(['timestamp', 'wall']).toContain(clock);
  });

  it('refuses bad arguments', () => {
    const out = gpu.tensor('out', 8);
    expect(() => fma_peak(gpu, out, 0, 1)).toThrow(/n must be an integer >= 1/);
    expect(() => fma_peak(gpu, out, 9, 1)).toThrow(/out "out" has 8 floats, needs n = 9/);
    expect(() => fma_peak(gpu, out, 8, -1)).toThrow(/iters must be an integer/);
    expect(() => fma_peak(gpu, out, 8, 1.5)).toThrow(/iters must be an integer/);
  });
});

describe('fma_peak FLOP count', () => {
  it('counts 2 per scalar FMA: 8 vec4 chains per invocation', () => {
    expect(fma_peak_flops(1, 1)).toBe(64);
    expect(fma_peak_flops(100, 1000)).toBe(6_400_000);
  });
});
