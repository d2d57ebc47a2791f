import { describe, expect, it } from 'vitest';
import { attention_backward, attention_forward, attention_versions, type AttentionVersion } from '../../kernels/attention/attention.ts';
import * as cpu from '../../kernels/attention/attention.cpu.ts';
import { checks } from '../../kernels/attention/attention.bench.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward shapes (B,T,C,H): T=1; T not a multiple of the 64-row workgroup and T past one workgroup; H=1;
// hs=1; hs not a multiple of 4; the largest supported hs (128); several batches.
const SHAPES: [number, number, number, number][] = [
  [1, 1, 4, 2],
  [2, 7, 6, 3],
  [2, 5, 3, 3],
  [1, 9, 5, 1],
  [3, 19, 16, 2],
  [1, 70, 32, 4],
  [1, 3, 128, 1],
];
// Inputs in [-2, 2): scores up to ~4·sqrt(hs), large enough that the running max moves and rescales.
const RANGE = [-2, 2] as const;
// float32 sums over at most T keys of hs-long dot products; values stay O(1) after the softmax. Seen on
// lavapipe: errors 3-10x below this (e.g. T=70 hs=8: out 6e-7, dqkv 2.7e-6 against 1.7e-5 and 5e-5).
const tol = (T: number, hs: number) => 2e-7 * (T + hs) + 1e-6;

/** CPU forward and backward on the shape's seeded inputs. */
function reference(B: number, T: number, C: number, H: number) {
  const qkv = randArray(B * T * 3 * C, 1, ...RANGE), dout = randArray(B * T * C, 2, ...RANGE);
  const out = new Float64Array(B * T * C), lse = new Float64Array(B * H * T), dqkv = new Float64Array(B * T * 3 * C), delta = new Float64Array(B * H * T);
  cpu.attention_forward(out, lse, qkv, B, T, C, H);
  cpu.attention_backward(dqkv, delta, dout, qkv, out, lse, B, T, C, H);
  return { qkv, dout, out, lse, dqkv, delta };
}

describeGpu('attention', (gpu) => {
  const versions = Object.keys(attention_versions).map(Number) as AttentionVersion[];
  for (const version of versions) {
    it(`v${version} attention_forward matches the float64 reference on awkward shapes (out, lse)`, async () => {
      for (const [B, T, C, H] of SHAPES) {
        const want = reference(B, T, C, H);
        const out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T);
        attention_forward(gpu, out, lse, gpu.tensor('qkv', B * T * 3 * C, want.qkv), B, T, C, H, { version });
        const what = `v${version} B=${B} T=${T} C=${C} H=${H}`;
        expectClose(await gpu.read(out), want.out, tol(T, C / H), 0, `${what} out`);
        expectClose(await gpu.read(lse), want.lse, tol(T, C / H), 1e-6, `${what} lse`);
      }
    });

    it(`v${version} attention_backward matches the float64 reference on awkward shapes (dqkv, delta), overwriting dqkv`, async () => {
      for (const [B, T, C, H] of SHAPES) {
        const want = reference(B, T, C, H);
        // The backward runs on the GPU forward's own out and lse, as in training.
        const qkv = gpu.tensor('qkv', B * T * 3 * C, want.qkv), out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T);
        attention_forward(gpu, out, lse, qkv, B, T, C, H, { version });
        const dqkv = gpu.tensor('dqkv', B * T * 3 * C, new Float64Array(B * T * 3 * C).fill(1e3)), delta = gpu.tensor('delta', B * H * T);
        attention_backward(gpu, dqkv, delta, gpu.tensor('dout', B * T * C, want.dout), qkv, out, lse, B, T, C, H, { version });
        const what = `v${version} B=${B} T=${T} C=${C} H=${H}`;
        expectClose(await gpu.read(dqkv), want.dqkv, 3 * tol(T, C / H), 1e-6, `${what} dqkv`);
        expectClose(await gpu.read(delta), want.delta, tol(T, C / H), 1e-6, `${what} delta`);
      }
    });
  }

  it('the bench checks pass', async () => {
    for (const c of checks) expect(await c.run(gpu), `${c.kernel} ${c.version} ${c.shape}`).toBeLessThanOrEqual(c.tolerance);
  });

  it('refuses bad shapes and tensors too small for the shape, with clear errors', () => {
    const t = (n: number) => gpu.tensor('t', n);
    const fwd = (B: number, T: number, C: number, H: number) => () => attention_forward(gpu, t(1024), t(1024), t(1024), B, T, C, H);
    expect(fwd(1, 4, 6, 4)).toThrow(/C=6 is not divisible by H=4/);
    expect(fwd(0, 4, 8, 2)).toThrow(/B, T, C, H must be integers >= 1 \(got B=0/);
    expect(fwd(1, 2.5, 8, 2)).toThrow(/integers >= 1/);
    expect(fwd(1, 1, 258, 2)).toThrow(/head size C\/H = 129 exceeds the supported maximum of 128/);
    expect(() => attention_forward(gpu, t(8), t(4), t(23), 1, 4, 2, 1)).toThrow(/qkv "t" has 23 floats, needs 24/);
    expect(() => attention_backward(gpu, t(24), t(3), t(8), t(24), t(8), t(4), 1, 4, 2, 1)).toThrow(/delta "t" has 3 floats, needs 4/);
    expect(() => attention_backward(gpu, t(24), t(4), t(8), t(24), t(8), t(4), 1, 4, 3, 2)).toThrow(/C=3 is not divisible by H=2/);
  });
});

describe('attention CPU reference', () => {
  it('attention_backward gives dq, dk, dv of Σ w·out (finite differences)', () => {
    const [B, T, C, H] = [2, 4, 6, 2];
    const qkv = randArray(B * T * 3 * C, 11, ...RANGE), w = randArray(B * T * C, 12);
    const out = new Float64Array(B * T * C), lse = new Float64Array(B * H * T);
    const loss = () => {
      cpu.attention_forward(out, lse, qkv, B, T, C, H);
      return dot(w, out);
    };
    const numeric = finiteDiff(loss, qkv);
    loss();
    const dqkv = new Float64Array(B * T * 3 * C);
    cpu.attention_backward(dqkv, new Float64Array(B * H * T), w, qkv, out, lse, B, T, C, H);
    // Channels [0,C) of each (b,t) row are dq, [C,2C) dk, [2C,3C) dv.
    const part = (x: Float64Array, p: number) => Float64Array.from({ length: B * T * C }, (_, n) => x[Math.floor(n / C) * 3 * C + p * C + (n % C)]!);
    for (const [p, name] of ['dq', 'dk', 'dv'].entries()) expectClose(part(dqkv, p), part(numeric, p), 1e-8, 1e-6, name);
  });

  it('attention_forward at T=1 returns v and lse = scale·q·k', () => {
    const [B, T, C, H] = [1, 1, 4, 2];
    const qkv = randArray(3 * C, 13);
    const out = new Float64Array(C), lse = new Float64Array(H);
    cpu.attention_forward(out, lse, qkv, B, T, C, H);
    expectClose(out, qkv.slice(2 * C), 1e-15, 0, 'out');
    const s = (h: number) => (qkv[2 * h]! * qkv[C + 2 * h]! + qkv[2 * h + 1]! * qkv[C + 2 * h + 1]!) / Math.sqrt(2);
    expectClose(lse, [s(0), s(1)], 1e-15, 0, 'lse');
  });
});
