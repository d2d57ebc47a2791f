// encoder_backward v1: dwte[v,c] += sum over (b,t) with tokens[b,t] = v of dout[b,t,c];  dwpe[t,c] += sum_b dout[b,t,c].
// Shapes: dwte (V,C); dwpe (maxT,C), only its first T rows touched; dout (B,T,C); tokens (B,T) u32.
// Parallel: one dispatch, 256 invocations per workgroup: the first ceil(V·C/256) workgroups give one invocation
// per (v,c), which scans all B·T tokens in order and adds the matching dout; the rest give one per (t,c),
// summing over b in order. Deterministic, no float atomics. This version is the baseline: it reads the tokens
// V·C times (V·C·B·T reads), cheap for a character vocabulary (V ~ 64) and hopeless for V ~ 50k, where
// sorting positions by token first would be needed. Runs (every version): a pack of runs is the grid's z, run
// z's B·T positions after run z-1's, its dwte and dwpe dims.P past run z-1's; each run sums its own positions.
// SHARED (a pack's views, which overlap): dwte and dwpe are one binding, dwpe dims.DB elements after dwte.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  V: u32,
  P: u32, // elements from one run's dwte and dwpe to the next's
  DB: u32, // SHARED: elements from dwte to dwpe in their one binding
}

@group(0) @binding(0) var<storage, read_write> dwte: array<f32>; // (V,C); SHARED: dwpe at DB too
#if ${SHARED}
#else
@group(0) @binding(1) var<storage, read_write> dwpe: array<f32>; // (maxT,C)
#endif
@group(0) @binding(2) var<storage, read> dout: array<f32>;       // (B,T,C)
@group(0) @binding(3) var<storage, read> tokens: array<u32>;     // (B,T)
@group(0) @binding(4) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = wid.y * nwg.x + wid.x;
  let wte_groups = (dims.V * dims.C + 255u) / 256u;
  let obt = wid.z * dims.B * dims.T; // this run's first position
  let ow = wid.z * dims.P;
  if (group < wte_groups) {
    let i = group * 256u + lid;
    if (i >= dims.V * dims.C) { return; }
    let v = i / dims.C;
    let c = i % dims.C;
    var acc = 0.0;
    for (var bt = obt; bt < obt + dims.B * dims.T; bt++) {
      if (tokens[bt] == v) { acc += dout[bt * dims.C + c]; }
    }
    dwte[ow + i] += acc;
  } else {
    let i = (group - wte_groups) * 256u + lid;
    if (i >= dims.T * dims.C) { return; }
    let t = i / dims.C;
    let c = i % dims.C;
    var acc = 0.0;
    for (var b = 0u; b < dims.B; b++) { acc += dout[(obt + b * dims.T + t) * dims.C + c]; }
#if ${SHARED}
    dwte[dims.DB + ow + i] += acc;
#else
    dwpe[ow + i] += acc;
#endif
  }
}
