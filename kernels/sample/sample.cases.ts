import {
  seededArray,
  type BenchCase,
  type CheckCase,
  type CheckOutput,
} from '../../src/gpu/cases.ts';
import type { Gpu } from '../../src/gpu/context.ts';
import {
  sample,
  sample_bytes,
  sample_flops,
  sample_params,
  sample_versions,
  sample_write_params,
  type SampleParams,
  type SampleVersion,
} from './sample.ts';
import * as cpu from './sample.cpu.ts';
import { SEQ_STRIDE, seqs_table, type SeqRow } from './seqs.ts';

const versions = Object.keys(sample_versions).map(Number) as SampleVersion[];

/** S running sequences of 64 questions × S/64 samples, all at position 20 after a prompt of 8. */
function seqsFor(S: number): Uint32Array {
  return seqs_table(
    Array.from({ length: S }, (_, s) => ({
      prefix_row: s % 64,
      question: s % 64,
      sample: Math.floor(s / 64),
      prefix_len: 8,
      pos: 20,
      done: 0,
      n_gen: 13,
    })),
  );
}

// A decode step's sampling at bench scale: S = 1024 sequences, a character vocabulary of 52. The eos is out of
// the vocabulary and T, maxNew are large, and seqs is rewritten before every run, so no row ever finishes.
const [S, V, MAX_NEW] = [1024, 52, 32];
const SETTINGS: [string, SampleParams][] = [
  [
    'temperature=1',
    { seed: 1, temperature: 1, topK: 0, topP: 1, eos: V, T: 1 << 20, maxNew: 1 << 20 },
  ],
  [
    'temperature=0.7 top_k=10 top_p=0.9',
    { seed: 1, temperature: 0.7, topK: 10, topP: 0.9, eos: V, T: 1 << 20, maxNew: 1 << 20 },
  ],
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
      const tokens = gpu.tensor('tokens', S),
        generated = gpu.tensor('generated', S * MAX_NEW),
        seqs = gpu.tensorU32('seqs', table);
      const logits = gpu.tensor('logits', S * V, seededArray(S * V, 1, -4, 4)),
        buf = sample_params(gpu);
      sample_write_params(gpu, buf, params);
      return {
        record: () => {
          gpu.device.queue.writeBuffer(
            seqs.buffer,
            seqs.offset,
            table.buffer,
            table.byteOffset,
            table.byteLength,
          );
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

// Knobs that never stop a sequence (eos outside the vocabulary, room for any number of tokens).
export const OPEN: SampleParams = {
  seed: 1,
  temperature: 1,
  topK: 0,
  topP: 1,
  eos: 1 << 20,
  T: 1 << 20,
  maxNew: 1 << 20,
};
// Below this relative margin (sample_choose) float32 may round a decision the other way; above it, it must not.
export const BOUNDARY = 1e-5;

/** S running rows: question s, sample 0, at position `pos` (prompt of 1). */
export function rows(S: number, f: (s: number) => Partial<SeqRow> = () => ({})): SeqRow[] {
  return Array.from({ length: S }, (_, s) => ({
    prefix_row: 0,
    question: s,
    sample: 0,
    prefix_len: 1,
    pos: 5,
    done: 0,
    n_gen: 0,
    ...f(s),
  }));
}

/** Run sample on the GPU from the given state; return what it left in tokens, generated and seqs. */
export async function onGpu(
  gpu: Gpu,
  table: Uint32Array,
  logits: ArrayLike<number>,
  p: SampleParams,
  V: number,
  maxNew: number,
  opts: {
    prefillT?: number;
    version?: SampleVersion;
    tokens?: Uint32Array;
    generated?: Uint32Array;
  } = {},
) {
  const S = table.length / SEQ_STRIDE;
  const tokens = gpu.tensorU32('tokens', opts.tokens ?? new Uint32Array(S)),
    generated = gpu.tensorU32('generated', opts.generated ?? new Uint32Array(S * maxNew));
  const seqs = gpu.tensorU32('seqs', table),
    buf = sample_params(gpu);
  sample_write_params(gpu, buf, p);
  sample(
    gpu,
    tokens,
    generated,
    seqs,
    gpu.tensor('logits', logits.length, logits),
    buf,
    S,
    V,
    maxNew,
    { prefillT: opts.prefillT, version: opts.version },
  );
  const out = {
    tokens: await gpu.readU32(tokens),
    generated: await gpu.readU32(generated),
    seqs: await gpu.readU32(seqs),
  };
  [tokens, generated, seqs].forEach((t) => t.buffer.destroy());
  buf.destroy();
  return out;
}

/** The same on the float64 reference. */
export function onCpu(
  table: Uint32Array,
  logits: ArrayLike<number>,
  p: SampleParams,
  V: number,
  maxNew: number,
  opts: { prefillT?: number; tokens?: Uint32Array; generated?: Uint32Array } = {},
) {
  const S = table.length / SEQ_STRIDE;
  const out = {
    tokens: Uint32Array.from(opts.tokens ?? new Uint32Array(S)),
    generated: Uint32Array.from(opts.generated ?? new Uint32Array(S * maxNew)),
    seqs: Uint32Array.from(table),
  };
  const margins = cpu.sample(out.tokens, out.generated, out.seqs, logits, p, S, V, maxNew, {
    prefillT: opts.prefillT,
  });
  return { ...out, margins };
}

// ---- the checks (test/kernels/sample.test.ts adds the statistics, determinism and bookkeeping by hand)

const CHECK_V = 52;
const CHECK_SETTINGS: [string, Partial<SampleParams>][] = [
  ['greedy', { temperature: 0 }],
  ['temperature 0.5', { temperature: 0.5 }],
  ['temperature 1', { temperature: 1 }],
  ['temperature 2', { temperature: 2 }],
  ['top_k 5', { temperature: 1, topK: 5 }],
  ['top_k 1', { temperature: 1.5, topK: 1 }],
  ['top_k >= V (off)', { temperature: 1, topK: CHECK_V + 3 }],
  ['top_p 0.9', { temperature: 0.7, topP: 0.9 }],
  ['top_k 10 + top_p 0.6', { temperature: 1.3, topK: 10, topP: 0.6 }],
];

/** Token, generated slots and seqs words of the rows the reference does not put within BOUNDARY of a decision. */
function decided(
  got: Awaited<ReturnType<typeof onGpu>>,
  want: ReturnType<typeof onCpu>,
  maxNew: number,
  label: string,
): CheckOutput[] {
  const keep = (a: Uint32Array, k: number) =>
    Array.from(a).filter((_, i) => !(want.margins[Math.floor(i / k)]! < BOUNDARY));
  return [
    { what: `${label}tokens`, got: keep(got.tokens, 1), want: keep(want.tokens, 1) },
    {
      what: `${label}generated`,
      got: keep(got.generated, maxNew),
      want: keep(want.generated, maxNew),
    },
    { what: `${label}seqs`, got: keep(got.seqs, SEQ_STRIDE), want: keep(want.seqs, SEQ_STRIDE) },
  ];
}

// Tokens are integers: every one that the reference decides clearly must agree exactly (atol 0). Below a
// relative margin of 1e-5 float32 may round a draw the other way; those rows are counted, not compared.
export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => [
  ...[false, true].map((ties): CheckCase => ({
    kernel: 'sample',
    version: `v${version}`,
    shape: `S=600 V=${CHECK_V}, nine settings from greedy to top_k + top_p, random logits${ties ? ' with many exact ties' : ''}`,
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const S = 600,
        V = CHECK_V;
      // Ties: logits on a grid of 0.5 in [-3, 3], so most rows have tied tokens, at the top too.
      const logits = Float64Array.from(seededArray(S * V, ties ? 21 : 20, -4, 4), (x) =>
        ties ? Math.round(x) / 2 : x,
      );
      const table = seqs_table(
        rows(S, (s) => ({ question: 1000 + s, sample: s % 7, pos: 1 + (s % 40) })),
      );
      const outputs: CheckOutput[] = [];
      let boundary = 0;
      for (const [what, q] of CHECK_SETTINGS) {
        const p = { ...OPEN, seed: 5, ...q };
        const want = onCpu(table, logits, p, V, 4);
        if (q.temperature === 0 && !want.margins.every((m) => m === Infinity))
          throw new Error('greedy draws must never be near a boundary');
        boundary += want.margins.filter((m) => m < BOUNDARY).length;
        outputs.push(
          ...decided(await onGpu(gpu, table, logits, p, V, 4, { version }), want, 4, `${what}: `),
        );
      }
      // With ~52 boundaries per row, a margin below 1e-5 happens to ~1e-3 of rows: a handful at most.
      outputs.push({
        what: 'rows within 1e-5 of a boundary',
        got: [boundary],
        want: [0],
        atol: 0.005 * S * CHECK_SETTINGS.length,
      });
      return outputs;
    },
  })),
  {
    kernel: 'sample',
    version: `v${version}`,
    shape: `S=200 V=${CHECK_V} temperature 0, integer logits (ties everywhere): the argmax, lowest index on ties`,
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const S = 200,
        V = CHECK_V;
      const logits = Float64Array.from(seededArray(S * V, 22, -3, 3), (x) => Math.round(x)); // 7 values
      const got = await onGpu(gpu, seqs_table(rows(S)), logits, { ...OPEN, temperature: 0 }, V, 1, {
        version,
      });
      const want = Array.from({ length: S }, (_, s) => {
        const row = Array.from(logits.subarray(s * V, (s + 1) * V));
        return row.indexOf(Math.max(...row));
      });
      return [{ what: 'tokens', got: got.tokens, want }];
    },
  },
  {
    kernel: 'sample',
    version: `v${version}`,
    shape: `S=300 V=${CHECK_V} temperature=0.8 top_k=20 top_p=0.95 eos=3 T=64, every 17th row done`,
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const [n, v, maxNew] = [300, CHECK_V, 4];
      const params: SampleParams = {
        seed: 7,
        temperature: 0.8,
        topK: 20,
        topP: 0.95,
        eos: 3,
        T: 64,
        maxNew: 3,
      };
      const table = seqs_table(
        Array.from({ length: n }, (_, s) => ({
          prefix_row: 0,
          question: s,
          sample: s % 5,
          prefix_len: 4,
          pos: 3 + (s % 61),
          done: s % 17 === 0 ? 1 : 0,
          n_gen: s % 3,
        })),
      );
      const logits = seededArray(n * v, 2, -4, 4),
        tokens = new Uint32Array(n).fill(99);
      const want = onCpu(table, logits, params, v, maxNew, { tokens });
      return decided(
        await onGpu(gpu, table, logits, params, v, maxNew, { version, tokens }),
        want,
        maxNew,
        '',
      );
    },
  },
]);
