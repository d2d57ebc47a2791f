// encoder_decode v1: out[s,c] = wte[tokens[s], c] + wpe[seqs[s].pos, c], the embedding of each decoded sequence's newest token.
// Shapes: out (R·S,C); tokens (R·S) u32; seqs (R·S) rows of struct Seq (kernels/sample/seqs.ts); wte (V,C);
// wpe (maxT,C), run r's at r·P floats past run 0's (a pack of R models; R = 1 alone).
// Rows with done = 1 are skipped (out keeps its old values): a finished row's pos may be T, past wpe.
// Parallel: one invocation per output element, 256 per workgroup, on a 1-D grid folded into y; z is the run.
// This version is the baseline: a gather, bandwidth-bound, like encoder_forward.v1.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  S: u32, // sequences of each run
  C: u32,
  P: u32, // a run's parameter stride
}

// struct Seq (one row of seqs) is appended by the launcher from kernels/sample/seqs.wgsl.

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (R·S,C)
@group(0) @binding(1) var<storage, read> tokens: array<u32>;    // (R·S)
@group(0) @binding(2) var<storage, read> seqs: array<Seq>;      // (R·S)
@group(0) @binding(3) var<storage, read> wte: array<f32>;       // (V,C)
@group(0) @binding(4) var<storage, read> wpe: array<f32>;       // (maxT,C)
@group(0) @binding(5) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= dims.S * dims.C) { return; }
  let r = wid.z;
  let s = r * dims.S + i / dims.C;
  let c = i % dims.C;
  if (seqs[s].done != 0u) { return; }
  out[r * dims.S * dims.C + i] = wte[r * dims.P + tokens[s] * dims.C + c] + wpe[r * dims.P + seqs[s].pos * dims.C + c];
}
