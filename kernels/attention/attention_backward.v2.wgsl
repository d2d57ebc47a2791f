// attention_backward v2: the gradients of v1 (P_ij = exp(scale·q_i·k_j - lse_i), D_i = dout_i·out_i, j<=i):
// dv_j = Σ_i P_ij dout_i, dq_i = scale·Σ_j P_ij (dout_i·v_j - D_i) k_j, dk_j = scale·Σ_i P_ij (dout_i·v_j - D_i) q_i.
// Shapes: qkv, dqkv (B,T,3C); dout, out (B,T,C); lse, delta (B,H,T); hs = C/H.
// Parallel: two entry points, each a workgroup of WG invocations per block of WG rows of one (b,h); one owner per output.
//   dq:  invocation r owns query i0+r: writes D_i to delta, then walks keys 0..(block's last row).
//   dkv: invocation r owns key j0+r, dispatched after dq (it reads delta): walks queries (block's first row)..T-1.
// This version (as attention_forward.v2): the inner loop's bounds are the block's, not the row's, so every
// invocation reads the same key (dq) or query (dkv) at a uniform address, once per workgroup; pairs outside the
// causal triangle are masked. Rows go 4 channels at a time as in attention_forward.v2 (VEC4: aligned vec4 loads).
// out is bound last: dkv binds 0..5.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers (a runtime head size was slower on lavapipe)
const H4 = (HS + 3u) / 4u; // vec4 channel groups per head
override WG: u32 = 8;     // rows per workgroup: one subgroup on lavapipe

@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;  // (B,T,3C)
@group(0) @binding(1) var<storage, read_write> delta: array<f32>; // (B,H,T) scratch: D_i
#if ${VEC4}
@group(0) @binding(2) var<storage, read> dout: array<vec4f>;      // (B,T,C/4)
@group(0) @binding(3) var<storage, read> qkv: array<vec4f>;       // (B,T,3C/4)
#else
@group(0) @binding(2) var<storage, read> dout: array<f32>;        // (B,T,C)
@group(0) @binding(3) var<storage, read> qkv: array<f32>;         // (B,T,3C)
#endif
@group(0) @binding(4) var<storage, read> lse: array<f32>;         // (B,H,T)
@group(0) @binding(5) var<uniform> dims: Dims;
#if ${VEC4}
@group(0) @binding(6) var<storage, read> out: array<vec4f>;       // (B,T,C/4), dq only
#else
@group(0) @binding(6) var<storage, read> out: array<f32>;         // (B,T,C), dq only
#endif

@compute @workgroup_size(WG)
fn dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + WG - 1u) / WG;
  let g = wid.y * nwg.x + wid.x; // = (b*H + h)*blocks + block
  if (g >= dims.B * dims.H * blocks) { return; }
  let bh = g / blocks;
  let i0 = (g % blocks) * WG;
  let h = bh % dims.H;
  let b = bh / dims.H;
  let i = i0 + li;
  let live = i < T;
  let ii = min(i, T - 1u); // rows past T compute row T-1 and store nothing
  let C3 = 3u * C;
  let seq = b * T * C3 + h * HS;
  let scale = inverseSqrt(f32(HS));

  var q: array<vec4f, H4>;   // scale·q_i, zero past hs
  var gr: array<vec4f, H4>;  // dout_i, zero past hs
  var acc: array<vec4f, H4>; // Σ_j dS_ij k_j
  let qi = seq + ii * C3;
  let oi = (b * T + ii) * C + h * HS;
  var Di = 0.0;
  for (var d = 0u; d < H4; d++) {
    let inside = vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
    q[d] = select(vec4f(0.0), scale * ld_qkv(qi + 4u * d), inside);
    gr[d] = select(vec4f(0.0), ld_dout(oi + 4u * d), inside);
    Di += dot(gr[d], ld_out(oi + 4u * d));
  }
  let L = lse[bh * T + ii];
  let last = min(i0 + WG, T);
  for (var j = 0u; j < last; j++) {
    let kj = seq + j * C3 + C;
    let vj = kj + C;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < H4; d++) {
      s += dot(q[d], ld_qkv(kj + 4u * d));
      dp += dot(gr[d], ld_qkv(vj + 4u * d));
    }
    let ds = select(0.0, exp(s - L) * (dp - Di), j <= ii);
    for (var d = 0u; d < H4; d++) { acc[d] += ds * ld_qkv(kj + 4u * d); }
  }
  if (!live) { return; }
  delta[bh * T + i] = Di;
  for (var d = 0u; d < HS; d++) { dqkv[qi + d] = scale * acc[d / 4u][d % 4u]; }
}

@compute @workgroup_size(WG)
fn dkv(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + WG - 1u) / WG;
  let g = wid.y * nwg.x + wid.x;
  if (g >= dims.B * dims.H * blocks) { return; }
  let bh = g / blocks;
  let j0 = (g % blocks) * WG;
  let h = bh % dims.H;
  let b = bh / dims.H;
  let j = j0 + li;
  let live = j < T;
  let jj = min(j, T - 1u);
  let C3 = 3u * C;
  let seq = b * T * C3 + h * HS;
  let scale = inverseSqrt(f32(HS));

  var k: array<vec4f, H4>;  // scale·k_j, zero past hs
  var v: array<vec4f, H4>;  // v_j, zero past hs
  var dk: array<vec4f, H4>; // Σ_i dS_ij q_i
  var dv: array<vec4f, H4>; // Σ_i P_ij dout_i
  let kj = seq + jj * C3 + C;
  for (var d = 0u; d < H4; d++) {
    let inside = vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
    k[d] = select(vec4f(0.0), scale * ld_qkv(kj + 4u * d), inside);
    v[d] = select(vec4f(0.0), ld_qkv(kj + C + 4u * d), inside);
  }
  for (var i = j0; i < T; i++) {
    let qi = seq + i * C3;
    let oi = (b * T + i) * C + h * HS;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < H4; d++) {
      s += dot(k[d], ld_qkv(qi + 4u * d));
      dp += dot(v[d], ld_dout(oi + 4u * d));
    }
    let p = select(0.0, exp(s - lse[bh * T + i]), i >= jj);
    let ds = p * (dp - delta[bh * T + i]);
    for (var d = 0u; d < H4; d++) {
      dv[d] += p * ld_dout(oi + 4u * d);
      dk[d] += ds * ld_qkv(qi + 4u * d);
    }
  }
  if (!live) { return; }
  for (var d = 0u; d < HS; d++) {
    dqkv[kj + d] = scale * dk[d / 4u][d % 4u];
    dqkv[kj + C + d] = dv[d / 4u][d % 4u];
  }
}

// x .. x+3 of each input (x a float index, a multiple of 4 under VEC4); reads past the end clamp and are weighed 0.
// One function per buffer: WGSL cannot pass a pointer to either storage buffer to one function.
fn ld_qkv(x: u32) -> vec4f {
#if ${VEC4}
  return qkv[x / 4u];
#else
  let n = arrayLength(&qkv) - 1u;
  return vec4f(qkv[min(x, n)], qkv[min(x + 1u, n)], qkv[min(x + 2u, n)], qkv[min(x + 3u, n)]);
#endif
}

fn ld_dout(x: u32) -> vec4f {
#if ${VEC4}
  return dout[x / 4u];
#else
  let n = arrayLength(&dout) - 1u;
  return vec4f(dout[min(x, n)], dout[min(x + 1u, n)], dout[min(x + 2u, n)], dout[min(x + 3u, n)]);
#endif
}

fn ld_out(x: u32) -> vec4f {
#if ${VEC4}
  return out[x / 4u];
#else
  let n = arrayLength(&out) - 1u;
  return vec4f(out[min(x, n)], out[min(x + 1u, n)], out[min(x + 2u, n)], out[min(x + 3u, n)]);
#endif
}
