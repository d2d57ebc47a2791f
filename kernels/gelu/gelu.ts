// gelu launchers: the MLP nonlinearity, tanh form.
//   forward  out  = gelu(inp)            -> gelu_forward(out, inp, n)
//   backward dinp = gelu'(inp)·dout       -> gelu_backward(dinp, inp, dout, n)   (overwrites dinp)
// Versions: v1 one invocation per element.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import forward1 from './gelu_forward.v1.wgsl?raw';
import backward1 from './gelu_backward.v1.wgsl?raw';

export const gelu_forward_versions = { 1: forward1 } as const;
export const gelu_backward_versions = { 1: backward1 } as const;
export type GeluVersion = keyof typeof gelu_forward_versions;

const WORKGROUP = 256; // invocations per workgroup, as in the .wgsl files

function check(kernel: string, n: number, tensors: [Tensor, string][]): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${kernel}: n must be an integer >= 1 (got ${n})`);
  for (const [t, what] of tensors) {
    if (t.length < n) throw new Error(`${kernel}: ${what} "${t.label}" has ${t.length} floats, needs ${n} for n=${n}`);
  }
}

// out, inp: (n)
export function gelu_forward(gpu: Gpu, out: Tensor, inp: Tensor, n: number, opts: { version?: GeluVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.gelu_forward as GeluVersion | undefined) ?? 1;
  check('gelu_forward', n, [[out, 'out'], [inp, 'inp']]);
  const pipeline = gpu.pipeline({ name: 'gelu_forward', file: `kernels/gelu/gelu_forward.v${version}.wgsl`, code: gelu_forward_versions[version], overrides: { n } });
  gpu.dispatch(`gelu_forward.v${version}`, pipeline, [out, inp], gpu.grid(Math.ceil(n / WORKGROUP)));
}

// dinp, inp, dout: (n)
export function gelu_backward(gpu: Gpu, dinp: Tensor, inp: Tensor, dout: Tensor, n: number, opts: { version?: GeluVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.gelu_backward as GeluVersion | undefined) ?? 1;
  check('gelu_backward', n, [[dinp, 'dinp'], [inp, 'inp'], [dout, 'dout']]);
  const pipeline = gpu.pipeline({ name: 'gelu_backward', file: `kernels/gelu/gelu_backward.v${version}.wgsl`, code: gelu_backward_versions[version], overrides: { n } });
  gpu.dispatch(`gelu_backward.v${version}`, pipeline, [dinp, inp, dout], gpu.grid(Math.ceil(n / WORKGROUP)));
}

// Counting tanh as one operation: x^3 (2), the polynomial and scale (3), tanh, 1 + t, 0.5·x·(...) (2).
export const gelu_forward_flops = (n: number) => 9 * n;
/** Read inp, write out. */
export const gelu_forward_bytes = (n: number) => 4 * 2 * n;
// x^2 (1), u and tanh (6), sech^2 (2), the first term (2), the second (6), their sum and the product with dout (2).
export const gelu_backward_flops = (n: number) => 19 * n;
/** Read inp and dout, write dinp. */
export const gelu_backward_bytes = (n: number) => 4 * 3 * n;
