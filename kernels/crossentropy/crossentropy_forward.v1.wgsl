// crossentropy_forward v1: losses[i] = log(sum_v exp(logits[i,v] - m)) - (logits[i,targets[i]] - m), m = max_v logits[i,v].
// Shapes: losses (BT); logits (BT,V); targets (BT) u32. A target of 0xFFFFFFFF ignores the position (loss 0);
// any other target >= V is a bug upstream and gives a NaN loss, so it cannot pass unnoticed.
// Parallel: one invocation per position, 64 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline: fused softmax + cross-entropy in two passes over the row (max, then sum of exp),
// never materialising the probabilities. Subtracting the max keeps every exp in (0, 1].
struct Dims { // shapes: a uniform, so every size shares this pipeline
  BT: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read_write> losses: array<f32>; // (BT)
@group(0) @binding(1) var<storage, read> logits: array<f32>;       // (BT,V)
@group(0) @binding(2) var<storage, read> targets: array<u32>;      // (BT)
@group(0) @binding(3) var<uniform> dims: Dims;

const IGNORE = 0xFFFFFFFFu;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (i >= dims.BT) { return; }
  let tgt = targets[i];
  if (tgt == IGNORE) {
    losses[i] = 0.0;
    return;
  }
  if (tgt >= dims.V) {
    losses[i] = nan();
    return;
  }
  let row = i * dims.V;
  var m = logits[row];
  for (var v = 1u; v < dims.V; v++) { m = max(m, logits[row + v]); }
  var sum = 0.0;
  for (var v = 0u; v < dims.V; v++) { sum += exp(logits[row + v] - m); }
  losses[i] = log(sum) - (logits[row + tgt] - m);
}

// A quiet NaN. The bits go through a let: a NaN from a constant expression is a shader-creation error.
fn nan() -> f32 {
  let bits = 0x7FC00000u;
  return bitcast<f32>(bits);
}
