import { describe, expect, it } from 'vitest';
import {
  global_norm,
  global_norm_partials,
  global_norm_versions,
  GLOBAL_NORM_BLOCK,
  type GlobalNormVersion,
} from '../../kernels/global_norm/global_norm.ts';
import * as cpu from '../../kernels/global_norm/global_norm.cpu.ts';
import { checks } from '../../kernels/global_norm/global_norm.cases.ts';
import { describeGpu, itChecks, randArray } from '../helpers.ts';

describeGpu('global_norm', (gpu) => {
  // Every version against the float64 reference: the table in kernels/global_norm/global_norm.cases.ts.
  itChecks(gpu, checks);

  const versions = Object.keys(global_norm_versions).map(Number) as GlobalNormVersion[];
  for (const version of versions) {
    it(`v${version} is deterministic: two runs give identical bits`, async () => {
      const n = 3 * GLOBAL_NORM_BLOCK * 256 + 11; // > 256 partials, so stage 2 loops too
      const g = gpu.tensor('grads', n, randArray(n, 3, -3, 3));
      const partials = gpu.tensor('partials', global_norm_partials(n));
      const a = gpu.tensor('a', 2),
        b = gpu.tensor('b', 2);
      global_norm(gpu, a, partials, g, n, 1.0, undefined, { version });
      global_norm(gpu, b, partials, g, n, 1.0, undefined, { version });
      const [ra, rb] = [await gpu.readU32(a), await gpu.readU32(b)];
      expect(Array.from(rb)).toEqual(Array.from(ra));
    });
  }

  it('refuses bad arguments', () => {
    const out = gpu.tensor('out', 2),
      partials = gpu.tensor('partials', 4),
      grads = gpu.tensor('grads', 100);
    expect(() => global_norm(gpu, out, partials, grads, 0, 1)).toThrow(/n must be an integer >= 1/);
    expect(() => global_norm(gpu, out, partials, grads, 2.5, 1)).toThrow(
      /n must be an integer >= 1/,
    );
    expect(() => global_norm(gpu, out, partials, grads, 101, 1)).toThrow(
      /grads "grads" has 100 floats, needs n = 101/,
    );
    expect(() => global_norm(gpu, out, partials, grads, 100, 0)).toThrow(
      /max_norm must be a finite number > 0/,
    );
    expect(() => global_norm(gpu, out, partials, grads, 100, Infinity)).toThrow(/max_norm/);
    expect(() => global_norm(gpu, gpu.tensor('o1', 1), partials, grads, 100, 1)).toThrow(
      /out "o1" has 1 floats, needs 2/,
    );
    const big = 5 * GLOBAL_NORM_BLOCK;
    expect(() => global_norm(gpu, out, partials, gpu.tensor('g', big), big, 1)).toThrow(
      /partials "partials" has 4 floats, needs global_norm_partials\(10240\) = 5/,
    );
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
