import { describe, expect, it } from 'vitest';
import { residual_forward, residual_forward_grid, residual_forward_versions, type ResidualVersion } from '../../kernels/residual/residual.ts';
import * as cpu from '../../kernels/residual/residual.cpu.ts';
import { describeGpu, expectClose, randArray } from '../helpers.ts';

// Awkward sizes: one element, one short of / exactly / one past a 256-invocation workgroup, several workgroups,
// n a multiple of 4 (v2's vec4 path) and not; one past v2's 1024 elements per workgroup, in both paths.
const SIZES = [1, 3, 255, 256, 257, 1000, 1028, 1030, 4099];
// One float32 add of float32-exact inputs: at most half an ulp of |out| <= 2 from the float64 sum.
const TOL = 2.5e-7;

describeGpu('residual_forward', (gpu) => {
  const versions = Object.keys(residual_forward_versions).map(Number) as ResidualVersion[];
  for (const version of versions) {
    it(`v${version} matches the float64 reference on awkward sizes`, async () => {
      for (const n of SIZES) {
        const inp1 = randArray(n, 1), inp2 = randArray(n, 2);
        const want = new Float64Array(n);
        cpu.residual_forward(want, inp1, inp2, n);
        const out = gpu.tensor('out', n, randArray(n, 3)); // stale values must be overwritten
        residual_forward(gpu, out, gpu.tensor('inp1', n, inp1), gpu.tensor('inp2', n, inp2), n, { version });
        expectClose(await gpu.read(out), want, TOL, 0, `v${version} n=${n}`);
      }
    });

    it(`v${version} covers a grid folded into y (more than 65535 workgroups), or the largest n a binding holds`, async () => {
      const max = gpu.limits.maxComputeWorkgroupsPerDimension;
      const { workgroup, per } = residual_forward_grid[version];
      const largest = Math.floor(gpu.limits.maxStorageBufferBindingSize / 4);
      let n = max * workgroup * per + 300;
      if (n > largest) {
        // At v2's 1024 elements per workgroup no tensor this adapter can bind needs a folded grid (the fold is
        // the same code as v1's, tested above): run the largest one instead, the top of the range it can reach.
        n = largest - 4;
        expect(Math.ceil(n / (workgroup * per)), 'workgroups at the binding limit').toBeLessThanOrEqual(max);
      }
      const inp1 = new Float32Array(n).map((_, i) => i % 1000), inp2 = new Float32Array(n).fill(0.5);
      const out = gpu.tensor('out', n), a = gpu.tensor('inp1', n, inp1), b = gpu.tensor('inp2', n, inp2);
      residual_forward(gpu, out, a, b, n, { version });
      const got = await gpu.read(out);
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) if (got[i] !== (i % 1000) + 0.5) bad = i;
      expect(bad, `first wrong element (of ${n})`).toBe(-1);
      [out, a, b].forEach((t) => t.buffer.destroy());
    });
  }

  it('refuses bad shapes and tensors too small for n', () => {
    const t = gpu.tensor('t', 4);
    expect(() => residual_forward(gpu, t, t, t, 0)).toThrow(/n must be an integer >= 1 \(got 0\)/);
    expect(() => residual_forward(gpu, t, t, t, 2.5)).toThrow(/n must be an integer >= 1/);
    expect(() => residual_forward(gpu, gpu.tensor('out', 3), t, t, 4)).toThrow(/out "out" has 3 floats, needs 4/);
    expect(() => residual_forward(gpu, t, t, gpu.tensor('small', 3), 4)).toThrow(/inp2 "small" has 3 floats, needs 4/);
  });
});

describe('residual_forward CPU reference', () => {
  it('adds elementwise', () => {
    const out = new Float64Array(3);
    cpu.residual_forward(out, Float64Array.of(1, 2, 3), Float64Array.of(0.5, -2, 10), 3);
    expect([...out]).toEqual([1.5, 0, 13]);
  });
});
