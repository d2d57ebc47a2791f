// global_norm stage 2 (v1): norm = sqrt(sum_w partials[w]); out = (norm, min(1, MAX_NORM / (norm + 1e-6))).
// Shapes: partials (P) from global_norm_partials.v1.wgsl; out (2): [0] the L2 norm, [1] the clip scale.
// Parallel: a single 256-invocation workgroup; invocation j adds partials j, j+256, j+512, ... in order,
// then a fixed binary tree in workgroup memory adds the 256 sums. Deterministic, no atomics.
// This version: the baseline; the result stays on the GPU for adamw_update to read out[1].
// Runs: a pack of runs is the grid's z (one workgroup each); run z reads its P partials after run z-1's and
// writes out[2z], out[2z + 1].
struct Dims { // shapes: a uniform, so every size shares this pipeline
  P: u32,        // partial sums from stage 1
  MAX_NORM: u32, // clip threshold on the global L2 norm (f32 bits: read with bitcast<f32>)
}
const WG = 256u;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;   // (2) per run
@group(0) @binding(1) var<storage, read> partials: array<f32>;    // (P)
@group(0) @binding(2) var<uniform> dims: Dims;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < dims.P; i += WG) {
    acc += partials[wid.z * dims.P + i];
  }
  sums[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { sums[lid] = sums[lid] + sums[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let norm = sqrt(sums[0]);
    out[2u * wid.z] = norm;
    out[2u * wid.z + 1u] = min(1.0, bitcast<f32>(dims.MAX_NORM) / (norm + 1e-6));
  }
}
