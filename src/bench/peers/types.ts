// The peer benchmark's shared vocabulary: the cases (same inputs for every implementation) and the
// runner each implementation returns for a case.

/** One repetition at a time, the way the benchmark times it: run(), then await sync(). */
export interface Runner {
  /** Enqueue one repetition (a matmul, an attention forward, a full training step). */
  run(): void;
  /** Wait until the device has finished everything enqueued. */
  sync(): Promise<void>;
  /** What the last run produced: the output, or for a training step its loss. */
  result(): Promise<Float32Array>;
  dispose(): void;
  /** Which kernel version ran, when the implementation picks one (ours: "v4 rows=16"). */
  label?: string;
}

/** out = a·b, or a·bᵀ with b stored (N,K) as a linear layer's weight is. */
export interface MatmulCase {
  M: number;
  K: number;
  N: number;
  transB: boolean;
  a: Float32Array; // (M,K)
  b: Float32Array; // (K,N), or (N,K) when transB
}

/** Causal multi-head self-attention forward; out (B,T,C). */
export interface AttentionCase {
  B: number;
  T: number;
  C: number;
  H: number;
  qkv: Float32Array; // (B,T,3C): q, k, v in channels [0,C), [C,2C), [2C,3C); head h uses h·C/H..(h+1)·C/H of each
}

/** One named parameter of the GPT, laid out as src/model/gpt.ts names and shapes it. */
export interface NamedParam {
  name: string;
  shape: number[];
  decay: boolean; // AdamW weight decay applies
  data: Float32Array;
}

/** One full training step (forward, backward, global-norm clip, AdamW) of the same small GPT. */
export interface TrainCase {
  L: number;
  C: number;
  H: number;
  T: number;
  B: number;
  V: number;
  params: NamedParam[]; // the initial values, identical for every implementation
  tokens: Int32Array; // (B,T)
  targets: Int32Array; // (B,T), every position counted
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxNorm: number; // global-norm clip
}

/** An implementation: ours, or a peer library on the same adapter. */
export interface Implementation {
  name: string; // "t2lab", "jax-js", "tfjs"
  version: string;
  matmul(c: MatmulCase): Promise<Runner>;
  attention(c: AttentionCase): Promise<Runner>;
  trainStep(c: TrainCase): Promise<Runner>;
  dispose(): void;
}
