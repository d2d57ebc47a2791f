// matmul launcher: out (+)= op(A)·op(B) (+ bias), the three forms a linear layer needs:
//   forward  y  = x·Wᵀ + b  -> matmul(y, x, W, b, BT, C, OC, { transB: true })
//   backward dx = dy·W      -> matmul(dx, dy, W, null, BT, OC, C, { accumulate })
//            dW = dyᵀ·x     -> matmul(dW, dy, x, null, OC, BT, C, { transA: true, accumulate: true })
// Versions: v1 naive, v2 register-blocked without barriers, v3 shared tiles (GPUs), v4 subgroup
// broadcast of A, vec4 loads, ROWS×4 blocks per invocation (CPU adapters; ROWS is its tile setting).
// Which one runs is measured per adapter (src/bench/autotune.ts) and kept in gpu.choices. Every version
// reads M, K, N from a uniform, so one pipeline per (version, form, tile setting) serves every shape.
// GELU epilogues (every version), so the MLP needs no gelu_forward / gelu_backward dispatch:
//   forward  fch = x·Wᵀ + b, act = gelu(fch)   -> matmul(fch, x, W, b, BT, C, 4C, { transB: true, gelu_out: act })
//   backward dfch = gelu'(fch) ⊙ (dy·W)        -> matmul(dfch, dy, W, null, BT, C, 4C, { gelu_inp: fch })
// The bias gradient is its own kernel, column sums:  db += Σ_rows dy -> matmul_backward_bias(db, dy, BT, OC)
// Runs (every version): a pack of R runs of one model shape is one dispatch whose grid's z is the run;
// run r's operands start r·stride floats after run 0's (opts.runs), so each run computes exactly what it
// computes alone, bit for bit.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { checkSizes, defineKernel, ONE_RUN, withRuns, type Runs } from '../../src/gpu/kernel.ts';
import v1 from './matmul.v1.wgsl?raw';
import v2 from './matmul.v2.wgsl?raw';
import v3 from './matmul.v3.wgsl?raw';
import v4 from './matmul.v4.wgsl?raw';
import backwardBias1 from './matmul_backward_bias.v1.wgsl?raw';
import { GELU_WGSL } from '../gelu/gelu.ts';

/** Each version's source and the (N, M) extent of out that one workgroup covers (v4: M is its ROWS). */
export const matmul_versions = {
  1: { code: v1, tile: [8, 8] },
  2: { code: v2, tile: [32, 32] },
  3: { code: v3, tile: [64, 64] },
  4: { code: v4, tile: [32, 16] }, // 4 columns × WG = 8 lanes
} as const;
export type MatmulVersion = keyof typeof matmul_versions;

/** v4's tile setting: rows of out per workgroup, each lane keeping ROWS×4 accumulators. */
export const MATMUL_V4_ROWS = [8, 16, 24, 32] as const;
export type MatmulRows = (typeof MATMUL_V4_ROWS)[number];

export const matmul_kernel = defineKernel({
  name: 'matmul',
  folder: 'matmul',
  versions: { 1: v1, 2: v2, 3: v3, 4: v4 } as Record<MatmulVersion, string>,
  fallback: (gpu) => matmul_default_version(gpu),
  unsupported: (gpu, version) => matmul_unsupported(gpu, version),
  append: GELU_WGSL, // gelu() and gelu_grad() for the GELU epilogues
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    matmul?: MatmulVersion;
    matmul_rows?: MatmulRows; // v4's tile setting
    matmul_gelu?: 0 | 1; // 0: the model runs GELU as its own kernels (gelu_forward, gelu_backward), not in matmul epilogues
  }
}

export interface MatmulOptions {
  transA?: boolean; // A is stored (K,M)
  transB?: boolean; // B is stored (N,K)
  accumulate?: boolean; // out += result instead of out = result
  version?: MatmulVersion;
  rows?: MatmulRows; // v4 only; default gpu.choices.matmul_rows, else 16
  wide?: boolean; // v4 only: broadcast A across 8 lanes (default: when the adapter's subgroups are >= 8 wide)
  gelu_out?: Tensor; // (M,N): also store gelu(out) here (out keeps the pre-activation, which the backward needs)
  gelu_inp?: Tensor; // (M,N): multiply the product (+ bias) by gelu'(gelu_inp); not with accumulate
  runs?: MatmulRuns; // R products side by side in one dispatch (a pack); default one
}

/**
 * R products of one shape in one dispatch: run r reads a, b, bias and writes out (and gelu_out, or reads
 * gelu_inp) at r·stride floats past run 0's. A parameter's stride is the pack's flat parameter length,
 * an activation's its own size (M·K, K·N, M·N). Each stride a multiple of 4 where the operand is read as vec4.
 */
export interface MatmulRuns {
  R: number;
  a: number;
  b: number;
  out: number;
  bias: number;
}

/**
 * The version used when none is asked for: the adapter's measured choice (autotune), else a guess by
 * adapter kind: v4 on software adapters with 8-wide subgroups, v2 on other software ones, v3 on GPUs.
 */
export function matmul_default_version(gpu: Gpu): MatmulVersion {
  const chosen = gpu.choices.matmul;
  if (chosen !== undefined) return chosen;
  if (!gpu.adapter.software) return 3;
  return matmul_v4_wide(gpu) ? 4 : 2;
}

/** Whether v4 runs here on its fast path: the device has subgroups and they hold >= 8 invocations (WIDE). */
export function matmul_v4_wide(gpu: Gpu): boolean {
  return matmul_unsupported(gpu, 4) === null && subgroupsAtLeast8(gpu);
}

/** Why `version` cannot run on this device, or null when it can. */
export function matmul_unsupported(gpu: Gpu, version: MatmulVersion): string | null {
  if (version === 4 && !gpu.device.features.has('subgroups'))
    return 'matmul v4 needs the "subgroups" feature, which this device lacks';
  return null;
}

/** Whether every subgroup has >= 8 invocations (v4's fast path); unknown sizes count as no. */
function subgroupsAtLeast8(gpu: Gpu): boolean {
  return Number(gpu.adapter.subgroupSize.split('-')[0]) >= 8;
}

// out: (M,N); a: (M,K) or (K,M); b: (K,N) or (N,K); bias: (N) or null
export function matmul(
  gpu: Gpu,
  out: Tensor,
  a: Tensor,
  b: Tensor,
  bias: Tensor | null,
  M: number,
  K: number,
  N: number,
  opts: MatmulOptions = {},
): void {
  const { transA = false, transB = false, accumulate = false } = opts;
  const k = matmul_kernel;
  const runs = opts.runs ?? { R: 1, a: 0, b: 0, out: 0, bias: 0 };
  if (!(Number.isInteger(runs.R) && runs.R >= 1))
    throw new Error(`matmul: runs.R must be an integer >= 1 (got ${runs.R})`);
  check(out, M * N, 'out', runs.out);
  check(a, M * K, 'a', runs.a);
  check(b, K * N, 'b', runs.b);
  if (bias) check(bias, N, 'bias', runs.bias);
  const { gelu_out, gelu_inp } = opts;
  if (gelu_out && gelu_inp)
    throw new Error(
      'matmul: gelu_out (forward epilogue) and gelu_inp (backward epilogue) cannot both be given',
    );
  // v4 applies gelu' after storing the product, so out's prior values would be gone; nothing needs it.
  if (gelu_inp && accumulate)
    throw new Error('matmul: gelu_inp (backward epilogue) cannot accumulate into out');
  if (gelu_out) check(gelu_out, M * N, 'gelu_out', runs.out);
  if (gelu_inp) check(gelu_inp, M * N, 'gelu_inp', runs.out);
  const version = k.version(gpu, opts.version);
  const v = matmul_versions[version];
  const gelu = gelu_out ?? gelu_inp;
  const defines: Record<string, boolean | number> = {
    TRANS_A: transA,
    TRANS_B: transB,
    BIAS: bias !== null,
    ACCUMULATE: accumulate,
    GELU: !!(gelu_out ?? gelu_inp),
    GELU_FORWARD: !!gelu_out,
    GELU_BACKWARD: !!gelu_inp,
    GELU_BINDING: bias ? 5 : 4,
  };
  const overrides: Record<string, number> = {};
  let tile: readonly [number, number] = v.tile;
  // Run strides in elements of each binding: a vec4 binding (v4's vec paths) counts 4 floats as one.
  let strides = [runs.a, runs.b, runs.out, runs.bias];
  if (version === 4) {
    const rows = opts.rows ?? gpu.choices.matmul_rows ?? 16;
    if (!MATMUL_V4_ROWS.includes(rows))
      throw new Error(`matmul v4: rows must be one of ${MATMUL_V4_ROWS.join(', ')} (got ${rows})`);
    // vec4 loads along each operand's contiguous axis when its length is a multiple of 4
    const wide = opts.wide ?? subgroupsAtLeast8(gpu);
    const aVec = !transA && K % 4 === 0;
    const aVecT = transA && M % 4 === 0 && wide; // one vec4 along m per lane, shared by subgroup broadcast
    const bVec = transB ? K % 4 === 0 : N % 4 === 0;
    Object.assign(defines, {
      ROWS: rows,
      R16: rows >= 16,
      R24: rows >= 24,
      R32: rows >= 32,
      A_VEC: aVec,
      A_VEC_T: aVecT,
      B_VEC: bVec,
      B_VEC_T: bVec && transB,
      OUT_VEC: N % 4 === 0,
    });
    overrides.WIDE = wide ? 1 : 0;
    tile = [v.tile[0], rows];
    const vec = [aVec || aVecT, bVec, N % 4 === 0, N % 4 === 0];
    strides = strides.map((s, i) => {
      if (!vec[i]) return s;
      if (s % 4 !== 0)
        throw new Error(`matmul v4: a run stride read as vec4 must be a multiple of 4 (got ${s})`);
      return s / 4;
    });
  }
  const bindings: (Tensor | GPUBuffer)[] = [out, a, b, gpu.dims([M, K, N, 0, ...strides])];
  if (bias) bindings.push(bias);
  if (gelu) bindings.push(gelu);
  k.dispatch(gpu, version, {
    bindings,
    workgroups: [Math.ceil(N / tile[0]), Math.ceil(M / tile[1]), runs.R],
    defines,
    overrides,
  });

  function check(t: Tensor, one: number, what: string, stride: number) {
    if (!(M >= 1 && K >= 1 && N >= 1 && Number.isInteger(M * K * N)))
      throw new Error(`matmul: M, K, N must be integers >= 1 (got ${M}, ${K}, ${N})`);
    const need = (runs.R - 1) * stride + one;
    if (t.length < need)
      throw new Error(
        `matmul: ${what} "${t.label}" has ${t.length} floats, needs ${need} for M=${M} K=${K} N=${N}` +
          (runs.R > 1 ? ` R=${runs.R} (stride ${stride})` : ''),
      );
  }
}

export const matmul_flops = (M: number, K: number, N: number) => 2 * M * K * N;
/** Minimum bytes moved: read A, B (and bias, and out when accumulating, and the GELU's input or output), write out. */
export const matmul_bytes = (
  M: number,
  K: number,
  N: number,
  bias = false,
  accumulate = false,
  gelu = false,
) => 4 * (M * K + K * N + M * N * (1 + (accumulate ? 1 : 0) + (gelu ? 1 : 0)) + (bias ? N : 0));

export const matmul_backward_bias_kernel = defineKernel({
  name: 'matmul_backward_bias',
  folder: 'matmul',
  versions: { 1: backwardBias1 },
});

/** Columns of dy per invocation, and invocations per workgroup (matmul_backward_bias.v1.wgsl). */
const BIAS_COLUMNS = 4,
  BIAS_WORKGROUP = 8;

/**
 * dbias (N) += Σ_m dy[m, :] for dy (M,N): a linear layer's bias gradient, summed in row order (deterministic).
 * A pack of `runs.R` runs: run r's dy follows run r-1's, its dbias is `runs.P` floats past run r-1's.
 */
export function matmul_backward_bias(
  gpu: Gpu,
  dbias: Tensor,
  dy: Tensor,
  M: number,
  N: number,
  runs: Runs = ONE_RUN,
  opts: { version?: 1 } = {},
): void {
  const k = matmul_backward_bias_kernel;
  const { R, P } = runs;
  checkSizes(k.name, withRuns({ M, N }, R), {
    dbias: [dbias, (R - 1) * P + N],
    dy: [dy, R * M * N],
  });
  const vec = N % 4 === 0;
  k.dispatch(gpu, k.version(gpu, opts.version), {
    bindings: [dbias, dy, gpu.dims([M, N, P, vec ? (M * N) / 4 : M * N])],
    workgroups: [Math.ceil(N / (BIAS_COLUMNS * BIAS_WORKGROUP)), 1, R],
    defines: { VEC: vec },
  });
}

export const matmul_backward_bias_flops = (M: number, N: number) => M * N;
export const matmul_backward_bias_bytes = (M: number, N: number) => 4 * (M * N + 2 * N);
