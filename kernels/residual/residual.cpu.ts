// residual CPU reference, float64: out[i] = inp1[i] + inp2[i].
export function residual_forward(
  out: Float64Array,
  inp1: Float64Array,
  inp2: Float64Array,
  n: number,
): void {
  for (let i = 0; i < n; i++) out[i] = inp1[i]! + inp2[i]!;
}
