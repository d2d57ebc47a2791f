// The tanh-GELU and its derivative, once: appended (KernelSpec.append) to gelu_forward, gelu_backward
// and every matmul version, whose GELU epilogues (GELU_FORWARD, GELU_BACKWARD) call them.
//   gelu(x)  = 0.5·x·(1 + tanh u),  u = sqrt(2/pi)·(x + 0.044715·x^3)
//   gelu'(x) = 0.5·(1 + tanh u) + 0.5·x·(1 - tanh^2 u)·sqrt(2/pi)·(1 + 3·0.044715·x^2)
// u is clamped to [-10, 10]: some tanh implementations go through exp and return NaN (inf/inf) for large
// arguments, and tanh(10) already rounds to 1 in f32. x^2 in gelu' is capped: past |x| = 10 the factor
// 1 - tanh^2 u is exactly 0 in f32, and an infinite x^2 would make 0·inf = NaN.
const GELU_SCALE = 0.7978845608028654; // sqrt(2/pi)

fn gelu(x: f32) -> f32 {
  let u = clamp(GELU_SCALE * (x + 0.044715 * x * x * x), -10.0, 10.0);
  return 0.5 * x * (1.0 + tanh(u));
}

fn gelu_grad(x: f32) -> f32 {
  let x2 = min(x * x, 900.0);
  let t = tanh(clamp(GELU_SCALE * (x + 0.044715 * x * x * x), -10.0, 10.0));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_SCALE * (1.0 + 3.0 * 0.044715 * x2);
}

// Component-wise, for epilogues that store vec4s.
fn gelu4(x: vec4f) -> vec4f {
  return vec4f(gelu(x.x), gelu(x.y), gelu(x.z), gelu(x.w));
}

fn gelu_grad4(x: vec4f) -> vec4f {
  return vec4f(gelu_grad(x.x), gelu_grad(x.y), gelu_grad(x.z), gelu_grad(x.w));
}
