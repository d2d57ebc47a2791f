// matmul launcher: out (+)= op(A)·op(B) (+ bias), the three forms a linear layer needs:
//   forward  y  = x·Wᵀ + b  -> matmul(y, x, W, b, BT, C, OC, { transB: true })
//   backward dx = dy·W      -> matmul(dx, dy, W, null, BT, OC, C, { accumulate })
//            dW = dyᵀ·x     -> matmul(dW, dy, x, null, OC, BT, C, { transA: true, accumulate: true })
// Versions: v1 naive, v2 register-blocked without barriers (CPU adapters), v3 shared tiles (GPUs).
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import v1 from './matmul.v1.wgsl?raw';
import v2 from './matmul.v2.wgsl?raw';
import v3 from './matmul.v3.wgsl?raw';

/** Each version's source and the (N, M) extent of out that one workgroup covers. */
export const matmul_versions = {
  1: { code: v1, tile: [8, 8] },
  2: { code: v2, tile: [32, 32] },
  3: { code: v3, tile: [64, 64] },
} as const;
export type MatmulVersion = keyof typeof matmul_versions;

export interface MatmulOptions {
  transA?: boolean; // A is stored (K,M)
  transB?: boolean; // B is stored (N,K)
  accumulate?: boolean; // out += result instead of out = result
  version?: MatmulVersion;
}

/** The version used when none is asked for: the adapter's measured choice, else a guess by adapter kind. */
export function matmul_default_version(gpu: Gpu): MatmulVersion {
  return (gpu.choices.matmul as MatmulVersion | undefined) ?? (gpu.adapter.software ? 2 : 3);
}

// out: (M,N); a: (M,K) or (K,M); b: (K,N) or (N,K); bias: (N) or null
export function matmul(gpu: Gpu, out: Tensor, a: Tensor, b: Tensor, bias: Tensor | null, M: number, K: number, N: number, opts: MatmulOptions = {}): void {
  const { transA = false, transB = false, accumulate = false } = opts;
  const version = opts.version ?? matmul_default_version(gpu);
  check(out, M * N, 'out');
  check(a, M * K, 'a');
  check(b, K * N, 'b');
  if (bias) check(bias, N, 'bias');
  const v = matmul_versions[version];
  const pipeline = gpu.pipeline({
    name: 'matmul',
    file: `kernels/matmul/matmul.v${version}.wgsl`,
    code: v.code,
    defines: { TRANS_A: transA, TRANS_B: transB, BIAS: bias !== null, ACCUMULATE: accumulate },
    overrides: { M, K, N },
  });
  const bindings = bias ? [out, a, b, bias] : [out, a, b];
  gpu.dispatch(`matmul.v${version}`, pipeline, bindings, [Math.ceil(N / v.tile[0]), Math.ceil(M / v.tile[1])]);

  function check(t: Tensor, need: number, what: string) {
    if (!(M >= 1 && K >= 1 && N >= 1 && Number.isInteger(M * K * N))) throw new Error(`matmul: M, K, N must be integers >= 1 (got ${M}, ${K}, ${N})`);
    if (t.length < need) throw new Error(`matmul: ${what} "${t.label}" has ${t.length} floats, needs ${need} for M=${M} K=${K} N=${N}`);
  }
}

export const matmul_flops = (M: number, K: number, N: number) => 2 * M * K * N;
/** Minimum bytes moved: read A, B (and bias, and out when accumulating), write out. */
export const matmul_bytes = (M: number, K: number, N: number, bias = false, accumulate = false) =>
  4 * (M * K + K * N + M * N * (accumulate ? 2 : 1) + (bias ? N : 0));
