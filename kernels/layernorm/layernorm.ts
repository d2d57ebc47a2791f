// layernorm launchers (llm.c conventions, eps = 1e-5):
//   forward  out = (inp - mean)·rstd·weight + bias, saving mean and rstd  -> layernorm_forward(out, mean, rstd, inp, weight, bias, N, C)
//   backward dinp += ..., dweight += ..., dbias += ...                    -> layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C)
// The backward accumulates into all three: dinp is the residual stream's gradient, and parameter gradients
// are zeroed once per step. Its per-channel sums run in a fixed order, so results are bit-reproducible.
// Versions: v1 one invocation per row (and per channel for the parameter gradients).
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import forward1 from './layernorm_forward.v1.wgsl?raw';
import backward1 from './layernorm_backward.v1.wgsl?raw';

export const layernorm_forward_versions = { 1: forward1 } as const;
export const layernorm_backward_versions = { 1: backward1 } as const;
export type LayernormVersion = keyof typeof layernorm_forward_versions;

const WORKGROUP = 64; // invocations per workgroup, as in the .wgsl files

function check(kernel: string, N: number, C: number, tensors: [Tensor, string, number][]): void {
  if (!(Number.isInteger(N) && Number.isInteger(C) && N >= 1 && C >= 1)) throw new Error(`${kernel}: N, C must be integers >= 1 (got ${N}, ${C})`);
  for (const [t, what, need] of tensors) {
    if (t.length < need) throw new Error(`${kernel}: ${what} "${t.label}" has ${t.length} floats, needs ${need} for N=${N} C=${C}`);
  }
}

// out: (N,C); mean, rstd: (N); inp: (N,C); weight, bias: (C)
export function layernorm_forward(gpu: Gpu, out: Tensor, mean: Tensor, rstd: Tensor, inp: Tensor, weight: Tensor, bias: Tensor, N: number, C: number,
  opts: { version?: LayernormVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.layernorm_forward as LayernormVersion | undefined) ?? 1;
  check('layernorm_forward', N, C, [[out, 'out', N * C], [mean, 'mean', N], [rstd, 'rstd', N], [inp, 'inp', N * C], [weight, 'weight', C], [bias, 'bias', C]]);
  const pipeline = gpu.pipeline({
    name: 'layernorm_forward',
    file: `kernels/layernorm/layernorm_forward.v${version}.wgsl`,
    code: layernorm_forward_versions[version],
    overrides: { N, C },
  });
  gpu.dispatch(`layernorm_forward.v${version}`, pipeline, [out, mean, rstd, inp, weight, bias], gpu.grid(Math.ceil(N / WORKGROUP)));
}

// dinp: (N,C) +=; dweight, dbias: (C) +=; dout, inp: (N,C); weight: (C); mean, rstd: (N)
export function layernorm_backward(gpu: Gpu, dinp: Tensor, dweight: Tensor, dbias: Tensor, dout: Tensor, inp: Tensor, weight: Tensor, mean: Tensor, rstd: Tensor,
  N: number, C: number, opts: { version?: LayernormVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.layernorm_backward as LayernormVersion | undefined) ?? 1;
  check('layernorm_backward', N, C, [
    [dinp, 'dinp', N * C], [dweight, 'dweight', C], [dbias, 'dbias', C], [dout, 'dout', N * C],
    [inp, 'inp', N * C], [weight, 'weight', C], [mean, 'mean', N], [rstd, 'rstd', N],
  ]);
  const pipeline = gpu.pipeline({
    name: 'layernorm_backward',
    file: `kernels/layernorm/layernorm_backward.v${version}.wgsl`,
    code: layernorm_backward_versions[version],
    overrides: { N, C },
  });
  // Row workgroups first, then channel workgroups: the split the .wgsl computes from N.
  const workgroups = Math.ceil(N / WORKGROUP) + Math.ceil(C / WORKGROUP);
  gpu.dispatch(`layernorm_backward.v${version}`, pipeline, [dinp, dweight, dbias, dout, inp, weight, mean, rstd], gpu.grid(workgroups));
}

// Per element: the mean (1), the variance (3), normalize, scale and shift (4).
export const layernorm_forward_flops = (N: number, C: number) => 8 * N * C;
/** Read inp, weight, bias; write out, mean, rstd. */
export const layernorm_forward_bytes = (N: number, C: number) => 4 * (2 * N * C + 2 * C + 2 * N);
// Per element: the two row sums (6), dinp (8), dweight and dbias (5).
export const layernorm_backward_flops = (N: number, C: number) => 19 * N * C;
/** Read dout, inp, weight, mean, rstd; read and write dinp, dweight, dbias. */
export const layernorm_backward_bytes = (N: number, C: number) => 4 * (4 * N * C + 5 * C + 2 * N);
