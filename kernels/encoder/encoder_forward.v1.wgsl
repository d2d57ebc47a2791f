// encoder_forward v1: out[b,t,c] = wte[tokens[b,t], c] + wpe[t, c] (token plus position embedding).
// Shapes: out (B,T,C); tokens (B,T) u32; wte (V,C); wpe (maxT,C) with T <= maxT. Tokens must be < V: an
// out-of-range token reads whatever WebGPU's bounds clamping gives, never memory outside wte.
// Parallel: one invocation per output element, 256 per workgroup, on a 1-D grid folded into y past 65535 workgroups.
// This version is the baseline: a gather, bandwidth-bound. Runs (every version): a pack of runs is the grid's
// z, run z's B·T positions after run z-1's, its wte and wpe dims.P past run z-1's (encoder.ts).
struct Dims { // shapes: a uniform, so every size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  P: u32, // elements from one run's wte and wpe to the next's
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (B,T,C)
@group(0) @binding(1) var<storage, read> tokens: array<u32>;    // (B,T)
@group(0) @binding(2) var<storage, read> wte: array<f32>;       // (V,C)
@group(0) @binding(3) var<storage, read> wpe: array<f32>;       // (maxT,C)
@group(0) @binding(4) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= dims.B * dims.T * dims.C) { return; }
  let bt = i / dims.C;
  let c = i % dims.C;
  let t = bt % dims.T;
  let obt = wid.z * dims.B * dims.T; // this run's first position
  let ow = wid.z * dims.P;
  out[obt * dims.C + i] = wte[ow + tokens[obt + bt] * dims.C + c] + wpe[ow + t * dims.C + c];
}
