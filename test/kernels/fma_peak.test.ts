import { describe, expect, it } from 'vitest';
import { fma_peak, fma_peak_flops, fma_peak_gflops } from '../../kernels/fma_peak/fma_peak.ts';
import { checks } from '../../kernels/fma_peak/fma_peak.cases.ts';
import { describeGpu, itChecks } from '../helpers.ts';

describeGpu('fma_peak', (gpu) => {
  // Every version against the float64 reference: the table in kernels/fma_peak/fma_peak.cases.ts.
  itChecks(gpu, checks);

  it('fma_peak_gflops returns a positive finite rate', async () => {
    const { gflops, clock } = await fma_peak_gflops(gpu);
    console.log(
      `fma_peak: ${gflops.toFixed(2)} GFLOP/s on ${gpu.adapter.description || gpu.adapter.device} (${clock} clock)`,
    );
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
