// matmul CPU reference, float64: out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]).
// A is (M,K), or (K,M) with transA; B is (K,N), or (N,K) with transB; out is (M,N).
// The GELU epilogues are the two references composed: gelu_out = gelu_forward(out) after the product;
// with gelu_inp the product (+ bias) goes through gelu_backward before it is stored.
import * as gelu from '../gelu/gelu.cpu.ts';

export interface MatmulCpuOptions {
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  gelu_out?: Float64Array; // (M,N): gelu(out), written after out
  gelu_inp?: Float64Array; // (M,N): the product (+ bias) is multiplied by gelu'(gelu_inp); not with accumulate (as on the GPU)
}

export function matmul(
  out: Float64Array,
  a: Float64Array,
  b: Float64Array,
  bias: Float64Array | null,
  M: number,
  K: number,
  N: number,
  opts: MatmulCpuOptions = {},
): void {
  if (opts.gelu_inp && opts.accumulate)
    throw new Error('matmul: gelu_inp (backward epilogue) cannot accumulate into out');
  const product = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const av = opts.transA ? a[k * M + m]! : a[m * K + k]!;
        const bv = opts.transB ? b[n * K + k]! : b[k * N + n]!;
        acc += av * bv;
      }
      if (bias) acc += bias[n]!;
      product[m * N + n] = acc;
    }
  }
  if (opts.gelu_inp) gelu.gelu_backward(product, opts.gelu_inp, product, M * N);
  for (let i = 0; i < M * N; i++) out[i] = (opts.accumulate ? out[i]! : 0) + product[i]!;
  if (opts.gelu_out) gelu.gelu_forward(opts.gelu_out, out, M * N);
}

/** dbias (N) += Σ_m dy[m, :] for dy (M,N): a linear layer's bias gradient. */
export function matmul_backward_bias(
  dbias: Float64Array,
  dy: Float64Array,
  M: number,
  N: number,
): void {
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let m = 0; m < M; m++) s += dy[m * N + n]!;
    dbias[n] = dbias[n]! + s;
  }
}
