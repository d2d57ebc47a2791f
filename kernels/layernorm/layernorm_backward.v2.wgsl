// layernorm_backward v2: with norm = (inp - mean)·rstd and g = weight·dout, over the row:
//   dinp += (g - mean_c(g) - norm·mean_c(g·norm))·rstd;  dweight += sum_r dout·norm;  dbias += sum_r dout.
// Shapes: dinp, dout, inp (N,C); dweight, dbias, weight (C); mean, rstd (N). Every output accumulates (+=).
// Parallel: one dispatch of two kinds of WG-invocation workgroups, as v1: the first ceil(N/WG) give one
// invocation per row (dinp); the rest one invocation per 4 channels, which sums its N rows in order 0..N-1
// (dweight, dbias): deterministic, no atomics. This version: v1 4 channels at a time. With VEC4 (C % 4 == 0,
// the launcher's flag) each is one vec4 load or store, a quarter of v1's memory instructions (on lavapipe each
// per-invocation load is a loop over the lanes); weight in the row part and mean, rstd in the channel part are
// read at the same address by every invocation (one load and a splat on lavapipe, a broadcast on a GPU).
// Without VEC4 the last 4 channels of a row are loaded one by one, zeros past C. Runs and SHARED as in v1.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32, // rows of one run
  C: u32,
  P: u32, // elements from one run's weight and bias (and their gradients) to the next's: a pack's z
  DB: u32, // SHARED: elements from dweight to dbias in their one binding
}

override WG: u32 = 64; // invocations per workgroup (the launcher passes its own value)

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> dinp: array<vec4f>;    // (N,C/4)
#if ${SHARED}
@group(0) @binding(1) var<storage, read_write> dparams: array<vec4f>; // dweight, dbias at DB
#else
@group(0) @binding(1) var<storage, read_write> dweight: array<vec4f>; // (C/4)
@group(0) @binding(2) var<storage, read_write> dbias: array<vec4f>;   // (C/4)
#endif
@group(0) @binding(3) var<storage, read> dout: array<vec4f>;          // (N,C/4)
@group(0) @binding(4) var<storage, read> inp: array<vec4f>;           // (N,C/4)
@group(0) @binding(5) var<storage, read> weight: array<vec4f>;        // (C/4)
#else
@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;      // (N,C)
#if ${SHARED}
@group(0) @binding(1) var<storage, read_write> dparams: array<f32>;   // dweight, dbias at DB
#else
@group(0) @binding(1) var<storage, read_write> dweight: array<f32>;   // (C)
@group(0) @binding(2) var<storage, read_write> dbias: array<f32>;     // (C)
#endif
@group(0) @binding(3) var<storage, read> dout: array<f32>;            // (N,C)
@group(0) @binding(4) var<storage, read> inp: array<f32>;             // (N,C)
@group(0) @binding(5) var<storage, read> weight: array<f32>;          // (C)
#endif
@group(0) @binding(6) var<storage, read> mean: array<f32>;            // (N)
@group(0) @binding(7) var<storage, read> rstd: array<f32>;            // (N)
@group(0) @binding(8) var<uniform> dims: Dims;

var<private> r0: u32; // this run's first row: wid.z · dims.N
var<private> ow: u32; // this run's weight and gradients: wid.z · dims.P

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = wid.y * nwg.x + wid.x;
  let row_groups = (dims.N + WG - 1u) / WG;
  let C4 = (dims.C + 3u) / 4u;
  r0 = wid.z * dims.N;
  ow = wid.z * dims.P;
  if (group < row_groups) {
    let r = group * WG + lid;
    if (r < dims.N) { row_backward(r0 + r, C4); }
  } else {
    let q = (group - row_groups) * WG + lid;
    if (q < C4) { channel_backward(q); }
  }
}

fn row_backward(r: u32, C4: u32) {
  let m = mean[r];
  let s = rstd[r];
  var g_sum = vec4f(0.0);
  var gn_sum = vec4f(0.0);
  for (var q = 0u; q < C4; q++) {
    let g = ld_weight(q) * ld(false, r, q);
    g_sum += g;
    gn_sum += g * (ld(true, r, q) - m) * s;
  }
  let g_mean = (g_sum.x + g_sum.y + g_sum.z + g_sum.w) / f32(dims.C);
  let gn_mean = (gn_sum.x + gn_sum.y + gn_sum.z + gn_sum.w) / f32(dims.C);
  for (var q = 0u; q < C4; q++) {
    let norm = (ld(true, r, q) - m) * s;
    let g = ld_weight(q) * ld(false, r, q);
    add_dinp(r, q, (g - g_mean - norm * gn_mean) * s);
  }
}

fn channel_backward(q: u32) {
  var dw = vec4f(0.0);
  var db = vec4f(0.0);
  for (var r = r0; r < r0 + dims.N; r++) {
    let d = ld(false, r, q);
    db += d;
    dw += d * (ld(true, r, q) - mean[r]) * rstd[r];
  }
  add_params(q, dw, db);
}

// Row r, channels 4q..4q+3 of inp (is_inp) or dout, zeros past C; weight likewise; the accumulating stores.
#if ${VEC4}
fn ld(is_inp: bool, r: u32, q: u32) -> vec4f {
  let i = r * (dims.C / 4u) + q;
  if (is_inp) { return inp[i]; }
  return dout[i];
}
fn ld_weight(q: u32) -> vec4f { return weight[ow + q]; }
fn add_dinp(r: u32, q: u32, x: vec4f) { dinp[r * (dims.C / 4u) + q] += x; }
fn add_params(q: u32, dw: vec4f, db: vec4f) {
#if ${SHARED}
  dparams[ow + q] += dw;
  dparams[dims.DB + ow + q] += db;
#else
  dweight[ow + q] += dw;
  dbias[ow + q] += db;
#endif
}
#else
fn ld(is_inp: bool, r: u32, q: u32) -> vec4f {
  var x = vec4f(0.0);
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) {
    let i = r * dims.C + 4u * q + k;
    if (is_inp) { x[k] = inp[i]; } else { x[k] = dout[i]; }
  }
  return x;
}
fn ld_weight(q: u32) -> vec4f {
  var x = vec4f(0.0);
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) { x[k] = weight[ow + 4u * q + k]; }
  return x;
}
fn add_dinp(r: u32, q: u32, x: vec4f) {
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) { dinp[r * dims.C + 4u * q + k] += x[k]; }
}
fn add_params(q: u32, dw: vec4f, db: vec4f) {
  for (var k = 0u; k < 4u && 4u * q + k < dims.C; k++) {
#if ${SHARED}
    dparams[ow + 4u * q + k] += dw[k];
    dparams[dims.DB + ow + 4u * q + k] += db[k];
#else
    dweight[ow + 4u * q + k] += dw[k];
    dbias[ow + 4u * q + k] += db[k];
#endif
  }
}
#endif
