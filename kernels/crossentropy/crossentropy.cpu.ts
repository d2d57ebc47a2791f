// crossentropy CPU reference, float64: losses[i] = -log softmax(logits[i,:])[targets[i]], and its backward.
// A target of 0xFFFFFFFF ignores the position (loss 0, zero gradient); any other target >= V gives NaN.
const IGNORE = 0xffffffff;

/** softmax(logits[i,:]) into p, stable (max subtracted). */
function softmaxRow(p: Float64Array, logits: Float64Array, i: number, V: number): void {
  let m = -Infinity;
  for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]!);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += p[v] = Math.exp(logits[i * V + v]! - m);
  for (let v = 0; v < V; v++) p[v]! /= sum;
}

// losses: (BT); logits: (BT,V); targets: (BT)
export function crossentropy_forward(
  losses: Float64Array,
  logits: Float64Array,
  targets: ArrayLike<number>,
  BT: number,
  V: number,
): void {
  for (let i = 0; i < BT; i++) {
    const t = targets[i]!;
    if (t === IGNORE) {
      losses[i] = 0;
      continue;
    }
    if (!(t < V)) {
      losses[i] = NaN;
      continue;
    }
    // log-sum-exp form: -log p[t] computed without ever taking the log of an underflowed probability.
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[i * V + v]! - m);
    losses[i] = Math.log(sum) - (logits[i * V + t]! - m);
  }
}

/** dlogits = (softmax(logits) - onehot(targets))·dlosses, overwriting dlogits. */
export function crossentropy_backward(
  dlogits: Float64Array,
  logits: Float64Array,
  targets: ArrayLike<number>,
  dlosses: Float64Array,
  BT: number,
  V: number,
): void {
  const p = new Float64Array(V);
  for (let i = 0; i < BT; i++) {
    const t = targets[i]!;
    if (t === IGNORE || !(t < V)) {
      dlogits.fill(t === IGNORE ? 0 : NaN, i * V, (i + 1) * V);
      continue;
    }
    softmaxRow(p, logits, i, V);
    for (let v = 0; v < V; v++) dlogits[i * V + v] = (p[v]! - (v === t ? 1 : 0)) * dlosses[i]!;
  }
}
