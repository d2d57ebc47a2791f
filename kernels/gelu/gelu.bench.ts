import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { gelu_backward, gelu_backward_bytes, gelu_backward_flops, gelu_forward, gelu_forward_bytes, gelu_forward_flops, gelu_forward_versions, type GeluVersion } from './gelu.ts';
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
      const out = gpu.tensor('out', n), inp = gpu.tensor('inp', n, seededArray(n, 1, -4, 4));
      return { record: () => gelu_forward(gpu, out, inp, n, { version }), dispose: () => [out, inp].forEach((t) => t.buffer.destroy()) };
    },
  },
  {
    kernel: 'gelu_backward',
    version: `v${version}`,
    shape: `n=${n} (B·T=${BT} 4C=${4 * C})`,
    flops: gelu_backward_flops(n),
    bytes: gelu_backward_bytes(n),
    setup(gpu) {
      const dinp = gpu.tensor('dinp', n), inp = gpu.tensor('inp', n, seededArray(n, 1, -4, 4)), dout = gpu.tensor('dout', n, seededArray(n, 2));
      return { record: () => gelu_backward(gpu, dinp, inp, dout, n, { version }), dispose: () => [dinp, inp, dout].forEach((t) => t.buffer.destroy()) };
    },
  },
]);

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => {
  const m = 1000;
  const inp = seededArray(m, 1, -6, 6), dout = seededArray(m, 2);
  return [
    {
      kernel: 'gelu_forward',
      version: `v${version}`,
      shape: `n=${m}`,
      tolerance: 1e-5,
      async run(gpu) {
        const want = new Float64Array(m);
        cpu.gelu_forward(want, inp, m);
        const out = gpu.tensor('out', m);
        gelu_forward(gpu, out, gpu.tensor('inp', m, inp), m, { version });
        return maxAbsDiff(await gpu.read(out), want);
      },
    },
    {
      kernel: 'gelu_backward',
      version: `v${version}`,
      shape: `n=${m}`,
      tolerance: 1e-5,
      async run(gpu) {
        const want = new Float64Array(m);
        cpu.gelu_backward(want, inp, dout, m);
        const dinp = gpu.tensor('dinp', m);
        gelu_backward(gpu, dinp, gpu.tensor('inp', m, inp), gpu.tensor('dout', m, dout), m, { version });
        return maxAbsDiff(await gpu.read(dinp), want);
      },
    },
  ];
});
