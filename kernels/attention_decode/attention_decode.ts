// attention_decode launcher: one decode step of causal multi-head attention over a KV cache, for S sequences at once.
//   attention_decode(out, cache, qkv, prefix, seqs, S, T, C, H, Tp)
// Each sequence's newest token (its q, k, v in qkv) attends to its prompt's keys and values in the prefill
// activation `prefix` (shared by every sample of a question), to its own generated keys and values in `cache`,
// and to itself; its k, v are then stored in cache[s, pos]. The seqs table is kernels/sample/seqs.ts.
// Rows with done = 1 (or pos >= T) are skipped: nothing is read or written for them.
// Versions: v1 one invocation per (s,h), online softmax in registers (as attention_forward.v1), vec4 rows
//           when C and the head size are multiples of 4;
//           v2 one 64-invocation workgroup per (s,h), keys split across it, workgroup-memory reductions.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { defineKernel } from '../../src/gpu/kernel.ts';
import { SEQ_STRIDE, SEQ_WGSL } from '../sample/seqs.ts';
import v1 from './attention_decode.v1.wgsl?raw';
import v2 from './attention_decode.v2.wgsl?raw';

export const attention_decode_versions = {
  1: { code: v1, workgroup: 64, perWorkgroup: 64 }, // (s,h) pairs per workgroup
  2: { code: v2, workgroup: 64, perWorkgroup: 1 },
} as const;
export type AttentionDecodeVersion = keyof typeof attention_decode_versions;
export const attention_decode_kernel = defineKernel({
  name: 'attention_decode',
  folder: 'attention_decode',
  versions: { 1: v1, 2: v2 } as Record<AttentionDecodeVersion, string>,
  fallback: (gpu) => attention_decode_default_version(gpu),
  append: SEQ_WGSL,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    attention_decode?: AttentionDecodeVersion;
  }
}

/** v2's score array size: T rounded up to a power of two (>= 64), so contexts in one class share its pipeline. */
const tCap = (T: number) => Math.max(64, 2 ** Math.ceil(Math.log2(T)));

/** Largest head size: v1 holds two hs-long rows per invocation in private arrays. */
export const ATTENTION_DECODE_MAX_HS = 128;

export interface AttentionDecodeOptions {
  version?: AttentionDecodeVersion;
}

/** The version used when none is asked for: the adapter's measured choice, else v1. */
export function attention_decode_default_version(gpu: Gpu): AttentionDecodeVersion {
  return gpu.choices.attention_decode ?? 1;
}

// out: (S,C); cache: (S,T,2C), keys in [0,C) and values in [C,2C), row pos of each running sequence written;
// qkv: (S,3C), the newest token of each sequence; prefix: (Q,Tp,3C), this layer's prefill qkv (Q prompt rows of
// Tp positions); seqs: (S, SEQ_STRIDE) u32, reads prefix_row, prefix_len, pos, done. Needs 1 <= prefix_len <= Tp
// and pos < T for running rows (the kernel cannot check what lives on the GPU).
export function attention_decode(
  gpu: Gpu,
  out: Tensor,
  cache: Tensor,
  qkv: Tensor,
  prefix: Tensor,
  seqs: Tensor,
  S: number,
  T: number,
  C: number,
  H: number,
  Tp: number,
  opts: AttentionDecodeOptions = {},
): void {
  const who = 'attention_decode';
  if (![S, T, C, H, Tp].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(
      `${who}: S, T, C, H, Tp must be integers >= 1 (got S=${S} T=${T} C=${C} H=${H} Tp=${Tp})`,
    );
  if (C % H !== 0) throw new Error(`${who}: C=${C} is not divisible by H=${H} heads`);
  const hs = C / H;
  if (hs > ATTENTION_DECODE_MAX_HS)
    throw new Error(
      `${who}: head size C/H = ${hs} exceeds the supported maximum of ${ATTENTION_DECODE_MAX_HS}`,
    );
  const shape = `S=${S} T=${T} C=${C} H=${H} Tp=${Tp}`;
  const need: [Tensor, string, number][] = [
    [out, 'out', S * C],
    [cache, 'cache', S * T * 2 * C],
    [qkv, 'qkv', S * 3 * C],
    [prefix, 'prefix', Tp * 3 * C],
    [seqs, 'seqs', S * SEQ_STRIDE],
  ];
  for (const [t, what, n] of need) {
    if (t.length < n)
      throw new Error(
        `${who}: ${what} "${t.label}" has ${t.length} floats, needs ${n} for ${shape}`,
      );
  }
  if (prefix.length % (Tp * 3 * C) !== 0)
    throw new Error(
      `${who}: prefix "${prefix.label}" has ${prefix.length} floats, not a whole number of (Tp,3C) = (${Tp},${3 * C}) rows`,
    );
  const k = attention_decode_kernel;
  const version = k.version(gpu, opts.version);
  const v = attention_decode_versions[version];
  if (version === 2) {
    const bytes = 4 * (tCap(T) + 64 + Math.max(64, hs)); // sc, red, part (attention_decode.v2.wgsl)
    const max = gpu.limits.maxComputeWorkgroupStorageSize;
    if (bytes > max)
      throw new Error(
        `${who}: v2 keeps T=${T} scores in workgroup memory (${bytes} bytes), over this adapter's ${max}; use v1`,
      );
  }
  // The head size sizes private arrays (and unrolls); v1 reads vec4s where C and hs allow, v2 sizes
  // workgroup memory by T's class.
  const defines: Record<string, number | boolean> =
    version === 1 ? { HS: hs, VEC4: C % 4 === 0 && hs % 4 === 0 } : { HS: hs, T_CAP: tCap(T) };
  const dims = gpu.dims([S, T, C, H, Tp]);
  k.dispatch(gpu, version, {
    bindings: [out, cache, qkv, prefix, seqs, dims],
    workgroups: gpu.grid(Math.ceil((S * H) / v.perWorkgroup)),
    defines,
  });
}

/**
 * FLOPs for S sequences that each attend to L keys (L = pos+1): S·H·L·(4·hs + 3), the count attention_forward
 * uses per causal pair (q·k and p·v, 2·hs each, plus subtract-max, exp, add). Sum over rows when pos varies.
 */
export const attention_decode_flops = (S: number, L: number, C: number, H: number) =>
  S * H * L * (4 * (C / H) + 3);

/**
 * Minimum bytes moved for S sequences of L keys each: read the new q, k, v (3C) and L-1 older keys and values
 * (2C each, from the prefix or the cache) and the seqs row; write out (C) and the cache row (2C).
 */
export const attention_decode_bytes = (S: number, L: number, C: number) =>
  4 * S * (3 * C + 2 * C * (L - 1) + SEQ_STRIDE + C + 2 * C);
