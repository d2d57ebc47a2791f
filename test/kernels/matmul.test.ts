import { describe, expect, it } from 'vitest';
import {
  matmul,
  matmul_default_version,
  matmul_unsupported,
  type MatmulVersion,
} from '../../kernels/matmul/matmul.ts';
import * as cpu from '../../kernels/matmul/matmul.cpu.ts';
import * as gelu from '../../kernels/gelu/gelu.cpu.ts';
import { checks } from '../../kernels/matmul/matmul.cases.ts';
import { describeGpu, dot, expectClose, finiteDiff, itChecks, randArray } from '../helpers.ts';
import { seededArray } from '../../src/gpu/cases.ts';

describeGpu('matmul', (gpu) => {
  // Every version and v4 tile setting against the float64 reference: the table in kernels/matmul/matmul.cases.ts
  // (the three forms on awkward shapes, both GELU epilogues with and without bias and accumulation, bias + accumulate).
  itChecks(gpu, checks);

  it("every v4 tile height computes the same bits: a sweep's numbers do not hang on the tile its race picked", async () => {
    // The race picks among tiles within noise of each other (docs/results/bench/tiles.txt), and
    // can pick another next time; each output is the same sum in the same order whatever the tile, so the
    // choice moves time, never results. Rows 8 and 32 (16 and 24 are subsets of 32's code) and v4's path for
    // narrow subgroups, on the check table's shapes and forms, whose pipelines the checks above built.
    const shapes: [number, number, number][] = [
      [65, 33, 70],
      [130, 68, 132],
      [36, 13, 20],
      [37, 8, 11],
    ];
    if (matmul_unsupported(gpu, 4) !== null) return; // v4 needs subgroups
    const tiles = [{ rows: 8 }, { rows: 32 }, { rows: 8, wide: false }] as const;
    let compared = 0;
    for (const form of [{}, { transB: true }, { transA: true }])
      for (const [M, K, N] of shapes) {
        const a = gpu.tensor('a', M * K, seededArray(M * K, 1)),
          b = gpu.tensor('b', K * N, seededArray(K * N, 2));
        const outs: Float32Array[] = [];
        for (const tile of tiles) {
          const out = gpu.tensor('out', M * N);
          matmul(gpu, out, a, b, null, M, K, N, { ...form, version: 4, ...tile });
          outs.push(await gpu.read(out));
          out.buffer.destroy();
        }
        for (const o of outs.slice(1)) {
          expect(o.some((x, i) => !Object.is(x, outs[0]![i]))).toBe(false);
          compared++;
        }
        a.buffer.destroy();
        b.buffer.destroy();
      }
    expect(compared).toBe(3 * shapes.length * (tiles.length - 1));
  });

  it('refuses tensors too small for the shape', () => {
    expect(() =>
      matmul(gpu, gpu.tensor('out', 3), gpu.tensor('a', 4), gpu.tensor('b', 4), null, 2, 2, 2),
    ).toThrow(/out "out" has 3 floats, needs 4/);
    const t = gpu.tensor('t', 4);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_out: gpu.tensor('act', 3) })).toThrow(
      /gelu_out "act" has 3 floats, needs 4/,
    );
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_inp: gpu.tensor('pre', 2) })).toThrow(
      /gelu_inp "pre" has 2 floats, needs 4/,
    );
    expect(() =>
      matmul(gpu, t, t, t, null, 2, 2, 2, {
        gelu_out: gpu.tensor('act', 4),
        gelu_inp: gpu.tensor('pre', 4),
      }),
    ).toThrow(/cannot both be given/);
    expect(() =>
      matmul(gpu, t, t, t, null, 2, 2, 2, { gelu_inp: gpu.tensor('pre', 4), accumulate: true }),
    ).toThrow(/cannot accumulate/);
    expect(() =>
      cpu.matmul(new Float64Array(4), new Float64Array(4), new Float64Array(4), null, 2, 2, 2, {
        gelu_inp: new Float64Array(4),
        accumulate: true,
      }),
    ).toThrow(/cannot accumulate/);
  });

  it('refuses an unknown version or v4 tile setting', () => {
    const t = gpu.tensor('t', 4);
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { version: 9 as MatmulVersion })).toThrow(
      /no version 9/,
    );
    expect(() => matmul(gpu, t, t, t, null, 2, 2, 2, { version: 4, rows: 12 as 16 })).toThrow(
      /rows must be one of 8, 16, 24, 32/,
    );
  });

  it('runs the measured choice when one is set, else a guess by adapter kind', () => {
    const saved = gpu.choices;
    try {
      gpu.choices = {};
      const guess = matmul_default_version(gpu);
      expect(guess).toBe(
        gpu.adapter.software
          ? gpu.device.features.has('subgroups') &&
            Number(gpu.adapter.subgroupSize.split('-')[0]) >= 8
            ? 4
            : 2
          : 3,
      );
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
    const a = randArray(M * K, 21, -2, 2),
      b = randArray(K * N, 22, -2, 2),
      pre = randArray(M * N, 23, -4, 4);
    const y = new Float64Array(M * N),
      act = new Float64Array(M * N),
      fused = new Float64Array(M * N),
      wantAct = new Float64Array(M * N);
    cpu.matmul(y, a, b, null, M, K, N);
    gelu.gelu_forward(wantAct, y, M * N);
    cpu.matmul(fused, a, b, null, M, K, N, { gelu_out: act });
    expect(Array.from(fused)).toEqual(Array.from(y));
    expect(Array.from(act)).toEqual(Array.from(wantAct));
    const wantGrad = new Float64Array(M * N),
      grad = new Float64Array(M * N);
    gelu.gelu_backward(wantGrad, pre, y, M * N);
    cpu.matmul(grad, a, b, null, M, K, N, { gelu_inp: pre });
    expect(Array.from(grad)).toEqual(Array.from(wantGrad));
  });

  it('the three forms give the linear layer backward (finite differences)', () => {
    // y = x·Wᵀ + b with x (BT,C), W (OC,C); loss = Σ w·y. dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.
    const [BT, C, OC] = [5, 4, 3];
    const x = randArray(BT * C, 7),
      W = randArray(OC * C, 8),
      b = randArray(OC, 9),
      w = randArray(BT * OC, 10);
    const loss = () => {
      const y = new Float64Array(BT * OC);
      cpu.matmul(y, x, W, b, BT, C, OC, { transB: true });
      return dot(w, y);
    };
    const dx = new Float64Array(BT * C),
      dW = new Float64Array(OC * C),
      db = new Float64Array(OC);
    cpu.matmul(dx, w, W, null, BT, OC, C);
    cpu.matmul(dW, w, x, null, OC, BT, C, { transA: true });
    cpu.matmul(db, new Float64Array(BT).fill(1), w, null, 1, BT, OC);
    expectClose(dx, finiteDiff(loss, x), 1e-8, 1e-7, 'dx');
    expectClose(dW, finiteDiff(loss, W), 1e-8, 1e-7, 'dW');
    expectClose(db, finiteDiff(loss, b), 1e-8, 1e-7, 'db');
  });
});
