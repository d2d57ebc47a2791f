// residual_forward v2: out[i] = inp1[i] + inp2[i], as v1.
// Shapes: out, inp1, inp2 all (n), usually n = B·T·C (the residual stream).
// Parallel: 64 invocations per workgroup, each adding PER = 4 groups of 4 consecutive elements, the groups
// 64 apart (neighbouring invocations touch neighbouring memory on a GPU); a 1-D grid folded into y.
// This version: with VEC4 (n % 4 == 0, the launcher's flag) each group is one vec4 load per operand and one
// store, a quarter of v1's memory instructions: on lavapipe every per-invocation load is a bounds-checked loop
// over the lanes, so their count is the cost, not the bytes; and 16 elements per invocation spread each
// workgroup's fixed cost (docs/results/README.md). Without VEC4 the elements go one by one.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  n: u32,
}

const WG = 64u; // invocations per workgroup, as in residual.ts
const PER = 4u; // groups of 4 elements per invocation, as in residual.ts

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>; // (n/4)
@group(0) @binding(1) var<storage, read> inp1: array<vec4f>;      // (n/4)
@group(0) @binding(2) var<storage, read> inp2: array<vec4f>;      // (n/4)
#else
@group(0) @binding(0) var<storage, read_write> out: array<f32>;   // (n)
@group(0) @binding(1) var<storage, read> inp1: array<f32>;        // (n)
@group(0) @binding(2) var<storage, read> inp2: array<f32>;        // (n)
#endif
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = (wid.y * nwg.x + wid.x) * WG * PER + lid; // this invocation's first group of 4 elements
  for (var k = 0u; k < PER; k++) {
    let q = first + k * WG;
#if ${VEC4}
    if (q >= dims.n / 4u) { return; }
    out[q] = inp1[q] + inp2[q];
#else
    for (var i = 4u * q; i < min(4u * q + 4u, dims.n); i++) { out[i] = inp1[i] + inp2[i]; }
#endif
  }
}
