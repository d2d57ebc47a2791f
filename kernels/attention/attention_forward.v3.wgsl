// attention_forward v3 (CPU adapters): out and lse as v1 (out_i = Σ_{j<=i} softmax_j(scale·q_i·k_j)·v_j, lse_i = log Σ_j exp(...)).
// Shapes: qkv (B,T,3C) holding q, k, v in channels [0,C), [C,2C), [2C,3C); out (B,T,C); lse (B,H,T); hs = C/H.
// Parallel: one workgroup of 8 invocations (one subgroup) per block of 8 query rows of one (b,h); invocation r owns row i0+r.
// This version: on a software adapter a load is a bounds-checked loop over the lanes even when every lane reads the
// same address, so v2's per-key loads dominated. Keys go in chunks of 8: lane r loads key j0+r's k and v (one load
// per lane instead of eight) and subgroupBroadcast shares them, as matmul v4 shares A. The online softmax rescales
// once per chunk, not per key, without a branch. Needs subgroups; WIDE (launcher) says they hold >= 8 invocations,
// else (SwiftShader: 4) each lane loads every item itself, as v2 does.
// Rows go 4 channels at a time; VEC4 (hs % 4 == 0) makes each group one aligned load. Otherwise the last group of a
// head reads up to 3 channels past it, which q's zeros cancel and no store keeps.
enable subgroups;

struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers
const H4 = (HS + 3u) / 4u; // vec4 channel groups per head
const KS = max(1u, 8u / H4); // keys per chunk: KS·H4 ≈ 8 keeps every loop small enough for the compiler to unroll
const NI = 2u * H4 * KS;      // vec4 items (k and v groups) per chunk
const NL = (NI + 7u) / 8u;    // loads per lane per chunk
const LOWEST = -3.4e38;
override WIDE: bool = true; // subgroups have >= 8 invocations   // a masked score: below any real one, finite (exp(LOWEST - m) = 0)

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>; // (B,T,C/4)
#else
@group(0) @binding(0) var<storage, read_write> out: array<f32>;   // (B,T,C)
#endif
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;   // (B,H,T)
#if ${VEC4}
@group(0) @binding(2) var<storage, read> qkv: array<vec4f>;       // (B,T,3C/4)
#else
@group(0) @binding(2) var<storage, read> qkv: array<f32>;         // (B,T,3C)
#endif
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + 7u) / 8u;    // query blocks per (b,h)
  let g = wid.y * nwg.x + wid.x; // = (b*H + h)*blocks + block
  if (g >= dims.B * dims.H * blocks) { return; } // whole workgroups only: g is uniform
  let bh = g / blocks;
  let i0 = (g % blocks) * 8u;
  let h = bh % dims.H;
  let b = bh / dims.H;
  let i = i0 + li;
  let ii = min(i, T - 1u); // rows past T compute row T-1 and store nothing, keeping the loop uniform
  let C3 = 3u * C;
  let seq = b * T * C3 + h * HS; // q channel 0 of head h at t = 0; keys at +C, values at +2C
  let scale = inverseSqrt(f32(HS));

  var q: array<vec4f, H4>;   // scale·q_i, zero past hs
  var acc: array<vec4f, H4>; // Σ_j exp(s_j - m)·v_j
  for (var d = 0u; d < H4; d++) {
    let inside = vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
    q[d] = select(vec4f(0.0), scale * ld(seq + ii * C3 + 4u * d), inside);
  }
  var m = LOWEST; // running max; the first chunk holds key 0, visible to every row, so it turns real at once
  var l = 0.0;    // Σ_j exp(s_j - m)
  let last = min(i0 + 8u, T); // keys 0..last-1 are visible to some row of the block
  for (var j0 = 0u; j0 < last; j0 += KS) {
    // Load (item below): lane r loads items r, r+8, ... and subgroupBroadcast gives every lane all of them.
    var kv: array<vec4f, NI>; // every item, on every lane
    for (var u = 0u; u < NL; u++) {
      if (WIDE) {
        let x = bc8(ld(item(seq, j0, min(8u * u + lane, NI - 1u), T, C)));
        for (var r = 0u; r < 8u; r++) {
          if (8u * u + r < NI) { kv[min(8u * u + r, NI - 1u)] = x[r]; }
        }
      } else {
        for (var r = 0u; r < 8u; r++) {
          if (8u * u + r < NI) { kv[min(8u * u + r, NI - 1u)] = ld(item(seq, j0, 8u * u + r, T, C)); }
        }
      }
    }
    var s: array<f32, KS>; // s[c] = scale·q_i·k_{j0+c}
    var mx = m;
    for (var c = 0u; c < KS; c++) {
      var x = 0.0;
      for (var d = 0u; d < H4; d++) { x += dot(q[d], kv[2u * H4 * c + d]); }
      s[c] = select(LOWEST, x, j0 + c <= ii); // a key past the row's own position weighs exp(LOWEST - m) = 0
      mx = max(mx, s[c]);
    }
    let shrink = exp(m - mx); // 0 on the first chunk, 1 when the max did not move
    m = mx;
    l *= shrink;
    for (var d = 0u; d < H4; d++) { acc[d] *= shrink; }
    for (var c = 0u; c < KS; c++) {
      let p = exp(s[c] - m);
      l += p;
      for (var d = 0u; d < H4; d++) { acc[d] += p * kv[2u * H4 * c + H4 + d]; }
    }
  }
  if (i >= T) { return; }
  let inv = 1.0 / l;
  let oi = (b * T + i) * C + h * HS;
#if ${VEC4}
  for (var d = 0u; d < H4; d++) { out[oi / 4u + d] = acc[d] * inv; }
#else
  for (var d = 0u; d < HS; d++) { out[oi + d] = acc[d / 4u][d % 4u] * inv; }
#endif
  lse[bh * T + i] = m + log(l);
}

// Where item n of the chunk at key j0 starts: group n % (2·H4) of key j0 + n / (2·H4), k groups then v groups.
// Past T: key T-1, which the scores mask.
fn item(seq: u32, j0: u32, n: u32, T: u32, C: u32) -> u32 {
  let part = n % (2u * H4);
  let key = min(j0 + n / (2u * H4), T - 1u);
  return seq + key * 3u * C + C + 4u * part + select(0u, C - 4u * H4, part >= H4);
}

// Lane r's x, to every lane: subgroupBroadcast takes a constant lane, so the eight are spelled out.
fn bc8(x: vec4f) -> array<vec4f, 8> {
  return array<vec4f, 8>(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u),
                         subgroupBroadcast(x, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(x, 6u), subgroupBroadcast(x, 7u));
}

// qkv[x .. x+3] (x a float index; a multiple of 4 under VEC4). Past the end of qkv reads clamp, and are weighed 0.
fn ld(x: u32) -> vec4f {
#if ${VEC4}
  return qkv[x / 4u];
#else
  let n = arrayLength(&qkv) - 1u;
  return vec4f(qkv[min(x, n)], qkv[min(x + 1u, n)], qkv[min(x + 2u, n)], qkv[min(x + 3u, n)]);
#endif
}
