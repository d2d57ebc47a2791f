// attention_backward v1: with P_ij = exp(scale·q_i·k_j - lse_i) and D_i = dout_i·out_i (j<=i),
// dv_j = sum_i P_ij dout_i, dq_i = scale·sum_j P_ij (dout_i·v_j - D_i) k_j, dk_j = scale·sum_i P_ij (dout_i·v_j - D_i) q_i.
// Shapes: qkv, dqkv (B,T,3C) as in the forward; dout, out (B,T,C); lse, delta (B,H,T); hs = C/H.
// Parallel: two entry points, 64 invocations per workgroup on 1-D grids; each output element has one owner, no atomics.
//   dq:  one invocation per (b,h,i) query row: writes D_i to delta, then walks keys 0..i.
//   dkv: one invocation per (b,h,j) key row, dispatched after dq (it reads delta): walks queries j..T-1.
// This version keeps rows in registers and recomputes P from lse in both passes (q·k, dout·v twice); HS is
// interpolated (function-scope array sizes must be const). out is bound last: dkv binds 0..5.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers (a runtime head size was slower on lavapipe)

@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;  // (B,T,3C)
@group(0) @binding(1) var<storage, read_write> delta: array<f32>; // (B,H,T) scratch: D_i
@group(0) @binding(2) var<storage, read> dout: array<f32>;        // (B,T,C)
@group(0) @binding(3) var<storage, read> qkv: array<f32>;         // (B,T,3C)
@group(0) @binding(4) var<storage, read> lse: array<f32>;         // (B,H,T)
@group(0) @binding(5) var<uniform> dims: Dims;
@group(0) @binding(6) var<storage, read> out: array<f32>;         // (B,T,C), dq only

@compute @workgroup_size(64)
fn dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + li; // = (b*H + h)*T + i
  if (row >= dims.B * dims.H * dims.T) { return; }
  let i = row % dims.T;
  let h = (row / dims.T) % dims.H;
  let b = row / (dims.T * dims.H);
  let C3 = 3u * dims.C;
  let seq = b * dims.T * C3 + h * HS; // q channel 0 of head h at t = 0; keys at +C, values at +2C
  let scale = inverseSqrt(f32(HS));

  var q: array<f32, HS>;   // scale·q_i
  var g: array<f32, HS>;   // dout_i
  var acc: array<f32, HS>; // sum_j dS_ij k_j
  let qi = seq + i * C3;
  let oi = (b * dims.T + i) * dims.C + h * HS;
  var Di = 0.0;
  for (var d = 0u; d < HS; d++) {
    q[d] = scale * qkv[qi + d];
    g[d] = dout[oi + d];
    Di += g[d] * out[oi + d];
  }
  delta[row] = Di;
  let L = lse[row];
  for (var j = 0u; j <= i; j++) {
    let kj = seq + j * C3 + dims.C;
    let vj = kj + dims.C;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) {
      s += q[d] * qkv[kj + d];
      dp += g[d] * qkv[vj + d];
    }
    let ds = exp(s - L) * (dp - Di);
    for (var d = 0u; d < HS; d++) { acc[d] += ds * qkv[kj + d]; }
  }
  for (var d = 0u; d < HS; d++) { dqkv[qi + d] = scale * acc[d]; }
}

@compute @workgroup_size(64)
fn dkv(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + li; // = (b*H + h)*T + j
  if (row >= dims.B * dims.H * dims.T) { return; }
  let j = row % dims.T;
  let h = (row / dims.T) % dims.H;
  let b = row / (dims.T * dims.H);
  let C3 = 3u * dims.C;
  let seq = b * dims.T * C3 + h * HS;
  let row0 = row - j; // delta and lse index of query 0 in this (b,h)
  let scale = inverseSqrt(f32(HS));

  var k: array<f32, HS>;  // scale·k_j
  var v: array<f32, HS>;  // v_j
  var dk: array<f32, HS>; // sum_i dS_ij q_i
  var dv: array<f32, HS>; // sum_i P_ij dout_i
  let kj = seq + j * C3 + dims.C;
  for (var d = 0u; d < HS; d++) {
    k[d] = scale * qkv[kj + d];
    v[d] = qkv[kj + dims.C + d];
  }
  for (var i = j; i < dims.T; i++) {
    let qi = seq + i * C3;
    let oi = (b * dims.T + i) * dims.C + h * HS;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) {
      s += k[d] * qkv[qi + d];
      dp += v[d] * dout[oi + d];
    }
    let p = exp(s - lse[row0 + i]);
    let ds = p * (dp - delta[row0 + i]);
    for (var d = 0u; d < HS; d++) {
      dv[d] += p * dout[oi + d];
      dk[d] += ds * qkv[qi + d];
    }
  }
  for (var d = 0u; d < HS; d++) {
    dqkv[kj + d] = scale * dk[d];
    dqkv[kj + dims.C + d] = dv[d];
  }
}
