// gelu_forward v1: out[i] = 0.5·x·(1 + tanh(sqrt(2/pi)·(x + 0.044715·x^3))), x = inp[i] (the tanh form GPT-2 uses).
// Shapes: out, inp (n), usually n = B·T·4C (the MLP hidden layer).
// Parallel: one invocation per element, 256 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline. The tanh argument is clamped to [-10, 10]: some tanh implementations go
// through exp and return NaN (inf/inf) for large arguments, and tanh(10) already rounds to 1 in f32.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  n: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (n)
@group(0) @binding(1) var<storage, read> inp: array<f32>;       // (n)
@group(0) @binding(2) var<uniform> dims: Dims;

const GELU_SCALE = 0.7978845608028654; // sqrt(2/pi)

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= dims.n) { return; }
  let x = inp[i];
  let u = clamp(GELU_SCALE * (x + 0.044715 * x * x * x), -10.0, 10.0);
  out[i] = 0.5 * x * (1.0 + tanh(u));
}
