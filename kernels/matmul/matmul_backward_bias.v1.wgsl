// matmul_backward_bias v1: dbias[n] += Σ_m dy[m,n], a linear layer's bias gradient: the column sums of dy (M,N).
// It replaces the ones(1,M)·dy product, whose one row wasted 7 of v4's 8 and whose long K ran on 1-4 workgroups.
// Parallel: one invocation per 4 adjacent columns, 8 per workgroup; each sums every row in order (deterministic,
// no atomics). VEC: N % 4 == 0, dy read as one vec4 per row; else column by column.
// A pack of runs is the grid's z: run z's dbias is P floats past run z-1's, its dy DY elements past it.
struct Dims {
  M: u32,
  N: u32,
  P: u32,  // floats from one run's dbias to the next's
  DY: u32, // elements (vec4 with VEC) from one run's dy to the next's
}

@group(0) @binding(0) var<storage, read_write> dbias: array<f32>; // (N)
#if ${VEC}
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;        // (M,N/4)
#else
@group(0) @binding(1) var<storage, read> dy: array<f32>;          // (M,N)
#endif
@group(0) @binding(2) var<uniform> dims: Dims;

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 4u;
  if (n0 >= dims.N) { return; }
  let ob = gid.z * dims.P;
  let od = gid.z * dims.DY;
#if ${VEC}
  let row = dims.N / 4u;
  var s = vec4f(0.0);
  for (var m = 0u; m < dims.M; m++) { s += dy[od + m * row + gid.x]; }
  for (var j = 0u; j < 4u; j++) { dbias[ob + n0 + j] += s[j]; }
#else
  let cols = min(4u, dims.N - n0);
  for (var j = 0u; j < cols; j++) {
    var s = 0.0;
    for (var m = 0u; m < dims.M; m++) { s += dy[od + m * dims.N + n0 + j]; }
    dbias[ob + n0 + j] += s;
  }
#endif
}
