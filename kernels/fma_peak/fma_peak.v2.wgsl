// fma_peak v2: the same values as v1 (8 vec4 accumulators, ITERS fma steps each, summed), computed
// two accumulators at a time with eight chained fma per assignment.
// Shapes: out (N), one value per invocation; ITERS and N are a uniform (dims). FLOPs: N·ITERS·8·4·2, as v1.
// Parallel: one invocation per output, 64-invocation workgroups, folded into y past 65535 workgroups.
// This version: a software adapter (lavapipe) writes every variable assigned inside a loop through a
// masked blend that costs as much as the FMA, so v1's one FMA per assignment measures the blend as
// much as the arithmetic; eight per assignment, on 2 accumulators (no register spills), measure the
// arithmetic. fma_peak_gflops reports the better of the versions.
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
  let a0 = vec4f(s, s + 0.125, s + 0.25, s + 0.375);
  let a01 = steps(a0, a0 + vec4f(0.5));
  let a23 = steps(a0 + vec4f(1.0), a0 + vec4f(1.5));
  let a45 = steps(a0 + vec4f(2.0), a0 + vec4f(2.5));
  let a67 = steps(a0 + vec4f(3.0), a0 + vec4f(3.5));
  let total = (a01[0] + a01[1]) + (a23[0] + a23[1]) + ((a45[0] + a45[1]) + (a67[0] + a67[1]));
  if (i < dims.N) { out[i] = (total.x + total.y) + (total.z + total.w); }
}

// ITERS fma steps of x and y: eight per loop step, then the remainder one at a time.
fn steps(x0: vec4f, y0: vec4f) -> array<vec4f, 2> {
  var x = x0;
  var y = y0;
  for (var k = 0u; k < dims.ITERS / 8u; k++) {
    x = fma(fma(fma(fma(fma(fma(fma(fma(x, MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD);
    y = fma(fma(fma(fma(fma(fma(fma(fma(y, MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD), MUL, ADD);
  }
  for (var k = 0u; k < dims.ITERS % 8u; k++) {
    x = fma(x, MUL, ADD);
    y = fma(y, MUL, ADD);
  }
  return array<vec4f, 2>(x, y);
}
