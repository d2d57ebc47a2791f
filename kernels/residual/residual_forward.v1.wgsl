// residual_forward v1: out[i] = inp1[i] + inp2[i].
// Shapes: out, inp1, inp2 all (n), usually n = B·T·C (the residual stream).
// Parallel: one invocation per element, 256 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline: one add per two loads and a store; bandwidth-bound on every adapter.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  n: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (n)
@group(0) @binding(1) var<storage, read> inp1: array<f32>;      // (n)
@group(0) @binding(2) var<storage, read> inp2: array<f32>;      // (n)
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= dims.n) { return; }
  out[i] = inp1[i] + inp2[i];
}
