// gelu_backward v1: dinp[i] = gelu'(x)·dout[i], x = inp[i], with u = sqrt(2/pi)·(x + 0.044715·x^3) and
// gelu'(x) = 0.5·(1 + tanh u) + 0.5·x·(1 - tanh^2 u)·sqrt(2/pi)·(1 + 3·0.044715·x^2). Overwrites dinp.
// Shapes: dinp, inp, dout (n).
// Parallel: one invocation per element, 256 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline. As in the forward, u is clamped to [-10, 10]; x^2 in the second term is capped
// because past |x| = 10 the factor 1 - tanh^2 u is exactly 0 in f32 and an infinite x^2 would make 0·inf = NaN.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  n: u32,
}

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>; // (n)
@group(0) @binding(1) var<storage, read> inp: array<f32>;        // (n)
@group(0) @binding(2) var<storage, read> dout: array<f32>;       // (n)
@group(0) @binding(3) var<uniform> dims: Dims;

const GELU_SCALE = 0.7978845608028654; // sqrt(2/pi)

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= dims.n) { return; }
  let x = inp[i];
  let x2 = min(x * x, 900.0);
  let t = tanh(clamp(GELU_SCALE * (x + 0.044715 * x * x * x), -10.0, 10.0));
  let sech2 = 1.0 - t * t;
  let grad = 0.5 * (1.0 + t) + 0.5 * x * sech2 * GELU_SCALE * (1.0 + 3.0 * 0.044715 * x2);
  dinp[i] = grad * dout[i];
}
