// attention_forward v4 (GPUs): out and lse as v1 (out_i = Σ_{j<=i} softmax_j(scale·q_i·k_j)·v_j, lse_i = log Σ_j exp(...)).
// Shapes: qkv (B,T,3C) holding q, k, v in channels [0,C), [C,2C), [2C,3C); out (B,T,C); lse (B,H,T); hs = C/H.
// Parallel: one workgroup of WG invocations per block of WG query rows of one (b,h); invocation r owns row i0+r.
// This version (FlashAttention): the block walks its keys in tiles of KT rows of k and v that the workgroup loads
// together into workgroup memory (each key read from global memory once per block, coalesced), then every row reads
// the tile at a uniform address; the online softmax of v1 per key. No T×T matrix anywhere. Barriers are slow on CPU
// adapters, so the tuner times this version only on GPUs (src/bench/autotune.ts); it is tested on lavapipe like all.
// Rows go 4 channels at a time; VEC4 (hs % 4 == 0) makes each group one aligned load, else reads past a head clamp
// and are weighed 0.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: it sizes the row arrays and the tiles
const H4 = (HS + 3u) / 4u;         // vec4 channel groups per head
const KT = min(64u, 512u / H4);    // keys per tile: k and v tiles take 2·KT·H4 vec4s <= 16 KiB, the smallest limit
override WG: u32 = 64;             // query rows per workgroup
const LOWEST = -3.4e38;            // a masked score: below any real one, finite (exp(LOWEST - m) = 0)

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (B,T,C)
@group(0) @binding(1) var<storage, read_write> lse: array<f32>; // (B,H,T)
#if ${VEC4}
@group(0) @binding(2) var<storage, read> qkv: array<vec4f>;     // (B,T,3C/4)
#else
@group(0) @binding(2) var<storage, read> qkv: array<f32>;       // (B,T,3C)
#endif
@group(0) @binding(3) var<uniform> dims: Dims;

var<workgroup> kt: array<vec4f, KT * H4>; // keys t0..t0+KT-1 of this (b,h), zero past hs
var<workgroup> vt: array<vec4f, KT * H4>; // their values

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + WG - 1u) / WG;
  let g = wid.y * nwg.x + wid.x; // = (b*H + h)*blocks + block
  if (g >= dims.B * dims.H * blocks) { return; } // whole workgroups only: g is uniform, so every barrier is reached
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
  var acc: array<vec4f, H4>; // Σ_j exp(s_j - m)·v_j
  for (var d = 0u; d < H4; d++) { q[d] = select(vec4f(0.0), scale * ld(seq + ii * C3 + 4u * d), inside(d)); }
  var m = LOWEST;
  var l = 0.0;
  let last = min(i0 + WG, T); // keys 0..last-1 are visible to some row of the block
  for (var t0 = 0u; t0 < last; t0 += KT) {
    workgroupBarrier(); // the previous tile is no longer read
    for (var n = li; n < KT * H4; n += WG) {
      let kj = seq + min(t0 + n / H4, T - 1u) * C3 + C + 4u * (n % H4);
      kt[n] = select(vec4f(0.0), ld(kj), inside(n % H4));
      vt[n] = select(vec4f(0.0), ld(kj + C), inside(n % H4));
    }
    workgroupBarrier();
    let tile = min(KT, last - t0);
    for (var c = 0u; c < tile; c++) {
      var x = 0.0;
      for (var d = 0u; d < H4; d++) { x += dot(q[d], kt[c * H4 + d]); }
      let s = select(LOWEST, x, t0 + c <= ii); // a key past the row's own position weighs exp(LOWEST - m) = 0
      if (s > m) {
        let r = exp(m - s);
        l *= r;
        for (var d = 0u; d < H4; d++) { acc[d] *= r; }
        m = s;
      }
      let p = exp(s - m);
      l += p;
      for (var d = 0u; d < H4; d++) { acc[d] += p * vt[c * H4 + d]; }
    }
  }
  if (i >= T) { return; }
  let inv = 1.0 / l;
  let oi = (b * T + i) * C + h * HS;
  for (var d = 0u; d < HS; d++) { out[oi + d] = acc[d / 4u][d % 4u] * inv; }
  lse[bh * T + i] = m + log(l);
}

// Whether channel group d lies in the head, lane by lane.
fn inside(d: u32) -> vec4<bool> {
  return vec4u(4u * d) + vec4u(0u, 1u, 2u, 3u) < vec4u(HS);
}

// qkv[x .. x+3] (x a float index; a multiple of 4 under VEC4). Past the end of qkv reads clamp.
fn ld(x: u32) -> vec4f {
#if ${VEC4}
  return qkv[x / 4u];
#else
  let n = arrayLength(&qkv) - 1u;
  return vec4f(qkv[min(x, n)], qkv[min(x + 1u, n)], qkv[min(x + 2u, n)], qkv[min(x + 3u, n)]);
#endif
}
