// crossentropy launchers: fused softmax + cross-entropy at the end of the GPT.
//   forward  losses[i] = -log softmax(logits[i])[targets[i]]                 -> crossentropy_forward(losses, logits, targets, BT, V)
//   backward dlogits[i] = (softmax(logits[i]) - onehot(targets[i]))·dlosses[i] -> crossentropy_backward(dlogits, logits, targets, dlosses, BT, V)
// The backward overwrites dlogits. dlosses is a per-position weight tensor (the mean loss uses 1/count at
// counted positions), so no scale is baked into a pipeline. Targets of CROSSENTROPY_IGNORE are skipped.
// Versions: v1 one invocation per position.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { checkSizes, defineKernel } from '../../src/gpu/kernel.ts';
import forward1 from './crossentropy_forward.v1.wgsl?raw';
import backward1 from './crossentropy_backward.v1.wgsl?raw';

export const crossentropy_forward_versions = { 1: forward1 } as const;
export const crossentropy_backward_versions = { 1: backward1 } as const;
export type CrossentropyVersion = keyof typeof crossentropy_forward_versions;
export const crossentropy_forward_kernel = defineKernel({
  name: 'crossentropy_forward',
  folder: 'crossentropy',
  versions: crossentropy_forward_versions,
});
export const crossentropy_backward_kernel = defineKernel({
  name: 'crossentropy_backward',
  folder: 'crossentropy',
  versions: crossentropy_backward_versions,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    crossentropy_forward?: CrossentropyVersion;
    crossentropy_backward?: CrossentropyVersion;
  }
}

/** The target that marks a position as not counted: loss 0, zero gradient. */
export const CROSSENTROPY_IGNORE = 0xffffffff;

const WORKGROUP = 64; // invocations per workgroup, as in the .wgsl files

// losses: (BT); logits: (BT,V); targets: (BT) u32
export function crossentropy_forward(
  gpu: Gpu,
  losses: Tensor,
  logits: Tensor,
  targets: Tensor,
  BT: number,
  V: number,
  opts: { version?: CrossentropyVersion } = {},
): void {
  const k = crossentropy_forward_kernel;
  checkSizes(
    k.name,
    { BT, V },
    { losses: [losses, BT], logits: [logits, BT * V], targets: [targets, BT] },
  );
  k.dispatch(gpu, k.version(gpu, opts.version), {
    bindings: [losses, logits, targets, gpu.dims([BT, V])],
    workgroups: gpu.grid(Math.ceil(BT / WORKGROUP)),
  });
}

// dlogits: (BT,V), overwritten; logits: (BT,V); targets: (BT) u32; dlosses: (BT)
export function crossentropy_backward(
  gpu: Gpu,
  dlogits: Tensor,
  logits: Tensor,
  targets: Tensor,
  dlosses: Tensor,
  BT: number,
  V: number,
  opts: { version?: CrossentropyVersion } = {},
): void {
  const k = crossentropy_backward_kernel;
  checkSizes(
    k.name,
    { BT, V },
    {
      dlogits: [dlogits, BT * V],
      logits: [logits, BT * V],
      targets: [targets, BT],
      dlosses: [dlosses, BT],
    },
  );
  k.dispatch(gpu, k.version(gpu, opts.version), {
    bindings: [dlogits, logits, targets, dlosses, gpu.dims([BT, V])],
    workgroups: gpu.grid(Math.ceil(BT / WORKGROUP)),
  });
}

// Counting exp as one operation: the max (1), subtract, exp and add (3) per logit.
export const crossentropy_forward_flops = (BT: number, V: number) => 4 * BT * V;
/** Read logits and targets, write losses. */
export const crossentropy_forward_bytes = (BT: number, V: number) => 4 * (BT * V + 2 * BT);
// The forward's 4 per logit, then subtract, exp and scale again for the output (3).
export const crossentropy_backward_flops = (BT: number, V: number) => 7 * BT * V;
/** Read logits, targets and dlosses, write dlogits. */
export const crossentropy_backward_bytes = (BT: number, V: number) => 4 * (2 * BT * V + 2 * BT);
