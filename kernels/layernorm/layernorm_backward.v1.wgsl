// layernorm_backward v1: with norm = (inp - mean)·rstd and g = weight·dout, over the row:
//   dinp += (g - mean_c(g) - norm·mean_c(g·norm))·rstd;  dweight += sum_r dout·norm;  dbias += sum_r dout.
// Shapes: dinp, dout, inp (N,C); dweight, dbias, weight (C); mean, rstd (N). Every output accumulates (+=).
// Parallel: one dispatch of two kinds of 64-invocation workgroups. The first ceil(N/64) workgroups give one
// invocation per row (dinp); the next ceil(C/64) give one invocation per channel, which sums its N rows in
// order 0..N-1 (dweight, dbias): deterministic, no atomics, and neighbouring invocations read neighbouring
// addresses. This version is the baseline; the channel part has only C invocations, each N long.
// Runs (every version): a pack of runs is the grid's z, run z's N rows after run z-1's, its weight and
// parameter gradients dims.P past run z-1's; each run's channel sums run over its own rows only. SHARED
// (a pack's views, which overlap): dweight and dbias are one binding, dbias dims.DB elements after dweight.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32, // rows of one run
  C: u32,
  P: u32, // elements from one run's weight and bias (and their gradients) to the next's: a pack's z
  DB: u32, // SHARED: elements from dweight to dbias in their one binding
}

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;    // (N,C)
#if ${SHARED}
@group(0) @binding(1) var<storage, read_write> dparams: array<f32>; // dweight, dbias at DB
#else
@group(0) @binding(1) var<storage, read_write> dweight: array<f32>; // (C)
@group(0) @binding(2) var<storage, read_write> dbias: array<f32>;   // (C)
#endif
@group(0) @binding(3) var<storage, read> dout: array<f32>;          // (N,C)
@group(0) @binding(4) var<storage, read> inp: array<f32>;           // (N,C)
@group(0) @binding(5) var<storage, read> weight: array<f32>;        // (C)
@group(0) @binding(6) var<storage, read> mean: array<f32>;          // (N)
@group(0) @binding(7) var<storage, read> rstd: array<f32>;          // (N)
@group(0) @binding(8) var<uniform> dims: Dims;

var<private> r0: u32; // this run's first row: wid.z · dims.N
var<private> ow: u32; // this run's weight and gradients: wid.z · dims.P

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = wid.y * nwg.x + wid.x;
  let row_groups = (dims.N + 63u) / 64u;
  r0 = wid.z * dims.N;
  ow = wid.z * dims.P;
  if (group < row_groups) {
    let r = group * 64u + lid;
    if (r < dims.N) { row_backward(r0 + r); }
  } else {
    let c = (group - row_groups) * 64u + lid;
    if (c < dims.C) { channel_backward(c); }
  }
}

fn row_backward(r: u32) {
  let row = r * dims.C;
  let m = mean[r];
  let s = rstd[r];
  var g_sum = 0.0;
  var gn_sum = 0.0;
  for (var c = 0u; c < dims.C; c++) {
    let g = weight[ow + c] * dout[row + c];
    g_sum += g;
    gn_sum += g * (inp[row + c] - m) * s;
  }
  let g_mean = g_sum / f32(dims.C);
  let gn_mean = gn_sum / f32(dims.C);
  for (var c = 0u; c < dims.C; c++) {
    let norm = (inp[row + c] - m) * s;
    let g = weight[ow + c] * dout[row + c];
    dinp[row + c] += (g - g_mean - norm * gn_mean) * s;
  }
}

fn channel_backward(c: u32) {
  var dw = 0.0;
  var db = 0.0;
  for (var r = r0; r < r0 + dims.N; r++) {
    let d = dout[r * dims.C + c];
    db += d;
    dw += d * (inp[r * dims.C + c] - mean[r]) * rstd[r];
  }
#if ${SHARED}
  dparams[ow + c] += dw;
  dparams[dims.DB + ow + c] += db;
#else
  dweight[ow + c] += dw;
  dbias[ow + c] += db;
#endif
}
