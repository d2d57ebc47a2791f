// attention_backward v3 (CPU adapters): the gradients of v1 (P_ij = exp(scale·q_i·k_j - lse_i), D_i = dout_i·out_i, j<=i):
// dv_j = Σ_i P_ij dout_i, dq_i = scale·Σ_j P_ij (dout_i·v_j - D_i) k_j, dk_j = scale·Σ_i P_ij (dout_i·v_j - D_i) q_i.
// Shapes: qkv, dqkv (B,T,3C); dout, out (B,T,C); lse, delta (B,H,T); hs = C/H.
// Parallel: two entry points, each a workgroup of 8 invocations (one subgroup) per block of 8 rows of one (b,h).
//   dq:  invocation r owns query i0+r: writes D_i to delta, then walks keys 0..(block's last row) in chunks.
//   dkv: invocation r owns key j0+r, dispatched after dq (it reads delta): walks queries (block's first row)..T-1.
// This version (as attention_forward.v3): the other side's rows come in chunks of KS, each lane loading a share and
// subgroupBroadcast giving every lane all of them, so a row is loaded once per workgroup by one lane, not by all 8.
// Needs subgroups; WIDE (launcher): they hold >= 8 invocations, else each lane loads every row itself. Rows go 4 channels at a time (VEC4: aligned vec4 loads). out is bound last: dkv binds 0..5.
enable subgroups;

struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers
const H4 = (HS + 3u) / 4u;   // vec4 channel groups per head
const KS = max(1u, 8u / H4); // rows of the other side per chunk: KS·H4 ≈ 8 keeps every loop small enough to unroll
const NH = H4 * KS;          // vec4 groups of one operand per chunk
const NL = (NH + 7u) / 8u;   // loads per lane per operand and chunk
override WIDE: bool = true;  // subgroups have >= 8 invocations

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> dqkv: array<vec4f>; // (B,T,3C/4)
#else
@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;   // (B,T,3C)
#endif
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

@compute @workgroup_size(8)
fn dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32,
      @builtin(subgroup_invocation_id) lane: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + 7u) / 8u;
  let g = wid.y * nwg.x + wid.x; // = (b*H + h)*blocks + block
  if (g >= dims.B * dims.H * blocks) { return; }
  let bh = g / blocks;
  let i0 = (g % blocks) * 8u;
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
    let inside = vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
    q[d] = select(vec4f(0.0), scale * ld_qkv(qi + 4u * d), inside);
    gr[d] = select(vec4f(0.0), ld_dout(oi + 4u * d), inside);
    Di += dot(gr[d], ld_out(oi + 4u * d));
  }
  let L = lse[bh * T + ii];
  let last = min(i0 + 8u, T);
  for (var j0 = 0u; j0 < last; j0 += KS) {
    // Item n of an operand is group n % H4 of key j0 + n / H4; lane r loads items r, r+8, ...
    var k: array<vec4f, NH>;
    var v: array<vec4f, NH>;
    for (var u = 0u; u < NL; u++) {
      if (WIDE) {
        let n = min(8u * u + lane, NH - 1u);
        let kj = seq + min(j0 + n / H4, T - 1u) * C3 + C + 4u * (n % H4); // past T: key T-1, masked below
        let xk = bc8(ld_qkv(kj));
        let xv = bc8(ld_qkv(kj + C));
        for (var r = 0u; r < 8u; r++) {
          if (8u * u + r < NH) {
            k[min(8u * u + r, NH - 1u)] = xk[r];
            v[min(8u * u + r, NH - 1u)] = xv[r];
          }
        }
      } else {
        for (var r = 0u; r < 8u; r++) {
          let n = 8u * u + r;
          if (n < NH) {
            let kj = seq + min(j0 + n / H4, T - 1u) * C3 + C + 4u * (n % H4);
            k[min(n, NH - 1u)] = ld_qkv(kj);
            v[min(n, NH - 1u)] = ld_qkv(kj + C);
          }
        }
      }
    }
    for (var c = 0u; c < KS; c++) {
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < H4; d++) {
        s += dot(q[d], k[H4 * c + d]);
        dp += dot(gr[d], v[H4 * c + d]);
      }
      let ds = select(0.0, exp(s - L) * (dp - Di), j0 + c <= ii);
      for (var d = 0u; d < H4; d++) { acc[d] += ds * k[H4 * c + d]; }
    }
  }
  if (i >= T) { return; }
  delta[bh * T + i] = Di;
#if ${VEC4}
  for (var d = 0u; d < H4; d++) { dqkv[qi / 4u + d] = scale * acc[d]; }
#else
  for (var d = 0u; d < HS; d++) { dqkv[qi + d] = scale * acc[d / 4u][d % 4u]; }
#endif
}

@compute @workgroup_size(8)
fn dkv(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32,
       @builtin(subgroup_invocation_id) lane: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + 7u) / 8u;
  let g = wid.y * nwg.x + wid.x;
  if (g >= dims.B * dims.H * blocks) { return; }
  let bh = g / blocks;
  let j0 = (g % blocks) * 8u;
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
    let inside = vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
    kr[d] = select(vec4f(0.0), scale * ld_qkv(kj + 4u * d), inside);
    vr[d] = select(vec4f(0.0), ld_qkv(kj + C + 4u * d), inside);
  }
  for (var i0 = j0; i0 < T; i0 += KS) {
    // Item n of an operand is group n % H4 of query i0 + n / H4; lane r loads items r, r+8, ... and query i0+r's lse, D.
    var q: array<vec4f, NH>;
    var gr: array<vec4f, NH>;
    var Ls: array<f32, 8>; // lse of queries i0..i0+7 (past T: T-1's)
    var Ds: array<f32, 8>; // their D
    if (WIDE) {
      for (var u = 0u; u < NL; u++) {
        let n = min(8u * u + lane, NH - 1u);
        let t = min(i0 + n / H4, T - 1u); // past T: query T-1, masked below
        let xq = bc8(ld_qkv(seq + t * C3 + 4u * (n % H4)));
        let xg = bc8(ld_dout((b * T + t) * C + h * HS + 4u * (n % H4)));
        for (var r = 0u; r < 8u; r++) {
          if (8u * u + r < NH) {
            q[min(8u * u + r, NH - 1u)] = xq[r];
            gr[min(8u * u + r, NH - 1u)] = xg[r];
          }
        }
      }
      let mine = bh * T + min(i0 + lane, T - 1u);
      Ls = bc8s(lse[mine]);
      Ds = bc8s(delta[mine]);
    } else {
      for (var n = 0u; n < NH; n++) {
        let t = min(i0 + n / H4, T - 1u);
        q[n] = ld_qkv(seq + t * C3 + 4u * (n % H4));
        gr[n] = ld_dout((b * T + t) * C + h * HS + 4u * (n % H4));
      }
      for (var c = 0u; c < KS; c++) {
        Ls[c] = lse[bh * T + min(i0 + c, T - 1u)];
        Ds[c] = delta[bh * T + min(i0 + c, T - 1u)];
      }
    }
    for (var c = 0u; c < KS; c++) {
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < H4; d++) {
        s += dot(kr[d], q[H4 * c + d]);
        dp += dot(vr[d], gr[H4 * c + d]);
      }
      let p = select(0.0, exp(s - Ls[c]), i0 + c >= jj && i0 + c < T);
      let ds = p * (dp - Ds[c]);
      for (var d = 0u; d < H4; d++) {
        dv[d] += p * gr[H4 * c + d];
        dk[d] += ds * q[H4 * c + d];
      }
    }
  }
  if (j >= T) { return; }
#if ${VEC4}
  for (var d = 0u; d < H4; d++) {
    dqkv[kj / 4u + d] = scale * dk[d];
    dqkv[(kj + C) / 4u + d] = dv[d];
  }
#else
  for (var d = 0u; d < HS; d++) {
    dqkv[kj + d] = scale * dk[d / 4u][d % 4u];
    dqkv[kj + C + d] = dv[d / 4u][d % 4u];
  }
#endif
}

// Lane r's x, to every lane: subgroupBroadcast takes a constant lane, so the eight are spelled out.
fn bc8(x: vec4f) -> array<vec4f, 8> {
  return array<vec4f, 8>(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u),
                         subgroupBroadcast(x, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(x, 6u), subgroupBroadcast(x, 7u));
}

fn bc8s(x: f32) -> array<f32, 8> {
  return array<f32, 8>(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u),
                       subgroupBroadcast(x, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(x, 6u), subgroupBroadcast(x, 7u));
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
