import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { seqs_table, type SeqRow } from '../sample/seqs.ts';
import { attention_decode, attention_decode_bytes, attention_decode_flops, attention_decode_versions, type AttentionDecodeVersion } from './attention_decode.ts';
import * as cpu from './attention_decode.cpu.ts';

const versions = Object.keys(attention_decode_versions).map(Number) as AttentionDecodeVersion[];

// One decode step of S = questions × 16 samples, every sequence at the end of its context (pos = T-1, the
// most keys), prompts of Tp = T/4. C=128 (4 heads of 32) up to S=64; C=64 at S=1024 keeps the cache (S,T,2C)
// within 128 MiB, the smallest maxStorageBufferBindingSize WebGPU guarantees.
const SHAPES = [1, 64, 1024].flatMap((S) => [64, 256].map((T) => ({ S, T, C: S > 64 ? 64 : 128, H: 4, Tp: T / 4, Q: Math.max(1, S / 16) })));

/** Rows for S sequences over Q prompts of length Tp, all at position pos. */
function rowsAt(S: number, Q: number, Tp: number, pos: number): SeqRow[] {
  return Array.from({ length: S }, (_, s) => ({ prefix_row: s % Q, question: s % Q, sample: Math.floor(s / Q), prefix_len: Tp, pos, done: 0, n_gen: pos - Tp + 1 }));
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
      const out = gpu.tensor('out', S * C), cache = gpu.tensor('cache', S * T * 2 * C, seededArray(S * T * 2 * C, 1));
      const qkv = gpu.tensor('qkv', S * 3 * C, seededArray(S * 3 * C, 2)), prefix = gpu.tensor('prefix', Q * Tp * 3 * C, seededArray(Q * Tp * 3 * C, 3));
      const seqs = gpu.tensorU32('seqs', seqs_table(rowsAt(S, Q, Tp, T - 1)));
      return {
        record: () => attention_decode(gpu, out, cache, qkv, prefix, seqs, S, T, C, H, Tp, { version }),
        dispose: () => [out, cache, qkv, prefix, seqs].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
);

// Past v2's 64 keys per pass (T=70), hs = 10, three prompts shared unevenly, one row done at pos = T.
const CHECK = { S: 7, T: 70, C: 30, H: 3, Tp: 9, Q: 3 };
const CHECK_ROWS: SeqRow[] = [
  [2, 9, 69], [0, 4, 4], [2, 9, 30], [1, 1, 66], [0, 4, 5], [1, 1, 1], [2, 9, 70],
].map(([prefix_row, prefix_len, pos], s) => ({ prefix_row: prefix_row!, question: prefix_row!, sample: s, prefix_len: prefix_len!, pos: pos!, done: pos === 70 ? 1 : 0, n_gen: 0 }));

export const checks: CheckCase[] = versions.map((version): CheckCase => {
  const { S, T, C, H, Tp, Q } = CHECK;
  return {
    kernel: 'attention_decode',
    version: `v${version}`,
    shape: `S=${S} T=${T} C=${C} H=${H} Tp=${Tp} out, cache`,
    tolerance: 2e-5,
    async run(gpu) {
      const seqs = seqs_table(CHECK_ROWS), qkv = seededArray(S * 3 * C, 2, -2, 2), prefix = seededArray(Q * Tp * 3 * C, 3, -2, 2);
      const want = { out: seededArray(S * C, 4), cache: seededArray(S * T * 2 * C, 1, -2, 2) };
      const out = gpu.tensor('out', S * C, want.out), cache = gpu.tensor('cache', S * T * 2 * C, want.cache);
      cpu.attention_decode(want.out, want.cache, qkv, prefix, seqs, S, T, C, H, Tp);
      attention_decode(gpu, out, cache, gpu.tensor('qkv', S * 3 * C, qkv), gpu.tensor('prefix', Q * Tp * 3 * C, prefix), gpu.tensorU32('seqs', seqs), S, T, C, H, Tp, { version });
      return Math.max(maxAbsDiff(await gpu.read(out), want.out), maxAbsDiff(await gpu.read(cache), want.cache));
    },
  };
});
