import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import {
  layernorm_backward, layernorm_backward_bytes, layernorm_backward_flops, layernorm_forward, layernorm_forward_bytes, layernorm_forward_flops,
  layernorm_backward_versions, layernorm_forward_versions, type LayernormVersion,
} from './layernorm.ts';
import * as cpu from './layernorm.cpu.ts';

const forwardVersions = Object.keys(layernorm_forward_versions).map(Number) as LayernormVersion[];
const backwardVersions = Object.keys(layernorm_backward_versions).map(Number) as LayernormVersion[];

// One layernorm of a block at bench scale (N = B·T = 256 rows, C = 128), at issue 12's reference step, the
// largest model of the t2 grid (N = 2048, C = 64), and at a narrow model of that grid (C = 16).
const SHAPES: [number, number][] = [[256, 128], [2048, 64], [2048, 16]];

export const bench: BenchCase[] = SHAPES.flatMap(([N, C]): BenchCase[] => [
  ...forwardVersions.map((version): BenchCase => ({
    kernel: 'layernorm_forward',
    version: `v${version}`,
    shape: `N=${N} C=${C}`,
    flops: layernorm_forward_flops(N, C),
    bytes: layernorm_forward_bytes(N, C),
    setup(gpu) {
      const out = gpu.tensor('out', N * C), mean = gpu.tensor('mean', N), rstd = gpu.tensor('rstd', N);
      const inp = gpu.tensor('inp', N * C, seededArray(N * C, 1)), weight = gpu.tensor('weight', C, seededArray(C, 2)), bias = gpu.tensor('bias', C, seededArray(C, 3));
      return {
        record: () => layernorm_forward(gpu, out, mean, rstd, inp, weight, bias, N, C, { version }),
        dispose: () => [out, mean, rstd, inp, weight, bias].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
  ...backwardVersions.map((version): BenchCase => ({
    kernel: 'layernorm_backward',
    version: `v${version}`,
    shape: `N=${N} C=${C}`,
    flops: layernorm_backward_flops(N, C),
    bytes: layernorm_backward_bytes(N, C),
    setup(gpu) {
      const dinp = gpu.tensor('dinp', N * C), dweight = gpu.tensor('dweight', C), dbias = gpu.tensor('dbias', C);
      const dout = gpu.tensor('dout', N * C, seededArray(N * C, 4)), inp = gpu.tensor('inp', N * C, seededArray(N * C, 1)), weight = gpu.tensor('weight', C, seededArray(C, 2));
      const mean = gpu.tensor('mean', N, seededArray(N, 5, -0.1, 0.1)), rstd = gpu.tensor('rstd', N, seededArray(N, 6, 1.5, 2));
      return {
        record: () => layernorm_backward(gpu, dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C, { version }),
        dispose: () => [dinp, dweight, dbias, dout, inp, weight, mean, rstd].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
]);

const [n, c] = [67, 65];
const inp = seededArray(n * c, 1), weight = seededArray(c, 2), bias = seededArray(c, 3), dout = seededArray(n * c, 4);
const out = new Float64Array(n * c), mean = new Float64Array(n), rstd = new Float64Array(n);
cpu.layernorm_forward(out, mean, rstd, inp, weight, bias, n, c);

export const checks: CheckCase[] = [
  ...forwardVersions.map((version): CheckCase => ({
    kernel: 'layernorm_forward',
    version: `v${version}`,
    shape: `N=${n} C=${c}`,
    tolerance: 1e-5,
    async run(gpu) {
      const g = { out: gpu.tensor('out', n * c), mean: gpu.tensor('mean', n), rstd: gpu.tensor('rstd', n) };
      layernorm_forward(gpu, g.out, g.mean, g.rstd, gpu.tensor('inp', n * c, inp), gpu.tensor('weight', c, weight), gpu.tensor('bias', c, bias), n, c, { version });
      return Math.max(maxAbsDiff(await gpu.read(g.out), out), maxAbsDiff(await gpu.read(g.mean), mean), maxAbsDiff(await gpu.read(g.rstd), rstd));
    },
  })),
  ...backwardVersions.map((version): CheckCase => ({
    kernel: 'layernorm_backward',
    version: `v${version}`,
    shape: `N=${n} C=${c} accumulating`,
    tolerance: 2e-5,
    async run(gpu) {
      const prior = seededArray(n * c, 5);
      const dinp = Float64Array.from(prior), dweight = seededArray(c, 6), dbias = seededArray(c, 7);
      const g = { dinp: gpu.tensor('dinp', n * c, dinp), dweight: gpu.tensor('dweight', c, dweight), dbias: gpu.tensor('dbias', c, dbias) };
      cpu.layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, n, c);
      layernorm_backward(gpu, g.dinp, g.dweight, g.dbias, gpu.tensor('dout', n * c, dout), gpu.tensor('inp', n * c, inp), gpu.tensor('weight', c, weight),
        gpu.tensor('mean', n, mean), gpu.tensor('rstd', n, rstd), n, c, { version });
      return Math.max(maxAbsDiff(await gpu.read(g.dinp), dinp), maxAbsDiff(await gpu.read(g.dweight), dweight), maxAbsDiff(await gpu.read(g.dbias), dbias));
    },
  })),
];
