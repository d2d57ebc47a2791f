import { describe, expect, it } from 'vitest';
import {
  CROSSENTROPY_IGNORE,
  crossentropy_backward,
  crossentropy_forward,
  crossentropy_forward_versions,
  type CrossentropyVersion,
} from '../../kernels/crossentropy/crossentropy.ts';
import * as cpu from '../../kernels/crossentropy/crossentropy.cpu.ts';
import { checks } from '../../kernels/crossentropy/crossentropy.cases.ts';
import { describeGpu, dot, expectClose, finiteDiff, itChecks, randArray } from '../helpers.ts';

describeGpu('crossentropy', (gpu) => {
  // Every version of both passes against the float64 reference: the table in kernels/crossentropy/crossentropy.cases.ts.
  itChecks(gpu, checks);

  const versions = Object.keys(crossentropy_forward_versions).map(Number) as CrossentropyVersion[];
  for (const version of versions) {
    it(`v${version} a target outside the vocabulary gives NaN, not a plausible number`, async () => {
      const [BT, V] = [3, 4];
      const logits = gpu.tensor('logits', BT * V, randArray(BT * V, 8)),
        targets = gpu.tensorU32('targets', Uint32Array.of(1, V, CROSSENTROPY_IGNORE));
      const losses = gpu.tensor('losses', BT),
        dlogits = gpu.tensor('dlogits', BT * V);
      crossentropy_forward(gpu, losses, logits, targets, BT, V, { version });
      crossentropy_backward(
        gpu,
        dlogits,
        logits,
        targets,
        gpu.tensor('dlosses', BT, [1, 1, 1]),
        BT,
        V,
        { version },
      );
      const l = await gpu.read(losses),
        d = await gpu.read(dlogits);
      expect(Number.isFinite(l[0]) && Number.isNaN(l[1]) && l[2] === 0, `losses ${l}`).toBe(true);
      expect(
        d.slice(V, 2 * V).every(Number.isNaN) && d.slice(2 * V).every((x) => x === 0),
        `dlogits ${d}`,
      ).toBe(true);
    });
  }

  it('refuses bad shapes and tensors too small for the shape', () => {
    const big = gpu.tensor('big', 64);
    expect(() => crossentropy_forward(gpu, big, big, big, 0, 4)).toThrow(
      /crossentropy_forward: BT, V must be integers >= 1 \(got BT=0 V=4\)/,
    );
    expect(() => crossentropy_forward(gpu, big, gpu.tensor('logits', 11), big, 3, 4)).toThrow(
      /crossentropy_forward: logits "logits" has 11 floats, needs 12 for BT=3 V=4/,
    );
    expect(() => crossentropy_backward(gpu, big, big, big, gpu.tensor('dlosses', 2), 3, 4)).toThrow(
      /crossentropy_backward: dlosses "dlosses" has 2 floats, needs 3/,
    );
    expect(() => crossentropy_backward(gpu, big, big, big, big, 3, 0.5)).toThrow(
      /crossentropy_backward: BT, V must be integers >= 1/,
    );
  });
});

describe('crossentropy CPU reference', () => {
  it('crossentropy_forward is -log softmax at the target, stable for huge logits', () => {
    const losses = new Float64Array(2);
    cpu.crossentropy_forward(
      losses,
      Float64Array.of(0, Math.log(3), 1000, 1000),
      Uint32Array.of(1, 0),
      2,
      2,
    );
    expect(losses[0]).toBeCloseTo(-Math.log(3 / 4), 12);
    expect(losses[1]).toBeCloseTo(Math.log(2), 12);
  });

  it('crossentropy_backward gives dlogits (finite differences), with an ignored position', () => {
    const [BT, V] = [4, 5];
    const logits = randArray(BT * V, 9, -3, 3),
      targets = Uint32Array.of(2, CROSSENTROPY_IGNORE, 0, 4),
      w = randArray(BT, 10, 0.1, 1);
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
