// layernorm_forward v1: out[r,c] = (inp[r,c] - mean[r])·rstd[r]·weight[c] + bias[c], rstd = 1/sqrt(var + 1e-5).
// Shapes: out, inp (N,C) with N = B·T rows; mean, rstd (N), saved for the backward; weight, bias (C).
// Parallel: one invocation per row, 64 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline: three passes over the row (mean, variance about the mean, normalize), no
// shared memory and no barriers. Two-pass variance avoids the cancellation of E[x^2] - E[x]^2.
// Runs (every version): a pack of runs is the grid's z, run z's N rows after run z-1's, its weight and bias
// dims.P past run z-1's (layernorm.ts).
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32, // rows of one run
  C: u32,
  P: u32, // elements from one run's weight and bias (and their gradients) to the next's: a pack's z
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // (N,C)
@group(0) @binding(1) var<storage, read_write> mean: array<f32>; // (N)
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>; // (N)
@group(0) @binding(3) var<storage, read> inp: array<f32>;        // (N,C)
@group(0) @binding(4) var<storage, read> weight: array<f32>;     // (C)
@group(0) @binding(5) var<storage, read> bias: array<f32>;       // (C)
@group(0) @binding(6) var<uniform> dims: Dims;

const EPS = 1e-5;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (i >= dims.N) { return; }
  let r = wid.z * dims.N + i; // the pack's row
  let ow = wid.z * dims.P;
  let row = r * dims.C;
  var sum = 0.0;
  for (var c = 0u; c < dims.C; c++) { sum += inp[row + c]; }
  let m = sum / f32(dims.C);
  var sq = 0.0;
  for (var c = 0u; c < dims.C; c++) {
    let d = inp[row + c] - m;
    sq += d * d;
  }
  let s = 1.0 / sqrt(sq / f32(dims.C) + EPS);
  for (var c = 0u; c < dims.C; c++) {
    out[row + c] = (inp[row + c] - m) * s * weight[ow + c] + bias[ow + c];
  }
  mean[r] = m;
  rstd[r] = s;
}
