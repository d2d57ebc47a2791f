import { describe, expect, it } from 'vitest';
import { residual_forward } from '../../kernels/residual/residual.ts';
import * as cpu from '../../kernels/residual/residual.cpu.ts';
import { checks } from '../../kernels/residual/residual.cases.ts';
import { describeGpu, itChecks } from '../helpers.ts';

describeGpu('residual_forward', (gpu) => {
  // Every version against the float64 reference: the table in kernels/residual/residual.cases.ts (awkward sizes,
  // stale outputs, a grid folded into y).
  itChecks(gpu, checks);

  it('refuses bad shapes and tensors too small for n', () => {
    const t = gpu.tensor('t', 4);
    expect(() => residual_forward(gpu, t, t, t, 0)).toThrow(/n must be an integer >= 1 \(got 0\)/);
    expect(() => residual_forward(gpu, t, t, t, 2.5)).toThrow(/n must be an integer >= 1/);
    expect(() => residual_forward(gpu, gpu.tensor('out', 3), t, t, 4)).toThrow(
      /out "out" has 3 floats, needs 4/,
    );
    expect(() => residual_forward(gpu, t, t, gpu.tensor('small', 3), 4)).toThrow(
      /inp2 "small" has 3 floats, needs 4/,
    );
  });
});

describe('residual_forward CPU reference', () => {
  it('adds elementwise', () => {
    const out = new Float64Array(3);
    cpu.residual_forward(out, Float64Array.of(1, 2, 3), Float64Array.of(0.5, -2, 10), 3);
    expect([...out]).toEqual([1.5, 0, 13]);
  });
});
