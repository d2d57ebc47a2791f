// attention_forward v1: out[b,i,h,:] = sum_{j<=i} softmax_j(scale·q_i·k_j)·v_j, lse[b,h,i] = log sum_{j<=i} exp(scale·q_i·k_j).
// Shapes: qkv (B,T,3C) holding q, k, v in channels [0,C), [C,2C), [2C,3C); out (B,T,C); lse (B,H,T); hs = C/H.
// Parallel: one invocation per (b,h,i) query row, 64 per workgroup along i, on a 1-D grid folded into y.
// This version keeps q_i and the output row in registers and walks keys 0..i with an online softmax
// (running max m, running sum l; the accumulator is rescaled only when m grows), so no T×T matrix exists.
// Shapes come from a uniform; HS is interpolated (attention.ts): function-scope array sizes must be const-expressions.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers (a runtime head size was slower on lavapipe)

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (B,T,C)
@group(0) @binding(1) var<storage, read_write> lse: array<f32>; // (B,H,T)
@group(0) @binding(2) var<storage, read> qkv: array<f32>;       // (B,T,3C)
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + li; // = (b*H + h)*T + i, also the index into lse
  if (row >= dims.B * dims.H * dims.T) { return; }
  let i = row % dims.T;
  let h = (row / dims.T) % dims.H;
  let b = row / (dims.T * dims.H);
  let C3 = 3u * dims.C;
  let seq = b * dims.T * C3 + h * HS; // q channel 0 of head h at t = 0; keys at +C, values at +2C
  let scale = inverseSqrt(f32(HS));

  var q: array<f32, HS>;   // scale·q_i
  var acc: array<f32, HS>; // sum_j exp(s_j - m)·v_j
  let qi = seq + i * C3;
  for (var d = 0u; d < HS; d++) { q[d] = scale * qkv[qi + d]; }
  // Key 0 is always visible: it starts the running max, so no -inf sentinel is needed.
  var m = 0.0;
  for (var d = 0u; d < HS; d++) { m += q[d] * qkv[seq + dims.C + d]; }
  var l = 1.0;
  for (var d = 0u; d < HS; d++) { acc[d] = qkv[seq + 2u * dims.C + d]; }
  for (var j = 1u; j <= i; j++) {
    let kj = seq + j * C3 + dims.C;
    var s = 0.0;
    for (var d = 0u; d < HS; d++) { s += q[d] * qkv[kj + d]; }
    if (s > m) {
      let r = exp(m - s);
      l *= r;
      for (var d = 0u; d < HS; d++) { acc[d] *= r; }
      m = s;
    }
    let p = exp(s - m);
    l += p;
    let vj = kj + dims.C;
    for (var d = 0u; d < HS; d++) { acc[d] += p * qkv[vj + d]; }
  }
  let inv = 1.0 / l;
  let oi = (b * dims.T + i) * dims.C + h * HS;
  for (var d = 0u; d < HS; d++) { out[oi + d] = acc[d] * inv; }
  lse[row] = m + log(l);
}
