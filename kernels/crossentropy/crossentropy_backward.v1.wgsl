// crossentropy_backward v1: dlogits[i,v] = (softmax(logits[i,:])[v] - (v == targets[i]))·dlosses[i]. Overwrites dlogits.
// Shapes: dlogits, logits (BT,V); targets (BT) u32; dlosses (BT), the per-position weight (e.g. 1/count).
// Ignored positions (target 0xFFFFFFFF) get a zero row; any other target >= V gives a NaN row, as in the forward.
// Parallel: one invocation per position, 64 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline: recomputes the row's max and sum of exp (three passes over the row) rather than
// saving probabilities from the forward.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  BT: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>; // (BT,V)
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // (BT,V)
@group(0) @binding(2) var<storage, read> targets: array<u32>;       // (BT)
@group(0) @binding(3) var<storage, read> dlosses: array<f32>;       // (BT)
@group(0) @binding(4) var<uniform> dims: Dims;

const IGNORE = 0xFFFFFFFFu;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (i >= dims.BT) { return; }
  let tgt = targets[i];
  let row = i * dims.V;
  if (tgt == IGNORE || tgt >= dims.V) {
    let fill = select(nan(), 0.0, tgt == IGNORE);
    for (var v = 0u; v < dims.V; v++) { dlogits[row + v] = fill; }
    return;
  }
  var m = logits[row];
  for (var v = 1u; v < dims.V; v++) { m = max(m, logits[row + v]); }
  var sum = 0.0;
  for (var v = 0u; v < dims.V; v++) { sum += exp(logits[row + v] - m); }
  let scale = dlosses[i] / sum;
  for (var v = 0u; v < dims.V; v++) {
    let p_scaled = exp(logits[row + v] - m) * scale;
    dlogits[row + v] = select(p_scaled, p_scaled - dlosses[i], v == tgt);
  }
}

// A quiet NaN. The bits go through a let: a NaN from a constant expression is a shader-creation error.
fn nan() -> f32 {
  let bits = 0x7FC00000u;
  return bitcast<f32>(bits);
}
