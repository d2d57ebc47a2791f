// sample CPU reference, float64: the same rule and bookkeeping as sample.v1.wgsl, and the same hash (src/util/rng.ts).
//   temperature 0: argmax, lowest index on ties. Else w_j = exp((l_j - max l)/temperature) (= exp(z_j - max z) for
//   z = l/temperature); top_k keeps j iff fewer than top_k tokens rank above it (larger logit, then smaller index);
//   top_p then keeps j iff Σ w of the kept tokens ranked above j < top_p·Σ kept w; the token is the first kept j
//   in index order whose running Σ w exceeds u·Σ kept w (else the last kept), u = sample_u(seed, question, sample, pos+1).
import { hash32 } from '../../src/util/rng.ts';
import { sample_check_params, type SampleParams } from './sample.ts';
import { SEQ, SEQ_STRIDE } from './seqs.ts';

/** The uniform draw in [0, 1) for the token at `position` of (question, sample): 24 bits, exact in float32. */
export function sample_u(seed: number, question: number, sample: number, position: number): number {
  return (hash32(seed, question, sample, position) >>> 8) * 2 ** -24;
}

/**
 * The token the rule picks from logits[off, off+V) with draw u, and its margin: the smallest distance, relative
 * to the sum it is compared with, between a quantity the rule compares and its threshold (the draw target and
 * each running sum; the top_p cut and each token's mass above it). A float32 sampler can only pick differently
 * when the margin is below its rounding error (~1e-6). Infinity for greedy.
 */
export function sample_choose(
  logits: ArrayLike<number>,
  off: number,
  V: number,
  u: number,
  p: SampleParams,
): { token: number; margin: number } {
  let lmax = logits[off]!,
    best = 0;
  for (let j = 1; j < V; j++) {
    if (logits[off + j]! > lmax) {
      lmax = logits[off + j]!;
      best = j;
    }
  }
  if (p.temperature === 0) return { token: best, margin: Infinity };

  const l = (j: number) => logits[off + j]!;
  const above = (i: number, j: number) => l(i) > l(j) || (l(i) === l(j) && i < j);
  const w = Array.from({ length: V }, (_, j) => Math.exp((l(j) - lmax) / p.temperature));
  let kept = new Array<boolean>(V).fill(true);
  if (p.topK > 0 && p.topK < V) {
    kept = kept.map((_, j) => w.filter((_, i) => above(i, j)).length < p.topK);
  }
  let margin = Infinity;
  if (p.topP < 1) {
    const total = sum(w.filter((_, j) => kept[j]));
    const cut = p.topP * total;
    kept = kept.map((k, j) => {
      if (!k) return false;
      const before = sum(w.filter((_, i) => kept[i] && above(i, j)));
      margin = Math.min(margin, Math.abs(before - cut) / total);
      return before < cut;
    });
  }
  const total = sum(w.filter((_, j) => kept[j]));
  const target = u * total;
  let cum = 0,
    last = -1,
    token = -1;
  for (let j = 0; j < V; j++) {
    if (!kept[j]) continue;
    cum += w[j]!;
    margin = Math.min(margin, Math.abs(cum - target) / total);
    if (token < 0 && cum > target) token = j;
    last = j;
  }
  return { token: token >= 0 ? token : last, margin };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

// tokens: (S); generated: (S,maxNew); seqs: (S, SEQ_STRIDE), advanced in place; logits: (S,V), or (Q,prefillT,V) read
// at [prefix_row, pos] when prefillT > 0. Returns each row's margin (sample_choose; NaN for rows left alone).
export function sample(
  tokens: Uint32Array,
  generated: Uint32Array,
  seqs: Uint32Array,
  logits: ArrayLike<number>,
  params: SampleParams,
  S: number,
  V: number,
  maxNew: number,
  opts: { prefillT?: number } = {},
): Float64Array {
  sample_check_params(params);
  const prefillT = opts.prefillT ?? 0;
  const margins = new Float64Array(S).fill(NaN);
  for (let s = 0; s < S; s++) {
    const f = (k: keyof typeof SEQ) => s * SEQ_STRIDE + SEQ[k];
    if (seqs[f('done')] !== 0) continue;
    const pos = seqs[f('pos')]!,
      n_gen = seqs[f('n_gen')]!;
    const row = prefillT > 0 ? seqs[f('prefix_row')]! * prefillT + pos : s;
    if ((row + 1) * V > logits.length)
      throw new Error(
        `sample: row ${s} reads logits row ${row}, past the ${logits.length / V} rows given`,
      );
    const { token, margin } = sample_choose(
      logits,
      row * V,
      V,
      sample_u(params.seed, seqs[f('question')]!, seqs[f('sample')]!, pos + 1),
      params,
    );
    margins[s] = margin;
    tokens[s] = token;
    if (n_gen < maxNew) generated[s * maxNew + n_gen] = token;
    seqs[f('n_gen')] = n_gen + 1;
    seqs[f('pos')] = pos + 1;
    if (token === params.eos || n_gen + 1 >= Math.min(params.maxNew, maxNew) || pos + 1 >= params.T)
      seqs[f('done')] = 1;
  }
  return margins;
}
