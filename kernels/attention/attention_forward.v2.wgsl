// attention_forward v2: out and lse as v1 (out_i = Σ_{j<=i} softmax_j(scale·q_i·k_j)·v_j, lse_i = log Σ_j exp(...)).
// Shapes: qkv (B,T,3C) holding q, k, v in channels [0,C), [C,2C), [2C,3C); out (B,T,C); lse (B,H,T); hs = C/H.
// Parallel: one workgroup of WG invocations per block of WG query rows of one (b,h); invocation r owns row i0+r.
// This version (FlashAttention's blocking of queries, without workgroup memory): the key loop runs to the block's
// last row, the same keys for every invocation, so each key and value is loaded once per workgroup at a uniform
// address (one load and a splat on a CPU adapter; a broadcast on a GPU) instead of once per row, with the same
// online softmax as v1; keys past a row's own position are masked. No T×T matrix anywhere.
// Rows are handled 4 channels at a time (vec4); VEC4 (hs % 4 == 0) makes each group one aligned load. Otherwise
// the last group of a head reads up to 3 channels past it, which q's zeros cancel and no store keeps.
struct Dims { // shapes: a uniform, so every size of one head size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  H: u32,
}
const HS = ${HS}u; // head size C/H, interpolated: loops over it unroll and rows stay in registers (a runtime head size was slower on lavapipe)
const H4 = (HS + 3u) / 4u; // vec4 channel groups per head
override WG: u32 = 8;     // query rows per workgroup: one subgroup on lavapipe
const LOWEST = -3.4e38;   // a masked score: below any real one, finite (exp(LOWEST - m) = 0)

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (B,T,C)
@group(0) @binding(1) var<storage, read_write> lse: array<f32>; // (B,H,T)
#if ${VEC4}
@group(0) @binding(2) var<storage, read> qkv: array<vec4f>;     // (B,T,3C/4)
#else
@group(0) @binding(2) var<storage, read> qkv: array<f32>;       // (B,T,3C)
#endif
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let T = dims.T;
  let C = dims.C;
  let blocks = (T + WG - 1u) / WG; // query blocks per (b,h)
  let g = wid.y * nwg.x + wid.x;   // = (b*H + h)*blocks + block
  if (g >= dims.B * dims.H * blocks) { return; } // whole workgroups only: g is uniform
  let bh = g / blocks;
  let i0 = (g % blocks) * WG;
  let h = bh % dims.H;
  let b = bh / dims.H;
  let i = i0 + li;
  let live = i < T;
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
  // Key 0 is visible to every row: it starts the running max, so no sentinel is needed.
  var m = 0.0;
  for (var d = 0u; d < H4; d++) { m += dot(q[d], ld(seq + C + 4u * d)); }
  var l = 1.0;
  for (var d = 0u; d < H4; d++) { acc[d] = ld(seq + 2u * C + 4u * d); }
  let last = min(i0 + WG, T); // keys 0..last-1 are visible to some row of the block
  for (var j = 1u; j < last; j++) {
    let kj = seq + j * C3 + C;
    var x = 0.0;
    for (var d = 0u; d < H4; d++) { x += dot(q[d], ld(kj + 4u * d)); }
    let s = select(LOWEST, x, j <= ii); // a key past the row's own position weighs exp(LOWEST - m) = 0
    if (s > m) {
      let r = exp(m - s);
      l *= r;
      for (var d = 0u; d < H4; d++) { acc[d] *= r; }
      m = s;
    }
    let p = exp(s - m);
    l += p;
    for (var d = 0u; d < H4; d++) { acc[d] += p * ld(kj + C + 4u * d); }
  }
  if (!live) { return; }
  let inv = 1.0 / l;
  let oi = (b * T + i) * C + h * HS;
  for (var d = 0u; d < HS; d++) { out[oi + d] = acc[d / 4u][d % 4u] * inv; }
  lse[bh * T + i] = m + log(l);
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
