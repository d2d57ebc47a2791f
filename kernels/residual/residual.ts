// residual launcher: out = inp1 + inp2, the skip connection around attention and the MLP.
// There is no residual backward kernel: the gradient passes through unchanged to both branches, which
// the layers below take by accumulating (+=) into the same gradient buffer.
// Versions: v1 one invocation per element.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { checkSizes, defineKernel } from '../../src/gpu/kernel.ts';
import forward1 from './residual_forward.v1.wgsl?raw';

export const residual_forward_versions = { 1: forward1 } as const;
export type ResidualVersion = keyof typeof residual_forward_versions;
export const residual_forward_kernel = defineKernel({ name: 'residual_forward', folder: 'residual', versions: residual_forward_versions });
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    residual_forward?: ResidualVersion;
  }
}

const WORKGROUP = 256; // invocations per workgroup, as in the .wgsl

// out, inp1, inp2: (n)
export function residual_forward(gpu: Gpu, out: Tensor, inp1: Tensor, inp2: Tensor, n: number, opts: { version?: ResidualVersion } = {}): void {
  const k = residual_forward_kernel;
  checkSizes(k.name, { n }, { out: [out, n], inp1: [inp1, n], inp2: [inp2, n] });
  k.dispatch(gpu, k.version(gpu, opts.version), { bindings: [out, inp1, inp2, gpu.dims([n])], workgroups: gpu.grid(Math.ceil(n / WORKGROUP)) });
}

export const residual_forward_flops = (n: number) => n;
/** Read inp1 and inp2, write out. */
export const residual_forward_bytes = (n: number) => 4 * 3 * n;
