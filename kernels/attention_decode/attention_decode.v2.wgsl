// attention_decode v2: out[s,h,:] = Σ_{j<=pos} softmax_j(scale·q·k_j)·v_j for each sequence's newest token; cache[s,pos] = its k, v.
// Shapes and key sources as v1: out (S,C); cache (S,T,2C); qkv (S,3C); prefix (Q,Tp,3C); seqs (S) of struct Seq.
// Parallel: one 64-invocation workgroup per (s,h) (flash-decoding style): the keys are split across the workgroup,
// scores go to workgroup memory (T floats), the max and the sum are tree-reduced, then each invocation sums p_j·v_j
// over a strided slice of the keys for one channel and the slices are added in workgroup memory.
// This version changes the parallelism: one sequence's keys are spread over 64 invocations instead of one,
// so a few long sequences still fill the device; it costs barriers and T floats of workgroup memory.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  S: u32,
  T: u32,
  C: u32,
  H: u32,
  Tp: u32,
}
const HS = ${HS}u;     // interpolated: sizes the arrays below, so each head size is its own pipeline
const T_CAP = ${T_CAP}u; // T rounded up (attention_decode.ts): contexts up to it share one pipeline
const WG = 64u;
const NC = max(1u, WG / HS); // key slices per channel in the p·v sum
const PARTS = HS * NC;        // (channel, slice) partial sums, <= max(WG, HS)
const LOWEST = -3.4e38; // below any score, and finite

// struct Seq (one row of seqs) is appended by the launcher from kernels/sample/seqs.wgsl.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;   // (S,C)
@group(0) @binding(1) var<storage, read_write> cache: array<f32>; // (S,T,2C)
@group(0) @binding(2) var<storage, read> qkv: array<f32>;         // (S,3C)
@group(0) @binding(3) var<storage, read> prefix: array<f32>;      // (Q,Tp,3C)
@group(0) @binding(4) var<storage, read> seqs: array<Seq>;        // (S); read-only, so its fields are workgroup-uniform
@group(0) @binding(5) var<uniform> dims: Dims;

var<workgroup> sc: array<f32, T_CAP>;  // scores, then exp(score - max); T <= T_CAP
var<workgroup> red: array<f32, WG>;    // tree reductions
var<workgroup> part: array<f32, PARTS>; // partial Σ p_j·v_j per (slice, channel)

// Channel ch (0..2C: keys, then values) of head-relative key/value j of sequence s.
fn kv(s: u32, seq: Seq, j: u32, ch: u32) -> f32 {
  if (j == seq.pos) { return qkv[s * 3u * dims.C + dims.C + ch]; }
  if (j < seq.prefix_len) { return prefix[(seq.prefix_row * dims.Tp + j) * 3u * dims.C + dims.C + ch]; }
  return cache[(s * dims.T + j) * 2u * dims.C + ch];
}

// Tree-reduce red[0..WG) into red[0] by max (take_max) or sum; every invocation calls it.
fn reduce(li: u32, take_max: bool) -> f32 {
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (li < stride) { red[li] = select(red[li] + red[li + stride], max(red[li], red[li + stride]), take_max); }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier(); // red is reused next
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x; // = s*H + h
  if (g >= dims.S * dims.H) { return; }
  let s = g / dims.H;
  let h = g % dims.H;
  let seq = seqs[s];
  if (seq.done != 0u || seq.pos >= dims.T) { return; }
  let pos = seq.pos;
  let hc = h * HS; // head h's channel offset
  let scale = inverseSqrt(f32(HS));

  var q: array<f32, HS>;
  for (var d = 0u; d < HS; d++) { q[d] = scale * qkv[s * 3u * dims.C + hc + d]; }

  // Scores of this invocation's keys j = li, li+WG, ...
  var m = LOWEST;
  for (var j = li; j <= pos; j += WG) {
    var x = 0.0;
    if (j == pos) {
      for (var d = 0u; d < HS; d++) { x += q[d] * qkv[s * 3u * dims.C + dims.C + hc + d]; }
    } else if (j < seq.prefix_len) {
      let k = (seq.prefix_row * dims.Tp + j) * 3u * dims.C + dims.C + hc;
      for (var d = 0u; d < HS; d++) { x += q[d] * prefix[k + d]; }
    } else {
      let k = (s * dims.T + j) * 2u * dims.C + hc;
      for (var d = 0u; d < HS; d++) { x += q[d] * cache[k + d]; }
    }
    sc[j] = x;
    m = max(m, x);
  }
  red[li] = m;
  let M = reduce(li, true);

  var l = 0.0;
  for (var j = li; j <= pos; j += WG) {
    let p = exp(sc[j] - M);
    sc[j] = p;
    l += p;
  }
  red[li] = l;
  let L = reduce(li, false); // its barriers also publish sc

  // Partial Σ p_j·v_j[d] over keys j ≡ c (mod NC), for pair = c·HS + d.
  for (var pair = li; pair < PARTS; pair += WG) {
    let d = pair % HS;
    let c = pair / HS;
    var a = 0.0;
    for (var j = c; j <= pos; j += NC) { a += sc[j] * kv(s, seq, j, dims.C + hc + d); }
    part[pair] = a;
  }
  workgroupBarrier();

  for (var d = li; d < HS; d += WG) {
    var a = 0.0;
    for (var c = 0u; c < NC; c++) { a += part[c * HS + d]; }
    out[s * dims.C + hc + d] = a / L;
    let cp = (s * dims.T + pos) * 2u * dims.C + hc + d;
    cache[cp] = qkv[s * 3u * dims.C + dims.C + hc + d];
    cache[cp + dims.C] = qkv[s * 3u * dims.C + 2u * dims.C + hc + d];
  }
}
