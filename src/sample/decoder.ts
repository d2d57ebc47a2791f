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
//
// A pack (`runs` = R > 1): R models of one shape, run r's parameters r·P floats after run 0's (the layout of
// a PackTrainer), decode S sequences each in the same dispatches, run r's rows after run r-1's; the kernels
// with parameters take the pack's Runs, the others see R·S sequences. A sequence's numbers never depend on
// its pack (each kernel's pack test), so a run's samples are the bits it draws alone.
import type { ModelShape } from '../config.ts';
import type { MatmulRuns, Ops, Runs, SampleParams } from '../model/ops.ts';
import { fcGelu, paramLayout } from '../model/gpt.ts';
import { SEQ_STRIDE } from '../../kernels/sample/seqs.ts';

/** Buffers come from `ops.alloc`; the backend's dispose() frees them with the rest of the run's. */
export class Decoder<T> {
  readonly params: Record<string, T> = {};
  readonly acts: Record<string, T> = {};
  /** Per layer (R·S, T, 2C): keys and values of generated positions. */
  readonly caches: T[] = [];
  /** (R·S): each sequence's newest token; (R·S·8): the seqs table; (R·S·maxNew): generated tokens. */
  readonly tokens: T;
  readonly seqs: T;
  readonly generated: T;
  /** One run's flat parameter length: the run stride of every parameter. */
  readonly P: number;

  /** `S`: sequences per run; `paramsFlat`: `runs` models' parameters, run after run. */
  constructor(
    readonly ops: Ops<T>,
    readonly shape: ModelShape,
    paramsFlat: T,
    readonly S: number,
    readonly maxNew: number,
    readonly runs = 1,
  ) {
    const { n_layer: L, n_embd: C, vocab_size: V, block_size: T } = shape;
    const { specs, total } = paramLayout(shape, ops.align);
    this.P = total;
    for (const p of specs)
      this.params[p.name] = ops.view(paramsFlat, p.offset, (runs - 1) * total + p.length, p.name);
    const R = runs;
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
      this.acts[name] = ops.alloc(`decode.${name}`, R * n);
    }
    for (let l = 0; l < L; l++) this.caches.push(ops.alloc(`decode.h${l}.kv`, R * S * T * 2 * C));
    this.tokens = ops.alloc('decode.tokens', R * S);
    this.seqs = ops.alloc('decode.seqs', R * S * SEQ_STRIDE);
    this.generated = ops.alloc('decode.generated', R * S * maxNew);
  }

  /** The pack's Runs for kernels with parameters, or undefined for a model alone. */
  private pack(): Runs | undefined {
    return this.runs === 1 ? undefined : { R: this.runs, P: this.P };
  }

  /** A pack's strides for an (S·K)·(K·N) product of each run: weights per run (stride P), rows run after run. */
  private strides(S: number, K: number, N: number): MatmulRuns | undefined {
    return this.runs === 1
      ? undefined
      : { R: this.runs, a: S * K, b: this.P, out: S * N, bias: this.P };
  }

  /** y = x·wᵀ + b for S rows of each run. */
  private linear(y: T, x: T, w: T, b: T | null, S: number, K: number, N: number): void {
    this.ops.matmul(y, x, w, b, S, K, N, { transB: true, runs: this.strides(S, K, N) });
  }

  /**
   * Feed the first `S` sequences of each run (rows r·S .. r·S + S - 1) their newest token (tokens[s] at
   * seqs[s].pos) through the model; logits land in acts.logits (R·S, V). `prefix[l]` is layer l's prefill
   * qkv (R·Q, Tp, 3C).
   */
  step(prefix: T[], Tp: number, S = this.S): void {
    const { ops, acts: a, params: p } = this;
    const { n_layer: L, n_embd: C, n_head: H, vocab_size: V, block_size: T } = this.shape;
    const pk = this.pack();
    const RS = this.runs * S;
    const mlp = this.strides(S, C, 4 * C);
    ops.encoder_decode(a.x!, this.tokens, this.seqs, p.wte!, p.wpe!, S, C, pk);
    for (let l = 0; l < L; l++) {
      const w = (n: string) => p[`h${l}.${n}`]!;
      ops.layernorm_forward(a.ln!, a.ln_mean!, a.ln_rstd!, a.x!, w('ln1w'), w('ln1b'), S, C, pk);
      this.linear(a.qkv!, a.ln!, w('qkvw'), w('qkvb'), S, C, 3 * C);
      ops.attention_decode(
        a.atty!,
        this.caches[l]!,
        a.qkv!,
        prefix[l]!,
        this.seqs,
        RS,
        T,
        C,
        H,
        Tp,
      );
      this.linear(a.attproj!, a.atty!, w('attprojw'), w('attprojb'), S, C, C);
      ops.residual_forward(a.residual2!, a.x!, a.attproj!, RS * C);
      ops.layernorm_forward(
        a.ln!,
        a.ln_mean!,
        a.ln_rstd!,
        a.residual2!,
        w('ln2w'),
        w('ln2b'),
        S,
        C,
        pk,
      );
      fcGelu(ops, ops.fuse_gelu, a.fch!, a.fch_gelu!, a.ln!, w('fcw'), w('fcb'), S, C, mlp); // as the training step does
      this.linear(a.fcproj!, a.fch_gelu!, w('fcprojw'), w('fcprojb'), S, 4 * C, C);
      ops.residual_forward(a.x!, a.residual2!, a.fcproj!, RS * C); // x ← residual3: x is free again, residual2 holds the stream
    }
    ops.layernorm_forward(a.ln!, a.ln_mean!, a.ln_rstd!, a.x!, p.lnfw!, p.lnfb!, S, C, pk);
    this.linear(a.logits!, a.ln!, p.wte!, null, S, C, V);
  }

  /** Draw the next token of each run's first S running sequences from `logits` (the prefill's when prefillT > 0). */
  sample(logits: T, params: SampleParams, prefillT: number, S = this.S): void {
    this.ops.sample(
      this.tokens,
      this.generated,
      this.seqs,
      logits,
      params,
      this.runs * S,
      this.shape.vocab_size,
      this.maxNew,
      prefillT,
    );
  }
}
