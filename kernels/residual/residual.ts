// residual launcher: out = inp1 + inp2, the skip connection around attention and the MLP.
// There is no residual backward kernel: the gradient passes through unchanged to both branches, which
// the layers below take by accumulating (+=) into the same gradient buffer.
// Versions: v1 one invocation per element; v2 16 elements per invocation in vec4 loads (the default: faster on lavapipe).
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { checkSizes, defineKernel } from '../../src/gpu/kernel.ts';
import forward1 from './residual_forward.v1.wgsl?raw';
import forward2 from './residual_forward.v2.wgsl?raw';

export const residual_forward_versions = { 1: forward1, 2: forward2 } as const;
export type ResidualVersion = keyof typeof residual_forward_versions;
export const residual_forward_kernel = defineKernel({
  name: 'residual_forward',
  folder: 'residual',
  versions: residual_forward_versions,
  fallback: (): ResidualVersion => 2,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    residual_forward?: ResidualVersion;
  }
}

/** Invocations per workgroup and elements per invocation of each version, as in its .wgsl. */
export const residual_forward_grid = {
  1: { workgroup: 256, per: 1 },
  2: { workgroup: 64, per: 16 },
} as const;

// out, inp1, inp2: (n)
export function residual_forward(
  gpu: Gpu,
  out: Tensor,
  inp1: Tensor,
  inp2: Tensor,
  n: number,
  opts: { version?: ResidualVersion } = {},
): void {
  const k = residual_forward_kernel;
  checkSizes(k.name, { n }, { out: [out, n], inp1: [inp1, n], inp2: [inp2, n] });
  const version = k.version(gpu, opts.version);
  const { workgroup, per } = residual_forward_grid[version];
  const defines = version === 2 ? { VEC4: n % 4 === 0 } : undefined;
  k.dispatch(gpu, version, {
    bindings: [out, inp1, inp2, gpu.dims([n])],
    workgroups: gpu.grid(Math.ceil(n / (workgroup * per))),
    defines,
  });
}

export const residual_forward_flops = (n: number) => n;
/** Read inp1 and inp2, write out. */
export const residual_forward_bytes = (n: number) => 4 * 3 * n;
