import { describe, expect, it } from 'vitest';
import { matmul, matmul_versions, type MatmulVersion } from '../../kernels/matmul/matmul.ts';
import * as cpu from '../../kernels/matmul/matmul.cpu.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward shapes: a dimension of 1, sizes that are not multiples of any tile (4, 8, 16, 64), sizes larger
// than one workgroup's tile in every direction.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [3, 1, 5],
  [5, 3, 1],
  [17, 19, 23],
  [65, 33, 70],
  [130, 67, 129],
];
const FORMS = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
];
// float32 accumulation over K terms of products of values in [-1, 1): error grows like K·2^-24.
const tol = (K: number) => 2e-6 * K + 1e-6;

describeGpu('matmul', (gpu) => {
  const versions = Object.keys(matmul_versions).map(Number) as MatmulVersion[];
  for (const version of versions) {
    for (const form of FORMS) {
      const formName = `${form.transA ? 'Aᵀ' : 'A'}·${form.transB ? 'Bᵀ' : 'B'}`;
      it(`v${version} ${formName} matches the float64 reference on awkward shapes`, async () => {
        for (const [M, K, N] of SHAPES) {
          const a = randArray(M * K, 1), b = randArray(K * N, 2);
          const want = new Float64Array(M * N);
          cpu.matmul(want, a, b, null, M, K, N, form);
          const out = gpu.tensor('out', M * N);
          matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', K * N, b), null, M, K, N, { ...form, version });
          expectClose(await gpu.read(out), want, tol(K), 0, `v${version} ${formName} ${M}x${K}x${N}`);
        }
      });
    }
    it(`v${version} adds bias and accumulates into out`, async () => {
      const [M, K, N] = [37, 21, 45];
      const a = randArray(M * K, 3), b = randArray(N * K, 4), bias = randArray(N, 5), prior = randArray(M * N, 6);
      const want = Float64Array.from(prior);
      cpu.matmul(want, a, b, bias, M, K, N, { transB: true, accumulate: true });
      const out = gpu.tensor('out', M * N, prior);
      matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', K * N, b), gpu.tensor('bias', N, bias), M, K, N, { transB: true, accumulate: true, version });
      expectClose(await gpu.read(out), want, tol(K) + 1e-6, 0, `v${version} bias+accumulate`);
    });
  }

  it('refuses tensors too small for the shape', () => {
    expect(() => matmul(gpu, gpu.tensor('out', 3), gpu.tensor('a', 4), gpu.tensor('b', 4), null, 2, 2, 2)).toThrow(/out "out" has 3 floats, needs 4/);
  });
});

describe('matmul CPU reference', () => {
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
