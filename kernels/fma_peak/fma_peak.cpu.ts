// fma_peak CPU reference, float64: what each invocation of fma_peak.v1.wgsl and .v2.wgsl stores, for checking that
// the GPU really ran ITERS steps of every chain.
export function fma_peak(out: Float64Array, n: number, iters: number): void {
  for (let i = 0; i < n; i++) {
    const s = (i % 1024) / 1024;
    let total = 0;
    for (let k = 0; k < 8; k++) {
      for (let lane = 0; lane < 4; lane++) {
        let a = s + 0.125 * lane + 0.5 * k;
        for (let it = 0; it < iters; it++) a = a * 0.9 + 0.1;
        total += a;
      }
    }
    out[i] = total;
  }
}
