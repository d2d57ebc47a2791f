import { seededArray, type BenchCase, type CheckCase } from '../../src/gpu/cases.ts';
import {
  CROSSENTROPY_IGNORE,
  crossentropy_backward,
  crossentropy_backward_bytes,
  crossentropy_backward_flops,
  crossentropy_forward,
  crossentropy_forward_bytes,
  crossentropy_forward_flops,
  crossentropy_forward_versions,
  type CrossentropyVersion,
} from './crossentropy.ts';
import * as cpu from './crossentropy.cpu.ts';

const versions = Object.keys(crossentropy_forward_versions).map(Number) as CrossentropyVersion[];

/** `n` targets in [0, V), from `seed`. */
function seededTargets(n: number, V: number, seed: number): Uint32Array {
  return Uint32Array.from(seededArray(n, seed, 0, V), (x) => Math.min(V - 1, Math.floor(x)));
}

// Bench scale: B·T = 256 positions, a character vocabulary V = 64.
const [BT, V] = [256, 64];

export const bench: BenchCase[] = versions.flatMap((version): BenchCase[] => [
  {
    kernel: 'crossentropy_forward',
    version: `v${version}`,
    shape: `BT=${BT} V=${V}`,
    flops: crossentropy_forward_flops(BT, V),
    bytes: crossentropy_forward_bytes(BT, V),
    setup(gpu) {
      const losses = gpu.tensor('losses', BT),
        logits = gpu.tensor('logits', BT * V, seededArray(BT * V, 1, -4, 4)),
        targets = gpu.tensorU32('targets', seededTargets(BT, V, 2));
      return {
        record: () => crossentropy_forward(gpu, losses, logits, targets, BT, V, { version }),
        dispose: () => [losses, logits, targets].forEach((t) => t.buffer.destroy()),
      };
    },
  },
  {
    kernel: 'crossentropy_backward',
    version: `v${version}`,
    shape: `BT=${BT} V=${V}`,
    flops: crossentropy_backward_flops(BT, V),
    bytes: crossentropy_backward_bytes(BT, V),
    setup(gpu) {
      const dlogits = gpu.tensor('dlogits', BT * V),
        logits = gpu.tensor('logits', BT * V, seededArray(BT * V, 1, -4, 4));
      const targets = gpu.tensorU32('targets', seededTargets(BT, V, 2)),
        dlosses = gpu.tensor('dlosses', BT, new Float64Array(BT).fill(1 / BT));
      return {
        record: () =>
          crossentropy_backward(gpu, dlogits, logits, targets, dlosses, BT, V, { version }),
        dispose: () => [dlogits, logits, targets, dlosses].forEach((t) => t.buffer.destroy()),
      };
    },
  },
]);

// Awkward (BT, V): V=1 (the loss is always 0), BT=1, sizes that are not multiples of the 64-invocation
// workgroup, more positions than one workgroup holds.
const CHECK_SHAPES: [number, number][] = [
  [1, 1],
  [1, 5],
  [7, 1],
  [70, 65],
  [130, 3],
];

/** Logits in [-8, 8), with some rows shifted by +-200 where exp without the max subtracted overflows f32. */
function logitsFor(BT: number, V: number, seed: number): Float64Array {
  const x = seededArray(BT * V, seed, -8, 8);
  for (let i = 1; i < BT; i += 5)
    for (let v = 0; v < V; v++) x[i * V + v] = Math.fround(x[i * V + v]! + (i % 2 ? 200 : -200));
  return x;
}

/** Targets in [0, V) from `seed`, every 4th position (starting at 3) ignored. */
function targetsFor(BT: number, V: number, seed: number): Uint32Array {
  const t = seededTargets(BT, V, seed);
  for (let i = 3; i < BT; i += 4) t[i] = CROSSENTROPY_IGNORE;
  return t;
}
const ignored = (BT: number) =>
  Array.from({ length: Math.max(0, Math.ceil((BT - 3) / 4)) }, (_, k) => 3 + 4 * k);

// float32 log-sum-exp over V terms with logits up to ~200: the subtraction l - m loses ~200·2^-24 ≈ 1.2e-5.
const LOSS_TOL = 3e-5;
// Probabilities in [0, 1] times weights < 1: float32 exp and division, a few ulps of 1.
const GRAD_TOL = 1e-6;

// Each output starts from stale values, so a kernel that accumulated instead of overwriting would fail.
export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] =>
  CHECK_SHAPES.flatMap(([BT, V]): CheckCase[] => [
    {
      kernel: 'crossentropy_forward',
      version: `v${version}`,
      shape: `BT=${BT} V=${V}, rows shifted by ±200, every 4th position ignored`,
      atol: LOSS_TOL,
      rtol: 0,
      async run(gpu) {
        const logits = logitsFor(BT, V, 1),
          targets = targetsFor(BT, V, 2),
          want = new Float64Array(BT);
        cpu.crossentropy_forward(want, logits, targets, BT, V);
        const losses = gpu.tensor('losses', BT, seededArray(BT, 3)),
          l = gpu.tensor('logits', BT * V, logits),
          t = gpu.tensorU32('targets', targets);
        crossentropy_forward(gpu, losses, l, t, BT, V, { version });
        const got = await gpu.read(losses);
        [losses, l, t].forEach((x) => x.buffer.destroy());
        const skip = ignored(BT);
        return [
          { what: 'losses', got, want },
          {
            what: 'losses at ignored positions (exactly 0)',
            got: skip.map((i) => got[i]!),
            want: skip.map(() => 0),
            atol: 0,
          },
        ];
      },
    },
    {
      kernel: 'crossentropy_backward',
      version: `v${version}`,
      shape: `BT=${BT} V=${V}, rows shifted by ±200, every 4th position ignored`,
      atol: GRAD_TOL,
      rtol: 0,
      async run(gpu) {
        const logits = logitsFor(BT, V, 4),
          targets = targetsFor(BT, V, 5),
          dlosses = seededArray(BT, 6, 0, 1),
          want = new Float64Array(BT * V);
        cpu.crossentropy_backward(want, logits, targets, dlosses, BT, V);
        const dlogits = gpu.tensor('dlogits', BT * V, seededArray(BT * V, 7)),
          l = gpu.tensor('logits', BT * V, logits);
        const t = gpu.tensorU32('targets', targets),
          d = gpu.tensor('dlosses', BT, dlosses);
        crossentropy_backward(gpu, dlogits, l, t, d, BT, V, { version });
        const got = await gpu.read(dlogits);
        [dlogits, l, t, d].forEach((x) => x.buffer.destroy());
        return [{ what: 'dlogits', got, want }];
      },
    },
  ]),
);
