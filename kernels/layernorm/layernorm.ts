// layernorm launchers (llm.c conventions, eps = 1e-5):
//   forward  out = (inp - mean)·rstd·weight + bias, saving mean and rstd  -> layernorm_forward(out, mean, rstd, inp, weight, bias, N, C)
//   backward dinp += ..., dweight += ..., dbias += ...                    -> layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C)
// The backward accumulates into all three: dinp is the residual stream's gradient, and parameter gradients
// are zeroed once per step. Its per-channel sums run in a fixed order, so results are bit-reproducible.
// Versions: v1 one invocation per row (and per channel for the parameter gradients); v2 the same, 4 channels at
// a time in vec4 loads (the default: faster on lavapipe, docs/guide/kernels-and-benchmarks.md).
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { checkSizes, defineKernel } from '../../src/gpu/kernel.ts';
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
  opts: { version?: LayernormVersion } = {},
): void {
  const k = layernorm_forward_kernel;
  checkSizes(
    k.name,
    { N, C },
    {
      out: [out, N * C],
      mean: [mean, N],
      rstd: [rstd, N],
      inp: [inp, N * C],
      weight: [weight, C],
      bias: [bias, C],
    },
  );
  const version = k.version(gpu, opts.version);
  const bindings = [out, mean, rstd, inp, weight, bias, gpu.dims([N, C])];
  const variant =
    version === 2 ? { defines: { VEC4: C % 4 === 0 }, overrides: { WG: WORKGROUP } } : {};
  k.dispatch(gpu, version, {
    bindings,
    workgroups: gpu.grid(Math.ceil(N / WORKGROUP)),
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
  opts: { version?: LayernormVersion } = {},
): void {
  const k = layernorm_backward_kernel;
  checkSizes(
    k.name,
    { N, C },
    {
      dinp: [dinp, N * C],
      dweight: [dweight, C],
      dbias: [dbias, C],
      dout: [dout, N * C],
      inp: [inp, N * C],
      weight: [weight, C],
      mean: [mean, N],
      rstd: [rstd, N],
    },
  );
  const version = k.version(gpu, opts.version);
  const bindings = [dinp, dweight, dbias, dout, inp, weight, mean, rstd, gpu.dims([N, C])];
  // Row workgroups first, then channel workgroups (v2: of 4-channel groups): the split the .wgsl computes from N.
  if (version === 1)
    k.dispatch(gpu, version, {
      bindings,
      workgroups: gpu.grid(Math.ceil(N / WORKGROUP) + Math.ceil(C / WORKGROUP)),
    });
  else {
    const workgroups = Math.ceil(N / WORKGROUP) + Math.ceil(Math.ceil(C / 4) / WORKGROUP);
    k.dispatch(gpu, version, {
      bindings,
      workgroups: gpu.grid(workgroups),
      defines: { VEC4: C % 4 === 0 },
      overrides: { WG: WORKGROUP },
    });
  }
}

// Per element: the mean (1), the variance (3), normalize, scale and shift (4).
export const layernorm_forward_flops = (N: number, C: number) => 8 * N * C;
/** Read inp, weight, bias; write out, mean, rstd. */
export const layernorm_forward_bytes = (N: number, C: number) => 4 * (2 * N * C + 2 * C + 2 * N);
// Per element: the two row sums (6), dinp (8), dweight and dbias (5).
export const layernorm_backward_flops = (N: number, C: number) => 19 * N * C;
/** Read dout, inp, weight, mean, rstd; read and write dinp, dweight, dbias. */
export const layernorm_backward_bytes = (N: number, C: number) => 4 * (4 * N * C + 5 * C + 2 * N);
