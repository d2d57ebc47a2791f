// matmul v4 (CPU adapters): out[m,n] (+)= sum_k A[m,k]·B[k,n] (+ bias[n]); A may be stored (K,M), B (N,K).
// Parallel: a workgroup of WG (8) invocations, one subgroup on lavapipe, owns ROWS rows × 4·WG columns;
// each invocation owns ROWS×4 outputs, 4 adjacent columns. K advances 4 per step.
// This version: on a software adapter each per-invocation load or store is a bounds-checked scalar loop
// over the lanes, the dominant cost. So lane r loads A only for rows r, r+8, ... and subgroupBroadcast
// shares it; loads and stores are vec4 along each matrix's contiguous axis where its length is a
// multiple of 4 (A_VEC, A_VEC_T: A stored (K,M), B_VEC, B_VEC_T, OUT_VEC); and an accumulator is written (a masked blend) once
// per 4 products. A ragged K is weighed 0 past its end, not run by a tail loop (a second copy of the
// body doubles the seconds-long compile); M, K, N are a uniform, so shapes share one pipeline per variant.
// Needs subgroups; WIDE (launcher) says they hold >= 8 invocations, else each lane loads its 8 rows itself.
// ROWS is 8, 16, 24 or 32 (flags R16, R24, R32 add groups of 8 rows). GELU epilogues as in v1, applied in a
// second pass over the stored block (GELU_BACKWARD: without ACCUMULATE, which that pass would need apart).
// Run dimension as in v1 (strides in elements of each binding, vec4 or f32).
enable subgroups;

override WG: u32 = 8; // invocations per workgroup, a multiple of 8
override WIDE: bool = true; // subgroups have >= 8 invocations

#if ${OUT_VEC}
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>; // (M,N/4): N % 4 == 0
#else
@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (M,N)
#endif
#if ${A_VEC}
@group(0) @binding(1) var<storage, read> a: array<vec4f>;       // (M,K/4): K % 4 == 0, A not transposed
#elif ${A_VEC_T}
@group(0) @binding(1) var<storage, read> a: array<vec4f>;       // (K,M/4): M % 4 == 0, A transposed
#else
@group(0) @binding(1) var<storage, read> a: array<f32>;         // (M,K) or (K,M)
#endif
#if ${B_VEC}
@group(0) @binding(2) var<storage, read> b: array<vec4f>;       // (K,N/4), or (N,K/4) with TRANS_B
#else
@group(0) @binding(2) var<storage, read> b: array<f32>;         // (K,N) or (N,K)
#endif
struct Dims { // x, y, z = M, K, N as in a vec4u, so dims.x reads M
  x: u32,
  y: u32,
  z: u32,
  w: u32,
  runs: vec4u, // elements from one run's a, b, out (and act, pre), bias to the next's: a pack's z (matmul.ts)
}
@group(0) @binding(3) var<uniform> dims: Dims;                 // (M, K, N, unused), run strides
#if ${BIAS}
#if ${OUT_VEC}
@group(0) @binding(4) var<storage, read> bias: array<vec4f>;    // (N/4)
#else
@group(0) @binding(4) var<storage, read> bias: array<f32>;      // (N)
#endif
#endif
#if ${GELU_FORWARD}
#if ${OUT_VEC}
@group(0) @binding(${GELU_BINDING}) var<storage, read_write> act: array<vec4f>; // (M,N/4): gelu(out)
#else
@group(0) @binding(${GELU_BINDING}) var<storage, read_write> act: array<f32>;   // (M,N): gelu(out)
#endif
#endif
#if ${GELU_BACKWARD}
#if ${OUT_VEC}
@group(0) @binding(${GELU_BINDING}) var<storage, read> pre: array<vec4f>;       // (M,N/4): the GELU's input
#else
@group(0) @binding(${GELU_BINDING}) var<storage, read> pre: array<f32>;         // (M,N): the GELU's input
#endif
#endif

const ROWS = ${ROWS}u;

// A pack's run z (workgroup_id.z) reads and writes its own operands, dims.runs elements past run z-1's.
var<private> oa: u32;
var<private> ob: u32;
var<private> oo: u32;
var<private> obias: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  oa = wid.z * dims.runs.x;
  ob = wid.z * dims.runs.y;
  oo = wid.z * dims.runs.z;
  obias = wid.z * dims.runs.w;
  let M = dims.x;
  let K = dims.y;
  let N = dims.z;
  let r0 = wid.y * ROWS;
  let n0 = (wid.x * WG + lid.x) * 4u;
  // Columns past the edge read the last valid one (B_VEC along N: the last group of 4); never stored.
  // B_VEC_T loads each column on its own (vec4 along K), so its columns clamp one by one: clamping the
  // group would shift a ragged last group (N % 4 != 0) onto the wrong columns.
#if ${B_VEC_T}
  let n = min(vec4u(n0) + vec4u(0u, 1u, 2u, 3u), vec4u(N - 1u));
#elif ${B_VEC}
  let n = vec4u(min(n0, N - 4u)) + vec4u(0u, 1u, 2u, 3u);
#else
  let n = min(vec4u(n0) + vec4u(0u, 1u, 2u, 3u), vec4u(N - 1u));
#endif
  var acc: array<vec4f, ROWS>; // acc[i][j] = out[r0 + i, n0 + j]
  for (var k = 0u; k < K; k += 4u) {
    let b = b_rows(k, n, K, N); // b[q] = B[k+q, n], 0 past K
    var p = rows8(r0, k, lane); // p[q][r] = A[r0+r, k+q]
    for (var i = 0u; i < 8u; i++) { acc[i] += p[0][i] * b[0] + p[1][i] * b[1] + p[2][i] * b[2] + p[3][i] * b[3]; }
#if ${R16}
    p = rows8(r0 + 8u, k, lane);
    for (var i = 0u; i < 8u; i++) { acc[8u + i] += p[0][i] * b[0] + p[1][i] * b[1] + p[2][i] * b[2] + p[3][i] * b[3]; }
#endif
#if ${R24}
    p = rows8(r0 + 16u, k, lane);
    for (var i = 0u; i < 8u; i++) { acc[16u + i] += p[0][i] * b[0] + p[1][i] * b[1] + p[2][i] * b[2] + p[3][i] * b[3]; }
#endif
#if ${R32}
    p = rows8(r0 + 24u, k, lane);
    for (var i = 0u; i < 8u; i++) { acc[24u + i] += p[0][i] * b[0] + p[1][i] * b[1] + p[2][i] * b[2] + p[3][i] * b[3]; }
#endif
  }
#if ${OUT_VEC}
  // N % 4 == 0: this invocation's 4 columns are all in or all out, stored as one vec4.
  if (n0 >= N) { return; }
#if ${BIAS}
  let bv = bias[obias + n0 / 4u];
#endif
  for (var i = 0u; i < ROWS; i++) {
    let row = r0 + i;
    if (row >= M) { break; }
    let o = (row * N + n0) / 4u;
    var v = acc[i];
#if ${BIAS}
    v += bv;
#endif
#if ${ACCUMULATE}
    v += out[oo + o];
#endif
    out[oo + o] = v;
  }
#if ${GELU}
  // The GELU pass re-reads the rows just stored, in a loop whose trip count is not a constant: unrolled
  // like the stores above, its tanh code would be compiled ROWS times (seconds of compile per variant on lavapipe).
  let rows = min(ROWS, M - r0);
  for (var i = 0u; i < rows; i++) {
    let o = ((r0 + i) * N + n0) / 4u;
#if ${GELU_FORWARD}
    act[oo + o] = gelu4(out[oo + o]);
#else
    out[oo + o] *= gelu_grad4(pre[oo + o]);
#endif
  }
#endif
#else
  for (var i = 0u; i < ROWS; i++) {
    let row = r0 + i;
    if (row >= M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + j;
      if (col >= N) { break; }
      let o = row * N + col;
      var v = acc[i][j];
#if ${BIAS}
      v += bias[obias + col];
#endif
#if ${ACCUMULATE}
      v += out[oo + o];
#endif
      out[oo + o] = v;
    }
  }
#if ${GELU}
  // As above: one copy of the GELU code, over the outputs just stored.
  let rows = min(ROWS, M - r0);
  let cols = min(4u, N - min(n0, N));
  for (var i = 0u; i < rows; i++) {
    for (var j = 0u; j < cols; j++) {
      let o = (r0 + i) * N + n0 + j;
#if ${GELU_FORWARD}
      act[oo + o] = gelu(out[oo + o]);
#else
      out[oo + o] *= gelu_grad(pre[oo + o]);
#endif
    }
  }
#endif
#endif
}

// A[g + r, k + q] for r < 8, q < 4 (rows past M read row M-1; k + q past K reads K-1, weighed 0 by b_rows).
// WIDE: lane r loads row g + r and the subgroup broadcasts it, one load per lane instead of eight.
fn rows8(g: u32, k: u32, lane: u32) -> array<array<f32, 8>, 4> {
  var p: array<array<f32, 8>, 4>;
#if ${A_VEC_T}
  // A stored (K,M) with M % 4 == 0 (and WIDE): the 8 rows × 4 k are 8 vec4s along m, one per lane: lane l
  // loads A[g + 4(l&1) .. +3, k + l/2], so p[q][r] comes from lane 2q + r/4, component r%4.
  let x = a[oa + (min(k + (lane >> 1u), dims.y - 1u) * dims.x + min(g + 4u * (lane & 1u), dims.x - 4u)) / 4u];
  p[0] = array<f32, 8>(subgroupBroadcast(x.x, 0u), subgroupBroadcast(x.y, 0u), subgroupBroadcast(x.z, 0u), subgroupBroadcast(x.w, 0u),
                       subgroupBroadcast(x.x, 1u), subgroupBroadcast(x.y, 1u), subgroupBroadcast(x.z, 1u), subgroupBroadcast(x.w, 1u));
  p[1] = array<f32, 8>(subgroupBroadcast(x.x, 2u), subgroupBroadcast(x.y, 2u), subgroupBroadcast(x.z, 2u), subgroupBroadcast(x.w, 2u),
                       subgroupBroadcast(x.x, 3u), subgroupBroadcast(x.y, 3u), subgroupBroadcast(x.z, 3u), subgroupBroadcast(x.w, 3u));
  p[2] = array<f32, 8>(subgroupBroadcast(x.x, 4u), subgroupBroadcast(x.y, 4u), subgroupBroadcast(x.z, 4u), subgroupBroadcast(x.w, 4u),
                       subgroupBroadcast(x.x, 5u), subgroupBroadcast(x.y, 5u), subgroupBroadcast(x.z, 5u), subgroupBroadcast(x.w, 5u));
  p[3] = array<f32, 8>(subgroupBroadcast(x.x, 6u), subgroupBroadcast(x.y, 6u), subgroupBroadcast(x.z, 6u), subgroupBroadcast(x.w, 6u),
                       subgroupBroadcast(x.x, 7u), subgroupBroadcast(x.y, 7u), subgroupBroadcast(x.z, 7u), subgroupBroadcast(x.w, 7u));
#else
  if (WIDE) {
    let x = a_row4(min(g + (lane & 7u), dims.x - 1u), k);
    for (var q = 0u; q < 4u; q++) {
      p[q] = array<f32, 8>(subgroupBroadcast(x[q], 0u), subgroupBroadcast(x[q], 1u), subgroupBroadcast(x[q], 2u), subgroupBroadcast(x[q], 3u),
                           subgroupBroadcast(x[q], 4u), subgroupBroadcast(x[q], 5u), subgroupBroadcast(x[q], 6u), subgroupBroadcast(x[q], 7u));
    }
  } else {
    for (var r = 0u; r < 8u; r++) {
      let x = a_row4(min(g + r, dims.x - 1u), k);
      for (var q = 0u; q < 4u; q++) { p[q][r] = x[q]; }
    }
  }
#endif
  return p;
}

// A[m, k..k+3]
fn a_row4(m: u32, k: u32) -> vec4f {
  let M = dims.x;
  let K = dims.y;
#if ${A_VEC}
  return a[oa + (m * K + k) / 4u];
#elif ${A_VEC_T}
  return vec4f(0.0); // not called: rows8 loads A whole
#else
  let kk = min(vec4u(k) + vec4u(0u, 1u, 2u, 3u), vec4u(K - 1u));
#if ${TRANS_A}
  return vec4f(a[oa + kk.x * M + m], a[oa + kk.y * M + m], a[oa + kk.z * M + m], a[oa + kk.w * M + m]);
#else
  return vec4f(a[oa + m * K + kk.x], a[oa + m * K + kk.y], a[oa + m * K + kk.z], a[oa + m * K + kk.w]);
#endif
#endif
}

// B[k + q, n[j]] as b[q][j] for q < 4, zero where k + q >= K.
fn b_rows(k: u32, n: vec4u, K: u32, N: u32) -> array<vec4f, 4> {
  let kk = min(vec4u(k) + vec4u(0u, 1u, 2u, 3u), vec4u(K - 1u));
  var r: array<vec4f, 4>;
#if ${B_VEC_T}
  // four columns, each a vec4 along k: transpose in registers
  let c0 = b[ob + (n.x * K + k) / 4u];
  let c1 = b[ob + (n.y * K + k) / 4u];
  let c2 = b[ob + (n.z * K + k) / 4u];
  let c3 = b[ob + (n.w * K + k) / 4u];
  for (var q = 0u; q < 4u; q++) { r[q] = vec4f(c0[q], c1[q], c2[q], c3[q]); }
#elif ${B_VEC}
  for (var q = 0u; q < 4u; q++) { r[q] = b[ob + (kk[q] * N + n.x) / 4u]; }
#else
  for (var q = 0u; q < 4u; q++) {
#if ${TRANS_B}
    r[q] = vec4f(b[ob + n.x * K + kk[q]], b[ob + n.y * K + kk[q]], b[ob + n.z * K + kk[q]], b[ob + n.w * K + kk[q]]);
#else
    r[q] = vec4f(b[ob + kk[q] * N + n.x], b[ob + kk[q] * N + n.y], b[ob + kk[q] * N + n.z], b[ob + kk[q] * N + n.w]);
#endif
  }
#endif
  for (var q = 0u; q < 4u; q++) { r[q] *= select(0.0, 1.0, k + q < K); }
  return r;
}
