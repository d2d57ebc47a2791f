import { describe, expect, it } from 'vitest';
import { gelu_backward, gelu_forward } from '../../kernels/gelu/gelu.ts';
import * as cpu from '../../kernels/gelu/gelu.cpu.ts';
import { checks } from '../../kernels/gelu/gelu.cases.ts';
import { describeGpu, dot, expectClose, finiteDiff, itChecks, randArray } from '../helpers.ts';

describeGpu('gelu', (gpu) => {
  // Every version of both passes against the float64 reference: the table in kernels/gelu/gelu.cases.ts
  // (awkward sizes around the workgroup, inputs where a naive tanh or x^3 overflows, stale outputs overwritten).
  itChecks(gpu, checks);

  it('refuses bad shapes and tensors too small for n', () => {
    const t = gpu.tensor('t', 4);
    expect(() => gelu_forward(gpu, t, t, 0)).toThrow(
      /gelu_forward: n must be an integer >= 1 \(got 0\)/,
    );
    expect(() => gelu_forward(gpu, t, gpu.tensor('inp', 3), 4)).toThrow(
      /gelu_forward: inp "inp" has 3 floats, needs 4/,
    );
    expect(() => gelu_backward(gpu, t, t, gpu.tensor('dout', 2), 4)).toThrow(
      /gelu_backward: dout "dout" has 2 floats, needs 4/,
    );
    expect(() => gelu_backward(gpu, t, t, t, -1)).toThrow(
      /gelu_backward: n must be an integer >= 1/,
    );
  });
});

describe('gelu CPU reference', () => {
  it('gelu_forward is x·Phi(x) to within the tanh approximation', () => {
    const out = new Float64Array(3);
    cpu.gelu_forward(out, Float64Array.of(0, 1, -1), 3);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.8413, 3); // 1·Phi(1)
    expect(out[2]).toBeCloseTo(-0.1587, 3);
  });

  it('gelu_backward is the derivative of gelu_forward (finite differences)', () => {
    const n = 40;
    const x = randArray(n, 5, -5, 5),
      w = randArray(n, 6);
    const loss = () => {
      const y = new Float64Array(n);
      cpu.gelu_forward(y, x, n);
      return dot(w, y);
    };
    const dx = new Float64Array(n);
    cpu.gelu_backward(dx, x, w, n);
    expectClose(dx, finiteDiff(loss, x), 1e-8, 1e-7, 'dinp');
  });
});
