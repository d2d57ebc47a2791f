// adamw_update CPU reference, float64: one AdamW step with decoupled weight decay on [0, n_decay) and
// gradients scaled by the clip scale norm[1]. `hyper` is the object adamw_write_hyper takes.
import { adamw_check_hyper, type AdamwHyper } from './adamw.ts';

export function adamw_update(
  params: Float64Array,
  grads: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  norm: ArrayLike<number>,
  hyper: AdamwHyper,
  n: number,
  n_decay: number,
): void {
  adamw_check_hyper(hyper);
  const { lr, beta1, beta2, eps, weightDecay, step: t } = hyper;
  const bc1 = 1 - Math.pow(beta1, t),
    bc2 = 1 - Math.pow(beta2, t);
  for (let i = 0; i < n; i++) {
    const g = grads[i]! * norm[1]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    const mHat = m[i]! / bc1,
      vHat = v[i]! / bc2;
    const decay = i < n_decay ? weightDecay * params[i]! : 0;
    params[i] = params[i]! - lr * (mHat / (Math.sqrt(vHat) + eps) + decay);
  }
}
