// attention_backward v4 (GPUs): the gradients of v1 (P_ij = exp(scale·q_i·k_j - lse_i), D_i = dout_i·out_i, j<=i):
// dv_j = Σ_i P_ij dout_i, dq_i = scale·Σ_j P_ij (dout_i·v_j - D_i) k_j, dk_j = scale·Σ_i P_ij (dout_i·v_j - D_i) q_i.
// Shapes: qkv, dqkv (B,T,3C); dout, out (B,T,C); lse, delta (B,H,T); hs = C/H.
// Parallel: two entry points, each a workgroup of WG invocations per block of WG rows of one (b,h); one owner per output.
//   dq:  invocation r owns query i0+r: writes D_i to delta, then walks keys 0..(block's last row) in tiles of k, v.
//   dkv: invocation r owns key j0+r, dispatched after dq (it reads delta): walks queries (block's first row)..T-1 in
//        tiles of q, dout, lse and D.
// This version (FlashAttention's backward, in two passes instead of atomics): each tile is loaded by the whole workgroup
// into workgroup memory once, then read by every row at a uniform address. Barriers are slow on CPU adapters, so the
// tuner times it only on GPUs. VEC4 (hs % 4 == 0): aligned vec4 loads. out is bound last: dkv binds 0..5.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: it sizes the row arrays and the tiles
const H4 = (HS + 3u) / 4u;      // vec4 channel groups per head
const KT = min(64u, 480u / H4); // rows per tile: the tiles take 32·KT·H4 + 8·KT bytes <= 16 KiB, the smallest limit
override WG: u32 = 64;          // rows per workgroup

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

var<workgroup> ta: array<vec4f, KT * H4>; // dq: k of the tile's keys; dkv: q of its queries (zero past hs)
var<workgroup> tb: array<vec4f, KT * H4>; // dq: v; dkv: dout
var<workgroup> tl: array<f32, KT>;        // dkv: lse of the tile's queries
var<workgroup> td: array<f32, KT>;        // dkv: D of the tile's queries

@compute @workgroup_size(WG)
fn dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + WG - 1u) / WG;
  let g = wid.y * nwg.x + wid.x; // = (b*H + h)*blocks + block
  if (g >= dims.B * dims.H * blocks) { return; } // g is uniform, so every barrier is reached
  let bh = g / blocks;
  let i0 = (g % blocks) * WG;
  let h = bh % dims.H;
  let b = bh / dims.H;
  let i = i0 + li;
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
    q[d] = select(vec4f(0.0), scale * ld_qkv(qi + 4u * d), inside(d));
    gr[d] = select(vec4f(0.0), ld_dout(oi + 4u * d), inside(d));
    Di += dot(gr[d], ld_out(oi + 4u * d));
  }
  let L = lse[bh * T + ii];
  let last = min(i0 + WG, T);
  for (var t0 = 0u; t0 < last; t0 += KT) {
    workgroupBarrier(); // the previous tile is no longer read
    for (var n = li; n < KT * H4; n += WG) {
      let kj = seq + min(t0 + n / H4, T - 1u) * C3 + C + 4u * (n % H4);
      ta[n] = select(vec4f(0.0), ld_qkv(kj), inside(n % H4));
      tb[n] = select(vec4f(0.0), ld_qkv(kj + C), inside(n % H4));
    }
    workgroupBarrier();
    let tile = min(KT, last - t0);
    for (var c = 0u; c < tile; c++) {
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < H4; d++) {
        s += dot(q[d], ta[c * H4 + d]);
        dp += dot(gr[d], tb[c * H4 + d]);
      }
      let ds = select(0.0, exp(s - L) * (dp - Di), t0 + c <= ii);
      for (var d = 0u; d < H4; d++) { acc[d] += ds * ta[c * H4 + d]; }
    }
  }
  if (i >= T) { return; }
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
  let jj = min(j, T - 1u);
  let C3 = 3u * C;
  let seq = b * T * C3 + h * HS;
  let scale = inverseSqrt(f32(HS));

  var kr: array<vec4f, H4>; // scale·k_j, zero past hs
  var vr: array<vec4f, H4>; // v_j, zero past hs
  var dk: array<vec4f, H4>; // Σ_i dS_ij q_i
  var dv: array<vec4f, H4>; // Σ_i P_ij dout_i
  let kj = seq + jj * C3 + C;
  for (var d = 0u; d < H4; d++) {
    kr[d] = select(vec4f(0.0), scale * ld_qkv(kj + 4u * d), inside(d));
    vr[d] = select(vec4f(0.0), ld_qkv(kj + C + 4u * d), inside(d));
  }
  for (var t0 = j0; t0 < T; t0 += KT) {
    workgroupBarrier();
    for (var n = li; n < KT * H4; n += WG) {
      let t = min(t0 + n / H4, T - 1u);
      ta[n] = select(vec4f(0.0), ld_qkv(seq + t * C3 + 4u * (n % H4)), inside(n % H4));
      tb[n] = select(vec4f(0.0), ld_dout((b * T + t) * C + h * HS + 4u * (n % H4)), inside(n % H4));
    }
    for (var n = li; n < KT; n += WG) {
      let r = bh * T + min(t0 + n, T - 1u);
      tl[n] = lse[r];
      td[n] = delta[r];
    }
    workgroupBarrier();
    let tile = min(KT, T - t0);
    for (var c = 0u; c < tile; c++) {
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < H4; d++) {
        s += dot(kr[d], ta[c * H4 + d]);
        dp += dot(vr[d], tb[c * H4 + d]);
      }
      let p = select(0.0, exp(s - tl[c]), t0 + c >= jj);
      let ds = p * (dp - td[c]);
      for (var d = 0u; d < H4; d++) {
        dv[d] += p * tb[c * H4 + d];
        dk[d] += ds * ta[c * H4 + d];
      }
    }
  }
  if (j >= T) { return; }
  for (var d = 0u; d < HS; d++) {
    dqkv[kj + d] = scale * dk[d / 4u][d % 4u];
    dqkv[kj + C + d] = dv[d / 4u][d % 4u];
  }
}

// Whether channel group d lies in the head, lane by lane.
fn inside(d: u32) -> vec4<bool> {
  return vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
}

// x .. x+3 of each input (x a float index, a multiple of 4 under VEC4); reads past the end clamp.
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
