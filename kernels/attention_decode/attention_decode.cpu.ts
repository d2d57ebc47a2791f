// attention_decode CPU reference, float64: one decode step of causal multi-head attention with a KV cache.
// Sequence s (a row of the seqs table, kernels/sample/seqs.ts) has prompt length P, prompt row r and its newest
// token at position pos. Its query attends to positions j = 0..pos, taking k_j, v_j from
//   j < P        prefix[r, j]  (the prefill's qkv activation: keys in channels [C,2C), values in [2C,3C))
//   P <= j < pos cache[s, j]   (keys in [0,C), values in [C,2C))
//   j = pos      qkv[s]        (the newest token's own k, v)
// and the newest k, v are stored in cache[s, pos] for the steps after. Head h uses channels h·hs..(h+1)·hs.
// Rows with done = 1 are skipped (their pos may be T, past the cache).
import { SEQ, SEQ_STRIDE } from '../sample/seqs.ts';

// out: (S,C); cache: (S,T,2C), row pos written; qkv: (S,3C); prefix: (Q,Tp,3C); seqs: (S, SEQ_STRIDE)
export function attention_decode(
  out: Float64Array,
  cache: Float64Array,
  qkv: Float64Array,
  prefix: Float64Array,
  seqs: ArrayLike<number>,
  S: number,
  T: number,
  C: number,
  H: number,
  Tp: number,
): void {
  const hs = C / H,
    scale = 1 / Math.sqrt(hs);
  for (let s = 0; s < S; s++) {
    const row = seqs[s * SEQ_STRIDE + SEQ.prefix_row]!,
      P = seqs[s * SEQ_STRIDE + SEQ.prefix_len]!,
      pos = seqs[s * SEQ_STRIDE + SEQ.pos]!;
    if (seqs[s * SEQ_STRIDE + SEQ.done] !== 0) continue;
    if (pos >= T)
      throw new Error(
        `attention_decode: sequence ${s} is running at pos ${pos}, past the context T=${T}`,
      );
    if (P < 1 || P > Tp)
      throw new Error(`attention_decode: sequence ${s} has prefix_len ${P}, outside [1, Tp=${Tp}]`);
    const c = (j: number) => (s * T + j) * 2 * C;
    for (let d = 0; d < 2 * C; d++) cache[c(pos) + d] = qkv[s * 3 * C + C + d]!;
    // Where key j of head 0 lives (the value follows C floats later in all three sources).
    const key = (j: number): [Float64Array, number] =>
      j === pos
        ? [qkv, s * 3 * C + C]
        : j < P
          ? [prefix, (row * Tp + j) * 3 * C + C]
          : [cache, c(j)];
    for (let h = 0; h < H; h++) {
      const q = s * 3 * C + h * hs;
      const sc = new Float64Array(pos + 1);
      let max = -Infinity;
      for (let j = 0; j <= pos; j++) {
        const [buf, k] = key(j);
        let dot = 0;
        for (let d = 0; d < hs; d++) dot += qkv[q + d]! * buf[k + h * hs + d]!;
        sc[j] = scale * dot;
        max = Math.max(max, sc[j]!);
      }
      let sum = 0;
      for (let j = 0; j <= pos; j++) sum += Math.exp(sc[j]! - max);
      for (let d = 0; d < hs; d++) {
        let acc = 0;
        for (let j = 0; j <= pos; j++) {
          const [buf, k] = key(j);
          acc += (Math.exp(sc[j]! - max) / sum) * buf[k + C + h * hs + d]!;
        }
        out[s * C + h * hs + d] = acc;
      }
    }
  }
}
