// Sampling throughput for `npx t2lab bench`: one decode step (every layer for S sequences' newest tokens
// against the KV cache, then the GPU sampler) at S = 1 … 1024 sequences decoded together, against the
// same S new tokens made WITHOUT a cache (the full forward over each sequence's whole context, what a
// decoder without a cache recomputes per token). tokens/s of the two rows at one S is the cache's gain.
// Model: the default `t2lab train` GPT (L=2, C=64, H=4, T=64); every sequence sits at position 32 with
// a 16-token prompt shared per question, the middle of a typical answer's generation.
// Packed (a sweep's runs that end together sample side by side): R = 1, 2, 4, 8 models of S = 256
// sequences each in one step; tokens/s counts every run's, so the rows' ratio is what packing gains.
import type { BenchCase } from '../gpu/cases.ts';
import type { ModelShape } from '../config.ts';
import { GPT } from '../model/gpt.ts';
import { gpuOps } from '../model/ops.gpu.ts';
import { Decoder } from './decoder.ts';
import { SEQ, SEQ_STRIDE } from '../../kernels/sample/seqs.ts';
import { VOCAB_SIZE, EOS } from '../data/tokenizer.ts';
import { attention_decode_flops } from '../../kernels/attention_decode/attention_decode.ts';
import { attention_forward_flops } from '../../kernels/attention/attention.ts';

const shape: ModelShape = {
  vocab_size: VOCAB_SIZE,
  n_layer: 2,
  n_embd: 64,
  n_head: 4,
  block_size: 64,
};
const PROMPT = 16,
  POS = 32;
const SIZES = [1, 16, 64, 256, 1024];

/** Matmul FLOPs per token of one forward pass (qkv, proj, MLP, unembedding). */
const matmulFlops = (s: ModelShape) =>
  s.n_layer * 2 * s.n_embd * 12 * s.n_embd + 2 * s.n_embd * s.vocab_size;

/** One decode step of R models (a pack when R > 1) with S sequences each. */
const decodeStep = (S: number, R = 1): BenchCase => ({
  kernel: 'decode_step',
  version: R === 1 ? 'kv-cache' : `kv-cache pack R=${R}`,
  shape: `S=${S}${R === 1 ? '' : ' per run'} L=2 C=64 pos=${POS}`,
  flops:
    R *
    (S * matmulFlops(shape) +
      shape.n_layer * attention_decode_flops(S, POS + 1, shape.n_embd, shape.n_head)),
  bytes: 0,
  tokens: R * S,
  setup(gpu) {
    const ops = gpuOps(gpu);
    const questions = Math.max(1, S >> 4); // 16 samples per question share a prompt
    const prefill = new GPT(ops, shape, questions, undefined, R);
    for (let r = 0; r < R; r++) prefill.init(1 + r, r);
    const decoder = new Decoder(ops, shape, prefill.paramsFlat, S, 64, R);
    const table = new Uint32Array(R * S * SEQ_STRIDE);
    for (let r = 0; r < R; r++)
      for (let s = 0; s < S; s++) {
        const row = (r * S + s) * SEQ_STRIDE;
        table[row + SEQ.prefix_row] = r * questions + (s % questions);
        table[row + SEQ.question] = s % questions;
        table[row + SEQ.sample] = s;
        table[row + SEQ.prefix_len] = PROMPT;
        table[row + SEQ.pos] = POS;
      }
    ops.writeU32(decoder.seqs, table);
    const prefix = Array.from({ length: shape.n_layer }, (_, l) => prefill.acts[`h${l}.qkv`]!);
    // eos out of the vocabulary: no sequence stops during the timed steps.
    const params = {
      seed: 1,
      temperature: 1,
      topK: 0,
      topP: 1,
      eos: VOCAB_SIZE + EOS,
      T: shape.block_size,
      maxNew: 64,
    };
    return {
      record: () => {
        decoder.step(prefix, shape.block_size);
        decoder.sample(decoder.acts.logits!, params, 0);
      },
      dispose: () => ops.dispose(),
    };
  },
});

const noCache = (S: number): BenchCase => {
  const ctx: ModelShape = { ...shape, block_size: POS + 1 };
  return {
    kernel: 'decode_step',
    version: 'no-cache',
    shape: `S=${S} L=2 C=64 pos=${POS}`,
    flops:
      S * (POS + 1) * matmulFlops(ctx) +
      ctx.n_layer * attention_forward_flops(S, POS + 1, ctx.n_embd, ctx.n_head),
    bytes: 0,
    tokens: S,
    setup(gpu) {
      const ops = gpuOps(gpu);
      const gpt = new GPT(ops, ctx, S);
      gpt.init(1);
      gpt.setBatch(
        new Uint32Array(S * ctx.block_size).fill(2),
        new Uint32Array(S * ctx.block_size).fill(3),
      );
      return { record: () => gpt.forward(), dispose: () => ops.dispose() };
    },
  };
};

export const bench: BenchCase[] = [
  ...SIZES.flatMap((S) => [decodeStep(S), noCache(S)]),
  ...[2, 4, 8].map((R) => decodeStep(256, R)),
];
