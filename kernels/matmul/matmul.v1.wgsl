// matmul v1 (naive): out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]); A and/or B may be stored transposed.
// Shapes: A (M,K), or (K,M) with TRANS_A; B (K,N), or (N,K) with TRANS_B; out (M,N); bias (N).
// Parallel: one invocation per output element, 8x8 workgroups tiling (N, M).
// This version is the baseline: two global loads per FMA, no reuse. Correct for every M, K, N >= 1.
// Epilogues (every version): GELU_FORWARD also stores act = gelu(out); GELU_BACKWARD multiplies the product
// by gelu'(pre) before accumulating (gelu.wgsl, appended by the launcher).
struct Dims { // shapes: a uniform, so every size shares this pipeline
  M: u32,
  K: u32,
  N: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (M,N)
@group(0) @binding(1) var<storage, read> a: array<f32>;         // (M,K) or (K,M)
@group(0) @binding(2) var<storage, read> b: array<f32>;         // (K,N) or (N,K)
@group(0) @binding(3) var<uniform> dims: Dims;                 // (M, K, N)
#if ${BIAS}
@group(0) @binding(4) var<storage, read> bias: array<f32>;      // (N)
#endif
#if ${GELU_FORWARD}
@group(0) @binding(${GELU_BINDING}) var<storage, read_write> act: array<f32>; // (M,N): gelu(out)
#endif
#if ${GELU_BACKWARD}
@group(0) @binding(${GELU_BINDING}) var<storage, read> pre: array<f32>;      // (M,N): the GELU's input
#endif

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  let m = gid.y;
  if (m >= dims.M || n >= dims.N) { return; }
  var acc = 0.0;
  for (var k = 0u; k < dims.K; k++) {
    acc += a_at(m, k) * b_at(k, n);
  }
  let o = m * dims.N + n;
#if ${BIAS}
  acc += bias[n];
#endif
#if ${GELU_BACKWARD}
  acc *= gelu_grad(pre[o]);
#endif
#if ${ACCUMULATE}
  acc += out[o];
#endif
  out[o] = acc;
#if ${GELU_FORWARD}
  act[o] = gelu(acc);
#endif
}

fn a_at(m: u32, k: u32) -> f32 {
#if ${TRANS_A}
  return a[k * dims.M + m];
#else
  return a[m * dims.K + k];
#endif
}

fn b_at(k: u32, n: u32) -> f32 {
#if ${TRANS_B}
  return b[n * dims.K + k];
#else
  return b[k * dims.N + n];
#endif
}
