// global_norm stage 1 (v1): partials[w] = sum of grads[i]^2 over block w, block w = [w·BLOCK, (w+1)·BLOCK), BLOCK = 256·ITEMS.
// Shapes: grads (N); partials (P), P = ceil(N / BLOCK) = global_norm_partials(N).
// Parallel: one 256-invocation workgroup per block, folded into y past 65535 workgroups; each invocation
// sums ITEMS strided elements (coalesced), then a fixed binary tree in workgroup memory adds the 256.
// This version: the baseline deterministic reduction; the order of additions depends only on N, no atomics.
// Runs: a pack of runs is the grid's z, run z's grads dims.G floats past run z-1's, its partials P past them.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32, // elements in grads
  P: u32, // workgroups = partial sums (of one run)
  G: u32, // floats from one run's grads to the next's
}
override ITEMS: u32; // elements per invocation
const WG = 256u;

@group(0) @binding(0) var<storage, read_write> partials: array<f32>; // (P)
@group(0) @binding(1) var<storage, read> grads: array<f32>;          // (N)
@group(0) @binding(2) var<uniform> dims: Dims;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= dims.P) { return; } // whole workgroups only: w is uniform, so the barriers below stay legal
  let base = w * WG * ITEMS;
  var acc = 0.0;
  for (var k = 0u; k < ITEMS; k++) {
    let i = base + k * WG + lid;
    if (i < dims.N) {
      let g = grads[wid.z * dims.G + i];
      acc = fma(g, g, acc);
    }
  }
  sums[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { sums[lid] = sums[lid] + sums[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[wid.z * dims.P + w] = sums[0]; }
}
