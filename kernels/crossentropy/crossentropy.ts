// crossentropy launchers: fused softmax + cross-entropy at the end of the GPT.
//   forward  losses[i] = -log softmax(logits[i])[targets[i]]                 -> crossentropy_forward(losses, logits, targets, BT, V)
//   backward dlogits[i] = (softmax(logits[i]) - onehot(targets[i]))·dlosses[i] -> crossentropy_backward(dlogits, logits, targets, dlosses, BT, V)
// The backward overwrites dlogits. dlosses is a per-position weight tensor (the mean loss uses 1/count at
// counted positions), so no scale is baked into a pipeline. Targets of CROSSENTROPY_IGNORE are skipped.
// Versions: v1 one invocation per position.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import forward1 from './crossentropy_forward.v1.wgsl?raw';
import backward1 from './crossentropy_backward.v1.wgsl?raw';

export const crossentropy_forward_versions = { 1: forward1 } as const;
export const crossentropy_backward_versions = { 1: backward1 } as const;
export type CrossentropyVersion = keyof typeof crossentropy_forward_versions;

/** The target that marks a position as not counted: loss 0, zero gradient. */
export const CROSSENTROPY_IGNORE = 0xffffffff;

const WORKGROUP = 64; // invocations per workgroup, as in the .wgsl files

function check(kernel: string, BT: number, V: number, tensors: [Tensor, string, number][]): void {
  if (!(Number.isInteger(BT) && Number.isInteger(V) && BT >= 1 && V >= 1)) throw new Error(`${kernel}: BT, V must be integers >= 1 (got ${BT}, ${V})`);
  for (const [t, what, need] of tensors) {
    if (t.length < need) throw new Error(`${kernel}: ${what} "${t.label}" has ${t.length} floats, needs ${need} for BT=${BT} V=${V}`);
  }
}

// losses: (BT); logits: (BT,V); targets: (BT) u32
export function crossentropy_forward(gpu: Gpu, losses: Tensor, logits: Tensor, targets: Tensor, BT: number, V: number,
  opts: { version?: CrossentropyVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.crossentropy_forward as CrossentropyVersion | undefined) ?? 1;
  check('crossentropy_forward', BT, V, [[losses, 'losses', BT], [logits, 'logits', BT * V], [targets, 'targets', BT]]);
  const pipeline = gpu.pipeline({
    name: 'crossentropy_forward',
    file: `kernels/crossentropy/crossentropy_forward.v${version}.wgsl`,
    code: crossentropy_forward_versions[version],
    overrides: { BT, V },
  });
  gpu.dispatch(`crossentropy_forward.v${version}`, pipeline, [losses, logits, targets], gpu.grid(Math.ceil(BT / WORKGROUP)));
}

// dlogits: (BT,V), overwritten; logits: (BT,V); targets: (BT) u32; dlosses: (BT)
export function crossentropy_backward(gpu: Gpu, dlogits: Tensor, logits: Tensor, targets: Tensor, dlosses: Tensor, BT: number, V: number,
  opts: { version?: CrossentropyVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.crossentropy_backward as CrossentropyVersion | undefined) ?? 1;
  check('crossentropy_backward', BT, V, [[dlogits, 'dlogits', BT * V], [logits, 'logits', BT * V], [targets, 'targets', BT], [dlosses, 'dlosses', BT]]);
  const pipeline = gpu.pipeline({
    name: 'crossentropy_backward',
    file: `kernels/crossentropy/crossentropy_backward.v${version}.wgsl`,
    code: crossentropy_backward_versions[version],
    overrides: { BT, V },
  });
  gpu.dispatch(`crossentropy_backward.v${version}`, pipeline, [dlogits, logits, targets, dlosses], gpu.grid(Math.ceil(BT / WORKGROUP)));
}

// Counting exp as one operation: the max (1), subtract, exp and add (3) per logit.
export const crossentropy_forward_flops = (BT: number, V: number) => 4 * BT * V;
/** Read logits and targets, write losses. */
export const crossentropy_forward_bytes = (BT: number, V: number) => 4 * (BT * V + 2 * BT);
// The forward's 4 per logit, then subtract, exp and scale again for the output (3).
export const crossentropy_backward_flops = (BT: number, V: number) => 7 * BT * V;
/** Read logits, targets and dlosses, write dlogits. */
export const crossentropy_backward_bytes = (BT: number, V: number) => 4 * (2 * BT * V + 2 * BT);
