// encoder CPU reference, float64: out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:], and its accumulating backward.
// tokens are integers held in any numeric array (a Uint32Array, as uploaded with gpu.tensorU32).
import { SEQ, SEQ_STRIDE } from '../sample/seqs.ts';

// out: (B,T,C); tokens: (B,T); wte: (V,C); wpe: (maxT,C)
export function encoder_forward(
  out: Float64Array,
  tokens: ArrayLike<number>,
  wte: Float64Array,
  wpe: Float64Array,
  B: number,
  T: number,
  C: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const v = tokens[b * T + t]!;
      for (let c = 0; c < C; c++) out[(b * T + t) * C + c] = wte[v * C + c]! + wpe[t * C + c]!;
    }
  }
}

/** Accumulates: dwte[v,:] += dout at the positions holding token v, dwpe[t,:] += dout[b,t,:] for every b. */
export function encoder_backward(
  dwte: Float64Array,
  dwpe: Float64Array,
  dout: Float64Array,
  tokens: ArrayLike<number>,
  B: number,
  T: number,
  C: number,
  V: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const v = tokens[b * T + t]!;
      if (!(v < V))
        throw new Error(`encoder_backward: token ${v} at (${b},${t}) is not below V=${V}`);
      for (let c = 0; c < C; c++) {
        dwte[v * C + c] += dout[(b * T + t) * C + c]!;
        dwpe[t * C + c] += dout[(b * T + t) * C + c]!;
      }
    }
  }
}

// out: (S,C); tokens: (S); seqs: (S, SEQ_STRIDE) table of kernels/sample/seqs.ts; wte: (V,C); wpe: (maxT,C).
// out[s,:] = wte[tokens[s],:] + wpe[pos_s,:]; rows with done = 1 are left as they were.
export function encoder_decode(
  out: Float64Array,
  tokens: ArrayLike<number>,
  seqs: ArrayLike<number>,
  wte: Float64Array,
  wpe: Float64Array,
  S: number,
  C: number,
): void {
  for (let s = 0; s < S; s++) {
    if (seqs[s * SEQ_STRIDE + SEQ.done] !== 0) continue;
    const v = tokens[s]!,
      t = seqs[s * SEQ_STRIDE + SEQ.pos]!;
    for (let c = 0; c < C; c++) out[s * C + c] = wte[v * C + c]! + wpe[t * C + c]!;
  }
}
