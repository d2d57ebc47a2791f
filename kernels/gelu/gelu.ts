// gelu launchers: the MLP nonlinearity, tanh form.
//   forward  out  = gelu(inp)            -> gelu_forward(out, inp, n)
//   backward dinp = gelu'(inp)·dout       -> gelu_backward(dinp, inp, dout, n)   (overwrites dinp)
// Versions: v1 one invocation per element. The formula itself lives once, in gelu.wgsl (GELU_WGSL), appended
// to both kernels here and to every matmul version, whose GELU epilogues let the model skip these dispatches.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { checkSizes, defineKernel } from '../../src/gpu/kernel.ts';
import forward1 from './gelu_forward.v1.wgsl?raw';
import backward1 from './gelu_backward.v1.wgsl?raw';
import geluWgsl from './gelu.wgsl?raw';

/** gelu(), gelu_grad() and their vec4 forms in WGSL, appended to the kernels that apply GELU (KernelSpec.append). */
export const GELU_WGSL: string = geluWgsl;

export const gelu_forward_versions = { 1: forward1 } as const;
export const gelu_backward_versions = { 1: backward1 } as const;
export type GeluVersion = keyof typeof gelu_forward_versions;
export const gelu_forward_kernel = defineKernel({
  name: 'gelu_forward',
  folder: 'gelu',
  versions: gelu_forward_versions,
  append: GELU_WGSL,
});
export const gelu_backward_kernel = defineKernel({
  name: 'gelu_backward',
  folder: 'gelu',
  versions: gelu_backward_versions,
  append: GELU_WGSL,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    gelu_forward?: GeluVersion;
    gelu_backward?: GeluVersion;
  }
}

const WORKGROUP = 256; // invocations per workgroup, as in the .wgsl files

// out, inp: (n)
export function gelu_forward(
  gpu: Gpu,
  out: Tensor,
  inp: Tensor,
  n: number,
  opts: { version?: GeluVersion } = {},
): void {
  const k = gelu_forward_kernel;
  checkSizes(k.name, { n }, { out: [out, n], inp: [inp, n] });
  k.dispatch(gpu, k.version(gpu, opts.version), {
    bindings: [out, inp, gpu.dims([n])],
    workgroups: gpu.grid(Math.ceil(n / WORKGROUP)),
  });
}

// dinp, inp, dout: (n)
export function gelu_backward(
  gpu: Gpu,
  dinp: Tensor,
  inp: Tensor,
  dout: Tensor,
  n: number,
  opts: { version?: GeluVersion } = {},
): void {
  const k = gelu_backward_kernel;
  checkSizes(k.name, { n }, { dinp: [dinp, n], inp: [inp, n], dout: [dout, n] });
  k.dispatch(gpu, k.version(gpu, opts.version), {
    bindings: [dinp, inp, dout, gpu.dims([n])],
    workgroups: gpu.grid(Math.ceil(n / WORKGROUP)),
  });
}

// Counting tanh as one operation: x^3 (2), the polynomial and scale (3), tanh, 1 + t, 0.5·x·(...) (2).
export const gelu_forward_flops = (n: number) => 9 * n;
/** Read inp, write out. */
export const gelu_forward_bytes = (n: number) => 4 * 2 * n;
// x^2 (1), u and tanh (6), sech^2 (2), the first term (2), the second (6), their sum and the product with dout (2).
export const gelu_backward_flops = (n: number) => 19 * n;
/** Read inp and dout, write dinp. */
export const gelu_backward_bytes = (n: number) => 4 * 3 * n;
