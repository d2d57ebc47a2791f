import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { residual_forward, residual_forward_bytes, residual_forward_flops, residual_forward_versions, type ResidualVersion } from './residual.ts';
import * as cpu from './residual.cpu.ts';

const versions = Object.keys(residual_forward_versions).map(Number) as ResidualVersion[];

// The residual stream of one block at bench scale (B·T=256, C=128), at issue 12's reference step and the
// largest model of the t2 grid (B·T=2048, C=64), and at a narrow model of that grid (C=16).
const SHAPES: [number, number][] = [[256, 128], [2048, 64], [2048, 16]];

export const bench: BenchCase[] = SHAPES.flatMap(([BT, C]) => versions.map((version): BenchCase => {
  const n = BT * C;
  return {
    kernel: 'residual_forward',
    version: `v${version}`,
    shape: `n=${n} (B·T=${BT} C=${C})`,
    flops: residual_forward_flops(n),
    bytes: residual_forward_bytes(n),
    setup(gpu) {
      const out = gpu.tensor('out', n), inp1 = gpu.tensor('inp1', n, seededArray(n, 1)), inp2 = gpu.tensor('inp2', n, seededArray(n, 2));
      return {
        record: () => residual_forward(gpu, out, inp1, inp2, n, { version }),
        dispose: () => [out, inp1, inp2].forEach((t) => t.buffer.destroy()),
      };
    },
  };
}));

export const checks: CheckCase[] = versions.map((version) => {
  const n = 1000;
  return {
    kernel: 'residual_forward',
    version: `v${version}`,
    shape: `n=${n}`,
    tolerance: 1e-6,
    async run(gpu) {
      const inp1 = seededArray(n, 1), inp2 = seededArray(n, 2);
      const want = new Float64Array(n);
      cpu.residual_forward(want, inp1, inp2, n);
      const out = gpu.tensor('out', n);
      residual_forward(gpu, out, gpu.tensor('inp1', n, inp1), gpu.tensor('inp2', n, inp2), n, { version });
      return maxAbsDiff(await gpu.read(out), want);
    },
  };
});
