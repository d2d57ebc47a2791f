// global_norm CPU reference, float64: out = (‖grads‖₂, min(1, max_norm / (‖grads‖₂ + 1e-6))).
// partials, when given, receives the sum of squares of each block of GLOBAL_NORM_BLOCK grads, as the
// GPU's stage 1 writes it; out[0] is computed from all grads directly.
import { GLOBAL_NORM_BLOCK } from './global_norm.ts';

export function global_norm(
  out: Float64Array,
  partials: Float64Array | null,
  grads: ArrayLike<number>,
  n: number,
  max_norm: number,
): void {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const g = grads[i]!;
    sum += g * g;
    if (partials) {
      const w = Math.floor(i / GLOBAL_NORM_BLOCK);
      partials[w] = (i % GLOBAL_NORM_BLOCK === 0 ? 0 : partials[w]!) + g * g;
    }
  }
  const norm = Math.sqrt(sum);
  out[0] = norm;
  out[1] = Math.min(1, max_norm / (norm + 1e-6));
}
