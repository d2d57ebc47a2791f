import { describe, expect, it } from 'vitest';
import { gelu_backward, gelu_forward, gelu_forward_versions, type GeluVersion } from '../../kernels/gelu/gelu.ts';
import * as cpu from '../../kernels/gelu/gelu.cpu.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward sizes: one element, one short of / exactly / one past a 256-invocation workgroup, several workgroups.
const SIZES = [1, 255, 256, 257, 1000];
// Values where a naive tanh overflows (|u| past ~44 makes exp(2u) infinite in f32) or x^3 is itself infinite.
const EXTREMES = [0, -0.5, 0.5, -3, 3, -10, 10, -50, 50, -1e4, 1e4, -1e30, 1e30];

/** Inputs in [-6, 6) with the extremes at the front. */
function inputs(n: number, seed: number): Float64Array {
  const x = randArray(n, seed, -6, 6);
  x.set(EXTREMES.slice(0, n).map(Math.fround));
  return x;
}

// f32 tanh and polynomial: a few ulps relative to |out| (up to 1e30 here), plus an absolute floor near 0.
const ATOL = 2e-6, RTOL = 1e-5;

describeGpu('gelu', (gpu) => {
  const versions = Object.keys(gelu_forward_versions).map(Number) as GeluVersion[];
  for (const version of versions) {
    it(`v${version} gelu_forward matches the float64 reference, extremes included`, async () => {
      for (const n of SIZES) {
        const inp = inputs(n, 1);
        const want = new Float64Array(n);
        cpu.gelu_forward(want, inp, n);
        const out = gpu.tensor('out', n);
        gelu_forward(gpu, out, gpu.tensor('inp', n, inp), n, { version });
        expectClose(await gpu.read(out), want, ATOL, RTOL, `v${version} gelu_forward n=${n}`);
      }
    });

    it(`v${version} gelu_backward matches the float64 reference and overwrites dinp`, async () => {
      for (const n of SIZES) {
        const inp = inputs(n, 2), dout = randArray(n, 3);
        const want = new Float64Array(n);
        cpu.gelu_backward(want, inp, dout, n);
        const dinp = gpu.tensor('dinp', n, randArray(n, 4)); // stale values must be overwritten, not added to
        gelu_backward(gpu, dinp, gpu.tensor('inp', n, inp), gpu.tensor('dout', n, dout), n, { version });
        expectClose(await gpu.read(dinp), want, ATOL, RTOL, `v${version} gelu_backward n=${n}`);
      }
    });
  }

  it('refuses bad shapes and tensors too small for n', () => {
    const t = gpu.tensor('t', 4);
    expect(() => gelu_forward(gpu, t, t, 0)).toThrow(/gelu_forward: n must be an integer >= 1 \(got 0\)/);
    expect(() => gelu_forward(gpu, t, gpu.tensor('inp', 3), 4)).toThrow(/gelu_forward: inp "inp" has 3 floats, needs 4/);
    expect(() => gelu_backward(gpu, t, t, gpu.tensor('dout', 2), 4)).toThrow(/gelu_backward: dout "dout" has 2 floats, needs 4/);
    expect(() => gelu_backward(gpu, t, t, t, -1)).toThrow(/gelu_backward: n must be an integer >= 1/);
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
    const x = randArray(n, 5, -5, 5), w = randArray(n, 6);
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
