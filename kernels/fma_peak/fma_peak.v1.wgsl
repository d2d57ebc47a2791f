// fma_peak v1: a_k ← fma(a_k, MUL, ADD) ITERS times for 8 vec4 accumulators; out[i] = sum of all 32 lanes.
// Shapes: out (N), one value per invocation; ITERS and N are a uniform (dims). FLOPs: N·ITERS·8·4·2.
// Parallel: one invocation per output, 64-invocation workgroups, folded into y past 65535 workgroups.
// This version: 32 independent scalar chains per invocation hide FMA latency; the seeds depend on the
// invocation index and the result is stored, so the compiler can neither fold nor drop the loop.
// The recurrence contracts towards ADD/(1-MUL) = 1, so values stay finite and normal for any ITERS.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  N: u32,     // invocations that store a result
  ITERS: u32, // fma steps per accumulator
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (N)
@group(0) @binding(1) var<uniform> dims: Dims;

const WG = 64u;
const MUL = vec4f(0.9);
const ADD = vec4f(0.1);

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  let s = f32(i % 1024u) * (1.0 / 1024.0);
  var a0 = vec4f(s, s + 0.125, s + 0.25, s + 0.375);
  var a1 = a0 + vec4f(0.5);
  var a2 = a0 + vec4f(1.0);
  var a3 = a0 + vec4f(1.5);
  var a4 = a0 + vec4f(2.0);
  var a5 = a0 + vec4f(2.5);
  var a6 = a0 + vec4f(3.0);
  var a7 = a0 + vec4f(3.5);
  for (var k = 0u; k < dims.ITERS; k++) {
    a0 = fma(a0, MUL, ADD);
    a1 = fma(a1, MUL, ADD);
    a2 = fma(a2, MUL, ADD);
    a3 = fma(a3, MUL, ADD);
    a4 = fma(a4, MUL, ADD);
    a5 = fma(a5, MUL, ADD);
    a6 = fma(a6, MUL, ADD);
    a7 = fma(a7, MUL, ADD);
  }
  let total = (a0 + a1) + (a2 + a3) + ((a4 + a5) + (a6 + a7));
  if (i < dims.N) { out[i] = (total.x + total.y) + (total.z + total.w); }
}
