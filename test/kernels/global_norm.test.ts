import { describe, expect, it } from 'vitest';
import { global_norm, global_norm_partials, global_norm_versions, GLOBAL_NORM_BLOCK, type GlobalNormVersion } from '../../kernels/global_norm/global_norm.ts';
import * as cpu from '../../kernels/global_norm/global_norm.cpu.ts';
import { describeGpu, expectClose, randArray } from '../helpers.ts';

// 1 and 255: less than one workgroup; 257: one past it; 70000: many blocks, the last one partial;
// 2^24+3: 8193 blocks, so stage 2 loops over 32 partials per invocation, with a ragged tail.
const SIZES = [1, 255, 257, 70000, (1 << 24) + 3];
// float32 sums of squares: each stage adds in a tree of depth ~log2(n), so the relative error of the sum
// is ~log2(n)·2^-24 ≤ 2e-6; the norm is its square root (half that). 1e-5 relative leaves margin.
const RTOL = 1e-5;

describeGpu('global_norm', (gpu) => {
  const versions = Object.keys(global_norm_versions).map(Number) as GlobalNormVersion[];
  for (const version of versions) {
    it(`v${version} matches the float64 reference (norm, clip scale, partials)`, async () => {
      for (const n of SIZES) {
        const grads = randArray(n, n);
        const max_norm = 0.5; // below every norm here except n = 1: clipping active
        const want = new Float64Array(2), wantPartials = new Float64Array(global_norm_partials(n));
        cpu.global_norm(want, wantPartials, grads, n, max_norm);
        const out = gpu.tensor('out', 2), partials = gpu.tensor('partials', global_norm_partials(n)), g = gpu.tensor('grads', n, grads);
        global_norm(gpu, out, partials, g, n, max_norm, { version });
        expectClose(await gpu.read(out), want, 1e-7, RTOL, `v${version} n=${n}`);
        expectClose(await gpu.read(partials), wantPartials, 1e-7, RTOL, `v${version} n=${n} partials`);
        if (n > 1) expect(want[1]).toBeLessThan(1);
        [out, partials, g].forEach((t) => t.buffer.destroy());
      }
    });

    it(`v${version} clip scale is exactly 1 when the norm is below max_norm, < 1 above it`, async () => {
      const n = 1000;
      const grads = randArray(n, 7, -0.01, 0.01); // norm ≈ 0.18
      const out = gpu.tensor('out', 2), partials = gpu.tensor('partials', global_norm_partials(n)), g = gpu.tensor('grads', n, grads);
      const want = new Float64Array(2);
      cpu.global_norm(want, null, grads, n, 1.0);
      global_norm(gpu, out, partials, g, n, 1.0, { version });
      const got = await gpu.read(out);
      expectClose(got, want, 1e-7, RTOL, 'unclipped');
      expect(got[1]).toBe(1);
      cpu.global_norm(want, null, grads, n, 0.05);
      global_norm(gpu, out, partials, g, n, 0.05, { version });
      const clipped = await gpu.read(out);
      expectClose(clipped, want, 1e-7, RTOL, 'clipped');
      expect(clipped[1]).toBeLessThan(0.3);
    });

    it(`v${version} is deterministic: two runs give identical bits`, async () => {
      const n = 3 * GLOBAL_NORM_BLOCK * 256 + 11; // > 256 partials, so stage 2 loops too
      const g = gpu.tensor('grads', n, randArray(n, 3, -3, 3));
      const partials = gpu.tensor('partials', global_norm_partials(n));
      const a = gpu.tensor('a', 2), b = gpu.tensor('b', 2);
      global_norm(gpu, a, partials, g, n, 1.0, { version });
      global_norm(gpu, b, partials, g, n, 1.0, { version });
      const [ra, rb] = [await gpu.readU32(a), await gpu.readU32(b)];
      expect(Array.from(rb)).toEqual(Array.from(ra));
    });
  }

  it('refuses bad arguments', () => {
    const out = gpu.tensor('out', 2), partials = gpu.tensor('partials', 4), grads = gpu.tensor('grads', 100);
    expect(() => global_norm(gpu, out, partials, grads, 0, 1)).toThrow(/n must be an integer >= 1/);
    expect(() => global_norm(gpu, out, partials, grads, 2.5, 1)).toThrow(/n must be an integer >= 1/);
    expect(() => global_norm(gpu, out, partials, grads, 101, 1)).toThrow(/grads "grads" has 100 floats, needs n = 101/);
    expect(() => global_norm(gpu, out, partials, grads, 100, 0)).toThrow(/max_norm must be a finite number > 0/);
    expect(() => global_norm(gpu, out, partials, grads, 100, Infinity)).toThrow(/max_norm/);
    expect(() => global_norm(gpu, gpu.tensor('o1', 1), partials, grads, 100, 1)).toThrow(/out "o1" has 1 floats, needs 2/);
    const big = 5 * GLOBAL_NORM_BLOCK;
    expect(() => global_norm(gpu, out, partials, gpu.tensor('g', big), big, 1)).toThrow(/partials "partials" has 4 floats, needs global_norm_partials\(10240\) = 5/);
  });
});

describe('global_norm CPU reference', () => {
  it('agrees with the definition on a hand example', () => {
    const out = new Float64Array(2);
    cpu.global_norm(out, null, [3, 4], 2, 1);
    expect(out[0]).toBe(5);
    expect(out[1]).toBeCloseTo(1 / (5 + 1e-6), 15);
    cpu.global_norm(out, null, [3, 4], 2, 10);
    expect(out[1]).toBe(1);
  });
});
