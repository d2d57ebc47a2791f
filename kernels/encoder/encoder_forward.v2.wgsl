// encoder_forward v2: out[b,t,c] = wte[tokens[b,t], c] + wpe[t, c], as v1.
// Shapes: out (B,T,C); tokens (B,T) u32; wte (V,C); wpe (maxT,C) with T <= maxT. Tokens must be < V (as v1).
// Parallel: one invocation per 4 channels of one position, 64 per workgroup, on a 1-D grid folded into y.
// This version: with VEC4 (C % 4 == 0, the launcher's flag) each row piece is one vec4 load or store and each
// token is read once per 4 channels, a quarter of v1's memory instructions (on lavapipe every per-invocation
// load is a loop over the lanes). Without VEC4 the last piece of a row holds C % 4 channels, loaded one by one.
// Runs as in v1 (P in elements of wte's binding).
struct Dims { // shapes: a uniform, so every size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  P: u32, // elements from one run's wte and wpe to the next's
}

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>; // (B,T,C/4)
#else
@group(0) @binding(0) var<storage, read_write> out: array<f32>;   // (B,T,C)
#endif
@group(0) @binding(1) var<storage, read> tokens: array<u32>;      // (B,T)
#if ${VEC4}
@group(0) @binding(2) var<storage, read> wte: array<vec4f>;       // (V,C/4)
@group(0) @binding(3) var<storage, read> wpe: array<vec4f>;       // (maxT,C/4)
#else
@group(0) @binding(2) var<storage, read> wte: array<f32>;         // (V,C)
@group(0) @binding(3) var<storage, read> wpe: array<f32>;         // (maxT,C)
#endif
@group(0) @binding(4) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let C4 = (dims.C + 3u) / 4u; // pieces of 4 channels per row
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (i >= dims.B * dims.T * C4) { return; }
  let bt = i / C4;
  let q = i % C4;
  let t = bt % dims.T;
  let obt = wid.z * dims.B * dims.T; // this run's first position
  let ow = wid.z * dims.P;
  let v = tokens[obt + bt];
#if ${VEC4}
  out[obt * C4 + i] = wte[ow + v * C4 + q] + wpe[ow + t * C4 + q];
#else
  for (var c = 4u * q; c < min(4u * q + 4u, dims.C); c++) {
    out[(obt + bt) * dims.C + c] = wte[ow + v * dims.C + c] + wpe[ow + t * dims.C + c];
  }
#endif
}
