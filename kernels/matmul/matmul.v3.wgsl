// matmul v3 (shared-memory tiles + register blocks): out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]).
// Shapes: A (M,K), or (K,M) with TRANS_A; B (K,N), or (N,K) with TRANS_B; out (M,N); bias (N).
// Parallel: a 16x16 workgroup computes a 64x64 tile of out, each invocation a 4x4 block; K is walked in
// steps of 16, each step staged through workgroup memory (As, Bs) between two barriers.
// This version loads every global element once per workgroup instead of once per invocation: the
// fastest form on GPUs; on CPU adapters the barriers make it slow (see ../../shared/ENV.md).
// GELU epilogues as in v1. Run dimension as in v1.
struct Dims { // shapes: a uniform, so every size shares this pipeline
  M: u32,
  K: u32,
  N: u32,
  _pad: u32,
  runs: vec4u, // floats from one run's a, b, out (and act, pre), bias to the next's: a pack's z (matmul.ts)
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (M,N)
@group(0) @binding(1) var<storage, read> a: array<f32>;         // (M,K) or (K,M)
@group(0) @binding(2) var<storage, read> b: array<f32>;         // (K,N) or (N,K)
@group(0) @binding(3) var<uniform> dims: Dims;                 // (M, K, N), run strides
#if ${BIAS}
@group(0) @binding(4) var<storage, read> bias: array<f32>;      // (N)
#endif
#if ${GELU_FORWARD}
@group(0) @binding(${GELU_BINDING}) var<storage, read_write> act: array<f32>; // (M,N): gelu(out)
#endif
#if ${GELU_BACKWARD}
@group(0) @binding(${GELU_BINDING}) var<storage, read> pre: array<f32>;      // (M,N): the GELU's input
#endif

const BM = 64u;
const BN = 64u;
const BK = 16u;
var<workgroup> As: array<vec4f, 256>; // [BK][BM/4]: As[k*16 + i] = A[tile_m + 4i .. 4i+3, k0 + k]
var<workgroup> Bs: array<vec4f, 256>; // [BK][BN/4]: Bs[k*16 + j] = B[k0 + k, tile_n + 4j .. 4j+3]

// A pack's run z (workgroup_id.z) reads and writes its own operands, dims.runs floats past run z-1's.
var<private> oa: u32;
var<private> ob: u32;
var<private> oo: u32;
var<private> obias: u32;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  oa = wid.z * dims.runs.x;
  ob = wid.z * dims.runs.y;
  oo = wid.z * dims.runs.z;
  obias = wid.z * dims.runs.w;
  let tile_m = wid.y * BM;
  let tile_n = wid.x * BN;
  // Which (k, 4-block) this invocation stages: the index along the contiguous axis of the stored
  // matrix varies fastest across invocations, so neighbouring invocations read neighbouring addresses.
#if ${TRANS_A}
  let ak = li / 16u; let ai = li % 16u;
#else
  let ak = li % 16u; let ai = li / 16u;
#endif
#if ${TRANS_B}
  let bk = li % 16u; let bj = li / 16u;
#else
  let bk = li / 16u; let bj = li % 16u;
#endif
  var acc: array<vec4f, 4>; // acc[i][j] = out[tile_m + 4*lid.y + i, tile_n + 4*lid.x + j]
  for (var k0 = 0u; k0 < dims.K; k0 += BK) {
    let am = tile_m + 4u * ai;
    As[ak * 16u + ai] = vec4f(a_at(am, k0 + ak), a_at(am + 1u, k0 + ak), a_at(am + 2u, k0 + ak), a_at(am + 3u, k0 + ak));
    let bn = tile_n + 4u * bj;
    Bs[bk * 16u + bj] = vec4f(b_at(k0 + bk, bn), b_at(k0 + bk, bn + 1u), b_at(k0 + bk, bn + 2u), b_at(k0 + bk, bn + 3u));
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let av = As[k * 16u + lid.y];
      let bv = Bs[k * 16u + lid.x];
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  let m0 = tile_m + 4u * lid.y;
  let n0 = tile_n + 4u * lid.x;
  for (var i = 0u; i < 4u; i++) {
    let row = m0 + i;
    if (row >= dims.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + j;
      if (col >= dims.N) { break; }
      let o = row * dims.N + col;
      var v = acc[i][j];
#if ${BIAS}
      v += bias[obias + col];
#endif
#if ${GELU_BACKWARD}
      v *= gelu_grad(pre[oo + o]);
#endif
#if ${ACCUMULATE}
      v += out[oo + o];
#endif
      out[oo + o] = v;
#if ${GELU_FORWARD}
      act[oo + o] = gelu(v);
#endif
    }
  }
}

// Zero outside the matrix, so partial tiles add nothing.
fn a_at(m: u32, k: u32) -> f32 {
  if (m >= dims.M || k >= dims.K) { return 0.0; }
#if ${TRANS_A}
  return a[oa + k * dims.M + m];
#else
  return a[oa + m * dims.K + k];
#endif
}

fn b_at(k: u32, n: u32) -> f32 {
  if (k >= dims.K || n >= dims.N) { return 0.0; }
#if ${TRANS_B}
  return b[ob + n * dims.K + k];
#else
  return b[ob + k * dims.N + n];
#endif
}
