import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { matmul, matmul_bytes, matmul_flops, MATMUL_V4_ROWS, type MatmulOptions, type MatmulRows, type MatmulVersion } from './matmul.ts';
import * as cpu from './matmul.cpu.ts';
import { gelu_backward, gelu_backward_bytes, gelu_backward_flops, gelu_forward, gelu_forward_bytes, gelu_forward_flops } from '../gelu/gelu.ts';

// The square sizes the issue tracks, then the shapes of one transformer block at bench scale:
// (B·T)×C×3C (qkv), (B·T)×C×4C (fc), (B·T)×4C×C (proj), (B·T)×C×V (unembedding), B·T=256, C=128, V=64.
// v1 (naive) is left out at 1024³, where it alone would take seconds per run on a CPU adapter; v4 is
// timed at each tile setting (rows) at 512³ and at 16 rows elsewhere.
type Variant = { version: MatmulVersion; rows?: MatmulRows };
const ALL: Variant[] = [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4, rows: 16 }];
const SHAPES: { M: number; K: number; N: number; opts: MatmulOptions; what: string; variants: Variant[] }[] = [
  { M: 512, K: 512, N: 512, opts: {}, what: 'A·B', variants: [{ version: 1 }, { version: 2 }, { version: 3 }, ...MATMUL_V4_ROWS.map((rows) => ({ version: 4 as const, rows }))] },
  { M: 1024, K: 1024, N: 1024, opts: {}, what: 'A·B', variants: [{ version: 2 }, { version: 3 }, ...MATMUL_V4_ROWS.map((rows) => ({ version: 4 as const, rows }))] },
  { M: 256, K: 128, N: 384, opts: { transB: true }, what: 'qkv x·Wᵀ', variants: ALL },
  { M: 256, K: 128, N: 512, opts: { transB: true }, what: 'fc x·Wᵀ', variants: ALL },
  { M: 256, K: 512, N: 128, opts: { transB: true }, what: 'proj x·Wᵀ', variants: ALL },
  { M: 512, K: 256, N: 128, opts: { transA: true }, what: 'dW dyᵀ·x', variants: ALL },
];

// The MLP's two GELU matmuls at issue 12's reference step (B·T=2048, C=64), each as the model runs it (GELU
// in the matmul's epilogue) beside the unfused pair it replaces (the matmul, then the gelu kernel): same
// FLOPs, the fused row moves one (B·T)×4C tensor fewer each way.
const [BT, C] = [2048, 64];
const GELU_ROWS: MatmulRows = 8;
const geluBench: BenchCase[] = [false, true].flatMap((fused): BenchCase[] => {
  const how = fused ? 'GELU in the epilogue' : 'then the gelu kernel';
  const [M, N] = [BT, 4 * C];
  const n = M * N;
  return [
    {
      kernel: 'matmul',
      version: 'v4',
      shape: `M=${M} K=${C} N=${N} fc x·Wᵀ+b, ${how} rows=${GELU_ROWS}`,
      flops: matmul_flops(M, C, N) + gelu_forward_flops(n),
      bytes: fused ? matmul_bytes(M, C, N, true, false, true) : matmul_bytes(M, C, N, true) + gelu_forward_bytes(n),
      setup(gpu) {
        const fch = gpu.tensor('fch', n), act = gpu.tensor('fch_gelu', n), x = gpu.tensor('x', M * C, seededArray(M * C, 1)), w = gpu.tensor('w', N * C, seededArray(N * C, 2)), b = gpu.tensor('b', N, seededArray(N, 3));
        const opts = { transB: true, version: 4 as const, rows: GELU_ROWS };
        return {
          record: () => {
            if (fused) matmul(gpu, fch, x, w, b, M, C, N, { ...opts, gelu_out: act });
            else {
              matmul(gpu, fch, x, w, b, M, C, N, opts);
              gelu_forward(gpu, act, fch, n);
            }
          },
          dispose: () => [fch, act, x, w, b].forEach((t) => t.buffer.destroy()),
        };
      },
    },
    {
      kernel: 'matmul',
      version: 'v4',
      shape: `M=${M} K=${C} N=${N} dfch = gelu'(fch) ⊙ dy·W, ${how} rows=${GELU_ROWS}`,
      flops: matmul_flops(M, C, N) + gelu_backward_flops(n),
      bytes: fused ? matmul_bytes(M, C, N, false, false, true) : matmul_bytes(M, C, N) + gelu_backward_bytes(n),
      setup(gpu) {
        const dfch = gpu.tensor('dfch', n), dact = gpu.tensor('dfch_gelu', n), fch = gpu.tensor('fch', n, seededArray(n, 4, -4, 4)), dy = gpu.tensor('dy', M * C, seededArray(M * C, 5)), w = gpu.tensor('w', C * N, seededArray(C * N, 6));
        const opts = { version: 4 as const, rows: GELU_ROWS };
        return {
          record: () => {
            if (fused) matmul(gpu, dfch, dy, w, null, M, C, N, { ...opts, gelu_inp: fch });
            else {
              matmul(gpu, dact, dy, w, null, M, C, N, opts);
              gelu_backward(gpu, dfch, fch, dact, n);
            }
          },
          dispose: () => [dfch, dact, fch, dy, w].forEach((t) => t.buffer.destroy()),
        };
      },
    },
  ];
});

export const bench: BenchCase[] = [...SHAPES.flatMap(({ M, K, N, opts, what, variants }) =>
  variants.map(({ version, rows }): BenchCase => ({
    kernel: 'matmul',
    version: `v${version}`,
    shape: `M=${M} K=${K} N=${N} ${what}${rows ? ` rows=${rows}` : ''}`,
    flops: matmul_flops(M, K, N),
    bytes: matmul_bytes(M, K, N),
    setup(gpu) {
      const out = gpu.tensor('out', M * N), a = gpu.tensor('a', M * K, seededArray(M * K, 1)), b = gpu.tensor('b', K * N, seededArray(K * N, 2));
      return {
        record: () => matmul(gpu, out, a, b, null, M, K, N, { ...opts, version, rows }),
        dispose: () => [out, a, b].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
), ...geluBench];


export const checks: CheckCase[] = ALL.flatMap(({ version, rows }) => {
  const [M, K, N] = [37, 29, 45];
  const plain: CheckCase = {
    kernel: 'matmul',
    version: `v${version}`,
    shape: `M=${M} K=${K} N=${N} A·Bᵀ+bias`,
    tolerance: 1e-4,
    async run(gpu) {
      const a = seededArray(M * K, 1), b = seededArray(N * K, 2), bias = seededArray(N, 3);
      const want = new Float64Array(M * N);
      cpu.matmul(want, a, b, bias, M, K, N, { transB: true });
      const out = gpu.tensor('out', M * N);
      matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', N * K, b), gpu.tensor('bias', N, bias), M, K, N, { transB: true, version, rows });
      return maxAbsDiff(await gpu.read(out), want);
    },
  };
  // The GELU epilogues against the matmul and gelu references composed (the worst of out and gelu(out)).
  const geluForward: CheckCase = {
    kernel: 'matmul',
    version: `v${version}`,
    shape: `M=${M} K=${K} N=${N} A·Bᵀ+bias, GELU forward epilogue`,
    tolerance: 1e-4,
    async run(gpu) {
      const a = seededArray(M * K, 1, -2, 2), b = seededArray(N * K, 2, -2, 2), bias = seededArray(N, 3);
      const want = new Float64Array(M * N), wantAct = new Float64Array(M * N);
      cpu.matmul(want, a, b, bias, M, K, N, { transB: true, gelu_out: wantAct });
      const out = gpu.tensor('out', M * N), act = gpu.tensor('act', M * N);
      matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', N * K, b), gpu.tensor('bias', N, bias), M, K, N, { transB: true, gelu_out: act, version, rows });
      return Math.max(maxAbsDiff(await gpu.read(out), want), maxAbsDiff(await gpu.read(act), wantAct));
    },
  };
  const geluBackward: CheckCase = {
    kernel: 'matmul',
    version: `v${version}`,
    shape: `M=${M} K=${K} N=${N} A·B, GELU backward epilogue`,
    tolerance: 1e-4,
    async run(gpu) {
      const a = seededArray(M * K, 4), b = seededArray(K * N, 5), pre = seededArray(M * N, 6, -6, 6);
      const want = new Float64Array(M * N);
      cpu.matmul(want, a, b, null, M, K, N, { gelu_inp: pre });
      const out = gpu.tensor('out', M * N);
      matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', K * N, b), null, M, K, N, { gelu_inp: gpu.tensor('pre', M * N, pre), version, rows });
      return maxAbsDiff(await gpu.read(out), want);
    },
  };
  return [plain, geluForward, geluBackward];
});
