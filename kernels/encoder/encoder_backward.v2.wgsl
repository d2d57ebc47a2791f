// encoder_backward v2: dwte[v,c] += sum over (b,t) with tokens[b,t] = v of dout[b,t,c];  dwpe[t,c] += sum_b dout[b,t,c].
// Shapes: dwte (V,C); dwpe (maxT,C), only its first T rows touched; dout (B,T,C); tokens (B,T) u32.
// Parallel: one dispatch of WG-invocation workgroups. The first ones give one invocation per (block of VB
// vocabulary rows, 4 channels), C4 = ceil(C/4): it scans the B·T tokens in order and adds a matching position's
// dout into one of its VB accumulators; the rest give one invocation per (t, 4 channels), summing over b in
// order. Deterministic, no atomics: each gradient element is summed by one invocation, in position order, as
// in v1. This version: v1 scanned the tokens once per (v,c), V·C·B·T reads; here once per VB rows and 4
// channels (32x fewer), and only matching positions load dout. Without NARROW (C4 >= WG) a workgroup takes one
// vocabulary block, read from the workgroup id, so on lavapipe the token read and the match are uniform (one
// load, a skipped branch); with NARROW its lanes take several blocks, so narrow rows leave no lane idle.
// VEC4 (C % 4 == 0, the launcher's flag): each 4 channels are one vec4 load or store; else one by one.
// Runs and SHARED as in v1 (P and DB in elements of dwte's binding).
struct Dims { // shapes: a uniform, so every size shares this pipeline
  B: u32,
  T: u32,
  C: u32,
  V: u32,
  P: u32, // elements from one run's dwte and dwpe to the next's
  DB: u32, // SHARED: elements from dwte to dwpe in their one binding
}

override WG: u32 = 16; // invocations per workgroup (the launcher passes its own value)
const VB = 8u;         // vocabulary rows per invocation: one accumulator each

#if ${VEC4}
@group(0) @binding(0) var<storage, read_write> dwte: array<vec4f>; // (V,C/4); SHARED: dwpe at DB too
#if ${SHARED}
#else
@group(0) @binding(1) var<storage, read_write> dwpe: array<vec4f>; // (maxT,C/4)
#endif
@group(0) @binding(2) var<storage, read> dout: array<vec4f>;       // (B,T,C/4)
#else
@group(0) @binding(0) var<storage, read_write> dwte: array<f32>;   // (V,C); SHARED: dwpe at DB too
#if ${SHARED}
#else
@group(0) @binding(1) var<storage, read_write> dwpe: array<f32>;   // (maxT,C)
#endif
@group(0) @binding(2) var<storage, read> dout: array<f32>;         // (B,T,C)
#endif
@group(0) @binding(3) var<storage, read> tokens: array<u32>;       // (B,T)
@group(0) @binding(4) var<uniform> dims: Dims;

var<private> ow: u32; // this run's dwte and dwpe: wid.z · dims.P

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let C4 = (dims.C + 3u) / 4u;
  let group = wid.y * nwg.x + wid.x;
  let obt = wid.z * dims.B * dims.T; // this run's first position
  ow = wid.z * dims.P;
#if ${NARROW}
  let slots = (dims.V + VB - 1u) / VB * C4; // (vocabulary block, 4 channels) pairs, WG to a workgroup
  let wte_groups = (slots + WG - 1u) / WG;
  let slot = min(group * WG + lid, slots - 1u); // idle lanes of the last workgroup repeat the last slot
  let v0 = slot / C4 * VB;
  let q = slot % C4;
  let idle = group * WG + lid >= slots;
#else
  let piece_groups = (C4 + WG - 1u) / WG; // workgroups across one vocabulary block's channels
  let wte_groups = (dims.V + VB - 1u) / VB * piece_groups;
  let v0 = group / piece_groups * VB; // uniform: from the workgroup id only
  let q = min(group % piece_groups * WG + lid, C4 - 1u); // idle lanes of a block's last workgroup repeat its last group
  let idle = group % piece_groups * WG + lid >= C4;
#endif
  if (group < wte_groups) {
    var acc: array<vec4f, VB>;
    for (var bt = obt; bt < obt + dims.B * dims.T; bt++) {
      let j = tokens[bt] - v0; // wraps past VB when the token is below v0
      if (j < VB) {
        let d = load_dout(bt, q, C4);
        for (var k = 0u; k < VB; k++) { acc[k] += select(vec4f(0.0), d, k == j); }
      }
    }
    if (idle) { return; }
    for (var k = 0u; k < VB && v0 + k < dims.V; k++) { add_grad(true, v0 + k, q, C4, acc[k]); }
  } else {
    let i = (group - wte_groups) * WG + lid;
    if (i >= dims.T * C4) { return; }
    let t = i / C4;
    let q = i % C4;
    var acc = vec4f(0.0);
    for (var b = 0u; b < dims.B; b++) { acc += load_dout(obt + b * dims.T + t, q, C4); }
    add_grad(false, t, q, C4, acc);
  }
}

// dout[bt, 4q..4q+3], zeros past C.
fn load_dout(bt: u32, q: u32, C4: u32) -> vec4f {
#if ${VEC4}
  return dout[bt * C4 + q];
#else
  var d = vec4f(0.0);
  for (var k = 0u; k < 4u; k++) {
    let c = 4u * q + k;
    if (c < dims.C) { d[k] = dout[bt * dims.C + c]; }
  }
  return d;
#endif
}

// dwte (wte = true) or dwpe, row `row`, channels 4q..4q+3 (those below C) += g.
fn add_grad(wte: bool, row: u32, q: u32, C4: u32, g: vec4f) {
#if ${VEC4}
#if ${SHARED}
  dwte[select(0u, dims.DB, !wte) + ow + row * C4 + q] += g;
#else
  if (wte) { dwte[ow + row * C4 + q] += g; } else { dwpe[ow + row * C4 + q] += g; }
#endif
#else
  for (var k = 0u; k < 4u; k++) {
    let c = 4u * q + k;
    if (c >= dims.C) { break; }
#if ${SHARED}
    dwte[select(0u, dims.DB, !wte) + ow + row * dims.C + c] += g[k];
#else
    if (wte) { dwte[ow + row * dims.C + c] += g[k]; } else { dwpe[ow + row * dims.C + c] += g[k]; }
#endif
  }
#endif
}
