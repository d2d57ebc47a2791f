import { describe, expect, it } from 'vitest';
import { matmul, matmul_default_version, matmul_versions, type MatmulOptions, type MatmulVersion } from '../../kernels/matmul/matmul.ts';
import * as cpu from '../../kernels/matmul/matmul.cpu.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward shapes: a dimension of 1, K not a multiple of 4 (v4 steps K by 4), sizes that are not
// multiples of any tile (4, 8, 16, 24, 32, 64), sizes larger than one workgroup's tile in every direction;
// then K and N multiples of 4 (v4's vec4 loads) with M and the column tiles still ragged.
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
