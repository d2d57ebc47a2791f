// gelu_forward v1: out[i] = gelu(inp[i]), the tanh form GPT-2 uses (gelu() and its clamps: gelu.wgsl, appended).
// Shapes: out, inp (n), usually n = B·T·4C (the MLP hidden layer).
// Parallel: one invocation per element, 256 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline; the model normally skips it: the fc matmul applies GELU in its epilogue.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  n: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (n)
@group(0) @binding(1) var<storage, read> inp: array<f32>;       // (n)
@group(0) @binding(2) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= dims.n) { return; }
  out[i] = gelu(inp[i]);
}
