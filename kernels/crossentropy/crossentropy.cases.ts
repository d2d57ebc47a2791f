import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import {
  CROSSENTROPY_IGNORE, crossentropy_backward, crossentropy_backward_bytes, crossentropy_backward_flops, crossentropy_forward, crossentropy_forward_bytes,
  crossentropy_forward_flops, crossentropy_forward_versions, type CrossentropyVersion,
} from './crossentropy.ts';
import * as cpu from './crossentropy.cpu.ts';

const versions = Object.keys(crossentropy_forward_versions).map(Number) as CrossentropyVersion[];

/** `n` targets in [0, V), from `seed`, with every `ignoreEvery`-th position ignored (0: none). */
function seededTargets(n: number, V: number, seed: number, ignoreEvery = 0): Uint32Array {
  const t = Uint32Array.from(seededArray(n, seed, 0, V), (x) => Math.min(V - 1, Math.floor(x)));
  if (ignoreEvery > 0) for (let i = 0; i < n; i += ignoreEvery) t[i] = CROSSENTROPY_IGNORE;
  return t;
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
      const losses = gpu.tensor('losses', BT), logits = gpu.tensor('logits', BT * V, seededArray(BT * V, 1, -4, 4)), targets = gpu.tensorU32('targets', seededTargets(BT, V, 2));
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
      const dlogits = gpu.tensor('dlogits', BT * V), logits = gpu.tensor('logits', BT * V, seededArray(BT * V, 1, -4, 4));
      const targets = gpu.tensorU32('targets', seededTargets(BT, V, 2)), dlosses = gpu.tensor('dlosses', BT, new Float64Array(BT).fill(1 / BT));
      return {
        record: () => crossentropy_backward(gpu, dlogits, logits, targets, dlosses, BT, V, { version }),
        dispose: () => [dlogits, logits, targets, dlosses].forEach((t) => t.buffer.destroy()),
      };
    },
  },
]);

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => {
  const [bt, v] = [70, 65];
  const logits = seededArray(bt * v, 1, -8, 8), targets = seededTargets(bt, v, 2, 7), dlosses = seededArray(bt, 3, 0, 1);
  const shape = `BT=${bt} V=${v}, every 7th position ignored`;
  return [
    {
      kernel: 'crossentropy_forward',
      version: `v${version}`,
      shape,
      tolerance: 2e-5,
      async run(gpu) {
        const want = new Float64Array(bt);
        cpu.crossentropy_forward(want, logits, targets, bt, v);
        const losses = gpu.tensor('losses', bt);
        crossentropy_forward(gpu, losses, gpu.tensor('logits', bt * v, logits), gpu.tensorU32('targets', targets), bt, v, { version });
        return maxAbsDiff(await gpu.read(losses), want);
      },
    },
    {
      kernel: 'crossentropy_backward',
      version: `v${version}`,
      shape,
      tolerance: 1e-6,
      async run(gpu) {
        const want = new Float64Array(bt * v);
        cpu.crossentropy_backward(want, logits, targets, dlosses, bt, v);
        const dlogits = gpu.tensor('dlogits', bt * v);
        crossentropy_backward(gpu, dlogits, gpu.tensor('logits', bt * v, logits), gpu.tensorU32('targets', targets), gpu.tensor('dlosses', bt, dlosses), bt, v, { version });
        return maxAbsDiff(await gpu.read(dlogits), want);
      },
    },
  ];
});
