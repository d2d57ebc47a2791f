// src/util/: seeded, counter-based randomness. Imports nothing; imported by data, gpu, kernels,
// stats, model, bench, fit, node (layers: test/structure.test.ts).
//
// Deterministic, seedable randomness. Counter-based (a hash of the key), so a value depends only on
// its key, never on how many values were drawn before it: reproducible across batch sizes and orders.

/** A 32-bit mix of the words of `key` (murmur3-style finaliser per word). */
export function hash32(...key: number[]): number {
  let h = 0x9e3779b9;
  for (const k of key) {
    let x = Math.imul((k | 0) ^ (h >>> 0), 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    h = Math.imul(h ^ x, 0x27d4eb2d) + 0x165667b1;
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A sequential generator (mulberry32) for initialisation and data streams. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = hash32(seed) | 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
