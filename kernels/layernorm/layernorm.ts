// layernorm launchers (llm.c conventions, eps = 1e-5):
//   forward  out = (inp - mean)·rstd·weight + bias, saving mean and rstd  -> layernorm_forward(out, mean, rstd, inp, weight, bias, N, C)
//   backward dinp += ..., dweight += ..., dbias += ...                    -> layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C)
// The backward accumulates into all three: dinp is the residual stream's gradient, and parameter gradients
// are zeroed once per step. Its per-channel sums run in a fixed order, so results are bit-reproducible.
// Versions: v1 one invocation per row (and per channel for the parameter gradients); v2 the same, 4 channels at
// a time in vec4 loads (the default: faster on lavapipe, docs/guide/kernels-and-benchmarks.md). Runs (every version): a pack of R
// runs is one dispatch, the grid's z; run r's N rows follow run r-1's, its weight, bias and their gradients
// start r·P floats after run 0's (src/gpu/kernel.ts, Runs).
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import {
  checkSizes,
  defineKernel,
  ONE_RUN,
  sharedBinding,
  withRuns,
  type Runs,
} from '../../src/gpu/kernel.ts';
import forward1 from './layernorm_forward.v1.wgsl?raw';
import backward1 from './layernorm_backward.v1.wgsl?raw';
import forward2 from './layernorm_forward.v2.wgsl?raw';
import backward2 from './layernorm_backward.v2.wgsl?raw';

export const layernorm_forward_versions = { 1: forward1, 2: forward2 } as const;
export const layernorm_backward_versions = { 1: backward1, 2: backward2 } as const;
export type LayernormVersion = keyof typeof layernorm_forward_versions;
export const layernorm_forward_kernel = defineKernel({
  name: 'layernorm_forward',
  folder: 'layernorm',
  versions: layernorm_forward_versions,
  fallback: (): LayernormVersion => 2,
});
export const layernorm_backward_kernel = defineKernel({
  name: 'layernorm_backward',
  folder: 'layernorm',
  versions: layernorm_backward_versions,
  fallback: (): LayernormVersion => 2,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    layernorm_forward?: LayernormVersion;
    layernorm_backward?: LayernormVersion;
  }
}

const WORKGROUP = 64; // invocations per workgroup: v1's, as in its .wgsl files; v2's WG override (16-64 time the same on lavapipe)

// out: (N,C); mean, rstd: (N); inp: (N,C); weight, bias: (C)
export function layernorm_forward(
  gpu: Gpu,
  out: Tensor,
  mean: Tensor,
  rstd: Tensor,
  inp: Tensor,
  weight: Tensor,
  bias: Tensor,
  N: number,
  C: number,
  runs: Runs = ONE_RUN,
  opts: { version?: LayernormVersion } = {},
): void {
  const k = layernorm_forward_kernel;
  const { R, P } = runs;
  checkSizes(k.name, withRuns({ N, C }, R), {
    out: [out, R * N * C],
    mean: [mean, R * N],
    rstd: [rstd, R * N],
    inp: [inp, R * N * C],
    weight: [weight, (R - 1) * P + C],
    bias: [bias, (R - 1) * P + C],
  });
  const version = k.version(gpu, opts.version);
  const vec = version === 2 && C % 4 === 0;
  const bindings = [out, mean, rstd, inp, weight, bias, gpu.dims([N, C, param(P, vec)])];
  const variant = version === 2 ? { defines: { VEC4: vec }, overrides: { WG: WORKGROUP } } : {};
  k.dispatch(gpu, version, {
    bindings,
    workgroups: [...gpu.grid(Math.ceil(N / WORKGROUP)), R],
    ...variant,
  });
}

// dinp: (N,C) +=; dweight, dbias: (C) +=; dout, inp: (N,C); weight: (C); mean, rstd: (N)
export function layernorm_backward(
  gpu: Gpu,
  dinp: Tensor,
  dweight: Tensor,
  dbias: Tensor,
  dout: Tensor,
  inp: Tensor,
  weight: Tensor,
  mean: Tensor,
  rstd: Tensor,
  N: number,
  C: number,
  runs: Runs = ONE_RUN,
  opts: { version?: LayernormVersion } = {},
): void {
  const k = layernorm_backward_kernel;
  const { R, P } = runs;
  const perRun = (R - 1) * P + C;
  checkSizes(k.name, withRuns({ N, C }, R), {
    dinp: [dinp, R * N * C],
    dweight: [dweight, perRun],
    dbias: [dbias, perRun],
    dout: [dout, R * N * C],
    inp: [inp, R * N * C],
    weight: [weight, perRun],
    mean: [mean, R * N],
    rstd: [rstd, R * N],
  });
  const version = k.version(gpu, opts.version);
  const vec = version === 2 && C % 4 === 0;
  // A pack's dweight and dbias views overlap: one binding then, the SHARED variant.
  const shared = sharedBinding(k.name, dweight, dbias);
  const dims = gpu.dims([N, C, param(P, vec), shared ? param(shared.offset, vec) : 0]);
  const bindings = shared
    ? [dinp, shared.binding, null, dout, inp, weight, mean, rstd, dims]
    : [dinp, dweight, dbias, dout, inp, weight, mean, rstd, dims];
  // Row workgroups first, then channel workgroups (v2: of 4-channel groups): the split the .wgsl computes from N.
  if (version === 1)
    k.dispatch(gpu, version, {
      bindings,
      workgroups: [...gpu.grid(Math.ceil(N / WORKGROUP) + Math.ceil(C / WORKGROUP)), R],
      defines: { SHARED: !!shared },
    });
  else {
    const workgroups = Math.ceil(N / WORKGROUP) + Math.ceil(Math.ceil(C / 4) / WORKGROUP);
    k.dispatch(gpu, version, {
      bindings,
      workgroups: [...gpu.grid(workgroups), R],
      defines: { VEC4: vec, SHARED: !!shared },
      overrides: { WG: WORKGROUP },
    });
  }
}

/** A run's parameter stride in elements of the weight's binding: vec4 ones count 4 floats as one. */
function param(P: number, vec: boolean): number {
  if (vec && P % 4 !== 0)
    throw new Error(
      `layernorm: the run stride P must be a multiple of 4 for vec4 loads (got ${P})`,
    );
  return vec ? P / 4 : P;
}

// Per element: the mean (1), the variance (3), normalize, scale and shift (4).
export const layernorm_forward_flops = (N: number, C: number) => 8 * N * C;
/** Read inp, weight, bias; write out, mean, rstd. */
export const layernorm_forward_bytes = (N: number, C: number) => 4 * (2 * N * C + 2 * C + 2 * N);
// Per element: the two row sums (6), dinp (8), dweight and dbias (5).
export const layernorm_backward_flops = (N: number, C: number) => 19 * N * C;
/** Read dout, inp, weight, mean, rstd; read and write dinp, dweight, dbias. */
export const layernorm_backward_bytes = (N: number, C: number) => 4 * (4 * N * C + 5 * C + 2 * N);
