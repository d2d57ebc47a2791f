// attention CPU reference, float64: causal multi-head self-attention in the llm.c layout.
// qkv (B,T,3C) holds q, k, v in channels [0,C), [C,2C), [2C,3C); head h uses channels h·hs..(h+1)·hs of
// each, hs = C/H. S_ij = scale·q_i·k_j for j <= i, scale = 1/sqrt(hs); P = softmax_j(S); out_i = Σ_j P_ij v_j.

// out: (B,T,C); lse: (B,H,T) = log Σ_{j<=i} exp(S_ij); qkv: (B,T,3C)
export function attention_forward(
  out: Float64Array,
  lse: Float64Array,
  qkv: Float64Array,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const hs = C / H,
    scale = 1 / Math.sqrt(hs);
  const s = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          s[j] = scale * dotAt(qkv, q(b, i, h), qkv, k(b, j, h), hs);
          max = Math.max(max, s[j]!);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += Math.exp(s[j]! - max);
        lse[(b * H + h) * T + i] = max + Math.log(sum);
        for (let d = 0; d < hs; d++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += (Math.exp(s[j]! - max) / sum) * qkv[v(b, j, h) + d]!;
          out[(b * T + i) * C + h * hs + d] = acc;
        }
      }
    }
  }

  function q(b: number, t: number, h: number) {
    return (b * T + t) * 3 * C + h * hs;
  }
  function k(b: number, t: number, h: number) {
    return q(b, t, h) + C;
  }
  function v(b: number, t: number, h: number) {
    return q(b, t, h) + 2 * C;
  }
}

// dqkv: (B,T,3C), overwritten; delta: (B,H,T) scratch, set to D_i = dout_i·out_i per head;
// dout: (B,T,C); qkv: (B,T,3C); out: (B,T,C) and lse: (B,H,T) from attention_forward.
// With P_ij = exp(S_ij - lse_i): dv_j = Σ_i P_ij dout_i; dS_ij = P_ij (dout_i·v_j - D_i) (the softmax
// backward, since D_i = Σ_j P_ij dout_i·v_j); dq_i = scale·Σ_j dS_ij k_j; dk_j = scale·Σ_i dS_ij q_i.
export function attention_backward(
  dqkv: Float64Array,
  delta: Float64Array,
  dout: Float64Array,
  qkv: Float64Array,
  out: Float64Array,
  lse: Float64Array,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const hs = C / H,
    scale = 1 / Math.sqrt(hs);
  dqkv.fill(0, 0, B * T * 3 * C);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const r = (b * H + h) * T + i,
          o = (b * T + i) * C + h * hs;
        const D = dotAt(dout, o, out, o, hs);
        delta[r] = D;
        for (let j = 0; j <= i; j++) {
          const qi = (b * T + i) * 3 * C + h * hs,
            kj = (b * T + j) * 3 * C + C + h * hs,
            vj = kj + C;
          const p = Math.exp(scale * dotAt(qkv, qi, qkv, kj, hs) - lse[r]!);
          const dS = p * (dotAt(dout, o, qkv, vj, hs) - D);
          for (let d = 0; d < hs; d++) {
            dqkv[vj + d] += p * dout[o + d]!;
            dqkv[qi + d] += scale * dS * qkv[kj + d]!;
            dqkv[kj + d] += scale * dS * qkv[qi + d]!;
          }
        }
      }
    }
  }
}

function dotAt(a: Float64Array, ai: number, b: Float64Array, bi: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ai + d]! * b[bi + d]!;
  return s;
}
