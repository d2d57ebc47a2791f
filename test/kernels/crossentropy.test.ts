import { describe, expect, it } from 'vitest';
import {
  CROSSENTROPY_IGNORE, crossentropy_backward, crossentropy_forward, crossentropy_forward_versions, type CrossentropyVersion,
} from '../../kernels/crossentropy/crossentropy.ts';
import * as cpu from '../../kernels/crossentropy/crossentropy.cpu.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward (BT, V): V=1 (the loss is always 0), BT=1, sizes that are not multiples of the 64-invocation
// workgroup, more positions than one workgroup holds.
const SHAPES: [number, number][] = [
  [1, 1],
  [1, 5],
  [7, 1],
  [70, 65],
  [130, 3],
];

/** Logits in [-8, 8), with some rows shifted by +-200 where exp without the max subtracted overflows f32. */
function logitsFor(BT: number, V: number, seed: number): Float64Array {
  const x = randArray(BT * V, seed, -8, 8);
  for (let i = 1; i < BT; i += 5) for (let v = 0; v < V; v++) x[i * V + v] = Math.fround(x[i * V + v]! + (i % 2 ? 200 : -200));
  return x;
}

/** Targets in [0, V) from `seed`, every 4th position (starting at 3) ignored. */
function targetsFor(BT: number, V: number, seed: number): Uint32Array {
  const t = Uint32Array.from(randArray(BT, seed, 0, V), (x) => Math.min(V - 1, Math.floor(x)));
  for (let i = 3; i < BT; i += 4) t[i] = CROSSENTROPY_IGNORE;
  return t;
}

// float32 log-sum-exp over V terms with logits up to ~200: the subtraction l - m loses ~200·2^-24 ≈ 1.2e-5.
const LOSS_TOL = 3e-5;
// Probabilities in [0, 1] times weights < 1: float32 exp and division, a few ulps of 1.
const GRAD_TOL = 1e-6;

describeGpu('crossentropy', (gpu) => {
  const versions = Object.keys(crossentropy_forward_versions).map(Number) as CrossentropyVersion[];
  for (const version of versions) {
    it(`v${version} crossentropy_forward matches the float64 reference, ignored positions giving 0`, async () => {
      for (const [BT, V] of SHAPES) {
        const logits = logitsFor(BT, V, 1), targets = targetsFor(BT, V, 2);
        const want = new Float64Array(BT);
        cpu.crossentropy_forward(want, logits, targets, BT, V);
        const losses = gpu.tensor('losses', BT, randArray(BT, 3)); // stale values must be overwritten
        crossentropy_forward(gpu, losses, gpu.tensor('logits', BT * V, logits), gpu.tensorU32('targets', targets), BT, V, { version });
        const got = await gpu.read(losses);
        expectClose(got, want, LOSS_TOL, 0, `v${version} BT=${BT} V=${V} losses`);
        for (let i = 3; i < BT; i += 4) expect(got[i], `ignored position ${i}`).toBe(0);
      }
    });

    it(`v${version} crossentropy_backward matches the float64 reference and overwrites dlogits`, async () => {
      for (const [BT, V] of SHAPES) {
        const logits = logitsFor(BT, V, 4), targets = targetsFor(BT, V, 5), dlosses = randArray(BT, 6, 0, 1);
        const want = new Float64Array(BT * V);
        cpu.crossentropy_backward(want, logits, targets, dlosses, BT, V);
        const dlogits = gpu.tensor('dlogits', BT * V, randArray(BT * V, 7));
        crossentropy_backward(gpu, dlogits, gpu.tensor('logits', BT * V, logits), gpu.tensorU32('targets', targets), gpu.tensor('dlosses', BT, dlosses), BT, V, { version });
        expectClose(await gpu.read(dlogits), want, GRAD_TOL, 0, `v${version} BT=${BT} V=${V} dlogits`);
      }
    });

    it(`v${version} a target outside the vocabulary gives NaN, not a plausible number`, async () => {
      const [BT, V] = [3, 4];
      const logits = gpu.tensor('logits', BT * V, randArray(BT * V, 8)), targets = gpu.tensorU32('targets', Uint32Array.of(1, V, CROSSENTROPY_IGNORE));
      const losses = gpu.tensor('losses', BT), dlogits = gpu.tensor('dlogits', BT * V);
      crossentropy_forward(gpu, losses, logits, targets, BT, V, { version });
      crossentropy_backward(gpu, dlogits, logits, targets, gpu.tensor('dlosses', BT, [1, 1, 1]), BT, V, { version });
      const l = await gpu.read(losses), d = await gpu.read(dlogits);
      expect(Number.isFinite(l[0]) && Number.isNaN(l[1]) && l[2] === 0, `losses ${l}`).toBe(true);
      expect(d.slice(V, 2 * V).every(Number.isNaN) && d.slice(2 * V).every((x) => x === 0), `dlogits ${d}`).toBe(true);
    });
  }

  it('refuses bad shapes and tensors too small for the shape', () => {
    const big = gpu.tensor('big', 64);
    expect(() => crossentropy_forward(gpu, big, big, big, 0, 4)).toThrow(/crossentropy_forward: BT, V must be integers >= 1 \(got BT=0 V=4\)/);
    expect(() => crossentropy_forward(gpu, big, gpu.tensor('logits', 11), big, 3, 4)).toThrow(/crossentropy_forward: logits "logits" has 11 floats, needs 12 for BT=3 V=4/);
    expect(() => crossentropy_backward(gpu, big, big, big, gpu.tensor('dlosses', 2), 3, 4)).toThrow(/crossentropy_backward: dlosses "dlosses" has 2 floats, needs 3/);
    expect(() => crossentropy_backward(gpu, big, big, big, big, 3, 0.5)).toThrow(/crossentropy_backward: BT, V must be integers >= 1/);
  });
});

describe('crossentropy CPU reference', () => {
  it('crossentropy_forward is -log softmax at the target, stable for huge logits', () => {
    const losses = new Float64Array(2);
    cpu.crossentropy_forward(losses, Float64Array.of(0, Math.log(3), 1000, 1000), Uint32Array.of(1, 0), 2, 2);
    expect(losses[0]).toBeCloseTo(-Math.log(3 / 4), 12);
    expect(losses[1]).toBeCloseTo(Math.log(2), 12);
  });

  it('crossentropy_backward gives dlogits (finite differences), with an ignored position', () => {
    const [BT, V] = [4, 5];
    const logits = randArray(BT * V, 9, -3, 3), targets = Uint32Array.of(2, CROSSENTROPY_IGNORE, 0, 4), w = randArray(BT, 10, 0.1, 1);
    const loss = () => {
      const losses = new Float64Array(BT);
      cpu.crossentropy_forward(losses, logits, targets, BT, V);
      return dot(w, losses);
    };
    const dlogits = new Float64Array(BT * V).fill(7); // overwritten, including the ignored row
    cpu.crossentropy_backward(dlogits, logits, targets, w, BT, V);
    expectClose(dlogits, finiteDiff(loss, logits), 1e-8, 1e-7, 'dlogits');
    expect([...dlogits.subarray(V, 2 * V)]).toEqual(new Array(V).fill(0));
  });
});
