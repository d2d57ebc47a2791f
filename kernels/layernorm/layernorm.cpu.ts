// layernorm CPU reference, float64, llm.c conventions: eps = 1e-5, biased variance, mean and rstd saved.
const EPS = 1e-5;

// out: (N,C); mean, rstd: (N); inp: (N,C); weight, bias: (C)
export function layernorm_forward(
  out: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  bias: Float64Array,
  N: number,
  C: number,
): void {
  for (let r = 0; r < N; r++) {
    let m = 0;
    for (let c = 0; c < C; c++) m += inp[r * C + c]!;
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (inp[r * C + c]! - m) ** 2;
    const s = 1 / Math.sqrt(v / C + EPS);
    for (let c = 0; c < C; c++) out[r * C + c] = (inp[r * C + c]! - m) * s * weight[c]! + bias[c]!;
    mean[r] = m;
    rstd[r] = s;
  }
}

/** Accumulates: dinp += ..., dweight += ..., dbias += .... */
export function layernorm_backward(
  dinp: Float64Array,
  dweight: Float64Array,
  dbias: Float64Array,
  dout: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  N: number,
  C: number,
): void {
  for (let r = 0; r < N; r++) {
    const s = rstd[r]!;
    const norm = (c: number) => (inp[r * C + c]! - mean[r]!) * s;
    let gMean = 0,
      gnMean = 0;
    for (let c = 0; c < C; c++) {
      const g = weight[c]! * dout[r * C + c]!;
      gMean += g / C;
      gnMean += (g * norm(c)) / C;
    }
    for (let c = 0; c < C; c++) {
      const g = weight[c]! * dout[r * C + c]!;
      dinp[r * C + c] += (g - gMean - norm(c) * gnMean) * s;
      dweight[c] += dout[r * C + c]! * norm(c);
      dbias[c] += dout[r * C + c]!;
    }
  }
}
