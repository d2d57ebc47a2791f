import {
  packAgainstAlone,
  seededArray,
  type BenchCase,
  type CheckCase,
  type CheckOutput,
} from '../../src/gpu/cases.ts';
import {
  layernorm_backward,
  layernorm_backward_bytes,
  layernorm_backward_flops,
  layernorm_forward,
  layernorm_forward_bytes,
  layernorm_forward_flops,
  layernorm_backward_versions,
  layernorm_forward_versions,
  type LayernormVersion,
} from './layernorm.ts';
import * as cpu from './layernorm.cpu.ts';

const forwardVersions = Object.keys(layernorm_forward_versions).map(Number) as LayernormVersion[];
const backwardVersions = Object.keys(layernorm_backward_versions).map(Number) as LayernormVersion[];

// One layernorm of a block at bench scale (N = B·T = 256 rows, C = 128), at the reference step, the
// largest model of the t2 grid (N = 2048, C = 64), and at a narrow model of that grid (C = 16).
const SHAPES: [number, number][] = [
  [256, 128],
  [2048, 64],
  [2048, 16],
];

export const bench: BenchCase[] = SHAPES.flatMap(([N, C]): BenchCase[] => [
  ...forwardVersions.map((version): BenchCase => ({
    kernel: 'layernorm_forward',
    version: `v${version}`,
    shape: `N=${N} C=${C}`,
    flops: layernorm_forward_flops(N, C),
    bytes: layernorm_forward_bytes(N, C),
    setup(gpu) {
      const out = gpu.tensor('out', N * C),
        mean = gpu.tensor('mean', N),
        rstd = gpu.tensor('rstd', N);
      const inp = gpu.tensor('inp', N * C, seededArray(N * C, 1)),
        weight = gpu.tensor('weight', C, seededArray(C, 2)),
        bias = gpu.tensor('bias', C, seededArray(C, 3));
      return {
        record: () =>
          layernorm_forward(gpu, out, mean, rstd, inp, weight, bias, N, C, undefined, { version }),
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
      const dinp = gpu.tensor('dinp', N * C),
        dweight = gpu.tensor('dweight', C),
        dbias = gpu.tensor('dbias', C);
      const dout = gpu.tensor('dout', N * C, seededArray(N * C, 4)),
        inp = gpu.tensor('inp', N * C, seededArray(N * C, 1)),
        weight = gpu.tensor('weight', C, seededArray(C, 2));
      const mean = gpu.tensor('mean', N, seededArray(N, 5, -0.1, 0.1)),
        rstd = gpu.tensor('rstd', N, seededArray(N, 6, 1.5, 2));
      return {
        record: () =>
          layernorm_backward(
            gpu,
            dinp,
            dweight,
            dbias,
            dout,
            inp,
            weight,
            mean,
            rstd,
            N,
            C,
            undefined,
            { version },
          ),
        dispose: () =>
          [dinp, dweight, dbias, dout, inp, weight, mean, rstd].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
]);

// Awkward (N, C): a dimension of 1 (C=1 has zero variance: rstd = 1/sqrt(eps)), sizes that are not multiples
// of the 64-invocation workgroup, more rows and more channels than one workgroup holds; C a multiple of 4
// (v2's vec4 path) and not (its channel-by-channel path), and more 4-channel groups than one workgroup (C=260).
const CHECK_SHAPES: [number, number][] = [
  [1, 1],
  [1, 7],
  [3, 1],
  [5, 64],
  [67, 65],
  [130, 33],
  [129, 36],
  [70, 260],
  [3, 258],
];
// (scale, N, C): the inputs of layernormData() times 1e12 and times 1e-6, with C a multiple of 4 and not. LayerNorm is
// scale-invariant but for eps: at 1e12 the squares reach 1e24 (no float32 overflow) and rstd is 1e-12; at 1e-6
// the variance is far below eps, which then sets rstd.
const HUGE_TINY: [number, number, number][] = [1e12, 1e-6].flatMap(
  (scale) =>
    [
      [scale, 67, 65],
      [scale, 9, 64],
    ] as [number, number, number][],
);

/** Inputs of one shape: rows with an offset and scale of their own, so mean and rstd vary; inp times `scale`. */
export function layernormData(N: number, C: number, seed: number, scale = 1) {
  const inp = seededArray(N * C, seed);
  for (let r = 0; r < N; r++)
    for (let c = 0; c < C; c++)
      inp[r * C + c] = Math.fround(
        Math.fround(inp[r * C + c]! * (1 + (r % 3)) + (r % 5) - 2) * scale,
      );
  return {
    inp,
    weight: seededArray(C, seed + 1, 0.5, 1.5),
    bias: seededArray(C, seed + 2),
    dout: seededArray(N * C, seed + 3),
  };
}

// float32 sums over C (forward, dinp) or N (dweight, dbias) terms of size ~1, times rstd (up to ~2 here);
// rstd itself to 1e-5 of its value.
const tol = (terms: number) => Number((1e-6 * (4 + terms / 4)).toPrecision(6)); // rounded: 2.025e-5, not 2.0249999999999998e-5
const RSTD_RTOL = 1e-5,
  DINP_RTOL = 1e-5;

const sci = (x: number) => x.toExponential().replace('+', ''); // 1e12, 1e-6

/** The forward on `gpu` from stale outputs (a kernel that accumulated would fail), beside the reference. */
function forwardCase(version: LayernormVersion, N: number, C: number, scale: number): CheckCase {
  return {
    kernel: 'layernorm_forward',
    version: `v${version}`,
    shape: `N=${N} C=${C}${scale === 1 ? '' : `, rows of ${sci(scale)}`}, stale outputs overwritten`,
    atol: tol(C),
    rtol: 0,
    async run(gpu) {
      const { inp, weight, bias } =
        scale === 1 ? layernormData(N, C, 1) : layernormData(N, C, 50, scale);
      const want = {
        out: new Float64Array(N * C),
        mean: new Float64Array(N),
        rstd: new Float64Array(N),
      };
      cpu.layernorm_forward(want.out, want.mean, want.rstd, inp, weight, bias, N, C);
      const t = {
        out: gpu.tensor('out', N * C, seededArray(N * C, 7)),
        mean: gpu.tensor('mean', N, seededArray(N, 8)),
        rstd: gpu.tensor('rstd', N, seededArray(N, 9)),
        inp: gpu.tensor('inp', N * C, inp),
        weight: gpu.tensor('weight', C, weight),
        bias: gpu.tensor('bias', C, bias),
      };
      layernorm_forward(gpu, t.out, t.mean, t.rstd, t.inp, t.weight, t.bias, N, C, undefined, {
        version,
      });
      const outputs: CheckOutput[] = [
        { what: 'out', got: await gpu.read(t.out), want: want.out },
        { what: 'mean', got: await gpu.read(t.mean), want: want.mean, atol: scale * tol(C) },
        { what: 'rstd', got: await gpu.read(t.rstd), want: want.rstd, atol: 0, rtol: RSTD_RTOL },
      ];
      Object.values(t).forEach((x) => x.buffer.destroy());
      return outputs;
    },
  };
}

/**
 * The backward on `gpu`, beside the reference. At scale 1 from non-zero gradients (all three outputs must be
 * added to, not overwritten), mean and rstd from the reference forward; at 1e12, rstd = 1e-12 makes dinp tiny,
 * so its error is measured against the largest |dinp| of the case.
 */
function backwardCase(version: LayernormVersion, N: number, C: number, scale: number): CheckCase {
  return {
    kernel: 'layernorm_backward',
    version: `v${version}`,
    shape: `N=${N} C=${C}${scale === 1 ? ', accumulating into dinp, dweight, dbias' : `, rows of ${sci(scale)}`}`,
    atol: tol(N),
    rtol: 0,
    async run(gpu) {
      const { inp, weight, bias, dout } =
        scale === 1 ? layernormData(N, C, 2) : layernormData(N, C, 50, scale);
      const mean = new Float64Array(N),
        rstd = new Float64Array(N);
      cpu.layernorm_forward(new Float64Array(N * C), mean, rstd, inp, weight, bias, N, C);
      const accumulate = scale === 1;
      const dinp = accumulate ? seededArray(N * C, 10) : new Float64Array(N * C);
      const dweight = accumulate ? seededArray(C, 11) : new Float64Array(C),
        dbias = accumulate ? seededArray(C, 12) : new Float64Array(C);
      const t = {
        dinp: gpu.tensor('dinp', N * C, dinp),
        dweight: gpu.tensor('dweight', C, dweight),
        dbias: gpu.tensor('dbias', C, dbias),
        dout: gpu.tensor('dout', N * C, dout),
        inp: gpu.tensor('inp', N * C, inp),
        weight: gpu.tensor('weight', C, weight),
        mean: gpu.tensor('mean', N, mean),
        rstd: gpu.tensor('rstd', N, rstd),
      };
      cpu.layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
      layernorm_backward(
        gpu,
        t.dinp,
        t.dweight,
        t.dbias,
        t.dout,
        t.inp,
        t.weight,
        t.mean,
        t.rstd,
        N,
        C,
        undefined,
        { version },
      );
      const dinpScale = accumulate ? 1 : Math.max(...dinp.map(Math.abs));
      const outputs: CheckOutput[] = [
        {
          what: 'dinp',
          got: await gpu.read(t.dinp),
          want: dinp,
          atol: dinpScale * tol(C),
          rtol: DINP_RTOL,
        },
        { what: 'dweight', got: await gpu.read(t.dweight), want: dweight },
        { what: 'dbias', got: await gpu.read(t.dbias), want: dbias },
      ];
      Object.values(t).forEach((x) => x.buffer.destroy());
      return outputs;
    },
  };
}

/**
 * A pack (Runs): three runs of N rows in one dispatch against each alone, bit for bit, forward and backward
 * (accumulating onto stale gradients), C a multiple of 4 (v2's vec4 path) and not; each run's weight, bias
 * and their gradients a parameter's stride past the last.
 */
function packedCase(version: LayernormVersion, N: number, C: number): CheckCase {
  return {
    kernel: 'layernorm_forward',
    version: `v${version}`,
    shape: `N=${N} C=${C} R=3 runs packed, forward and layernorm_backward, against alone`,
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const P = Math.ceil(C / 4) * 4 + 8;
      const runs = (n: number, seed: number, lo = -1, hi = 1) =>
        [0, 1, 2].map((r) => seededArray(n, seed + 10 * r, lo, hi));
      const act = (n: number, seed: number, lo = -1, hi = 1) => ({
        stride: n,
        runs: runs(n, seed, lo, hi),
      });
      const param = (seed: number, lo = -1, hi = 1) => ({ stride: P, runs: runs(C, seed, lo, hi) });
      const forward = await packAgainstAlone(
        gpu,
        {
          out: act(N * C, 1),
          mean: act(N, 2),
          rstd: act(N, 3),
          inp: act(N * C, 4),
          weight: param(5, 0.5, 1.5),
          bias: param(6),
        },
        (t, R) =>
          layernorm_forward(
            gpu,
            t.out!,
            t.mean!,
            t.rstd!,
            t.inp!,
            t.weight!,
            t.bias!,
            N,
            C,
            { R, P },
            {
              version,
            },
          ),
        ['out', 'mean', 'rstd'],
      );
      const backward = await packAgainstAlone(
        gpu,
        {
          dinp: act(N * C, 7),
          dweight: param(8),
          dbias: param(9),
          dout: act(N * C, 11),
          inp: act(N * C, 4),
          weight: param(5, 0.5, 1.5),
          mean: act(N, 12, -0.1, 0.1),
          rstd: act(N, 13, 1, 2),
        },
        (t, R) =>
          layernorm_backward(
            gpu,
            t.dinp!,
            t.dweight!,
            t.dbias!,
            t.dout!,
            t.inp!,
            t.weight!,
            t.mean!,
            t.rstd!,
            N,
            C,
            { R, P },
            { version },
          ),
        ['dinp', 'dweight', 'dbias'],
      );
      return [...forward, ...backward];
    },
  };
}

export const checks: CheckCase[] = [
  ...forwardVersions.flatMap((version) => [67, 64].map((C) => packedCase(version, 70, C))),
  ...forwardVersions.flatMap((version) => [
    ...CHECK_SHAPES.map(([N, C]) => forwardCase(version, N, C, 1)),
    ...HUGE_TINY.map(([scale, N, C]) => forwardCase(version, N, C, scale)),
  ]),
  ...backwardVersions.flatMap((version) => [
    ...CHECK_SHAPES.map(([N, C]) => backwardCase(version, N, C, 1)),
    ...HUGE_TINY.map(([scale, N, C]) => backwardCase(version, N, C, scale)),
  ]),
];
