// attention launchers: causal multi-head self-attention in the llm.c layout, fused (no T×T matrix in memory).
//   forward  attention_forward(out, lse, qkv, B, T, C, H)
//   backward attention_backward(dqkv, delta, dout, qkv, out, lse, B, T, C, H), two dispatches (dq, then dk and dv)
// qkv (B,T,3C) holds q, k, v in channels [0,C), [C,2C), [2C,3C); head h uses h·hs..(h+1)·hs of each, hs = C/H.
// lse (B,H,T) is the forward's log-sum-exp per query row; the backward recomputes probabilities from it.
// Versions: v1 one invocation per (b,h,row) with the row in registers, no shared memory, no atomics;
//           v2 blocks of 8 rows per workgroup walking the block's keys together (FlashAttention's blocking), so
//           every invocation reads the same key at a uniform address;
//           v3 (CPU adapters) v2's blocks, but the keys come in chunks that the 8 lanes of a subgroup load a share
//           of each and subgroupBroadcast to all: a software adapter loads per lane even at a uniform address, so
//           this loads each key once per block instead of 8 times; one softmax rescale per chunk, no branch;
//           v4 (GPUs) FlashAttention: blocks of 64 rows walk tiles of the other side's rows that the workgroup loads
//           into workgroup memory together; barriers make it slow on CPU adapters, where the tuner does not time it.
// Which one runs is measured per adapter (src/bench/autotune.ts) and kept in gpu.choices.attention.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { defineKernel } from '../../src/gpu/kernel.ts';
import forwardV1 from './attention_forward.v1.wgsl?raw';
import backwardV1 from './attention_backward.v1.wgsl?raw';
import forwardV2 from './attention_forward.v2.wgsl?raw';
import backwardV2 from './attention_backward.v2.wgsl?raw';
import forwardV3 from './attention_forward.v3.wgsl?raw';
import backwardV3 from './attention_backward.v3.wgsl?raw';
import forwardV4 from './attention_forward.v4.wgsl?raw';
import backwardV4 from './attention_backward.v4.wgsl?raw';

/** Each version's sources, invocations per workgroup, and query rows per workgroup (v1: one per invocation). */
export const attention_versions = {
  1: { forward: forwardV1, backward: backwardV1, workgroup: 64, rows: 64 },
  2: { forward: forwardV2, backward: backwardV2, workgroup: 8, rows: 8 },
  3: { forward: forwardV3, backward: backwardV3, workgroup: 8, rows: 8 },
  4: { forward: forwardV4, backward: backwardV4, workgroup: 64, rows: 64 },
} as const;
export type AttentionVersion = keyof typeof attention_versions;

/** Largest head size: each invocation holds up to four hs-long rows in function-scope arrays. */
export const ATTENTION_MAX_HS = 128;

const unsupported = (gpu: Gpu, version: AttentionVersion) => attention_unsupported(gpu, version);
export const attention_forward_kernel = defineKernel({
  name: 'attention_forward',
  folder: 'attention',
  versions: { 1: forwardV1, 2: forwardV2, 3: forwardV3, 4: forwardV4 },
  fallback: (gpu) => attention_default_version(gpu),
  unsupported,
});
export const attention_backward_kernel = defineKernel({
  name: 'attention_backward',
  folder: 'attention',
  versions: { 1: backwardV1, 2: backwardV2, 3: backwardV3, 4: backwardV4 },
  fallback: (gpu) => attention_default_version(gpu),
  unsupported,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    attention?: AttentionVersion; // forward and backward together: the backward reads the forward's lse
  }
}

export interface AttentionOptions {
  version?: AttentionVersion;
  wide?: boolean; // v3 only: share loads by broadcast across 8 lanes (default: when the adapter's subgroups are >= 8 wide)
}

/**
 * The version used when none is asked for: the adapter's measured choice, else a guess by adapter kind: on software
 * adapters v3 where it runs, else v2 (each faster there: docs/results/README.md); v1 on GPUs, where 8-row workgroups leave
 * most lanes idle.
 */
export function attention_default_version(gpu: Gpu): AttentionVersion {
  if (gpu.choices.attention !== undefined) return gpu.choices.attention;
  if (!gpu.adapter.software) return 1;
  return attention_unsupported(gpu, 3) === null && attention_wide(gpu) ? 3 : 2;
}

/** Why `version` cannot run on this device, or null: v3 needs the "subgroups" feature. */
export function attention_unsupported(gpu: Gpu, version: AttentionVersion): string | null {
  if (version === 3 && !gpu.device.features.has('subgroups'))
    return 'attention v3 needs the "subgroups" feature, which this device lacks';
  return null;
}

/**
 * Whether every subgroup has >= 8 invocations, so v3's 8-invocation workgroup is one subgroup and shares its loads by
 * broadcast (lavapipe on AVX2: 8). Else (SwiftShader: 4; unknown sizes count as no) each lane loads for itself.
 */
export function attention_wide(gpu: Gpu): boolean {
  return Number(gpu.adapter.subgroupSize.split('-')[0]) >= 8;
}

// out: (B,T,C); lse: (B,H,T); qkv: (B,T,3C)
export function attention_forward(
  gpu: Gpu,
  out: Tensor,
  lse: Tensor,
  qkv: Tensor,
  B: number,
  T: number,
  C: number,
  H: number,
  opts: AttentionOptions = {},
): void {
  const hs = attention_check('attention_forward', B, T, C, H, {
    out: [out, B * T * C],
    lse: [lse, B * H * T],
    qkv: [qkv, B * T * 3 * C],
  });
  const k = attention_forward_kernel;
  const version = k.version(gpu, opts.version);
  k.dispatch(gpu, version, {
    bindings: [out, lse, qkv, gpu.dims([B, T, C, H])],
    workgroups: attention_grid(gpu, version, B, T, H),
    defines: attention_defines(version, hs),
    overrides: attention_overrides(gpu, version, opts),
  });
}

// dqkv: (B,T,3C), overwritten; delta: (B,H,T) scratch (D_i = dout_i·out_i, written by the dq pass, read by
// the dkv pass), passed in so no call allocates; dout: (B,T,C); qkv: (B,T,3C); out: (B,T,C); lse: (B,H,T)
export function attention_backward(
  gpu: Gpu,
  dqkv: Tensor,
  delta: Tensor,
  dout: Tensor,
  qkv: Tensor,
  out: Tensor,
  lse: Tensor,
  B: number,
  T: number,
  C: number,
  H: number,
  opts: AttentionOptions = {},
): void {
  const hs = attention_check('attention_backward', B, T, C, H, {
    dqkv: [dqkv, B * T * 3 * C],
    delta: [delta, B * H * T],
    dout: [dout, B * T * C],
    qkv: [qkv, B * T * 3 * C],
    out: [out, B * T * C],
    lse: [lse, B * H * T],
  });
  const k = attention_backward_kernel;
  const version = k.version(gpu, opts.version);
  const dims = gpu.dims([B, T, C, H]);
  const workgroups = attention_grid(gpu, version, B, T, H);
  const defines = attention_defines(version, hs);
  const overrides = attention_overrides(gpu, version, opts);
  // WGSL binding order: out is last, so the dkv entry point (which never reads it) binds 0..5.
  k.dispatch(gpu, version, {
    bindings: [dqkv, delta, dout, qkv, lse, dims, out],
    workgroups,
    defines,
    overrides,
    entryPoint: 'dq',
  });
  k.dispatch(gpu, version, {
    bindings: [dqkv, delta, dout, qkv, lse, dims],
    workgroups,
    defines,
    overrides,
    entryPoint: 'dkv',
  });
}

/**
 * Structural variants: the head size (it sizes the row arrays, and loops over a constant hs unroll into registers:
 * a runtime hs halved attention's speed on lavapipe), and for v2 whether heads split into aligned vec4 groups.
 */
function attention_defines(
  version: AttentionVersion,
  hs: number,
): Record<string, number | boolean> {
  return version === 1 ? { HS: hs } : { HS: hs, VEC4: hs % 4 === 0 };
}

/** v3's WIDE override (attention_wide, unless the caller says); the other versions have none. */
function attention_overrides(
  gpu: Gpu,
  version: AttentionVersion,
  opts: AttentionOptions,
): Record<string, number> | undefined {
  return version === 3 ? { WIDE: (opts.wide ?? attention_wide(gpu)) ? 1 : 0 } : undefined;
}

/** v1: a 1-D grid of rows; v2-v4: one workgroup per block of rows of each (b,h) (the .wgsl decodes the same order). */
function attention_grid(
  gpu: Gpu,
  version: AttentionVersion,
  B: number,
  T: number,
  H: number,
): [number, number] {
  const v = attention_versions[version];
  return version === 1
    ? gpu.grid(Math.ceil((B * H * T) / v.workgroup))
    : gpu.grid(B * H * Math.ceil(T / v.rows));
}

/** Validate the shape and tensor sizes; return hs. */
function attention_check(
  who: string,
  B: number,
  T: number,
  C: number,
  H: number,
  tensors: Record<string, [Tensor, number]>,
): number {
  if (![B, T, C, H].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(`${who}: B, T, C, H must be integers >= 1 (got B=${B} T=${T} C=${C} H=${H})`);
  if (C % H !== 0) throw new Error(`${who}: C=${C} is not divisible by H=${H} heads`);
  const hs = C / H;
  if (hs > ATTENTION_MAX_HS)
    throw new Error(
      `${who}: head size C/H = ${hs} exceeds the supported maximum of ${ATTENTION_MAX_HS}`,
    );
  for (const [what, [t, need]] of Object.entries(tensors)) {
    if (t.length < need)
      throw new Error(
        `${who}: ${what} "${t.label}" has ${t.length} floats, needs ${need} for B=${B} T=${T} C=${C} H=${H}`,
      );
  }
  return hs;
}

/** Causal (query, key) pairs per head and batch row: T(T+1)/2. */
const pairs = (T: number) => (T * (T + 1)) / 2;

/**
 * Forward FLOPs = B·H·T(T+1)/2 · (4·hs + 3): per causal pair, q·k (2·hs) and p·v (2·hs), plus the softmax's
 * subtract-max, exp and add-to-sum (3, an exp counted as 1). Per-row work (scaling q, normalising) is ignored.
 */
export const attention_forward_flops = (B: number, T: number, C: number, H: number) =>
  B * H * pairs(T) * (4 * (C / H) + 3);

/**
 * Backward FLOPs = B·H·T(T+1)/2 · (10·hs + 4) + 2·B·T·C: per causal pair, recomputing q·k, dout·v, and the
 * three products dv += p·dout, dq += dS·k, dk += dS·q (2·hs each), plus subtract-lse, exp, subtract-D and the
 * multiply by p (4); and D_i = dout_i·out_i per row. This is the algorithm's count: v1 computes q·k and
 * dout·v in both of its passes (14·hs per pair), so its achieved FLOP/s understates its arithmetic rate.
 */
export const attention_backward_flops = (B: number, T: number, C: number, H: number) =>
  B * H * pairs(T) * (10 * (C / H) + 4) + 2 * B * T * C;

/** Minimum bytes moved: read qkv, write out and lse. */
export const attention_forward_bytes = (B: number, T: number, C: number, H: number) =>
  4 * (3 * B * T * C + B * T * C + B * H * T);

/** Minimum bytes moved: read dout, qkv, out, lse, write dqkv (the delta scratch is not counted). */
export const attention_backward_bytes = (B: number, T: number, C: number, H: number) =>
  4 * (B * T * C + 3 * B * T * C + B * T * C + B * H * T + 3 * B * T * C);
