import { describe, expect, it } from 'vitest';
import {
  layernorm_backward, layernorm_backward_versions, layernorm_forward, layernorm_forward_versions, type LayernormVersion,
} from '../../kernels/layernorm/layernorm.ts';
import * as cpu from '../../kernels/layernorm/layernorm.cpu.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward (N, C): a dimension of 1 (C=1 has zero variance: rstd = 1/sqrt(eps)), sizes that are not multiples
// of the 64-invocation workgroup, more rows and more channels than one workgroup holds; C a multiple of 4
// (v2's vec4 path) and not (its channel-by-channel path), and more 4-channel groups than one workgroup (C=260).
const SHAPES: [number, number][] = [
  [1, 1],
  [1, 7],
  [3, 1],
  [5, 64],
  [67, 65],
  [130, 33],
  [129, 36],
  [70, 260],
  [3, 258],
];

/** Inputs of one shape: rows with an offset and scale of their own, so mean and rstd vary. */
function data(N: number, C: number, seed: number) {
  const inp = randArray(N * C, seed);
  for (let r = 0; r < N; r++) for (let c = 0; c < C; c++) inp[r * C + c] = Math.fround(inp[r * C + c]! * (1 + (r % 3)) + (r % 5) - 2);
  return { inp, weight: randArray(C, seed + 1, 0.5, 1.5), bias: randArray(C, seed + 2), dout: randArray(N * C, seed + 3) };
}

// float32 sums over C (forward, dinp) or N (dweight, dbias) terms of size ~1, times rstd (up to ~2 here).
const tol = (terms: number) => 1e-6 * (4 + terms / 4);

// (scale, N, C): the inputs of data() times 1e12 and times 1e-6, with C a multiple of 4 and not.
const HUGE_TINY: [number, number, number][] = [1e12, 1e-6].flatMap((scale) => [[scale, 67, 65], [scale, 9, 64]] as [number, number, number][]);
function scaled(N: number, C: number, scale: number) {
  const d = data(N, C, 50);
  return { ...d, inp: d.inp.map((x) => Math.fround(x * scale)) };
}

describeGpu('layernorm', (gpu) => {
  for (const version of Object.keys(layernorm_forward_versions).map(Number) as LayernormVersion[]) {
    it(`v${version} layernorm_forward matches the float64 reference (out, mean, rstd)`, async () => {
      for (const [N, C] of SHAPES) {
        const { inp, weight, bias } = data(N, C, 1);
        const want = { out: new Float64Array(N * C), mean: new Float64Array(N), rstd: new Float64Array(N) };
        cpu.layernorm_forward(want.out, want.mean, want.rstd, inp, weight, bias, N, C);
        const out = gpu.tensor('out', N * C), mean = gpu.tensor('mean', N), rstd = gpu.tensor('rstd', N);
        layernorm_forward(gpu, out, mean, rstd, gpu.tensor('inp', N * C, inp), gpu.tensor('weight', C, weight), gpu.tensor('bias', C, bias), N, C, { version });
        const where = `v${version} N=${N} C=${C}`;
        expectClose(await gpu.read(out), want.out, tol(C), 0, `${where} out`);
        expectClose(await gpu.read(mean), want.mean, tol(C), 0, `${where} mean`);
        expectClose(await gpu.read(rstd), want.rstd, 0, 1e-5, `${where} rstd`);
      }
    });

    it(`v${version} layernorm_forward holds at huge and tiny scales (rows of 1e12 and of 1e-6)`, async () => {
      // LayerNorm is scale-invariant but for eps: at 1e12 the squares reach 1e24 (no float32 overflow) and rstd
      // is 1e-12; at 1e-6 the variance is far below eps, which then sets rstd.
      for (const [scale, N, C] of HUGE_TINY) {
        const { inp, weight, bias } = scaled(N, C, scale);
        const want = { out: new Float64Array(N * C), mean: new Float64Array(N), rstd: new Float64Array(N) };
        cpu.layernorm_forward(want.out, want.mean, want.rstd, inp, weight, bias, N, C);
        const g = { out: gpu.tensor('out', N * C), mean: gpu.tensor('mean', N), rstd: gpu.tensor('rstd', N) };
        layernorm_forward(gpu, g.out, g.mean, g.rstd, gpu.tensor('inp', N * C, inp), gpu.tensor('weight', C, weight), gpu.tensor('bias', C, bias), N, C, { version });
        const where = `v${version} N=${N} C=${C} scale=${scale}`;
        expectClose(await gpu.read(g.out), want.out, tol(C), 0, `${where} out`);
        expectClose(await gpu.read(g.mean), want.mean, scale * tol(C), 0, `${where} mean`);
        expectClose(await gpu.read(g.rstd), want.rstd, 0, 1e-5, `${where} rstd`);
      }
    });
  }

  for (const version of Object.keys(layernorm_backward_versions).map(Number) as LayernormVersion[]) {
    it(`v${version} layernorm_backward matches the float64 reference and accumulates into dinp, dweight, dbias`, async () => {
      for (const [N, C] of SHAPES) {
        const { inp, weight, bias, dout } = data(N, C, 2);
        const out = new Float64Array(N * C), mean = new Float64Array(N), rstd = new Float64Array(N);
        cpu.layernorm_forward(out, mean, rstd, inp, weight, bias, N, C);
        // Start from non-zero gradients: all three outputs must be added to, not overwritten.
        const dinp = randArray(N * C, 10), dweight = randArray(C, 11), dbias = randArray(C, 12);
        const g = { dinp: gpu.tensor('dinp', N * C, dinp), dweight: gpu.tensor('dweight', C, dweight), dbias: gpu.tensor('dbias', C, dbias) };
        cpu.layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
        layernorm_backward(gpu, g.dinp, g.dweight, g.dbias, gpu.tensor('dout', N * C, dout), gpu.tensor('inp', N * C, inp), gpu.tensor('weight', C, weight),
          gpu.tensor('mean', N, mean), gpu.tensor('rstd', N, rstd), N, C, { version });
        const where = `v${version} N=${N} C=${C}`;
        expectClose(await gpu.read(g.dinp), dinp, tol(C), 1e-5, `${where} dinp`);
        expectClose(await gpu.read(g.dweight), dweight, tol(N), 0, `${where} dweight`);
        expectClose(await gpu.read(g.dbias), dbias, tol(N), 0, `${where} dbias`);
      }
    });

    it(`v${version} layernorm_backward is bit-reproducible`, async () => {
      const [N, C] = [67, 65];
      const { inp, weight, dout } = data(N, C, 3);
      const runs: Float32Array[][] = [];
      for (let k = 0; k < 2; k++) {
        const g = { dinp: gpu.tensor('dinp', N * C), dweight: gpu.tensor('dweight', C), dbias: gpu.tensor('dbias', C) };
        layernorm_backward(gpu, g.dinp, g.dweight, g.dbias, gpu.tensor('dout', N * C, dout), gpu.tensor('inp', N * C, inp), gpu.tensor('weight', C, weight),
          gpu.tensor('mean', N, randArray(N, 4, -0.1, 0.1)), gpu.tensor('rstd', N, randArray(N, 5, 1, 2)), N, C, { version });
        runs.push([await gpu.read(g.dinp), await gpu.read(g.dweight), await gpu.read(g.dbias)]);
      }
      expect(runs[1]).toEqual(runs[0]);
    });

    it(`v${version} layernorm_backward holds at huge and tiny scales (rows of 1e12 and of 1e-6)`, async () => {
      // At 1e12, rstd = 1e-12 makes dinp tiny: its error is measured against the largest |dinp| of the case.
      for (const [scale, N, C] of HUGE_TINY) {
        const { inp, weight, bias, dout } = scaled(N, C, scale);
        const mean = new Float64Array(N), rstd = new Float64Array(N);
        cpu.layernorm_forward(new Float64Array(N * C), mean, rstd, inp, weight, bias, N, C);
        const dinp = new Float64Array(N * C), dweight = new Float64Array(C), dbias = new Float64Array(C);
        cpu.layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
        const d = { dinp: gpu.tensor('dinp', N * C), dweight: gpu.tensor('dweight', C), dbias: gpu.tensor('dbias', C) };
        layernorm_backward(gpu, d.dinp, d.dweight, d.dbias, gpu.tensor('dout', N * C, dout), gpu.tensor('inp', N * C, inp), gpu.tensor('weight', C, weight),
          gpu.tensor('mean', N, mean), gpu.tensor('rstd', N, rstd), N, C, { version });
        const where = `v${version} N=${N} C=${C} scale=${scale}`;
        expectClose(await gpu.read(d.dinp), dinp, Math.max(...dinp.map(Math.abs)) * tol(C), 1e-5, `${where} dinp`);
        expectClose(await gpu.read(d.dweight), dweight, tol(N), 0, `${where} dweight`);
        expectClose(await gpu.read(d.dbias), dbias, tol(N), 0, `${where} dbias`);
      }
    });
  }

  it('refuses bad shapes and tensors too small for the shape', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n);
    const big = t(64);
    expect(() => layernorm_forward(gpu, big, big, big, big, big, big, 0, 4)).toThrow(/layernorm_forward: N, C must be integers >= 1 \(got N=0 C=4\)/);
    expect(() => layernorm_forward(gpu, big, big, t(3, 'rstd'), big, big, big, 4, 4)).toThrow(/layernorm_forward: rstd "rstd" has 3 floats, needs 4 for N=4 C=4/);
    expect(() => layernorm_forward(gpu, big, big, big, t(15, 'x'), big, big, 4, 4)).toThrow(/inp "x" has 15 floats, needs 16/);
    expect(() => layernorm_backward(gpu, big, t(3, 'dw'), big, big, big, big, big, big, 4, 4)).toThrow(/layernorm_backward: dweight "dw" has 3 floats, needs 4/);
    expect(() => layernorm_backward(gpu, big, big, big, big, big, big, big, big, 2, 1.5)).toThrow(/layernorm_backward: N, C must be integers >= 1/);
  });
});

describe('layernorm CPU reference', () => {
  it('layernorm_forward normalises each row to mean 0, variance 1 before the affine map', () => {
    const [N, C] = [2, 5];
    const inp = randArray(N * C, 20), out = new Float64Array(N * C), mean = new Float64Array(N), rstd = new Float64Array(N);
    cpu.layernorm_forward(out, mean, rstd, inp, new Float64Array(C).fill(1), new Float64Array(C), N, C);
    for (let r = 0; r < N; r++) {
      const row = out.subarray(r * C, (r + 1) * C);
      expect(row.reduce((a, b) => a + b) / C).toBeCloseTo(0, 12);
      expect(row.reduce((a, b) => a + b * b, 0) / C).toBeCloseTo(1, 3); // eps keeps it a little under 1
    }
  });

  for (const [N, C] of [[3, 5], [2, 1], [1, 8]] as [number, number][]) {
    it(`layernorm_backward gives dinp, dweight, dbias (finite differences, N=${N} C=${C})`, () => {
      const { inp, weight, bias } = data(N, C, 30);
      const w = randArray(N * C, 34);
      const loss = () => {
        const out = new Float64Array(N * C);
        cpu.layernorm_forward(out, new Float64Array(N), new Float64Array(N), inp, weight, bias, N, C);
        return dot(w, out);
      };
      const mean = new Float64Array(N), rstd = new Float64Array(N);
      cpu.layernorm_forward(new Float64Array(N * C), mean, rstd, inp, weight, bias, N, C);
      const dinp = new Float64Array(N * C), dweight = new Float64Array(C), dbias = new Float64Array(C);
      cpu.layernorm_backward(dinp, dweight, dbias, w, inp, weight, mean, rstd, N, C);
      expectClose(dinp, finiteDiff(loss, inp), 1e-7, 1e-6, 'dinp');
      expectClose(dweight, finiteDiff(loss, weight), 1e-7, 1e-6, 'dweight');
      expectClose(dbias, finiteDiff(loss, bias), 1e-7, 1e-6, 'dbias');
    });
  }

  it('layernorm_backward accumulates', () => {
    const [N, C] = [2, 3];
    const { inp, weight, dout } = data(N, C, 40);
    const mean = new Float64Array(N), rstd = new Float64Array(N);
    cpu.layernorm_forward(new Float64Array(N * C), mean, rstd, inp, weight, new Float64Array(C), N, C);
    const fresh = [new Float64Array(N * C), new Float64Array(C), new Float64Array(C)] as const;
    const prior = [randArray(N * C, 41), randArray(C, 42), randArray(C, 43)] as const;
    const acc = prior.map((p) => Float64Array.from(p));
    cpu.layernorm_backward(fresh[0], fresh[1], fresh[2], dout, inp, weight, mean, rstd, N, C);
    cpu.layernorm_backward(acc[0]!, acc[1]!, acc[2]!, dout, inp, weight, mean, rstd, N, C);
    for (let k = 0; k < 3; k++) expectClose(acc[k]!, prior[k]!.map((p, i) => p + fresh[k]![i]!), 1e-15, 1e-15, `output ${k}`);
  });
});
