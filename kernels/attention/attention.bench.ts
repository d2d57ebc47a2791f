import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import type { Gpu } from '../../src/gpu/context.ts';
import {
  attention_backward, attention_backward_bytes, attention_backward_flops, attention_forward, attention_forward_bytes, attention_forward_flops,
  attention_versions, type AttentionVersion,
} from './attention.ts';
import * as cpu from './attention.cpu.ts';

const versions = Object.keys(attention_versions).map(Number) as AttentionVersion[];

// Issue 12's reference step (the grid's context, 4 heads of 16), then one transformer block's attention at bench
// scale (B·T=256, C=128, 4 heads of 32) and longer contexts.
const SHAPES: { B: number; T: number; C: number; H: number }[] = [
  { B: 64, T: 32, C: 64, H: 4 },
  { B: 4, T: 64, C: 128, H: 4 },
  { B: 2, T: 128, C: 128, H: 4 },
  { B: 1, T: 256, C: 128, H: 4 },
];

export const bench: BenchCase[] = SHAPES.flatMap(({ B, T, C, H }) =>
  versions.flatMap((version): BenchCase[] => [
    {
      kernel: 'attention_forward',
      version: `v${version}`,
      shape: `B=${B} T=${T} C=${C} H=${H}`,
      flops: attention_forward_flops(B, T, C, H),
      bytes: attention_forward_bytes(B, T, C, H),
      setup(gpu) {
        const out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T), qkv = gpu.tensor('qkv', B * T * 3 * C, seededArray(B * T * 3 * C, 1));
        return {
          record: () => attention_forward(gpu, out, lse, qkv, B, T, C, H, { version }),
          dispose: () => [out, lse, qkv].forEach((t) => t.buffer.destroy()),
        };
      },
    },
    {
      kernel: 'attention_backward',
      version: `v${version}`,
      shape: `B=${B} T=${T} C=${C} H=${H}`,
      flops: attention_backward_flops(B, T, C, H),
      bytes: attention_backward_bytes(B, T, C, H),
      setup(gpu) {
        const qkv = gpu.tensor('qkv', B * T * 3 * C, seededArray(B * T * 3 * C, 1)), dout = gpu.tensor('dout', B * T * C, seededArray(B * T * C, 2));
        const out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T), dqkv = gpu.tensor('dqkv', B * T * 3 * C), delta = gpu.tensor('delta', B * H * T);
        attention_forward(gpu, out, lse, qkv, B, T, C, H, { version });
        return {
          record: () => attention_backward(gpu, dqkv, delta, dout, qkv, out, lse, B, T, C, H, { version }),
          dispose: () => [qkv, dout, out, lse, dqkv, delta].forEach((t) => t.buffer.destroy()),
        };
      },
    },
  ]),
);

// A shape with T past one workgroup of rows, head size not a multiple of 4, and two batches.
const CHECK = { B: 2, T: 37, C: 30, H: 3 };

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => {
  const { B, T, C, H } = CHECK;
  const shape = `B=${B} T=${T} C=${C} H=${H}`;
  const qkvData = seededArray(B * T * 3 * C, 1), doutData = seededArray(B * T * C, 2);
  const want = { out: new Float64Array(B * T * C), lse: new Float64Array(B * H * T), dqkv: new Float64Array(B * T * 3 * C), delta: new Float64Array(B * H * T) };
  const reference = () => {
    cpu.attention_forward(want.out, want.lse, qkvData, B, T, C, H);
    cpu.attention_backward(want.dqkv, want.delta, doutData, qkvData, want.out, want.lse, B, T, C, H);
  };
  const forwardOnGpu = (gpu: Gpu) => {
    const qkv = gpu.tensor('qkv', B * T * 3 * C, qkvData), out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T);
    attention_forward(gpu, out, lse, qkv, B, T, C, H, { version });
    return { qkv, out, lse };
  };
  return [
    {
      kernel: 'attention_forward',
      version: `v${version}`,
      shape: `${shape} out, lse`,
      tolerance: 1e-5,
      async run(gpu) {
        reference();
        const { out, lse } = forwardOnGpu(gpu);
        return Math.max(maxAbsDiff(await gpu.read(out), want.out), maxAbsDiff(await gpu.read(lse), want.lse));
      },
    },
    {
      kernel: 'attention_backward',
      version: `v${version}`,
      shape: `${shape} dqkv`,
      tolerance: 2e-5,
      async run(gpu) {
        reference();
        const { qkv, out, lse } = forwardOnGpu(gpu);
        const dqkv = gpu.tensor('dqkv', B * T * 3 * C), delta = gpu.tensor('delta', B * H * T);
        attention_backward(gpu, dqkv, delta, gpu.tensor('dout', B * T * C, doutData), qkv, out, lse, B, T, C, H, { version });
        return maxAbsDiff(await gpu.read(dqkv), want.dqkv);
      },
    },
  ];
});
