import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { matmul, matmul_bytes, matmul_flops, MATMUL_V4_ROWS, type MatmulOptions, type MatmulRows, type MatmulVersion } from './matmul.ts';
import * as cpu from './matmul.cpu.ts';

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

export const bench: BenchCase[] = SHAPES.flatMap(({ M, K, N, opts, what, variants }) =>
  variants.map(({ version, rows }) => ({
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
);

export const checks: CheckCase[] = ALL.map(({ version, rows }) => {
  const [M, K, N] = [37, 29, 45];
  return {
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
});
