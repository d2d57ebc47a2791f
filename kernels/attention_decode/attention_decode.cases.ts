import {
  seededArray,
  type BenchCase,
  type CheckCase,
  type CheckOutput,
} from '../../src/gpu/cases.ts';
import { seqs_table, type SeqRow } from '../sample/seqs.ts';
import {
  attention_decode,
  attention_decode_bytes,
  attention_decode_flops,
  attention_decode_versions,
  type AttentionDecodeVersion,
} from './attention_decode.ts';
import * as cpu from './attention_decode.cpu.ts';
import { attention_forward } from '../attention/attention.cpu.ts';

const versions = Object.keys(attention_decode_versions).map(Number) as AttentionDecodeVersion[];

// One decode step of S = questions × 16 samples, every sequence at the end of its context (pos = T-1, the
// most keys), prompts of Tp = T/4. C=128 (4 heads of 32) up to S=64; C=64 at S=1024 keeps the cache (S,T,2C)
// within 128 MiB, the smallest maxStorageBufferBindingSize WebGPU guarantees.
const SHAPES = [1, 64, 1024].flatMap((S) =>
  [64, 256].map((T) => ({ S, T, C: S > 64 ? 64 : 128, H: 4, Tp: T / 4, Q: Math.max(1, S / 16) })),
);

/** Rows for S sequences over Q prompts of length Tp, all at position pos. */
function rowsAt(S: number, Q: number, Tp: number, pos: number): SeqRow[] {
  return Array.from({ length: S }, (_, s) => ({
    prefix_row: s % Q,
    question: s % Q,
    sample: Math.floor(s / Q),
    prefix_len: Tp,
    pos,
    done: 0,
    n_gen: pos - Tp + 1,
  }));
}

export const bench: BenchCase[] = SHAPES.flatMap(({ S, T, C, H, Tp, Q }) =>
  versions.map((version): BenchCase => ({
    kernel: 'attention_decode',
    version: `v${version}`,
    shape: `S=${S} T=${T} C=${C} H=${H} Tp=${Tp} pos=${T - 1}`,
    flops: attention_decode_flops(S, T, C, H),
    bytes: attention_decode_bytes(S, T, C),
    tokens: S,
    setup(gpu) {
      const out = gpu.tensor('out', S * C),
        cache = gpu.tensor('cache', S * T * 2 * C, seededArray(S * T * 2 * C, 1));
      const qkv = gpu.tensor('qkv', S * 3 * C, seededArray(S * 3 * C, 2)),
        prefix = gpu.tensor('prefix', Q * Tp * 3 * C, seededArray(Q * Tp * 3 * C, 3));
      const seqs = gpu.tensorU32('seqs', seqs_table(rowsAt(S, Q, Tp, T - 1)));
      return {
        record: () =>
          attention_decode(gpu, out, cache, qkv, prefix, seqs, S, T, C, H, Tp, { version }),
        dispose: () => [out, cache, qkv, prefix, seqs].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
);

// ---- the checks (test/kernels/attention_decode.test.ts also checks the CPU reference on these shapes)

export interface Row {
  prefix_row: number;
  P: number;
  pos: number;
  done?: boolean;
}
export interface Shape {
  T: number;
  C: number;
  H: number;
  Tp: number;
  Q: number;
  rows: Row[];
}

/**
 * One decode step built from full sequences, so the answer is known independently: sequence s is a full
 * (T,3C) qkv whose first P positions are its prompt row of `prefix` and whose later positions are its own.
 * The cache holds its positions P..pos-1 and `qkv` its position pos. Everything that must not be read (prefix
 * rows past P, cache slots outside P..pos-1) holds values of 50, which would swamp any softmax that read them.
 * `want` is attention_forward (float64) on the full sequences at row pos; `wantCache` is the cache with slot pos set.
 */
export function decodeCase({ T, C, H, Tp, Q, rows }: Shape, seed = 1) {
  const S = rows.length,
    C3 = 3 * C,
    C2 = 2 * C;
  const prefix = seededArray(Q * Tp * C3, seed, -2, 2);
  const full = seededArray(S * T * C3, seed + 1, -2, 2);
  const cache = seededArray(S * T * C2, seed + 2, 49, 51);
  const qkv = new Float64Array(S * C3);
  rows.forEach(({ prefix_row: r, P, pos }, s) => {
    for (let j = 0; j < P; j++)
      full.set(prefix.subarray((r * Tp + j) * C3, (r * Tp + j + 1) * C3), (s * T + j) * C3);
    for (let j = P; j < pos; j++)
      cache.set(full.subarray((s * T + j) * C3 + C, (s * T + j + 1) * C3), (s * T + j) * C2);
    if (pos < T) qkv.set(full.subarray((s * T + pos) * C3, (s * T + pos + 1) * C3), s * C3);
  });
  // Prompt positions no sequence of that row reads: poison them.
  for (let r = 0; r < Q; r++) {
    const P = Math.max(
      0,
      ...rows.filter((x) => x.prefix_row === r && !x.done).map((x) => Math.min(x.P, x.pos)),
    );
    for (let i = (r * Tp + P) * C3; i < (r + 1) * Tp * C3; i++) prefix[i] = 50;
  }
  const seqs = seqs_table(
    rows.map(({ prefix_row, P, pos, done }, s) => ({
      prefix_row,
      question: s,
      sample: 0,
      prefix_len: P,
      pos,
      done: done ? 1 : 0,
      n_gen: pos - P + 1,
    })),
  );
  const fullOut = new Float64Array(S * T * C);
  attention_forward(fullOut, new Float64Array(S * H * T), full, S, T, C, H);
  const out0 = seededArray(S * C, seed + 3, 7, 8); // done rows must keep these
  const want = Float64Array.from(out0),
    wantCache = Float64Array.from(cache);
  rows.forEach(({ pos, done }, s) => {
    if (done) return;
    want.set(fullOut.subarray((s * T + pos) * C, (s * T + pos + 1) * C), s * C);
    wantCache.set(qkv.subarray(s * C3 + C, (s + 1) * C3), (s * T + pos) * C2);
  });
  return { S, full, prefix, cache, qkv, seqs, out0, want, wantCache };
}

const rng = (seed: number) => {
  const r = seededArray(4096, seed, 0, 1);
  let i = 0;
  return (n: number) => Math.floor(r[i++ % r.length]! * n);
};

/** `S` random rows over Q prompt rows: prompt lengths in [1, Tp], positions in [P, T-1]. */
function randomRows(S: number, T: number, Tp: number, Q: number, seed: number): Row[] {
  const int = rng(seed);
  const P = Array.from({ length: Q }, () => 1 + int(Math.min(Tp, T - 1)));
  return Array.from({ length: S }, () => {
    const prefix_row = int(Q),
      p = P[prefix_row]!;
    return { prefix_row, P: p, pos: p + int(T - p) };
  });
}

export const CHECK_SHAPES: Shape[] = [
  // The brief's awkward case: S=5 running rows + 1 done row at pos = T, H=3 heads of hs=5, rows sharing prompt row 2,
  // prefix_row != s, pos = P (the first decode step), pos = T-1 and P = Tp.
  {
    T: 11,
    C: 15,
    H: 3,
    Tp: 7,
    Q: 3,
    rows: [
      { prefix_row: 2, P: 3, pos: 3 },
      { prefix_row: 0, P: 7, pos: 10 },
      { prefix_row: 2, P: 3, pos: 8 },
      { prefix_row: 1, P: 1, pos: 5 },
      { prefix_row: 2, P: 3, pos: 6 },
      { prefix_row: 0, P: 7, pos: 11, done: true },
    ],
  },
  // T = 1 (pos = P-1 = 0: only the token itself), hs = 1.
  { T: 1, C: 4, H: 4, Tp: 1, Q: 1, rows: [{ prefix_row: 0, P: 1, pos: 0 }] },
  // pos = P-1 with a longer prompt (the prefill's own last row, recomputed), beside a regular row.
  {
    T: 6,
    C: 6,
    H: 2,
    Tp: 4,
    Q: 1,
    rows: [
      { prefix_row: 0, P: 4, pos: 3 },
      { prefix_row: 0, P: 4, pos: 5 },
    ],
  },
  // S·H past one 64-wide workgroup (v1); many rows per prompt.
  { T: 9, C: 8, H: 2, Tp: 5, Q: 4, rows: randomRows(70, 9, 5, 4, 3) },
  // More keys than v2's 64 invocations; hs = 8.
  {
    T: 70,
    C: 16,
    H: 2,
    Tp: 20,
    Q: 2,
    rows: [
      { prefix_row: 1, P: 20, pos: 69 },
      { prefix_row: 0, P: 3, pos: 66 },
      { prefix_row: 1, P: 20, pos: 21 },
    ],
  },
  // hs > 64 (v2 loops channels) and the largest hs.
  {
    T: 5,
    C: 96,
    H: 1,
    Tp: 3,
    Q: 1,
    rows: [
      { prefix_row: 0, P: 2, pos: 4 },
      { prefix_row: 0, P: 2, pos: 2 },
    ],
  },
  {
    T: 4,
    C: 128,
    H: 1,
    Tp: 2,
    Q: 2,
    rows: [
      { prefix_row: 1, P: 2, pos: 3 },
      { prefix_row: 0, P: 1, pos: 2 },
    ],
  },
];

export const describeShape = ({ T, C, H, Tp, Q, rows }: Shape) =>
  `S=${rows.length} T=${T} C=${C} H=${H} Tp=${Tp} Q=${Q}`;
// As test/kernels/attention.test.ts: float32 sums over at most T keys of hs-long products.
export const tol = (T: number, hs: number) => 2e-7 * (T + hs) + 1e-6;

const CHECK = { S: 7, T: 70, C: 30, H: 3, Tp: 9, Q: 3 };
const CHECK_ROWS: SeqRow[] = [
  [2, 9, 69],
  [0, 4, 4],
  [2, 9, 30],
  [1, 1, 66],
  [0, 4, 5],
  [1, 1, 1],
  [2, 9, 70],
].map(([prefix_row, prefix_len, pos], s) => ({
  prefix_row: prefix_row!,
  question: prefix_row!,
  sample: s,
  prefix_len: prefix_len!,
  pos: pos!,
  done: pos === 70 ? 1 : 0,
  n_gen: 0,
}));

// The cache is copied, never computed: exact (atol 0), and untouched outside the running rows' slot pos.
const exact = { atol: 0, rtol: 0 };

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => [
  ...CHECK_SHAPES.map((shape): CheckCase => ({
    kernel: 'attention_decode',
    version: `v${version}`,
    shape: `${describeShape(shape)}: equals full causal attention, writes exactly cache[s,pos]`,
    atol: tol(shape.T, shape.C / shape.H),
    rtol: 0,
    async run(gpu) {
      const { T, C, H, Tp, Q } = shape;
      const c = decodeCase(shape);
      const out = gpu.tensor('out', c.S * C, c.out0),
        cache = gpu.tensor('cache', c.S * T * 2 * C, c.cache);
      const qkv = gpu.tensor('qkv', c.S * 3 * C, c.qkv),
        prefix = gpu.tensor('prefix', Q * Tp * 3 * C, c.prefix),
        seqs = gpu.tensorU32('seqs', c.seqs);
      attention_decode(gpu, out, cache, qkv, prefix, seqs, c.S, T, C, H, Tp, { version });
      const outputs: CheckOutput[] = [
        { what: 'out', got: await gpu.read(out), want: c.want },
        {
          what: 'cache',
          got: await gpu.read(cache),
          want: Float64Array.from(c.wantCache, Math.fround),
          ...exact,
        },
      ];
      [out, cache, qkv, prefix, seqs].forEach((x) => x.buffer.destroy());
      return outputs;
    },
  })),
  {
    kernel: 'attention_decode',
    version: `v${version}`,
    shape: 'S=1 T=4 C=6 H=2 Tp=2, two steps: the second reads the cache slot the first wrote',
    atol: tol(4, 3),
    rtol: 0,
    async run(gpu) {
      // One sequence with a prompt of 2: step 1 feeds position 2 (writing cache slot 2), step 2 feeds position 3.
      const shape: Shape = {
        T: 4,
        C: 6,
        H: 2,
        Tp: 2,
        Q: 1,
        rows: [{ prefix_row: 0, P: 2, pos: 3 }],
      };
      const { T, C, H, Tp } = shape;
      const c = decodeCase(shape, 9);
      const cache = Float64Array.from(c.cache).fill(50, 2 * 2 * C, 3 * 2 * C); // slot 2 as it is before step 1
      const g = {
        cache: gpu.tensor('cache', T * 2 * C, cache),
        prefix: gpu.tensor('prefix', Tp * 3 * C, c.prefix),
        out: gpu.tensor('out', C),
      };
      const step1 = seqs_table([
        { prefix_row: 0, question: 0, sample: 0, prefix_len: 2, pos: 2, done: 0, n_gen: 1 },
      ]);
      const qkv1 = gpu.tensor('qkv', 3 * C, c.full.subarray(2 * 3 * C, 3 * 3 * C)),
        seqs1 = gpu.tensorU32('seqs', step1);
      const qkv2 = gpu.tensor('qkv', 3 * C, c.qkv),
        seqs2 = gpu.tensorU32('seqs', c.seqs);
      attention_decode(gpu, g.out, g.cache, qkv1, g.prefix, seqs1, 1, T, C, H, Tp, { version });
      attention_decode(gpu, g.out, g.cache, qkv2, g.prefix, seqs2, 1, T, C, H, Tp, { version });
      const got = await gpu.read(g.out);
      [g.cache, g.prefix, g.out, qkv1, seqs1, qkv2, seqs2].forEach((x) => x.buffer.destroy());
      return [{ what: 'out after step 2', got, want: c.want }];
    },
  },
  {
    // Past v2's 64 keys per pass (T=70), hs = 10, three prompts shared unevenly, one row done at pos = T; no
    // poisoned slots, against the reference alone.
    kernel: 'attention_decode',
    version: `v${version}`,
    shape: `S=${CHECK.S} T=${CHECK.T} C=${CHECK.C} H=${CHECK.H} Tp=${CHECK.Tp}: against the reference`,
    atol: tol(CHECK.T, CHECK.C / CHECK.H),
    rtol: 0,
    async run(gpu) {
      const { S, T, C, H, Tp, Q } = CHECK;
      const table = seqs_table(CHECK_ROWS),
        qkv = seededArray(S * 3 * C, 2, -2, 2),
        prefix = seededArray(Q * Tp * 3 * C, 3, -2, 2);
      const want = { out: seededArray(S * C, 4), cache: seededArray(S * T * 2 * C, 1, -2, 2) };
      const out = gpu.tensor('out', S * C, want.out),
        cache = gpu.tensor('cache', S * T * 2 * C, want.cache);
      const q = gpu.tensor('qkv', S * 3 * C, qkv),
        p = gpu.tensor('prefix', Q * Tp * 3 * C, prefix),
        seqs = gpu.tensorU32('seqs', table);
      cpu.attention_decode(want.out, want.cache, qkv, prefix, table, S, T, C, H, Tp);
      attention_decode(gpu, out, cache, q, p, seqs, S, T, C, H, Tp, { version });
      const outputs: CheckOutput[] = [
        { what: 'out', got: await gpu.read(out), want: want.out },
        { what: 'cache', got: await gpu.read(cache), want: want.cache, ...exact },
      ];
      [out, cache, q, p, seqs].forEach((x) => x.buffer.destroy());
      return outputs;
    },
  },
]);
