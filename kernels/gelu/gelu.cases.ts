import { seededArray, type BenchCase, type CheckCase } from '../../src/gpu/cases.ts';
import {
  gelu_backward,
  gelu_backward_bytes,
  gelu_backward_flops,
  gelu_forward,
  gelu_forward_bytes,
  gelu_forward_flops,
  gelu_forward_versions,
  type GeluVersion,
} from './gelu.ts';
import * as cpu from './gelu.cpu.ts';

const versions = Object.keys(gelu_forward_versions).map(Number) as GeluVersion[];

// The MLP hidden layer of one block at bench scale: B·T=256, 4C=512.
const [BT, C] = [256, 128];
const n = BT * 4 * C;

export const bench: BenchCase[] = versions.flatMap((version): BenchCase[] => [
  {
    kernel: 'gelu_forward',
    version: `v${version}`,
    shape: `n=${n} (B·T=${BT} 4C=${4 * C})`,
    flops: gelu_forward_flops(n),
    bytes: gelu_forward_bytes(n),
    setup(gpu) {
      const out = gpu.tensor('out', n),
        inp = gpu.tensor('inp', n, seededArray(n, 1, -4, 4));
      return {
        record: () => gelu_forward(gpu, out, inp, n, { version }),
        dispose: () => [out, inp].forEach((t) => t.buffer.destroy()),
      };
    },
  },
  {
    kernel: 'gelu_backward',
    version: `v${version}`,
    shape: `n=${n} (B·T=${BT} 4C=${4 * C})`,
    flops: gelu_backward_flops(n),
    bytes: gelu_backward_bytes(n),
    setup(gpu) {
      const dinp = gpu.tensor('dinp', n),
        inp = gpu.tensor('inp', n, seededArray(n, 1, -4, 4)),
        dout = gpu.tensor('dout', n, seededArray(n, 2));
      return {
        record: () => gelu_backward(gpu, dinp, inp, dout, n, { version }),
        dispose: () => [dinp, inp, dout].forEach((t) => t.buffer.destroy()),
      };
    },
  },
]);

// Awkward sizes: one element, one short of / exactly / one past a 256-invocation workgroup, several workgroups.
const SIZES = [1, 255, 256, 257, 1000];
// Values where a naive tanh overflows (|u| past ~44 makes exp(2u) infinite in f32) or x^3 is itself infinite.
const EXTREMES = [0, -0.5, 0.5, -3, 3, -10, 10, -50, 50, -1e4, 1e4, -1e30, 1e30];

/** Inputs in [-6, 6) with the extremes at the front. */
function inputs(n: number, seed: number): Float64Array {
  const x = seededArray(n, seed, -6, 6);
  x.set(EXTREMES.slice(0, n).map(Math.fround));
  return x;
}

// f32 tanh and polynomial: a few ulps relative to |out| (up to 1e30 here), plus an absolute floor near 0.
const ATOL = 2e-6,
  RTOL = 1e-5;

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => [
  ...SIZES.map((n): CheckCase => ({
    kernel: 'gelu_forward',
    version: `v${version}`,
    shape: `n=${n}, extremes up to ±1e30, stale out overwritten`,
    atol: ATOL,
    rtol: RTOL,
    async run(gpu) {
      const inp = inputs(n, 1),
        want = new Float64Array(n);
      cpu.gelu_forward(want, inp, n);
      const out = gpu.tensor('out', n, seededArray(n, 5)),
        x = gpu.tensor('inp', n, inp);
      gelu_forward(gpu, out, x, n, { version });
      const got = await gpu.read(out);
      [out, x].forEach((t) => t.buffer.destroy());
      return [{ what: 'out', got, want }];
    },
  })),
  ...SIZES.map((n): CheckCase => ({
    kernel: 'gelu_backward',
    version: `v${version}`,
    shape: `n=${n}, extremes up to ±1e30, stale dinp overwritten (not added to)`,
    atol: ATOL,
    rtol: RTOL,
    async run(gpu) {
      const inp = inputs(n, 2),
        dout = seededArray(n, 3),
        want = new Float64Array(n);
      cpu.gelu_backward(want, inp, dout, n);
      const dinp = gpu.tensor('dinp', n, seededArray(n, 4)),
        x = gpu.tensor('inp', n, inp),
        dy = gpu.tensor('dout', n, dout);
      gelu_backward(gpu, dinp, x, dy, n, { version });
      const got = await gpu.read(dinp);
      [dinp, x, dy].forEach((t) => t.buffer.destroy());
      return [{ what: 'dinp', got, want }];
    },
  })),
]);
