import { describe, expect, it } from 'vitest';
import { attention_decode, attention_decode_versions, type AttentionDecodeVersion } from '../../kernels/attention_decode/attention_decode.ts';
import * as cpu from '../../kernels/attention_decode/attention_decode.cpu.ts';
import { checks } from '../../kernels/attention_decode/attention_decode.cases.ts';
import { attention_forward } from '../../kernels/attention/attention.cpu.ts';
import { seqs_table, SEQ_STRIDE } from '../../kernels/sample/seqs.ts';
import { describeGpu, expectClose, randArray } from '../helpers.ts';

interface Row { prefix_row: number; P: number; pos: number; done?: boolean }
interface Shape { T: number; C: number; H: number; Tp: number; Q: number; rows: Row[] }

/**
 * One decode step built from full sequences, so the answer is known independently: sequence s is a full
 * (T,3C) qkv whose first P positions are its prompt row of `prefix` and whose later positions are its own.
 * The cache holds its positions P..pos-1 and `qkv` its position pos. Everything that must not be read (prefix
 * rows past P, cache slots outside P..pos-1) holds values of 50, which would swamp any softmax that read them.
 * `want` is attention_forward (float64) on the full sequences at row pos; `wantCache` is the cache with slot pos set.
 */
function decodeCase({ T, C, H, Tp, Q, rows }: Shape, seed = 1) {
  const S = rows.length, C3 = 3 * C, C2 = 2 * C;
  const prefix = randArray(Q * Tp * C3, seed, -2, 2);
  const full = randArray(S * T * C3, seed + 1, -2, 2);
  const cache = randArray(S * T * C2, seed + 2, 49, 51);
  const qkv = new Float64Array(S * C3);
  rows.forEach(({ prefix_row: r, P, pos }, s) => {
    for (let j = 0; j < P; j++) full.set(prefix.subarray((r * Tp + j) * C3, (r * Tp + j + 1) * C3), (s * T + j) * C3);
    for (let j = P; j < pos; j++) cache.set(full.subarray((s * T + j) * C3 + C, (s * T + j + 1) * C3), (s * T + j) * C2);
    if (pos < T) qkv.set(full.subarray((s * T + pos) * C3, (s * T + pos + 1) * C3), s * C3);
  });
  // Prompt positions no sequence of that row reads: poison them.
  for (let r = 0; r < Q; r++) {
    const P = Math.max(0, ...rows.filter((x) => x.prefix_row === r && !x.done).map((x) => Math.min(x.P, x.pos)));
    for (let i = (r * Tp + P) * C3; i < (r + 1) * Tp * C3; i++) prefix[i] = 50;
  }
  const seqs = seqs_table(rows.map(({ prefix_row, P, pos, done }, s) => ({ prefix_row, question: s, sample: 0, prefix_len: P, pos, done: done ? 1 : 0, n_gen: pos - P + 1 })));
  const fullOut = new Float64Array(S * T * C);
  attention_forward(fullOut, new Float64Array(S * H * T), full, S, T, C, H);
  const out0 = randArray(S * C, seed + 3, 7, 8); // done rows must keep these
  const want = Float64Array.from(out0), wantCache = Float64Array.from(cache);
  rows.forEach(({ pos, done }, s) => {
    if (done) return;
    want.set(fullOut.subarray((s * T + pos) * C, (s * T + pos + 1) * C), s * C);
    wantCache.set(qkv.subarray(s * C3 + C, (s + 1) * C3), (s * T + pos) * C2);
  });
  return { S, full, prefix, cache, qkv, seqs, out0, want, wantCache };
}

const rng = (seed: number) => {
  const r = randArray(4096, seed, 0, 1);
  let i = 0;
  return (n: number) => Math.floor(r[i++ % r.length]! * n);
};

/** `S` random rows over Q prompt rows: prompt lengths in [1, Tp], positions in [P, T-1]. */
function randomRows(S: number, T: number, Tp: number, Q: number, seed: number): Row[] {
  const int = rng(seed);
  const P = Array.from({ length: Q }, () => 1 + int(Math.min(Tp, T - 1)));
  return Array.from({ length: S }, () => {
    const prefix_row = int(Q), p = P[prefix_row]!;
    return { prefix_row, P: p, pos: p + int(T - p) };
  });
}

const SHAPES: Shape[] = [
  // The brief's awkward case: S=5 running rows + 1 done row at pos = T, H=3 heads of hs=5, rows sharing prompt row 2,
  // prefix_row != s, pos = P (the first decode step), pos = T-1 and P = Tp.
  { T: 11, C: 15, H: 3, Tp: 7, Q: 3, rows: [
    { prefix_row: 2, P: 3, pos: 3 }, { prefix_row: 0, P: 7, pos: 10 }, { prefix_row: 2, P: 3, pos: 8 },
    { prefix_row: 1, P: 1, pos: 5 }, { prefix_row: 2, P: 3, pos: 6 }, { prefix_row: 0, P: 7, pos: 11, done: true },
  ] },
  // T = 1 (pos = P-1 = 0: only the token itself), hs = 1.
  { T: 1, C: 4, H: 4, Tp: 1, Q: 1, rows: [{ prefix_row: 0, P: 1, pos: 0 }] },
  // pos = P-1 with a longer prompt (the prefill's own last row, recomputed), beside a regular row.
  { T: 6, C: 6, H: 2, Tp: 4, Q: 1, rows: [{ prefix_row: 0, P: 4, pos: 3 }, { prefix_row: 0, P: 4, pos: 5 }] },
  // S·H past one 64-wide workgroup (v1); many rows per prompt.
  { T: 9, C: 8, H: 2, Tp: 5, Q: 4, rows: randomRows(70, 9, 5, 4, 3) },
  // More keys than v2's 64 invocations; hs = 8.
  { T: 70, C: 16, H: 2, Tp: 20, Q: 2, rows: [{ prefix_row: 1, P: 20, pos: 69 }, { prefix_row: 0, P: 3, pos: 66 }, { prefix_row: 1, P: 20, pos: 21 }] },
  // hs > 64 (v2 loops channels) and the largest hs.
  { T: 5, C: 96, H: 1, Tp: 3, Q: 1, rows: [{ prefix_row: 0, P: 2, pos: 4 }, { prefix_row: 0, P: 2, pos: 2 }] },
  { T: 4, C: 128, H: 1, Tp: 2, Q: 2, rows: [{ prefix_row: 1, P: 2, pos: 3 }, { prefix_row: 0, P: 1, pos: 2 }] },
];

const describeShape = ({ T, C, H, Tp, Q, rows }: Shape) => `S=${rows.length} T=${T} C=${C} H=${H} Tp=${Tp} Q=${Q}`;
// As test/kernels/attention.test.ts: float32 sums over at most T keys of hs-long products.
const tol = (T: number, hs: number) => 2e-7 * (T + hs) + 1e-6;

describe('attention_decode CPU reference', () => {
  it('equals full causal attention (attention_forward) at each sequence\'s newest row, writes cache[s,pos], skips done rows', () => {
    for (const shape of SHAPES) {
      const c = decodeCase(shape);
      const out = Float64Array.from(c.out0), cache = Float64Array.from(c.cache);
      cpu.attention_decode(out, cache, c.qkv, c.prefix, c.seqs, c.S, shape.T, shape.C, shape.H, shape.Tp);
      expectClose(out, c.want, 1e-12, 0, `${describeShape(shape)} out`);
      expect(cache).toEqual(c.wantCache);
    }
  });

  it('refuses a running row past the context or a prompt longer than Tp', () => {
    const run = (P: number, pos: number) => () => cpu.attention_decode(new Float64Array(2), new Float64Array(8), new Float64Array(6), new Float64Array(12), seqs_table([{ prefix_row: 0, question: 0, sample: 0, prefix_len: P, pos, done: 0, n_gen: 0 }]), 1, 2, 2, 1, 2);
    expect(run(1, 2)).toThrow(/sequence 0 is running at pos 2, past the context T=2/);
    expect(run(3, 1)).toThrow(/prefix_len 3, outside \[1, Tp=2\]/);
  });
});

describeGpu('attention_decode', (gpu) => {
  const versions = Object.keys(attention_decode_versions).map(Number) as AttentionDecodeVersion[];
  for (const version of versions) {
    it(`v${version} equals full causal attention and the float64 reference on awkward shapes; writes exactly cache[s,pos]`, async () => {
      for (const shape of SHAPES) {
        const { T, C, H, Tp, Q } = shape;
        const c = decodeCase(shape);
        const out = gpu.tensor('out', c.S * C, c.out0), cache = gpu.tensor('cache', c.S * T * 2 * C, c.cache);
        attention_decode(gpu, out, cache, gpu.tensor('qkv', c.S * 3 * C, c.qkv), gpu.tensor('prefix', Q * Tp * 3 * C, c.prefix), gpu.tensorU32('seqs', c.seqs),
          c.S, T, C, H, Tp, { version });
        const what = `v${version} ${describeShape(shape)}`;
        expectClose(await gpu.read(out), c.want, tol(T, C / H), 0, `${what} out`);
        // The cache is copied, never computed: exact, and untouched outside the running rows' slot pos.
        expect(Array.from(await gpu.read(cache)), `${what} cache`).toEqual(Array.from(c.wantCache, Math.fround));
      }
    });

    it(`v${version} a second step reads the cache slot the first step wrote`, async () => {
      // One sequence with a prompt of 2: step 1 feeds position 2 (writing cache slot 2), step 2 feeds position 3.
      const shape: Shape = { T: 4, C: 6, H: 2, Tp: 2, Q: 1, rows: [{ prefix_row: 0, P: 2, pos: 3 }] };
      const { T, C, H, Tp } = shape;
      const c = decodeCase(shape, 9);
      const cache = Float64Array.from(c.cache).fill(50, 2 * 2 * C, 3 * 2 * C); // slot 2 as it is before step 1
      const g = { cache: gpu.tensor('cache', T * 2 * C, cache), prefix: gpu.tensor('prefix', Tp * 3 * C, c.prefix), out: gpu.tensor('out', C) };
      const step1 = seqs_table([{ prefix_row: 0, question: 0, sample: 0, prefix_len: 2, pos: 2, done: 0, n_gen: 1 }]);
      attention_decode(gpu, g.out, g.cache, gpu.tensor('qkv', 3 * C, c.full.subarray(2 * 3 * C, 3 * 3 * C)), g.prefix, gpu.tensorU32('seqs', step1), 1, T, C, H, Tp, { version });
      attention_decode(gpu, g.out, g.cache, gpu.tensor('qkv', 3 * C, c.qkv), g.prefix, gpu.tensorU32('seqs', c.seqs), 1, T, C, H, Tp, { version });
      expectClose(await gpu.read(g.out), c.want, tol(T, C / H), 0, `v${version} step 2 out`);
    });
  }

  it('the bench checks pass', async () => {
    for (const c of checks) expect(await c.run(gpu), `${c.kernel} ${c.version} ${c.shape}`).toBeLessThanOrEqual(c.tolerance);
  });

  it('refuses bad shapes and tensors too small for the shape, with clear errors', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n);
    const seqs = gpu.tensorU32('seqs', new Uint32Array(2 * SEQ_STRIDE));
    const run = (S: number, T: number, C: number, H: number, Tp: number, prefix = t(1200, 'prefix')) => () => attention_decode(gpu, t(1200), t(1200), t(1200), prefix, seqs, S, T, C, H, Tp);
    expect(run(0, 4, 8, 2, 2)).toThrow(/S, T, C, H, Tp must be integers >= 1 \(got S=0/);
    expect(run(2, 4, 6, 4, 2)).toThrow(/C=6 is not divisible by H=4/);
    expect(run(2, 4, 258, 2, 1)).toThrow(/head size C\/H = 129 exceeds the supported maximum of 128/);
    expect(run(3, 4, 8, 2, 2)).toThrow(/seqs "seqs" has 16 floats, needs 24 for S=3 T=4 C=8 H=2 Tp=2/);
    expect(run(2, 100, 8, 2, 2)).toThrow(/cache "t" has 1200 floats, needs 3200/);
    expect(run(2, 4, 8, 2, 2, t(47, 'prefix'))).toThrow(/prefix "prefix" has 47 floats, needs 48/);
    expect(run(2, 4, 8, 2, 2, t(50, 'prefix'))).toThrow(/not a whole number of \(Tp,3C\) = \(2,24\) rows/);
    const T = gpu.limits.maxComputeWorkgroupStorageSize / 4, big = gpu.tensor('big', 2 * T * 16);
    expect(() => attention_decode(gpu, big, big, big, gpu.tensor('prefix', 24), seqs, 2, T, 8, 2, 1, { version: 2 })).toThrow(new RegExp(`v2 keeps T=${T} scores in workgroup memory`));
  });
});
