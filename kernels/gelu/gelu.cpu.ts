// gelu CPU reference, float64, tanh form: gelu(x) = 0.5·x·(1 + tanh(sqrt(2/pi)·(x + 0.044715·x^3))).
const GELU_SCALE = Math.sqrt(2 / Math.PI);

export function gelu_forward(out: Float64Array, inp: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i]!;
    out[i] = 0.5 * x * (1 + Math.tanh(GELU_SCALE * (x + 0.044715 * x * x * x)));
  }
}

/** dinp = gelu'(inp)·dout, overwriting dinp. */
export function gelu_backward(
  dinp: Float64Array,
  inp: Float64Array,
  dout: Float64Array,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i]!;
    const t = Math.tanh(GELU_SCALE * (x + 0.044715 * x * x * x));
    const grad = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_SCALE * (1 + 3 * 0.044715 * x * x);
    dinp[i] = grad * dout[i]!;
  }
}
