import { seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import { sample, sample_bytes, sample_flops, sample_params, sample_versions, sample_write_params, type SampleParams, type SampleVersion } from './sample.ts';
import * as cpu from './sample.cpu.ts';
import { seqs_table } from './seqs.ts';

const versions = Object.keys(sample_versions).map(Number) as SampleVersion[];

/** S running sequences of 64 questions × S/64 samples, all at position 20 after a prompt of 8. */
function seqsFor(S: number): Uint32Array {
  return seqs_table(Array.from({ length: S }, (_, s) => ({ prefix_row: s % 64, question: s % 64, sample: Math.floor(s / 64), prefix_len: 8, pos: 20, done: 0, n_gen: 13 })));
}

// A decode step's sampling at bench scale: S = 1024 sequences, a character vocabulary of 52. The eos is out of
// the vocabulary and T, maxNew are large, and seqs is rewritten before every run, so no row ever finishes.
const [S, V, MAX_NEW] = [1024, 52, 32];
const SETTINGS: [string, SampleParams][] = [
  ['temperature=1', { seed: 1, temperature: 1, topK: 0, topP: 1, eos: V, T: 1 << 20, maxNew: 1 << 20 }],
  ['temperature=0.7 top_k=10 top_p=0.9', { seed: 1, temperature: 0.7, topK: 10, topP: 0.9, eos: V, T: 1 << 20, maxNew: 1 << 20 }],
];

export const bench: BenchCase[] = SETTINGS.flatMap(([what, params]) =>
  versions.map((version): BenchCase => ({
    kernel: 'sample',
    version: `v${version}`,
    shape: `S=${S} V=${V} ${what}`,
    flops: sample_flops(S, V),
    bytes: sample_bytes(S, V),
    tokens: S,
    setup(gpu) {
      const table = seqsFor(S);
      const tokens = gpu.tensor('tokens', S), generated = gpu.tensor('generated', S * MAX_NEW), seqs = gpu.tensorU32('seqs', table);
      const logits = gpu.tensor('logits', S * V, seededArray(S * V, 1, -4, 4)), buf = sample_params(gpu);
      sample_write_params(gpu, buf, params);
      return {
        record: () => {
          gpu.device.queue.writeBuffer(seqs.buffer, seqs.offset, table.buffer, table.byteOffset, table.byteLength);
          sample(gpu, tokens, generated, seqs, logits, buf, S, V, MAX_NEW, { version });
        },
        dispose: () => {
          [tokens, generated, seqs, logits].forEach((t) => t.buffer.destroy());
          buf.destroy();
        },
      };
    },
  })),
);

// GPU against the float64 reference over 300 rows with top_k and top_p on: every token, generated slot and
// seqs word must agree, except rows the reference marks as within 1e-5 of a decision boundary (float32 territory).
export const checks: CheckCase[] = versions.map((version): CheckCase => {
  const [n, v, maxNew] = [300, 52, 4];
  const params: SampleParams = { seed: 7, temperature: 0.8, topK: 20, topP: 0.95, eos: 3, T: 64, maxNew: 3 };
  return {
    kernel: 'sample',
    version: `v${version}`,
    shape: `S=${n} V=${v} temperature=0.8 top_k=20 top_p=0.95, mismatched rows`,
    tolerance: 0,
    async run(gpu) {
      const table = seqs_table(Array.from({ length: n }, (_, s) => ({ prefix_row: 0, question: s, sample: s % 5, prefix_len: 4, pos: 3 + (s % 61), done: s % 17 === 0 ? 1 : 0, n_gen: s % 3 })));
      const logits = seededArray(n * v, 2, -4, 4);
      const want = { tokens: new Uint32Array(n).fill(99), generated: new Uint32Array(n * maxNew), seqs: Uint32Array.from(table) };
      const margins = cpu.sample(want.tokens, want.generated, want.seqs, logits, params, n, v, maxNew);
      const g = { tokens: gpu.tensorU32('tokens', new Uint32Array(n).fill(99)), generated: gpu.tensor('generated', n * maxNew), seqs: gpu.tensorU32('seqs', table) };
      const buf = sample_params(gpu);
      sample_write_params(gpu, buf, params);
      sample(gpu, g.tokens, g.generated, g.seqs, gpu.tensor('logits', n * v, logits), buf, n, v, maxNew, { version });
      const got = { tokens: await gpu.readU32(g.tokens), generated: await gpu.readU32(g.generated), seqs: await gpu.readU32(g.seqs) };
      buf.destroy();
      let bad = 0;
      for (let s = 0; s < n; s++) {
        if (margins[s]! < 1e-5) continue;
        const same = (a: Uint32Array, b: Uint32Array, k: number) => a.subarray(s * k, (s + 1) * k).every((x, i) => x === b[s * k + i]);
        if (!(same(got.tokens, want.tokens, 1) && same(got.generated, want.generated, maxNew) && same(got.seqs, want.seqs, 8))) bad++;
      }
      return bad;
    },
  };
});
