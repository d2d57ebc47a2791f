import { describe, expect, it } from 'vitest';
import {
  layernorm_backward,
  layernorm_backward_versions,
  layernorm_forward,
  type LayernormVersion,
} from '../../kernels/layernorm/layernorm.ts';
import * as cpu from '../../kernels/layernorm/layernorm.cpu.ts';
import { checks, layernormData } from '../../kernels/layernorm/layernorm.cases.ts';
import { describeGpu, dot, expectClose, finiteDiff, itChecks, randArray } from '../helpers.ts';

describeGpu('layernorm', (gpu) => {
  // Every version of both passes against the float64 reference: the table in kernels/layernorm/layernorm.cases.ts
  // (awkward shapes, rows of 1e12 and 1e-6, stale forward outputs, accumulating backward).
  itChecks(gpu, checks);

  for (const version of Object.keys(layernorm_backward_versions).map(
    Number,
  ) as LayernormVersion[]) {
    it(`v${version} layernorm_backward is bit-reproducible`, async () => {
      const [N, C] = [67, 65];
      const { inp, weight, dout } = layernormData(N, C, 3);
      const runs: Float32Array[][] = [];
      for (let k = 0; k < 2; k++) {
        const g = {
          dinp: gpu.tensor('dinp', N * C),
          dweight: gpu.tensor('dweight', C),
          dbias: gpu.tensor('dbias', C),
        };
        layernorm_backward(
          gpu,
          g.dinp,
          g.dweight,
          g.dbias,
          gpu.tensor('dout', N * C, dout),
          gpu.tensor('inp', N * C, inp),
          gpu.tensor('weight', C, weight),
          gpu.tensor('mean', N, randArray(N, 4, -0.1, 0.1)),
          gpu.tensor('rstd', N, randArray(N, 5, 1, 2)),
          N,
          C,
          undefined,
          { version },
        );
        runs.push([await gpu.read(g.dinp), await gpu.read(g.dweight), await gpu.read(g.dbias)]);
      }
      expect(runs[1]).toEqual(runs[0]);
    });
  }

  it('refuses bad shapes and tensors too small for the shape', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n);
    const big = t(64);
    expect(() => layernorm_forward(gpu, big, big, big, big, big, big, 0, 4)).toThrow(
      /layernorm_forward: N, C must be integers >= 1 \(got N=0 C=4\)/,
    );
    expect(() => layernorm_forward(gpu, big, big, t(3, 'rstd'), big, big, big, 4, 4)).toThrow(
      /layernorm_forward: rstd "rstd" has 3 floats, needs 4 for N=4 C=4/,
    );
    expect(() => layernorm_forward(gpu, big, big, big, t(15, 'x'), big, big, 4, 4)).toThrow(
      /inp "x" has 15 floats, needs 16/,
    );
    expect(() =>
      layernorm_backward(gpu, big, t(3, 'dw'), big, big, big, big, big, big, 4, 4),
    ).toThrow(/layernorm_backward: dweight "dw" has 3 floats, needs 4/);
    expect(() => layernorm_backward(gpu, big, big, big, big, big, big, big, big, 2, 1.5)).toThrow(
      /layernorm_backward: N, C must be integers >= 1/,
    );
  });
});

describe('layernorm CPU reference', () => {
  it('layernorm_forward normalises each row to mean 0, variance 1 before the affine map', () => {
    const [N, C] = [2, 5];
    const inp = randArray(N * C, 20),
      out = new Float64Array(N * C),
      mean = new Float64Array(N),
      rstd = new Float64Array(N);
    cpu.layernorm_forward(
      out,
      mean,
      rstd,
      inp,
      new Float64Array(C).fill(1),
      new Float64Array(C),
      N,
      C,
    );
    for (let r = 0; r < N; r++) {
      const row = out.subarray(r * C, (r + 1) * C);
      expect(row.reduce((a, b) => a + b) / C).toBeCloseTo(0, 12);
      expect(row.reduce((a, b) => a + b * b, 0) / C).toBeCloseTo(1, 3); // eps keeps it a little under 1
    }
  });

  for (const [N, C] of [
    [3, 5],
    [2, 1],
    [1, 8],
  ] as [number, number][]) {
    it(`layernorm_backward gives dinp, dweight, dbias (finite differences, N=${N} C=${C})`, () => {
      const { inp, weight, bias } = layernormData(N, C, 30);
      const w = randArray(N * C, 34);
      const loss = () => {
        const out = new Float64Array(N * C);
        cpu.layernorm_forward(
          out,
          new Float64Array(N),
          new Float64Array(N),
          inp,
          weight,
          bias,
          N,
          C,
        );
        return dot(w, out);
      };
      const mean = new Float64Array(N),
        rstd = new Float64Array(N);
      cpu.layernorm_forward(new Float64Array(N * C), mean, rstd, inp, weight, bias, N, C);
      const dinp = new Float64Array(N * C),
        dweight = new Float64Array(C),
        dbias = new Float64Array(C);
      cpu.layernorm_backward(dinp, dweight, dbias, w, inp, weight, mean, rstd, N, C);
      expectClose(dinp, finiteDiff(loss, inp), 1e-7, 1e-6, 'dinp');
      expectClose(dweight, finiteDiff(loss, weight), 1e-7, 1e-6, 'dweight');
      expectClose(dbias, finiteDiff(loss, bias), 1e-7, 1e-6, 'dbias');
    });
  }

  it('layernorm_backward accumulates', () => {
    const [N, C] = [2, 3];
    const { inp, weight, dout } = layernormData(N, C, 40);
    const mean = new Float64Array(N),
      rstd = new Float64Array(N);
    cpu.layernorm_forward(
      new Float64Array(N * C),
      mean,
      rstd,
      inp,
      weight,
      new Float64Array(C),
      N,
      C,
    );
    const fresh = [new Float64Array(N * C), new Float64Array(C), new Float64Array(C)] as const;
    const prior = [randArray(N * C, 41), randArray(C, 42), randArray(C, 43)] as const;
    const acc = prior.map((p) => Float64Array.from(p));
    cpu.layernorm_backward(fresh[0], fresh[1], fresh[2], dout, inp, weight, mean, rstd, N, C);
    cpu.layernorm_backward(acc[0]!, acc[1]!, acc[2]!, dout, inp, weight, mean, rstd, N, C);
    for (let k = 0; k < 3; k++)
      expectClose(
        acc[k]!,
        prior[k]!.map((p, i) => p + fresh[k]![i]!),
        1e-15,
        1e-15,
        `output ${k}`,
      );
  });
});
