// adamw_update v1: g = grads·s; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= lr·(m/bc1 / (sqrt(v/bc2) + eps) + wd·p [i < N_DECAY]).
// Shapes: params, grads, m, v (N), one flat buffer with the N_DECAY decayed elements first; norm (2) from
// global_norm, s = norm[1] is the clip scale; hyper: the per-step values below (48 bytes a run).
// Parallel: one invocation per element, 256-invocation workgroups, folded into y past 65535 workgroups.
// This version: the baseline elementwise update, f32 state, decoupled weight decay.
// Runs: a pack of runs is the grid's z; run z's params, grads, m, v are dims.P floats past run z-1's, its
// clip scale norm[2z + 1] and its step's values hyper[z] (each run its own step, lr and schedule).
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32,       // elements
  N_DECAY: u32, // elements [0, N_DECAY) get weight decay, [N_DECAY, N) do not
  P: u32,       // floats from one run's params (grads, m, v) to the next's
}

// Layout (byte offsets) must match adamw_write_hyper in adamw.ts. bc1, bc2 and the (1-β) terms are
// computed in float64 on the CPU: 1 - f32(0.999) in f32 would be 1.3e-5 off in relative terms.
struct Hyper {
  lr: f32,              // 0
  beta1: f32,           // 4
  beta2: f32,           // 8
  eps: f32,             // 12
  weight_decay: f32,    // 16
  bc1: f32,             // 20: 1 - beta1^t
  bc2: f32,             // 24: 1 - beta2^t
  one_minus_beta1: f32, // 28
  one_minus_beta2: f32, // 32
  pad0: f32,            // 36: one run's values are 48 bytes (ADAMW_HYPER_BYTES)
  pad1: f32,
  pad2: f32,
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>; // (N)
@group(0) @binding(1) var<storage, read> grads: array<f32>;        // (N)
@group(0) @binding(2) var<storage, read_write> m: array<f32>;      // (N) first moment
@group(0) @binding(3) var<storage, read_write> v: array<f32>;      // (N) second moment
@group(0) @binding(4) var<storage, read> norm: array<f32>;         // (2) per run: [0] grad norm, [1] clip scale
@group(0) @binding(5) var<storage, read> hyper: array<Hyper>;     // per step, one per run
@group(0) @binding(6) var<uniform> dims: Dims;

const WG = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.y * nwg.x + wid.x) * WG + lid; // element of this run's model
  if (e >= dims.N) { return; }
  let i = wid.z * dims.P + e;
  let h = hyper[wid.z];
  let g = grads[i] * norm[2u * wid.z + 1u];
  let mi = h.beta1 * m[i] + h.one_minus_beta1 * g;
  let vi = h.beta2 * v[i] + h.one_minus_beta2 * (g * g);
  m[i] = mi;
  v[i] = vi;
  let m_hat = mi / h.bc1;
  let v_hat = vi / h.bc2;
  var step = m_hat / (sqrt(v_hat) + h.eps);
  let p = params[i];
  if (e < dims.N_DECAY) { step += h.weight_decay * p; }
  params[i] = p - h.lr * step;
}
