// matmul CPU reference, float64: out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]).
// A is (M,K), or (K,M) with transA; B is (K,N), or (N,K) with transB; out is (M,N).
export function matmul(out: Float64Array, a: Float64Array, b: Float64Array, bias: Float64Array | null, M: number, K: number, N: number,
  opts: { transA?: boolean; transB?: boolean; accumulate?: boolean } = {}): void {
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const av = opts.transA ? a[k * M + m]! : a[m * K + k]!;
        const bv = opts.transB ? b[n * K + k]! : b[k * N + n]!;
        acc += av * bv;
      }
      if (bias) acc += bias[n]!;
      out[m * N + n] = (opts.accumulate ? out[m * N + n]! : 0) + acc;
    }
  }
}
