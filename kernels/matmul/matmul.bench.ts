import type { BenchCase, CheckCase } from '../../src/bench/types.ts';
import { seededArray, maxAbsDiff } from '../../src/bench/data.ts';
import { matmul, matmul_bytes, matmul_flops, matmul_versions, type MatmulOptions, type MatmulVersion } from './matmul.ts';
import * as cpu from './matmul.cpu.ts';

const versions = Object.keys(matmul_versions).map(Number) as MatmulVersion[];

// The square size the issue tracks, then the shapes of one transformer block at bench scale:
// (B·T)×C×3C (qkv), (B·T)×C×4C (fc), (B·T)×4C×C (proj), (B·T)×C×V (unembedding), B·T=256, C=128, V=64.
const SHAPES: { M: number; K: number; N: number; opts: MatmulOptions; what: string }[] = [
  { M: 512, K: 512, N: 512, opts: {}, what: 'A·B' },
  { M: 256, K: 128, N: 384, opts: { transB: true }, what: 'qkv x·Wᵀ' },
  { M: 256, K: 128, N: 512, opts: { transB: true }, what: 'fc x·Wᵀ' },
  { M: 256, K: 512, N: 128, opts: { transB: true }, what: 'proj x·Wᵀ' },
  { M: 512, K: 256, N: 128, opts: { transA: true }, what: 'dW dyᵀ·x' },
];

export const bench: BenchCase[] = SHAPES.flatMap(({ M, K, N, opts, what }) =>
  versions.map((version) => ({
    kernel: 'matmul',
    version: `v${version}`,
    shape: `M=${M} K=${K} N=${N} ${what}`,
    flops: matmul_flops(M, K, N),
    bytes: matmul_bytes(M, K, N),
    setup(gpu) {
      const out = gpu.tensor('out', M * N), a = gpu.tensor('a', M * K, seededArray(M * K, 1)), b = gpu.tensor('b', K * N, seededArray(K * N, 2));
      return {
        record: () => matmul(gpu, out, a, b, null, M, K, N, { ...opts, version }),
        dispose: () => [out, a, b].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
);

export const checks: CheckCase[] = versions.map((version) => {
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
      matmul(gpu, out, gpu.tensor('a', M * K, a), gpu.tensor('b', N * K, b), gpu.tensor('bias', N, bias), M, K, N, { transB: true, version });
      return maxAbsDiff(await gpu.read(out), want);
    },
  };
});
