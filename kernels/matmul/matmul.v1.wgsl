// matmul v1 (naive): out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]); A and/or B may be stored transposed.
// Shapes: A (M,K), or (K,M) with TRANS_A; B (K,N), or (N,K) with TRANS_B; out (M,N); bias (N).
// Parallel: one invocation per output element, 8x8 workgroups tiling (N, M).
// This version is the baseline: two global loads per FMA, no reuse. Correct for every M, K, N >= 1.
// Epilogues (every version): GELU_FORWARD also stores act = gelu(out); GELU_BACKWARD multiplies the product
// by gelu'(pre) before accumulating (gelu.wgsl, appended by the launcher). Runs (every version): R runs
// packed side by side are the grid's z, run z's operands dims.runs elements past run z-1's (matmul.ts).
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

// A pack's run z (workgroup_id.z) reads and writes its own operands, dims.runs floats past run z-1's.
var<private> oa: u32;
var<private> ob: u32;
var<private> oo: u32;
var<private> obias: u32;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  oa = gid.z * dims.runs.x;
  ob = gid.z * dims.runs.y;
  oo = gid.z * dims.runs.z;
  obias = gid.z * dims.runs.w;
  let n = gid.x;
  let m = gid.y;
  if (m >= dims.M || n >= dims.N) { return; }
  var acc = 0.0;
  for (var k = 0u; k < dims.K; k++) {
    acc += a_at(m, k) * b_at(k, n);
  }
  let o = m * dims.N + n;
#if ${BIAS}
  acc += bias[obias + n];
#endif
#if ${GELU_BACKWARD}
  acc *= gelu_grad(pre[oo + o]);
#endif
#if ${ACCUMULATE}
  acc += out[oo + o];
#endif
  out[oo + o] = acc;
#if ${GELU_FORWARD}
  act[oo + o] = gelu(acc);
#endif
}

fn a_at(m: u32, k: u32) -> f32 {
#if ${TRANS_A}
  return a[oa + k * dims.M + m];
#else
  return a[oa + m * dims.K + k];
#endif
}

fn b_at(k: u32, n: u32) -> f32 {
#if ${TRANS_B}
  return b[ob + n * dims.K + k];
#else
  return b[ob + k * dims.N + n];
#endif
}
