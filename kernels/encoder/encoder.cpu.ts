// encoder CPU reference, float64: out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:], and its accumulating backward.
// tokens are integers held in any numeric array (a Uint32Array, as uploaded with gpu.tensorU32).

// out: (B,T,C); tokens: (B,T); wte: (V,C); wpe: (maxT,C)
export function encoder_forward(out: Float64Array, tokens: ArrayLike<number>, wte: Float64Array, wpe: Float64Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const v = tokens[b * T + t]!;
      for (let c = 0; c < C; c++) out[(b * T + t) * C + c] = wte[v * C + c]! + wpe[t * C + c]!;
    }
  }
}

/** Accumulates: dwte[v,:] += dout at the positions holding token v, dwpe[t,:] += dout[b,t,:] for every b. */
export function encoder_backward(dwte: Float64Array, dwpe: Float64Array, dout: Float64Array, tokens: ArrayLike<number>, B: number, T: number, C: number,
  V: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const v = tokens[b * T + t]!;
      if (!(v < V)) throw new Error(`encoder_backward: token ${v} at (${b},${t}) is not below V=${V}`);
      for (let c = 0; c < C; c++) {
        dwte[v * C + c] += dout[(b * T + t) * C + c]!;
        dwpe[t * C + c] += dout[(b * T + t) * C + c]!;
      }
    }
  }
}
