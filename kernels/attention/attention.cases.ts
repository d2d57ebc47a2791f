import { onGpu, seededArray, type BenchCase, type CheckCase } from '../../src/gpu/cases.ts';
import {
  attention_backward,
  attention_backward_bytes,
  attention_backward_flops,
  attention_forward,
  attention_forward_bytes,
  attention_forward_flops,
  attention_versions,
  type AttentionOptions,
  type AttentionVersion,
} from './attention.ts';
import * as cpu from './attention.cpu.ts';

const versions = Object.keys(attention_versions).map(Number) as AttentionVersion[];

// Issue 12's reference step (the grid's context, 4 heads of 16), then one transformer block's attention at bench
// scale (B·T=256, C=128, 4 heads of 32) and longer contexts.
const BENCH_SHAPES: { B: number; T: number; C: number; H: number }[] = [
  { B: 64, T: 32, C: 64, H: 4 },
  { B: 4, T: 64, C: 128, H: 4 },
  { B: 2, T: 128, C: 128, H: 4 },
  { B: 1, T: 256, C: 128, H: 4 },
];

export const bench: BenchCase[] = BENCH_SHAPES.flatMap(({ B, T, C, H }) =>
  versions.flatMap((version): BenchCase[] => [
    {
      kernel: 'attention_forward',
      version: `v${version}`,
      shape: `B=${B} T=${T} C=${C} H=${H}`,
      flops: attention_forward_flops(B, T, C, H),
      bytes: attention_forward_bytes(B, T, C, H),
      setup(gpu) {
        const out = gpu.tensor('out', B * T * C),
          lse = gpu.tensor('lse', B * H * T),
          qkv = gpu.tensor('qkv', B * T * 3 * C, seededArray(B * T * 3 * C, 1));
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
        const qkv = gpu.tensor('qkv', B * T * 3 * C, seededArray(B * T * 3 * C, 1)),
          dout = gpu.tensor('dout', B * T * C, seededArray(B * T * C, 2));
        const out = gpu.tensor('out', B * T * C),
          lse = gpu.tensor('lse', B * H * T),
          dqkv = gpu.tensor('dqkv', B * T * 3 * C),
          delta = gpu.tensor('delta', B * H * T);
        attention_forward(gpu, out, lse, qkv, B, T, C, H, { version });
        return {
          record: () =>
            attention_backward(gpu, dqkv, delta, dout, qkv, out, lse, B, T, C, H, { version }),
          dispose: () => [qkv, dout, out, lse, dqkv, delta].forEach((t) => t.buffer.destroy()),
        };
      },
    },
  ]),
);

// Awkward shapes (B,T,C,H): T=1; T not a multiple of the 64-row workgroup or of v2/v3's 8-row blocks, and T past
// one workgroup; H=1; hs=1; hs not a multiple of 4; the largest supported hs (128); several batches (B·H is never
// blocked). For v3's chunks of max(1, 8/⌈hs/4⌉) keys: hs=4 (chunks of 8 keys, T=33 ends one key into a chunk),
// hs=12 (3 groups: chunks of 2 keys, 6 items over 8 lanes), hs=8 and hs=32 (chunks of 4 and 1). The last, T=37
// hs=10 with two batches, is the one the browser self-check ran before the table.
const SHAPES: [number, number, number, number][] = [
  [1, 1, 4, 2],
  [2, 7, 6, 3],
  [2, 5, 3, 3],
  [1, 9, 5, 1],
  [3, 19, 16, 2],
  [1, 70, 32, 4],
  [1, 3, 128, 1],
  [2, 33, 8, 2],
  [1, 17, 36, 3],
  [2, 37, 30, 3],
];
// v3 on subgroups narrower than 8 lanes (SwiftShader's 4) loads per lane instead of broadcasting: forced here
// (wide: false) on the shapes that exercise its chunking, so lavapipe's 8 lanes check that path too.
const NARROW: [number, number, number, number][] = [
  [2, 7, 6, 3],
  [2, 33, 8, 2],
  [1, 17, 36, 3],
];
// Inputs in [-2, 2): scores up to ~4·sqrt(hs), large enough that the running max moves and rescales.
const RANGE = [-2, 2] as const;
// float32 sums over at most T keys of hs-long dot products; values stay O(1) after the softmax. Seen on
// lavapipe: errors 3-10x below this (e.g. T=70 hs=8: out 6e-7, dqkv 2.7e-6 against 1.7e-5 and 5e-5).
const tol = (T: number, hs: number) => Number((2e-7 * (T + hs) + 1e-6).toPrecision(6));
// The browser self-check (SwiftShader) runs every case but hs=128's, each of which costs several times
// another case there (their compiles); the page must finish within 150 s on a loaded machine.
const SLOW_HS = 128;

/** CPU forward and backward on the shape's seeded inputs. */
function reference(B: number, T: number, C: number, H: number) {
  const qkv = seededArray(B * T * 3 * C, 1, ...RANGE),
    dout = seededArray(B * T * C, 2, ...RANGE);
  const out = new Float64Array(B * T * C),
    lse = new Float64Array(B * H * T),
    dqkv = new Float64Array(B * T * 3 * C),
    delta = new Float64Array(B * H * T);
  cpu.attention_forward(out, lse, qkv, B, T, C, H);
  cpu.attention_backward(dqkv, delta, dout, qkv, out, lse, B, T, C, H);
  return { qkv, dout, out, lse, dqkv, delta };
}

/** The forward and backward cases of one shape under `opts`; `extra` names a variant ("narrow (wide: false), "). */
function cases(
  [B, T, C, H]: [number, number, number, number],
  opts: AttentionOptions & { version: AttentionVersion },
  extra = '',
): CheckCase[] {
  const hs = C / H,
    quick = hs !== SLOW_HS,
    shape = `${extra}B=${B} T=${T} C=${C} H=${H} (hs=${hs})`,
    atol = tol(T, hs);
  return [
    {
      kernel: 'attention_forward',
      version: `v${opts.version}`,
      shape: `${shape} out, lse over stale outputs`,
      atol,
      rtol: 0,
      quick,
      async run(gpu) {
        const want = reference(B, T, C, H);
        const [out, lse] = await onGpu(
          gpu,
          { out: seededArray(B * T * C, 3), lse: seededArray(B * H * T, 4), qkv: want.qkv },
          (t) => attention_forward(gpu, t.out!, t.lse!, t.qkv!, B, T, C, H, opts),
          ['out', 'lse'],
        );
        return [
          { what: 'out', got: out!, want: want.out },
          { what: 'lse', got: lse!, want: want.lse, rtol: 1e-6 },
        ];
      },
    },
    {
      kernel: 'attention_backward',
      version: `v${opts.version}`,
      shape: `${shape} dqkv, delta on the GPU forward's out and lse, dqkv overwritten`,
      atol,
      rtol: 1e-6,
      quick,
      async run(gpu) {
        const want = reference(B, T, C, H);
        // The backward runs on the GPU forward's own out and lse, as in training, over a stale dqkv.
        const [dqkv, delta] = await onGpu(
          gpu,
          {
            qkv: want.qkv,
            dout: want.dout,
            out: B * T * C,
            lse: B * H * T,
            dqkv: new Float64Array(B * T * 3 * C).fill(1e3),
            delta: B * H * T,
          },
          (t) => {
            attention_forward(gpu, t.out!, t.lse!, t.qkv!, B, T, C, H, opts);
            attention_backward(
              gpu,
              t.dqkv!,
              t.delta!,
              t.dout!,
              t.qkv!,
              t.out!,
              t.lse!,
              B,
              T,
              C,
              H,
              opts,
            );
          },
          ['dqkv', 'delta'],
        );
        return [
          { what: 'dqkv', got: dqkv!, want: want.dqkv, atol: 3 * atol },
          { what: 'delta', got: delta!, want: want.delta },
        ];
      },
    },
  ];
}

export const checks: CheckCase[] = [
  ...versions.flatMap((version) => SHAPES.flatMap((s) => cases(s, { version }))),
  ...NARROW.flatMap((s) =>
    cases(s, { version: 3, wide: false }, 'narrow (wide: false, per-lane loads), '),
  ),
];
