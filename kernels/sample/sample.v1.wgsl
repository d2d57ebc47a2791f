// sample v1: for each running sequence s, draw the next token from its logits row and advance its seqs row.
// Shapes: tokens (S) u32; generated (S,MAX_NEW) u32; seqs (S) of struct Seq; logits (S,V), or (Q,PREFILL_T,V) read at
// [prefix_row, pos] when PREFILL_T > 0 (the first step, from the prefill); params: the uniform below (32 bytes).
// The rule (sample.cpu.ts is the same in float64): temperature 0 -> argmax (lowest index on ties); else
// w_j = exp((l_j - max l)/temperature); top_k keeps j iff fewer than top_k tokens rank above it (larger logit first,
// then smaller index); top_p then keeps j iff the kept w ranked above j sum to < top_p·Σ kept w; the token is the
// first kept j (in index order) whose running Σ w exceeds u·Σ kept w, u = (hash32(seed, question, sample, pos+1) >> 8)·2^-24.
// Parallel: one invocation per sequence, 64 per workgroup; top_k/top_p rank by counting, O(V²) per sequence.
// This version suits a character vocabulary (V ~ 64). A GPT-2 vocabulary (V ~ 50k) needs a workgroup per sequence:
// tree-reduced max and sums, and a radix select or a partial sort for top_k/top_p instead of counting.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  S: u32,
  MAX_NEW: u32,   // row stride of generated; a row never gets more tokens than this
  PREFILL_T: u32, // 0: logits row s; else logits row prefix_row·PREFILL_T + pos
}
const V = ${V}u;         // interpolated: the private arrays below need a const size

// struct Seq (one row of seqs) is appended by the launcher from kernels/sample/seqs.wgsl.

// Layout must match sample_write_params in sample.ts.
struct Params {
  seed: u32,        // 0
  temperature: f32, // 4: 0 = greedy
  top_k: u32,       // 8: 0 (or >= V) = off
  top_p: f32,       // 12: 1 = off
  eos: u32,         // 16: a token >= V never matches
  T: u32,           // 20: context length; a row whose pos reaches T is done
  max_new: u32,     // 24: tokens per sequence
}

@group(0) @binding(0) var<storage, read_write> tokens: array<u32>;    // (S)
@group(0) @binding(1) var<storage, read_write> generated: array<u32>; // (S,MAX_NEW)
@group(0) @binding(2) var<storage, read_write> seqs: array<Seq>;      // (S)
@group(0) @binding(3) var<storage, read> logits: array<f32>;          // (S,V) or (Q,PREFILL_T,V)
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> dims: Dims;

var<private> l: array<f32, V>;     // this row's logits, read once: the top_k/top_p loops visit each V times
var<private> w: array<f32, V>;     // exp((l_j - max l)/temperature)
var<private> kept: array<bool, V>; // survives top_k and top_p

// src/util/rng.ts hash32 over four words, bit-exact (u32 arithmetic wraps like Math.imul).
fn hash_word(h: u32, k: u32) -> u32 {
  var x = (k ^ h) * 0x85ebca6bu;
  x ^= x >> 13u;
  x *= 0xc2b2ae35u;
  x ^= x >> 16u;
  var g = (h ^ x) * 0x27d4eb2du + 0x165667b1u;
  g ^= g >> 15u;
  return g;
}

fn hash32(a: u32, b: u32, c: u32, d: u32) -> u32 {
  return hash_word(hash_word(hash_word(hash_word(0x9e3779b9u, a), b), c), d);
}

// Token i ranks above token j: a larger logit, or an equal one at a smaller index.
fn above(i: u32, j: u32) -> bool {
  return l[i] > l[j] || (l[i] == l[j] && i < j);
}

fn choose(base: u32, u: f32) -> u32 {
  var best = 0u;
  for (var j = 0u; j < V; j++) {
    l[j] = logits[base + j];
    if (l[j] > l[best]) { best = j; }
  }
  if (params.temperature == 0.0) { return best; }

  let lmax = l[best];
  for (var j = 0u; j < V; j++) {
    // Subtract before dividing: a tiny temperature sends w to 0, never to inf - inf.
    w[j] = exp((l[j] - lmax) / params.temperature);
    kept[j] = true;
  }
  if (params.top_k > 0u && params.top_k < V) {
    for (var j = 0u; j < V; j++) {
      var n = 0u;
      for (var i = 0u; i < V; i++) { n += u32(above(i, j)); }
      kept[j] = n < params.top_k;
    }
  }
  if (params.top_p < 1.0) {
    var total = 0.0;
    for (var j = 0u; j < V; j++) { if (kept[j]) { total += w[j]; } }
    let cut = params.top_p * total;
    // Every j is judged against the top_k set, so the new flags go to a copy until all are decided.
    var keep_p: array<bool, V>;
    for (var j = 0u; j < V; j++) {
      var before = 0.0;
      for (var i = 0u; i < V; i++) { if (kept[i] && above(i, j)) { before += w[i]; } }
      keep_p[j] = kept[j] && before < cut;
    }
    kept = keep_p;
  }

  var total = 0.0;
  for (var j = 0u; j < V; j++) { if (kept[j]) { total += w[j]; } }
  let goal = u * total;
  var cum = 0.0;
  var last = 0u;
  for (var j = 0u; j < V; j++) {
    if (!kept[j]) { continue; }
    cum += w[j];
    if (cum > goal) { return j; }
    last = j;
  }
  return last; // rounding left cum <= goal: the last kept token
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let s = (wid.y * nwg.x + wid.x) * 64u + li;
  if (s >= dims.S) { return; }
  var seq = seqs[s];
  if (seq.done != 0u) { return; }
  let row = select(s, seq.prefix_row * dims.PREFILL_T + seq.pos, dims.PREFILL_T > 0u);
  let u = f32(hash32(params.seed, seq.question, seq.sample, seq.pos + 1u) >> 8u) * (1.0 / 16777216.0);
  let tok = choose(row * V, u);

  tokens[s] = tok;
  if (seq.n_gen < dims.MAX_NEW) { generated[s * dims.MAX_NEW + seq.n_gen] = tok; }
  seq.n_gen += 1u;
  seq.pos += 1u;
  if (tok == params.eos || seq.n_gen >= min(params.max_new, dims.MAX_NEW) || seq.pos >= params.T) { seq.done = 1u; }
  seqs[s] = seq;
}
