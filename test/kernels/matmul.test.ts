import { describe, expect, it } from 'vitest';
import { matmul, matmul_default_version, matmul_versions, type MatmulOptions, type MatmulVersion } from '../../kernels/matmul/matmul.ts';
import * as cpu from '../../kernels/matmul/matmul.cpu.ts';
import * as gelu from '../../kernels/gelu/gelu.cpu.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward shapes: a dimension of 1, K not a multiple of 4 (v4 steps K by 4), sizes that are not
// multiples of any tile (4, 8, 16, 24, 32, 64), sizes larger than one workgroup's tile in every direction;
// then K and N multiples of 4 (v4's vec4 loads) with M and the column tiles still ragged; then M a multiple
// of 4 with the row tiles ragged.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [3, 1, 5],
  [5, 3, 1],
  [17, 19, 23],
  [65, 33, 70],
  [130, 67, 129],
  [1, 4, 4],
  [19, 12, 36],
  [130, 68, 132],
  [36, 13, 20], // M a multiple of 4: v4 loads a transposed A as vec4s along m (A_VEC_T)
  [132, 33, 44],
  [37, 8, 11], // K a multiple of 4, N not: A·Bᵀ loads B as vec4s along K (B_VEC_T) with a ragged last column group
  [5, 4, 3], // the same with fewer columns than one group of 4
];
const FORMS = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
];
// float32 accumulation over K terms of products of values in [-1, 1): error grows like K·2^-24.
const tol = (K: number) => 2e-6 * K + 1e-6;

// Every version; v4 at its smallest and largest tile settings (8 rows: no R16..R32 block; 32: all of
// them) and on its path for subgroups narrower than 8 lanes. Each v4 variant takes seconds to compile
// on a software adapter, so 16 and 24 rows, whose code is a subset of 32's, are left to the benchmark.
const VARIANTS: { name: string; opts: MatmulOptions }[] = [
  ...(Object.keys(matmul_versions).map(Number) as MatmulVersion[]).filter((v) => v !== 4).map((version) => ({ name: `v${version}`, opts: { version } })),
  { name: 'v4 rows=8', opts: { version: 4, rows: 8 } },
  { name: 'v4 rows=32', opts: { version: 4, rows: 32 } },
  { name: 'v4 rows=8 narrow', opts: { version: 4, rows: 8, wide: false } },
];

describeGpu('matmul', (gpu) => {
  for (const { name, opts } of VARIANTS) {
    for (const form of FORMS) {
      const formName = `${form.transA ? 'Aᵀ' : 'A'}·${form.transB ? 'Bᵀ' : 'B'}`;
      it(`${name} ${formName} matches the float64 reference on awkward shapes`, async () => {
        for (const [M, K, N] of SHAPES) {
          const a = randArray(M * K, 1), b = randArray(K * N, 2);
          const want = new Float64Array(M * N);
          cpu.matmul(want, a, b, null, M, K, N, form);
          const out = gpu.tensor('out', M * N);
          matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', K * N, b), null, M, K, N, { ...form, ...opts });
          expectClose(await gpu.read(out), want, tol(K), 0, `${name} ${formName} ${M}x${K}x${N}`);
        }
      });
    }
    // The model's two GELU epilogues, each against the references composed (matmul.cpu.ts), on a ragged shape
    // (scalar stores) and multiples of 4 (v4's vec4 stores), with and without bias and accumulation. Two
    // shapes each: every v4 variant is its own pipeline, seconds to compile.
    it(`${name} GELU forward epilogue: out = x·Wᵀ + b and gelu_out = gelu(out)`, async () => {
      for (const [M, K, N, accumulate] of [[37, 21, 45, false], [19, 12, 36, true]] as const) {
        const a = randArray(M * K, 11, -2, 2), b = randArray(N * K, 12, -2, 2), bias = randArray(N, 13), prior = randArray(M * N, 14);
        const want = Float64Array.from(prior), wantAct = new Float64Array(M * N);
        cpu.matmul(want, a, b, bias, M, K, N, { transB: true, accumulate, gelu_out: wantAct });
        const out = gpu.tensor('out', M * N, prior), act = gpu.tensor('act', M * N, randArray(M * N, 15)); // stale act is overwritten
        matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', N * K, b), gpu.tensor('bias', N, bias), M, K, N, { transB: true, accumulate, gelu_out: act, ...opts });
        const what = `${name} gelu forward ${M}x${K}x${N}${accumulate ? ' acc' : ''}`;
        expectClose(await gpu.read(out), want, 4 * tol(K), 0, `${what} out`);
        expectClose(await gpu.read(act), wantAct, 4 * tol(K), 1e-5, `${what} gelu_out`);
      }
    });

    it(`${name} GELU backward epilogue: out = gelu'(gelu_inp) ⊙ (dy·W)`, async () => {
      for (const [M, K, N, withBias] of [[37, 21, 45, false], [19, 12, 36, true]] as const) {
        const a = randArray(M * K, 16), b = randArray(K * N, 17), bias = randArray(N, 18), prior = randArray(M * N, 19);
        const pre = randArray(M * N, 20, -6, 6);
        pre.set([0, -10, 10, -50, 50, Math.fround(1e30), Math.fround(-1e30)]); // where tanh and x^2 overflow
        const want = new Float64Array(M * N);
        cpu.matmul(want, a, b, withBias ? bias : null, M, K, N, { gelu_inp: pre });
        const out = gpu.tensor('out', M * N, prior); // stale values are overwritten
        matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', K * N, b), withBias ? gpu.tensor('bias', N, bias) : null, M, K, N, { gelu_inp: gpu.tensor('pre', M * N, pre), ...opts });
        expectClose(await gpu.read(out), want, 2 * tol(K), 1e-5, `${name} gelu backward ${M}x${K}x${N}${withBias ? ' +bias' : ''}`);
      }
    });

    it(`${name} adds bias and accumulates into out`, async () => {
      for (const [M, K, N] of [[37, 21, 45], [37, 20, 44]]) {
        const a = randArray(M * K, 3), b = randArray(N * K, 4), bias = randArray(N, 5), prior = randArray(M * N, 6);
        const want = Float64Array.from(prior);
        cpu.matmul(want, a, b, bias, M, K, N, { transB: true, accumulate: true });
        const out = gpu.tensor('out', M * N, prior);
        matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', K * N, b), gpu.tensor('bias', N, bias), M, K, N, { transB: true, accumulate: true, ...opts });
        expectClose(await gpu.read(out), want, tol(K) + 1e-6, 0, `${name} bias+accumulate ${M}x${K}x${N}`);
      }
    });
  }

  it('refuses tensors too small for the shape', () => {
    expect(() => matmul(gpu, gpu.tensor('out', 3), gpu.tensor('a', 4), gpu.tensor('b', 4), null, 2, 2, 2)).toThrow(/out "out" has 3 floats, needs 4/);
    const t = gpu.tensor('t', 4);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_out: gpu.tensor('act', 3) })).toThrow(/gelu_out "act" has 3 floats, needs 4/);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_inp: gpu.tensor('pre', 2) })).toThrow(/gelu_inp "pre" has 2 floats, needs 4/);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_out: gpu.tensor('act', 4), gelu_inp: gpu.tensor('pre', 4) })).toThrow(/cannot both be given/);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_inp: gpu.tensor('pre', 4), accumulate: true })).toThrow(/cannot accumulate/);
    expect(() => cpu.matmul(new Float64Array(4), new Float64Array(4), new Float64Array(4), null, 2, 2, 2, { gelu_inp: new Float64Array(4), accumulate: true })).toThrow(/cannot accumulate/);
  });

  it('refuses an unknown version or v4 tile setting', () => {
    const t = gpu.tensor('t', 4);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { version: 9 as MatmulVersion })).toThrow(/no version 9/);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { version: 4, rows: 12 as 16 })).toThrow(/rows must be one of 8, 16, 24, 32/);
  });

  it('runs the measured choice when one is set, else a guess by adapter kind', () => {
    const saved = gpu.choices;
    try {
      gpu.choices = {};
      const guess = matmul_default_version(gpu);
      expect(guess).toBe(gpu.adapter.software ? (gpu.device.features.has('subgroups') && Number(gpu.adapter.subgroupSize.split('-')[0]) >= 8 ? 4 : 2) : 3);
      gpu.choices = { matmul: 1 };
      expect(matmul_default_version(gpu)).toBe(1);
    } finally {
      gpu.choices = saved;
    }
  });
});

describe('matmul CPU reference', () => {
  it('the GELU epilogues are the gelu references applied to the product', () => {
    const [M, K, N] = [3, 5, 4];
    const a = randArray(M * K, 21, -2, 2), b = randArray(K * N, 22, -2, 2), pre = randArray(M * N, 23, -4, 4);
    const y = new Float64Array(M * N), act = new Float64Array(M * N), fused = new Float64Array(M * N), wantAct = new Float64Array(M * N);
    cpu.matmul(y, a, b, null, M, K, N);
    gelu.gelu_forward(wantAct, y, M * N);
    cpu.matmul(fused, a, b, null, M, K, N, { gelu_out: act });
    expect(Array.from(fused)).toEqual(Array.from(y));
    expect(Array.from(act)).toEqual(Array.from(wantAct));
    const wantGrad = new Float64Array(M * N), grad = new Float64Array(M * N);
    gelu.gelu_backward(wantGrad, pre, y, M * N);
    cpu.matmul(grad, a, b, null, M, K, N, { gelu_inp: pre });
    expect(Array.from(grad)).toEqual(Array.from(wantGrad));
  });

  it('the three forms give the linear layer backward (finite differences)', () => {
    // y = x·Wᵀ + b with x (BT,C), W (OC,C); loss = Σ w·y. dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.
    const [BT, C, OC] = [5, 4, 3];
    const x = randArray(BT * C, 7), W = randArray(OC * C, 8), b = randArray(OC, 9), w = randArray(BT * OC, 10);
    const loss = () => {
      const y = new Float64Array(BT * OC);
      cpu.matmul(y, x, W, b, BT, C, OC, { transB: true });
      return dot(w, y);
    };
    const dx = new Float64Array(BT * C), dW = new Float64Array(OC * C), db = new Float64Array(OC);
    cpu.matmul(dx, w, W, null, BT, OC, C);
    cpu.matmul(dW, w, x, null, OC, BT, C, { transA: true });
    cpu.matmul(db, new Float64Array(BT).fill(1), w, null, 1, BT, OC);
    expectClose(dx, finiteDiff(loss, x), 1e-8, 1e-7, 'dx');
    expectClose(dW, finiteDiff(loss, W), 1e-8, 1e-7, 'dW');
    expectClose(db, finiteDiff(loss, b), 1e-8, 1e-7, 'db');
  });
});
