// attention_decode v1: out[s,h,:] = Σ_{j<=pos} softmax_j(scale·q·k_j)·v_j for each sequence's newest token; cache[s,pos] = its k, v.
// Shapes: out (S,C); cache (S,T,2C) keys in [0,C), values in [C,2C); qkv (S,3C) the newest tokens; prefix (Q,Tp,3C) the
// prefill's qkv (keys at +C, values at +2C); seqs (S) of struct Seq. Key j < P comes from prefix[prefix_row, j],
// P <= j < pos from cache[s, j], j = pos from qkv[s]. Rows with done = 1 or pos >= T are skipped (nothing written).
// Parallel: one invocation per (s,h), 64 per workgroup, 1-D grid folded into y; each walks its pos+1 keys
// with an online softmax (as attention_forward.v1) and writes its head's slice of the new k, v into the cache.
// This version is the simple one: the query, accumulator and key loop live in one invocation's registers.
// VEC4 (C and the head size multiples of 4): rows are read and kept as vec4s, a quarter of the loads. On
// lavapipe each load is a loop over the SIMD lanes, so that also cuts the unrolled code, and with it the
// compile (seconds at hs = 16), about as much.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  S: u32,
  T: u32,
  C: u32,
  H: u32,
  Tp: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers (a runtime head size was slower on lavapipe)
#if ${VEC4}
alias V = vec4f; // W floats: the unit of every load, store and row below
const W = 4u;
fn hsum(v: V) -> f32 { return v.x + v.y + v.z + v.w; }
#else
alias V = f32;
const W = 1u;
fn hsum(v: V) -> f32 { return v; }
#endif
const HW = HS / W; // a head's row, in units of W floats

// struct Seq (one row of seqs) is appended by the launcher from kernels/sample/seqs.wgsl.

@group(0) @binding(0) var<storage, read_write> out: array<V>;   // (S,C)
@group(0) @binding(1) var<storage, read_write> cache: array<V>; // (S,T,2C)
@group(0) @binding(2) var<storage, read> qkv: array<V>;         // (S,3C)
@group(0) @binding(3) var<storage, read> prefix: array<V>;      // (Q,Tp,3C)
@group(0) @binding(4) var<storage, read> seqs: array<Seq>;      // (S)
@group(0) @binding(5) var<uniform> dims: Dims;

var<private> q: array<V, HW>;   // scale·q
var<private> acc: array<V, HW>; // Σ_j exp(s_j - m)·v_j
var<private> m: f32;            // running max of the scores
var<private> l: f32;            // running Σ_j exp(s_j - m)

// Fold key j (k at keys[kj..], v at keys[vj..], in units of W floats) into the running softmax. One function
// per source buffer: WGSL cannot pass a storage pointer of either buffer to one function.
fn visit_prefix(kj: u32, vj: u32) {
  var s = 0.0;
  for (var d = 0u; d < HW; d++) { s += hsum(q[d] * prefix[kj + d]); }
  let p = rescale(s);
  for (var d = 0u; d < HW; d++) { acc[d] += p * prefix[vj + d]; }
}

fn visit_cache(kj: u32, vj: u32) {
  var s = 0.0;
  for (var d = 0u; d < HW; d++) { s += hsum(q[d] * cache[kj + d]); }
  let p = rescale(s);
  for (var d = 0u; d < HW; d++) { acc[d] += p * cache[vj + d]; }
}

// Move the running max to cover score s (rescaling l and acc only when it grows); return exp(s - m).
fn rescale(s: f32) -> f32 {
  if (s > m) {
    let r = exp(m - s);
    l *= r;
    for (var d = 0u; d < HW; d++) { acc[d] *= r; }
    m = s;
  }
  let p = exp(s - m);
  l += p;
  return p;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li; // = s*H + h
  if (i >= dims.S * dims.H) { return; }
  let s = i / dims.H;
  let h = i % dims.H;
  let seq = seqs[s];
  if (seq.done != 0u || seq.pos >= dims.T) { return; }
  let pos = seq.pos;
  let P = seq.prefix_len;
  // Offsets below count units of W floats (C and hs are multiples of W).
  let C = dims.C / W;
  let C3 = 3u * C;
  let scale = inverseSqrt(f32(HS));

  // The newest token's own key is always visible: it starts the running max, so no -inf sentinel is needed.
  let qi = s * C3 + h * HW;
  for (var d = 0u; d < HW; d++) { q[d] = scale * qkv[qi + d]; }
  var s0 = 0.0;
  for (var d = 0u; d < HW; d++) { s0 += hsum(q[d] * qkv[qi + C + d]); }
  m = s0;
  l = 1.0;
  for (var d = 0u; d < HW; d++) { acc[d] = qkv[qi + 2u * C + d]; }

  let pre = seq.prefix_row * dims.Tp * C3 + C + h * HW; // key of head h at prompt position 0; its value at +C
  for (var j = 0u; j < min(P, pos); j++) { visit_prefix(pre + j * C3, pre + j * C3 + C); }
  let c2 = 2u * C;
  let cs = s * dims.T * c2 + h * HW; // key of head h at cache position 0; its value at +C
  for (var j = P; j < pos; j++) { visit_cache(cs + j * c2, cs + j * c2 + C); }

  let inv = 1.0 / l;
  for (var d = 0u; d < HW; d++) {
    out[s * C + h * HW + d] = acc[d] * inv;
    cache[cs + pos * c2 + d] = qkv[qi + C + d];
    cache[cs + pos * c2 + C + d] = qkv[qi + 2u * C + d];
  }
}
