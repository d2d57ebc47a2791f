// The per-sequence table `seqs` that every decode kernel reads (encoder_decode, attention_decode) and
// `sample` updates: u32, SEQ_STRIDE words per decoded sequence s, one row per sequence of the batch.
// The WGSL side is `struct Seq` in seqs.wgsl (same field order), appended to each decode kernel by its
// launcher; this file is the one place that says what the words mean, for the launchers, the CPU
// references and the decoder.
//
// A row whose `done` is 1 is left untouched by every decode kernel: after the context fills, its pos
// is T (one past the last position), so recomputing it would read and write out of its own range.

import seqsWgsl from './seqs.wgsl?raw';

/** `struct Seq` in WGSL, appended to the kernels that read seqs (KernelSpec.append). */
export const SEQ_WGSL: string = seqsWgsl;

export const SEQ_STRIDE = 8;

/** Word index of each field within a row. */
export const SEQ = {
  prefix_row: 0, // row of the prefill batch holding this sequence's prompt (batch-local question index)
  question: 1, // global question id: an RNG key, never batch-local
  sample: 2, // sample index within its question: an RNG key
  prefix_len: 3, // prompt length P >= 1
  pos: 4, // position of the sequence's last token: the one fed in a decode step, whose logits are sampled next; P-1 after prefill
  done: 5, // 0 running, 1 finished (eos, max_new tokens, or the context is full)
  n_gen: 6, // tokens generated so far
  reserved: 7, // 0
} as const;

export interface SeqRow {
  prefix_row: number;
  question: number;
  sample: number;
  prefix_len: number;
  pos: number;
  done: number;
  n_gen: number;
}

/** The table for `rows` (reserved words 0). Every field must be a u32. */
export function seqs_table(rows: readonly SeqRow[]): Uint32Array {
  const out = new Uint32Array(rows.length * SEQ_STRIDE);
  rows.forEach((r, s) => {
    for (const k of Object.keys(SEQ) as (keyof typeof SEQ)[]) {
      if (k === 'reserved') continue;
      const v = r[k];
      if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff))
        throw new Error(`seqs_table: row ${s} ${k} = ${v} is not a u32`);
      out[s * SEQ_STRIDE + SEQ[k]] = v;
    }
    if (r.prefix_len < 1)
      throw new Error(`seqs_table: row ${s} prefix_len must be >= 1 (got ${r.prefix_len})`);
  });
  return out;
}

/** The rows of a table (as read back with gpu.readU32). */
export function seqs_parse(table: ArrayLike<number>): SeqRow[] {
  if (table.length % SEQ_STRIDE !== 0)
    throw new Error(`seqs_parse: length ${table.length} is not a multiple of ${SEQ_STRIDE}`);
  const rows: SeqRow[] = [];
  for (let o = 0; o < table.length; o += SEQ_STRIDE) {
    rows.push({
      prefix_row: table[o + SEQ.prefix_row]!,
      question: table[o + SEQ.question]!,
      sample: table[o + SEQ.sample]!,
      prefix_len: table[o + SEQ.prefix_len]!,
      pos: table[o + SEQ.pos]!,
      done: table[o + SEQ.done]!,
      n_gen: table[o + SEQ.n_gen]!,
    });
  }
  return rows;
}
