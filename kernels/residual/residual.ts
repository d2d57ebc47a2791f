// residual launcher: out = inp1 + inp2, the skip connection around attention and the MLP.
// There is no residual backward kernel: the gradient passes through unchanged to both branches, which
// the layers below take by accumulating (+=) into the same gradient buffer.
// Versions: v1 one invocation per element.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import forward1 from './residual_forward.v1.wgsl?raw';

export const residual_forward_versions = { 1: forward1 } as const;
export type ResidualVersion = keyof typeof residual_forward_versions;

const WORKGROUP = 256; // invocations per workgroup, as in the .wgsl

// out, inp1, inp2: (n)
export function residual_forward(gpu: Gpu, out: Tensor, inp1: Tensor, inp2: Tensor, n: number, opts: { version?: ResidualVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.residual_forward as ResidualVersion | undefined) ?? 1;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`residual_forward: n must be an integer >= 1 (got ${n})`);
  for (const [t, what] of [[out, 'out'], [inp1, 'inp1'], [inp2, 'inp2']] as const) {
    if (t.length < n) throw new Error(`residual_forward: ${what} "${t.label}" has ${t.length} floats, needs ${n} for n=${n}`);
  }
  const pipeline = gpu.pipeline({
    name: 'residual_forward',
    file: `kernels/residual/residual_forward.v${version}.wgsl`,
    code: residual_forward_versions[version],
    overrides: { n },
  });
  gpu.dispatch(`residual_forward.v${version}`, pipeline, [out, inp1, inp2], gpu.grid(Math.ceil(n / WORKGROUP)));
}

export const residual_forward_flops = (n: number) => n;
/** Read inp1 and inp2, write out. */
export const residual_forward_bytes = (n: number) => 4 * 3 * n;
