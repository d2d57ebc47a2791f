// layernorm_forward v2: out[r,c] = (inp[r,c] - mean[r])·rstd[r]·weight[c] + bias[c], rstd = 1/sqrt(var + 1e-5), as v1.
// Shapes: out, inp (N,C) with N = B·T rows; mean, rstd (N), saved for the backward; weight, bias (C).
// Parallel: one invocation per row, WG per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version: v1's three passes over the row (mean, variance about the mean, normalize), 4 channels at a
// time. With VEC4 (C % 4 == 0, the launcher's flag) each is one vec4 load or store, a quarter of v1's memory
// instructions (on lavapipe each per-invocation load is a loop over the lanes); weight and bias are read at
// the same address by every invocation (one load and a splat on lavapipe, a broadcast on a GPU). Without
// VEC4 the last 4 channels of a row are loaded one by one and the missing ones masked out of the sums.
// Runs as in v1.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32, // rows of one run
  C: u32,
  P: u32, // elements from one run's weight and bias (and their gradients) to the next's: a pack's z
}

override WG: u32 = 64; // rows per workgroup (the launcher passes its own value)
const EPS = 1e-5;

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>; // (N,C/4)
#else
@group(0) @binding(0) var<storage, read_write> out: array<f32>;   // (N,C)
#endif
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;  // (N)
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;  // (N)
#if ${VEC4}
@group(0) @binding(3) var<storage, read> inp: array<vec4f>;       // (N,C/4)
@group(0) @binding(4) var<storage, read> weight: array<vec4f>;    // (C/4)
@group(0) @binding(5) var<storage, read> bias: array<vec4f>;      // (C/4)
#else
@group(0) @binding(3) var<storage, read> inp: array<f32>;         // (N,C)
@group(0) @binding(4) var<storage, read> weight: array<f32>;      // (C)
@group(0) @binding(5) var<storage, read> bias: array<f32>;        // (C)
#endif
@group(0) @binding(6) var<uniform> dims: Dims;

var<private> ow: u32; // this run's weight and bias: wid.z · dims.P

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= dims.N) { return; }
  let r = wid.z * dims.N + i; // the pack's row
  ow = wid.z * dims.P;
  let C4 = (dims.C + 3u) / 4u;
  var sum = vec4f(0.0);
  for (var q = 0u; q < C4; q++) { sum += ld_inp(r, q); }
  let m = (sum.x + sum.y + sum.z + sum.w) / f32(dims.C);
  var sq = vec4f(0.0);
  for (var q = 0u; q < C4; q++) {
    let d = (ld_inp(r, q) - m) * inside(q);
    sq += d * d;
  }
  let s = 1.0 / sqrt((sq.x + sq.y + sq.z + sq.w) / f32(dims.C) + EPS);
  for (var q = 0u; q < C4; q++) { st(r, q, (ld_inp(r, q) - m) * s * ld_weight(q) + ld_bias(q)); }
  mean[r] = m;
  rstd[r] = s;
}

// Loads of channels 4q..4q+3 (zeros past C), the store of those below C, and the mask of those below C.
#if ${VEC4}
fn ld_inp(r: u32, q: u32) -> vec4f { return inp[r * (dims.C / 4u) + q]; }
fn ld_weight(q: u32) -> vec4f { return weight[ow + q]; }
fn ld_bias(q: u32) -> vec4f { return bias[ow + q]; }
fn st(r: u32, q: u32, y: vec4f) { out[r * (dims.C / 4u) + q] = y; }
fn inside(q: u32) -> vec4f { return vec4f(1.0); }
#else
fn ld_inp(r: u32, q: u32) -> vec4f {
  var x = vec4f(0.0);
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) { x[k] = inp[r * dims.C + 4u * q + k]; }
  return x;
}
fn ld_weight(q: u32) -> vec4f {
  var x = vec4f(0.0);
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) { x[k] = weight[ow + 4u * q + k]; }
  return x;
}
fn ld_bias(q: u32) -> vec4f {
  var x = vec4f(0.0);
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) { x[k] = bias[ow + 4u * q + k]; }
  return x;
}
fn st(r: u32, q: u32, y: vec4f) {
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) { out[r * dims.C + 4u * q + k] = y[k]; }
}
fn inside(q: u32) -> vec4f { return select(vec4f(0.0), vec4f(1.0), vec4u(4u * q) + vec4u(0u, 1u, 2u, 3u) < vec4u(dims.C)); }
#endif
