// matmul v2 (register-blocked): out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]); A and/or B may be stored transposed.
// Shapes: A (M,K), or (K,M) with TRANS_A; B (K,N), or (N,K) with TRANS_B; out (M,N); bias (N).
// Parallel: each invocation owns a 4x4 block of out; 8x8 workgroups tile (N/4, M/4). No shared memory.
// This version reuses each loaded A value 4 times and each B value 4 times from registers (8 loads per
// 16 FMAs instead of 32), and clamps edge indices instead of branching, so the inner loop has no
// bounds checks. No barriers: the fastest form on CPU (software) adapters, where barriers are costly.
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
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  // Rows and columns past the edge read the last valid one; their results are never stored.
  let m = min(vec4u(m0, m0 + 1u, m0 + 2u, m0 + 3u), vec4u(dims.M - 1u));
  let n = min(vec4u(n0, n0 + 1u, n0 + 2u, n0 + 3u), vec4u(dims.N - 1u));
  var acc: array<vec4f, 4>; // acc[i][j] = out[m0+i, n0+j]
  for (var k = 0u; k < dims.K; k++) {
#if ${TRANS_A}
    let av = vec4f(a[oa + k * dims.M + m.x], a[oa + k * dims.M + m.y], a[oa + k * dims.M + m.z], a[oa + k * dims.M + m.w]);
#else
    let av = vec4f(a[oa + m.x * dims.K + k], a[oa + m.y * dims.K + k], a[oa + m.z * dims.K + k], a[oa + m.w * dims.K + k]);
#endif
#if ${TRANS_B}
    let bv = vec4f(b[ob + n.x * dims.K + k], b[ob + n.y * dims.K + k], b[ob + n.z * dims.K + k], b[ob + n.w * dims.K + k]);
#else
    let bv = vec4f(b[ob + k * dims.N + n.x], b[ob + k * dims.N + n.y], b[ob + k * dims.N + n.z], b[ob + k * dims.N + n.w]);
#endif
    acc[0] += av.x * bv;
    acc[1] += av.y * bv;
    acc[2] += av.z * bv;
    acc[3] += av.w * bv;
  }
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
