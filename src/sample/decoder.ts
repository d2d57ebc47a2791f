// Batched decoding with a key/value cache, written once against Ops<T> like the GPT (so the CPU backend
// decodes too, and the tests compare the two).
//
// The prefill is the ordinary GPT forward over each question's text (prompt + gold answer + EOS, padded to
// the block): one pass gives the teacher-forced loss of the gold answer (p_i) and, at positions before the
// prompt's end, every layer's keys and values. Those are the SHARED prefix cache: attention_decode reads a
// sequence's prompt keys straight from the prefill's qkv activation of its question (causality makes the
// answer tokens after the prompt invisible to them), so k samples of one question share one copy.
// Each decoded sequence owns cache rows only for the tokens it generates.
//
// One decode step feeds every sequence's newest token at its own position through all layers with M = S
// rows, then `sample` draws the next token on the GPU. Sequences stop at EOS or their length limit; the
// host looks at the `seqs` table only every few steps.
import type { ModelShape } from '../config.ts';
import type { Ops, SampleParams } from '../model/ops.ts';
import { fcGelu, paramLayout } from '../model/gpt.ts';
import { SEQ_STRIDE } from '../../kernels/sample/seqs.ts';

/** Buffers come from `ops.alloc`; the backend's dispose() frees them with the rest of the run's. */
export class Decoder<T> {
  readonly params: Record<string, T> = {};
  readonly acts: Record<string, T> = {};
  /** Per layer (S, T, 2C): keys and values of generated positions. */
  readonly caches: T[] = [];
  /** (S): each sequence's newest token; (S·8): the seqs table; (S·maxNew): generated tokens. */
  readonly tokens: T;
  readonly seqs: T;
  readonly generated: T;

  constructor(
    readonly ops: Ops<T>,
    readonly shape: ModelShape,
    paramsFlat: T,
    readonly S: number,
    readonly maxNew: number,
  ) {
    const { n_layer: L, n_embd: C, vocab_size: V, block_size: T } = shape;
    for (const p of paramLayout(shape, ops.align).specs)
      this.params[p.name] = ops.view(paramsFlat, p.offset, p.length, p.name);
    for (const [name, n] of [
      ['x', S * C],
      ['ln', S * C],
      ['ln_mean', S],
      ['ln_rstd', S],
      ['qkv', S * 3 * C],
      ['atty', S * C],
      ['attproj', S * C],
      ['residual2', S * C],
      ['fch', S * 4 * C],
      ['fch_gelu', S * 4 * C],
      ['fcproj', S * C],
      ['residual3', S * C],
      ['logits', S * V],
    ] as const) {
      this.acts[name] = ops.alloc(`decode.${name}`, n);
    }
    for (let l = 0; l < L; l++) this.caches.push(ops.alloc(`decode.h${l}.kv`, S * T * 2 * C));
    this.tokens = ops.alloc('decode.tokens', S);
    this.seqs = ops.alloc('decode.seqs', S * SEQ_STRIDE);
    this.generated = ops.alloc('decode.generated', S * maxNew);
  }

  /**
   * Feed each of the first `S` sequences' newest token (tokens[s] at seqs[s].pos) through the model;
   * logits land in acts.logits (S, V). `prefix[l]` is layer l's prefill qkv (Q, Tp, 3C).
   */
  step(prefix: T[], Tp: number, S = this.S): void {
    const { ops, acts: a, params: p } = this;
    const { n_layer: L, n_embd: C, n_head: H, vocab_size: V, block_size: T } = this.shape;
    ops.encoder_decode(a.x!, this.tokens, this.seqs, p.wte!, p.wpe!, S, C);
    for (let l = 0; l < L; l++) {
      const w = (n: string) => p[`h${l}.${n}`]!;
      ops.layernorm_forward(a.ln!, a.ln_mean!, a.ln_rstd!, a.x!, w('ln1w'), w('ln1b'), S, C);
      ops.matmul(a.qkv!, a.ln!, w('qkvw'), w('qkvb'), S, C, 3 * C, { transB: true });
      ops.attention_decode(a.atty!, this.caches[l]!, a.qkv!, prefix[l]!, this.seqs, S, T, C, H, Tp);
      ops.matmul(a.attproj!, a.atty!, w('attprojw'), w('attprojb'), S, C, C, { transB: true });
      ops.residual_forward(a.residual2!, a.x!, a.attproj!, S * C);
      ops.layernorm_forward(
        a.ln!,
        a.ln_mean!,
        a.ln_rstd!,
        a.residual2!,
        w('ln2w'),
        w('ln2b'),
        S,
        C,
      );
      fcGelu(ops, ops.fuse_gelu, a.fch!, a.fch_gelu!, a.ln!, w('fcw'), w('fcb'), S, C); // as the training step does
      ops.matmul(a.fcproj!, a.fch_gelu!, w('fcprojw'), w('fcprojb'), S, 4 * C, C, { transB: true });
      ops.residual_forward(a.x!, a.residual2!, a.fcproj!, S * C); // x ← residual3: x is free again, residual2 holds the stream
    }
    ops.layernorm_forward(a.ln!, a.ln_mean!, a.ln_rstd!, a.x!, p.lnfw!, p.lnfb!, S, C);
    ops.matmul(a.logits!, a.ln!, p.wte!, null, S, C, V, { transB: true });
  }

  /** Draw the next token of every running sequence from `logits` (the prefill's when prefillT > 0). */
  sample(logits: T, params: SampleParams, prefillT: number, S = this.S): void {
    this.ops.sample(
      this.tokens,
      this.generated,
      this.seqs,
      logits,
      params,
      S,
      this.shape.vocab_size,
      this.maxNew,
      prefillT,
    );
  }
}
