import {
  onGpu,
  packAgainstAlone,
  seededArray,
  type BenchCase,
  type CheckCase,
  type CheckOutput,
} from '../../src/gpu/cases.ts';
import {
  matmul,
  matmul_backward_bias,
  matmul_backward_bias_bytes,
  matmul_backward_bias_flops,
  matmul_bytes,
  matmul_flops,
  matmul_versions,
  MATMUL_V4_ROWS,
  type MatmulOptions,
  type MatmulRows,
  type MatmulVersion,
} from './matmul.ts';
import * as cpu from './matmul.cpu.ts';
import {
  gelu_backward,
  gelu_backward_bytes,
  gelu_backward_flops,
  gelu_forward,
  gelu_forward_bytes,
  gelu_forward_flops,
} from '../gelu/gelu.ts';

// The square sizes the issue tracks, then the shapes of one transformer block at bench scale:
// (B·T)×C×3C (qkv), (B·T)×C×4C (fc), (B·T)×4C×C (proj), (B·T)×C×V (unembedding), B·T=256, C=128, V=64.
// v1 (naive) is left out at 1024³, where it alone would take seconds per run on a CPU adapter; v4 is
// timed at each tile setting (rows) at 512³ and at 16 rows elsewhere.
type Variant = { version: MatmulVersion; rows?: MatmulRows };
const ALL: Variant[] = [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4, rows: 16 }];
const SHAPES: {
  M: number;
  K: number;
  N: number;
  opts: MatmulOptions;
  what: string;
  variants: Variant[];
}[] = [
  {
    M: 512,
    K: 512,
    N: 512,
    opts: {},
    what: 'A·B',
    variants: [
      { version: 1 },
      { version: 2 },
      { version: 3 },
      ...MATMUL_V4_ROWS.map((rows) => ({ version: 4 as const, rows })),
    ],
  },
  {
    M: 1024,
    K: 1024,
    N: 1024,
    opts: {},
    what: 'A·B',
    variants: [
      { version: 2 },
      { version: 3 },
      ...MATMUL_V4_ROWS.map((rows) => ({ version: 4 as const, rows })),
    ],
  },
  { M: 256, K: 128, N: 384, opts: { transB: true }, what: 'qkv x·Wᵀ', variants: ALL },
  { M: 256, K: 128, N: 512, opts: { transB: true }, what: 'fc x·Wᵀ', variants: ALL },
  { M: 256, K: 512, N: 128, opts: { transB: true }, what: 'proj x·Wᵀ', variants: ALL },
  { M: 512, K: 256, N: 128, opts: { transA: true }, what: 'dW dyᵀ·x', variants: ALL },
];

// The MLP's two GELU matmuls at the reference step (B·T=2048, C=64), each as the model runs it (GELU
// in the matmul's epilogue) beside the unfused pair it replaces (the matmul, then the gelu kernel): same
// FLOPs, the fused row moves one (B·T)×4C tensor fewer each way.
const [BT, C] = [2048, 64];
const GELU_ROWS: MatmulRows = 8;
const geluBench: BenchCase[] = [false, true].flatMap((fused): BenchCase[] => {
  const how = fused ? 'GELU in the epilogue' : 'then the gelu kernel';
  const [M, N] = [BT, 4 * C];
  const n = M * N;
  return [
    {
      kernel: 'matmul',
      version: 'v4',
      shape: `M=${M} K=${C} N=${N} fc x·Wᵀ+b, ${how} rows=${GELU_ROWS}`,
      flops: matmul_flops(M, C, N) + gelu_forward_flops(n),
      bytes: fused
        ? matmul_bytes(M, C, N, true, false, true)
        : matmul_bytes(M, C, N, true) + gelu_forward_bytes(n),
      setup(gpu) {
        const fch = gpu.tensor('fch', n),
          act = gpu.tensor('fch_gelu', n),
          x = gpu.tensor('x', M * C, seededArray(M * C, 1)),
          w = gpu.tensor('w', N * C, seededArray(N * C, 2)),
          b = gpu.tensor('b', N, seededArray(N, 3));
        const opts = { transB: true, version: 4 as const, rows: GELU_ROWS };
        return {
          record: () => {
            if (fused) matmul(gpu, fch, x, w, b, M, C, N, { ...opts, gelu_out: act });
            else {
              matmul(gpu, fch, x, w, b, M, C, N, opts);
              gelu_forward(gpu, act, fch, n);
            }
          },
          dispose: () => [fch, act, x, w, b].forEach((t) => t.buffer.destroy()),
        };
      },
    },
    {
      kernel: 'matmul',
      version: 'v4',
      shape: `M=${M} K=${C} N=${N} dfch = gelu'(fch) ⊙ dy·W, ${how} rows=${GELU_ROWS}`,
      flops: matmul_flops(M, C, N) + gelu_backward_flops(n),
      bytes: fused
        ? matmul_bytes(M, C, N, false, false, true)
        : matmul_bytes(M, C, N) + gelu_backward_bytes(n),
      setup(gpu) {
        const dfch = gpu.tensor('dfch', n),
          dact = gpu.tensor('dfch_gelu', n),
          fch = gpu.tensor('fch', n, seededArray(n, 4, -4, 4)),
          dy = gpu.tensor('dy', M * C, seededArray(M * C, 5)),
          w = gpu.tensor('w', C * N, seededArray(C * N, 6));
        const opts = { version: 4 as const, rows: GELU_ROWS };
        return {
          record: () => {
            if (fused) matmul(gpu, dfch, dy, w, null, M, C, N, { ...opts, gelu_inp: fch });
            else {
              matmul(gpu, dact, dy, w, null, M, C, N, opts);
              gelu_backward(gpu, dfch, fch, dact, n);
            }
          },
          dispose: () => [dfch, dact, fch, dy, w].forEach((t) => t.buffer.destroy()),
        };
      },
    },
  ];
});

export const bench: BenchCase[] = [
  ...SHAPES.flatMap(({ M, K, N, opts, what, variants }) =>
    variants.map(({ version, rows }): BenchCase => ({
      kernel: 'matmul',
      version: `v${version}`,
      shape: `M=${M} K=${K} N=${N} ${what}${rows ? ` rows=${rows}` : ''}`,
      flops: matmul_flops(M, K, N),
      bytes: matmul_bytes(M, K, N),
      setup(gpu) {
        const out = gpu.tensor('out', M * N),
          a = gpu.tensor('a', M * K, seededArray(M * K, 1)),
          b = gpu.tensor('b', K * N, seededArray(K * N, 2));
        return {
          record: () => matmul(gpu, out, a, b, null, M, K, N, { ...opts, version, rows }),
          dispose: () => [out, a, b].forEach((t) => t.buffer.destroy()),
        };
      },
    })),
  ),
  ...geluBench,
  ...biasBench(),
];

/** The bias gradient at the bench's transformer shapes (B·T=256, N = 3C, 4C, C for C=128) and the reference step (2048×192). */
function biasBench(): BenchCase[] {
  return (
    [
      [256, 384],
      [256, 512],
      [256, 128],
      [2048, 192],
    ] as const
  ).map(([M, N]) => ({
    kernel: 'matmul_backward_bias',
    version: 'v1',
    shape: `M=${M} N=${N}`,
    flops: matmul_backward_bias_flops(M, N),
    bytes: matmul_backward_bias_bytes(M, N),
    setup(gpu) {
      const db = gpu.tensor('dbias', N),
        dy = gpu.tensor('dy', M * N, seededArray(M * N, 1));
      return {
        record: () => matmul_backward_bias(gpu, db, dy, M, N),
        dispose: () => [db, dy].forEach((t) => t.buffer.destroy()),
      };
    },
  }));
}

// Awkward shapes: a dimension of 1, K not a multiple of 4 (v4 steps K by 4), sizes that are not
// multiples of any tile (4, 8, 16, 24, 32, 64), sizes larger than one workgroup's tile in every direction;
// then K and N multiples of 4 (v4's vec4 loads) with M and the column tiles still ragged; then M a multiple
// of 4 with the row tiles ragged.
const CHECK_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [3, 1, 5],
  [5, 3, 1],
  [17, 19, 23],
  [65, 33, 70],
  [130, 67, 129],
  [1, 4, 4],
  [19, 12, 36],
  [130, 68, 132],
  [36, 13, 20], // M a multiple of 4: v4 loads a transposed A as vec4s along m (A_VEC_T)
  [132, 33, 44],
  [37, 8, 11], // K a multiple of 4, N not: A·Bᵀ loads B as vec4s along K (B_VEC_T) with a ragged last column group
  [5, 4, 3], // the same with fewer columns than one group of 4
];
const FORMS = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
];
// float32 accumulation over K terms of products of values in [-1, 1): error grows like K·2^-24.
const tol = (K: number, times = 1, plus = 0) =>
  Number((times * (2e-6 * K + 1e-6) + plus).toPrecision(6)); // rounded: 4.3e-5, not 4.2999999999999995e-5
const maxK = Math.max(...CHECK_SHAPES.map(([, K]) => K));

// Every version; v4 at its smallest and largest tile settings (8 rows: no R16..R32 block; 32: all of
// them) and on its path for subgroups narrower than 8 lanes. Each v4 variant takes seconds to compile
// on a software adapter, so 16 and 24 rows, whose code is a subset of 32's, are left to the benchmark.
const VARIANTS: { name: string; opts: MatmulOptions }[] = [
  ...(Object.keys(matmul_versions).map(Number) as MatmulVersion[])
    .filter((v) => v !== 4)
    .map((version) => ({ name: `v${version}`, opts: { version } })),
  { name: 'v4 rows=8', opts: { version: 4, rows: 8 } },
  { name: 'v4 rows=32', opts: { version: 4, rows: 32 } },
  { name: 'v4 rows=8 narrow', opts: { version: 4, rows: 8, wide: false } },
];

/** The case's version label ("v4") and what else its variant sets ("rows=8 narrow, "), for the shape. */
function label(name: string): { version: string; extra: string } {
  const [version, ...rest] = name.split(' ');
  return { version: version!, extra: rest.length ? `${rest.join(' ')}, ` : '' };
}

// The bias gradient: one row and one column, N below one invocation's 4 columns, ragged and multiple-of-4 N
// (its scalar and vec4 paths), more columns than one workgroup's 32, and the grid's longest B·T; added onto a
// stale gradient, as the model accumulates it.
const biasChecks: CheckCase[] = (
  [
    [1, 1],
    [7, 3],
    [33, 5],
    [19, 36],
    [130, 70],
    [2048, 192],
  ] as const
).map(([M, N]) => ({
  kernel: 'matmul_backward_bias',
  version: 'v1',
  shape: `M=${M} N=${N} dbias += column sums of dy`,
  atol: Number((2e-7 * M + 1e-6).toPrecision(6)),
  rtol: 0,
  async run(gpu) {
    const dy = seededArray(M * N, 21),
      prior = seededArray(N, 22);
    const want = Float64Array.from(prior);
    cpu.matmul_backward_bias(want, dy, M, N);
    const [got] = await onGpu(
      gpu,
      { db: prior, dy },
      (t) => matmul_backward_bias(gpu, t.db!, t.dy!, M, N),
      ['db'],
    );
    return [{ what: 'dbias', got: got!, want }];
  },
}));

// The bias gradient of a pack: three runs' column sums in one dispatch against each alone, bit for bit, with
// N ragged and a multiple of 4; each run's dbias a parameter's stride past the last.
const biasPacked: CheckCase[] = (
  [
    [33, 5],
    [19, 36],
  ] as const
).map(([M, N]) => ({
  kernel: 'matmul_backward_bias',
  version: 'v1',
  shape: `M=${M} N=${N} R=3 runs packed against alone`,
  atol: 0,
  rtol: 0,
  run: (gpu) => {
    const P = N + 12;
    const runs = (n: number, seed: number) => [0, 1, 2].map((r) => seededArray(n, seed + r));
    return packAgainstAlone(
      gpu,
      { db: { stride: P, runs: runs(N, 23) }, dy: { stride: M * N, runs: runs(M * N, 26) } },
      (t, R) => matmul_backward_bias(gpu, t.db!, t.dy!, M, N, { R, P }),
      ['db'],
    );
  },
}));

export const checks: CheckCase[] = [
  ...biasChecks,
  ...biasPacked,
  ...VARIANTS.flatMap(({ name, opts }): CheckCase[] => {
    const { version, extra } = label(name);
    // Each form on every awkward shape, one output per shape with its own bound (tol(K)).
    const forms = FORMS.map((form): CheckCase => {
      const formName = `${form.transA ? 'Aᵀ' : 'A'}·${form.transB ? 'Bᵀ' : 'B'}`;
      return {
        kernel: 'matmul',
        version,
        shape: `${extra}${formName} on ${CHECK_SHAPES.length} awkward shapes (1×1×1 to 130×68×132), each within 2e-6·K + 1e-6`,
        atol: tol(maxK),
        rtol: 0,
        async run(gpu) {
          const outputs: CheckOutput[] = [];
          for (const [M, K, N] of CHECK_SHAPES) {
            const a = seededArray(M * K, 1),
              b = seededArray(K * N, 2),
              want = new Float64Array(M * N);
            cpu.matmul(want, a, b, null, M, K, N, form);
            const [got] = await onGpu(
              gpu,
              { out: M * N, a, b },
              (t) => matmul(gpu, t.out!, t.a!, t.b!, null, M, K, N, { ...form, ...opts }),
              ['out'],
            );
            outputs.push({ what: `${M}×${K}×${N} out`, got: got!, want, atol: tol(K) });
          }
          return outputs;
        },
      };
    });
    // The model's two GELU epilogues, each against the references composed (matmul.cpu.ts), on a ragged shape
    // (scalar stores) and multiples of 4 (v4's vec4 stores), with and without bias and accumulation. Two
    // shapes each: every v4 variant is its own pipeline, seconds to compile.
    const geluForward = (
      [
        [37, 21, 45, false],
        [19, 12, 36, true],
      ] as const
    ).map(([M, K, N, accumulate]): CheckCase => ({
      kernel: 'matmul',
      version,
      shape: `${extra}M=${M} K=${K} N=${N} out ${accumulate ? '+' : ''}= x·Wᵀ + b, GELU forward epilogue gelu_out = gelu(out) over a stale gelu_out`,
      atol: tol(K, 4),
      rtol: 0,
      async run(gpu) {
        const a = seededArray(M * K, 11, -2, 2),
          b = seededArray(N * K, 12, -2, 2),
          bias = seededArray(N, 13),
          prior = seededArray(M * N, 14);
        const want = Float64Array.from(prior),
          wantAct = new Float64Array(M * N);
        cpu.matmul(want, a, b, bias, M, K, N, { transB: true, accumulate, gelu_out: wantAct });
        const [out, act] = await onGpu(
          gpu,
          { out: prior, act: seededArray(M * N, 15), a, b, bias },
          (t) =>
            matmul(gpu, t.out!, t.a!, t.b!, t.bias!, M, K, N, {
              transB: true,
              accumulate,
              gelu_out: t.act!,
              ...opts,
            }),
          ['out', 'act'],
        );
        return [
          { what: 'out', got: out!, want },
          { what: 'gelu_out', got: act!, want: wantAct, rtol: 1e-5 },
        ];
      },
    }));
    const geluBackward = (
      [
        [37, 21, 45, false],
        [19, 12, 36, true],
      ] as const
    ).map(([M, K, N, withBias]): CheckCase => ({
      kernel: 'matmul',
      version,
      shape: `${extra}M=${M} K=${K} N=${N} out = gelu'(gelu_inp) ⊙ (dy·W${withBias ? ' + b' : ''}), GELU backward epilogue over a stale out, gelu_inp up to ±1e30`,
      atol: tol(K, 2),
      rtol: 1e-5,
      async run(gpu) {
        const a = seededArray(M * K, 16),
          b = seededArray(K * N, 17),
          bias = seededArray(N, 18),
          prior = seededArray(M * N, 19);
        const pre = seededArray(M * N, 20, -6, 6);
        pre.set([0, -10, 10, -50, 50, Math.fround(1e30), Math.fround(-1e30)]); // where tanh and x^2 overflow
        const want = new Float64Array(M * N);
        cpu.matmul(want, a, b, withBias ? bias : null, M, K, N, { gelu_inp: pre });
        const [out] = await onGpu(
          gpu,
          { out: prior, a, b, bias, pre }, // stale values in out are overwritten
          (t) =>
            matmul(gpu, t.out!, t.a!, t.b!, withBias ? t.bias! : null, M, K, N, {
              gelu_inp: t.pre!,
              ...opts,
            }),
          ['out'],
        );
        return [{ what: 'out', got: out!, want }];
      },
    }));
    // A bias added and the product accumulated into out, K not a multiple of 4 and (N too) a multiple of 4.
    const biasAccumulate = (
      [
        [37, 21, 45],
        [37, 20, 44],
      ] as const
    ).map(([M, K, N]): CheckCase => ({
      kernel: 'matmul',
      version,
      shape: `${extra}M=${M} K=${K} N=${N} out += x·Wᵀ + b`,
      atol: tol(K, 1, 1e-6),
      rtol: 0,
      async run(gpu) {
        const a = seededArray(M * K, 3),
          b = seededArray(N * K, 4),
          bias = seededArray(N, 5),
          prior = seededArray(M * N, 6);
        const want = Float64Array.from(prior);
        cpu.matmul(want, a, b, bias, M, K, N, { transB: true, accumulate: true });
        const [out] = await onGpu(
          gpu,
          { out: prior, a, b, bias },
          (t) =>
            matmul(gpu, t.out!, t.a!, t.b!, t.bias!, M, K, N, {
              transB: true,
              accumulate: true,
              ...opts,
            }),
          ['out'],
        );
        return [{ what: 'out', got: out!, want }];
      },
    }));
    // A pack (opts.runs): three runs in one dispatch against each alone, bit for bit, in the model's three
    // forms (x·Wᵀ + b with GELU, dWᵀ accumulated, dy·W), on shapes the cases above compile; each operand
    // has a stride past its length, as a parameter in the pack's flat buffer has.
    const packed: CheckCase = {
      kernel: 'matmul',
      version,
      shape: `${extra}R=3 runs packed: out += x·Wᵀ + b (37×20×44), Aᵀ·B (36×13×20), x·Wᵀ + b with GELU (19×12×36)`,
      atol: 0,
      rtol: 0,
      async run(gpu) {
        const runs = (n: number, seed: number) => [0, 1, 2].map((r) => seededArray(n, seed + r));
        const of = (n: number, seed: number) => ({ stride: n + 4, runs: runs(n, seed) });
        const forms = [
          {
            M: 37,
            K: 20,
            N: 44,
            form: { transB: true, accumulate: true },
            bias: true,
            gelu: false,
          },
          { M: 36, K: 13, N: 20, form: { transA: true }, bias: false, gelu: false },
          { M: 19, K: 12, N: 36, form: { transB: true, accumulate: true }, bias: true, gelu: true },
        ];
        const outputs: CheckOutput[] = [];
        for (const { M, K, N, form, bias, gelu } of forms) {
          const out = of(M * N, 30);
          const data = {
            out,
            a: of(M * K, 33),
            b: of(K * N, 36),
            bias: of(N, 39),
            ...(gelu ? { act: { stride: out.stride, runs: runs(M * N, 42) } } : {}),
          };
          outputs.push(
            ...(await packAgainstAlone(
              gpu,
              data,
              (t, R) =>
                matmul(gpu, t.out!, t.a!, t.b!, bias ? t.bias! : null, M, K, N, {
                  ...form,
                  ...opts,
                  ...(gelu ? { gelu_out: t.act! } : {}),
                  runs: {
                    R,
                    a: data.a.stride,
                    b: data.b.stride,
                    out: out.stride,
                    bias: data.bias.stride,
                  },
                }),
              gelu ? ['out', 'act'] : ['out'],
            )),
          );
        }
        return outputs;
      },
    };
    return [...forms, ...geluForward, ...geluBackward, ...biasAccumulate, packed];
  }),
];
