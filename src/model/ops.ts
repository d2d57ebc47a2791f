// The ops interface the GPT is written against, once. Two backends implement it: the WGSL kernels
// (ops.gpu.ts) and the float64 CPU references (ops.cpu.ts); the same model code runs on either,
// which is what makes the GPU-against-CPU test of every activation and gradient possible.
// Argument order everywhere: outputs, inputs, then shape letters (llm.c).
//
// A pack (Runs, src/gpu/kernel.ts): R runs of one model shape side by side, one dispatch per kernel. Kernels
// that hold parameters or per-run state take `runs`; the others see the R runs' batches as one bigger batch.
import type { AdamwHyper } from '../../kernels/adamw/adamw.ts';
import type { SampleParams } from '../../kernels/sample/sample.ts';
import type { MatmulRuns } from '../../kernels/matmul/matmul.ts';
import type { Runs } from '../gpu/kernel.ts';

export type { AdamwHyper, SampleParams, MatmulRuns, Runs };

export interface MatmulFlags<T = unknown> {
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  /** GELU forward epilogue: also store gelu(out) here (out keeps the pre-activation). */
  gelu_out?: T;
  /** GELU backward epilogue: multiply the product (+ bias) by gelu'(gelu_inp) before storing it (not with accumulate). */
  gelu_inp?: T;
  /** R products side by side (a pack), each operand its own stride. */
  runs?: MatmulRuns;
}

export interface Ops<T> {
  /** A zero-filled float tensor. */
  alloc(name: string, length: number): T;
  /** A view of floats [start, start+length) of `t`; start must be a multiple of `align`. */
  view(t: T, start: number, length: number, name: string): T;
  /** Float alignment of views (GPU binding offsets). */
  readonly align: number;
  /** Write `data` into `t` from float `start` (default 0). */
  write(t: T, data: ArrayLike<number>, start?: number): void;
  writeU32(t: T, data: Uint32Array, start?: number): void;
  read(t: T): Promise<Float64Array>;
  readU32(t: T): Promise<Uint32Array>;
  zero(t: T): void;
  /**
   * Whether the model applies GELU in the fc matmuls' epilogues (MatmulFlags gelu_out, gelu_inp) rather
   * than as gelu_forward / gelu_backward dispatches: one pass over the (B·T)×4C hidden layer fewer each way.
   */
  readonly fuse_gelu: boolean;
  /** Release every tensor this backend allocated (a run's buffers do not outlive it). */
  dispose(): void;

  matmul(
    out: T,
    a: T,
    b: T,
    bias: T | null,
    M: number,
    K: number,
    N: number,
    flags?: MatmulFlags<T>,
  ): void;
  /** dbias (N) += the column sums of dy (M,N): a linear layer's bias gradient. */
  matmul_backward_bias(dbias: T, dy: T, M: number, N: number, runs?: Runs): void;
  encoder_forward(
    out: T,
    tokens: T,
    wte: T,
    wpe: T,
    B: number,
    T: number,
    C: number,
    runs?: Runs,
  ): void;
  encoder_backward(
    dwte: T,
    dwpe: T,
    dout: T,
    tokens: T,
    B: number,
    T: number,
    C: number,
    V: number,
    runs?: Runs,
  ): void;
  layernorm_forward(
    out: T,
    mean: T,
    rstd: T,
    inp: T,
    weight: T,
    bias: T,
    N: number,
    C: number,
    runs?: Runs,
  ): void;
  layernorm_backward(
    dinp: T,
    dweight: T,
    dbias: T,
    dout: T,
    inp: T,
    weight: T,
    mean: T,
    rstd: T,
    N: number,
    C: number,
    runs?: Runs,
  ): void;
  attention_forward(out: T, lse: T, qkv: T, B: number, T: number, C: number, H: number): void;
  attention_backward(
    dqkv: T,
    scratch: T,
    dout: T,
    qkv: T,
    out: T,
    lse: T,
    B: number,
    T: number,
    C: number,
    H: number,
  ): void;
  gelu_forward(out: T, inp: T, n: number): void;
  gelu_backward(dinp: T, inp: T, dout: T, n: number): void;
  residual_forward(out: T, inp1: T, inp2: T, n: number): void;
  crossentropy_forward(losses: T, logits: T, targets: T, BT: number, V: number): void;
  crossentropy_backward(dlogits: T, logits: T, targets: T, dlosses: T, BT: number, V: number): void;
  /** norm = [‖grads‖₂, min(1, max_norm/‖grads‖₂)] (per run: norm[2r], norm[2r + 1]) */
  global_norm(norm: T, scratch: T, grads: T, n: number, max_norm: number, runs?: Runs): void;
  /** One step; a pack gives each run's values (hyper[r]). */
  adamw_update(
    params: T,
    grads: T,
    m: T,
    v: T,
    norm: T,
    hyper: AdamwHyper | AdamwHyper[],
    n: number,
    n_decay: number,
    runs?: Runs,
  ): void;

  // ---- decoding (kernels/encoder encoder_decode, kernels/attention_decode, kernels/sample); seqs: see sample.ts
  /** A pack's runs (`runs`) decode S sequences each, run r's rows after run r-1's. */
  encoder_decode(
    out: T,
    tokens: T,
    seqs: T,
    wte: T,
    wpe: T,
    S: number,
    C: number,
    runs?: Runs,
  ): void;
  attention_decode(
    out: T,
    cache: T,
    qkv: T,
    prefix: T,
    seqs: T,
    S: number,
    T: number,
    C: number,
    H: number,
    Tp: number,
  ): void;
  /** Draw each running sequence's next token; `params` is constant over a decode (one uniform buffer on the GPU). */
  sample(
    tokens: T,
    generated: T,
    seqs: T,
    logits: T,
    params: SampleParams,
    S: number,
    V: number,
    maxNew: number,
    prefillT: number,
  ): void;
}
