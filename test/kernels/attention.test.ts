import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/context.ts';
import {
  attention_backward, attention_default_version, attention_forward, attention_unsupported, attention_versions, type AttentionVersion,
} from '../../kernels/attention/attention.ts';
import { attentionCandidates } from '../../src/bench/autotune.ts';
import * as cpu from '../../kernels/attention/attention.cpu.ts';
import { checks } from '../../kernels/attention/attention.bench.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward shapes (B,T,C,H): T=1; T not a multiple of the 64-row workgroup or of v2/v3's 8-row blocks, and T past
// one workgroup; H=1; hs=1; hs not a multiple of 4; the largest supported hs (128); several batches (B·H is never
// blocked). For v3's chunks of max(1, 8/⌈hs/4⌉) keys: hs=4 (chunks of 8 keys, T=33 ends one key into a chunk),
// hs=12 (3 groups: chunks of 2 keys, 6 items over 8 lanes), hs=8 and hs=32 (chunks of 4 and 1).
const SHAPES: [number, number, number, number][] = [
  [1, 1, 4, 2],
  [2, 7, 6, 3],
  [2, 5, 3, 3],
  [1, 9, 5, 1],
  [3, 19, 16, 2],
  [1, 70, 32, 4],
  [1, 3, 128, 1],
  [2, 33, 8, 2],
  [1, 17, 36, 3],
];
// Inputs in [-2, 2): scores up to ~4·sqrt(hs), large enough that the running max moves and rescales.
const RANGE = [-2, 2] as const;
// float32 sums over at most T keys of hs-long dot products; values stay O(1) after the softmax. Seen on
// lavapipe: errors 3-10x below this (e.g. T=70 hs=8: out 6e-7, dqkv 2.7e-6 against 1.7e-5 and 5e-5).
const tol = (T: number, hs: number) => 2e-7 * (T + hs) + 1e-6;
// With a cold shader cache lavapipe compiles each head size's pipelines at their first dispatch: the hs=128 ones took
// 70-85 s per pass (v2 and v3 alike, machine loaded), past the 120 s default for a test that compiles nine head sizes.
const COLD_COMPILE_MS = 600_000;

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
    // Skipped only where the device cannot run the version (v3 without 8-lane subgroups); lavapipe runs all of them.
    const why = attention_unsupported(gpu, version);
    if (why) {
      it.skip(`v${version} on this device: ${why}`, () => {});
      continue;
    }
    it(`v${version} attention_forward matches the float64 reference on awkward shapes (out, lse)`, async () => {
      for (const [B, T, C, H] of SHAPES) {
        const want = reference(B, T, C, H);
        const out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T);
        attention_forward(gpu, out, lse, gpu.tensor('qkv', B * T * 3 * C, want.qkv), B, T, C, H, { version });
        const what = `v${version} B=${B} T=${T} C=${C} H=${H}`;
        expectClose(await gpu.read(out), want.out, tol(T, C / H), 0, `${what} out`);
        expectClose(await gpu.read(lse), want.lse, tol(T, C / H), 1e-6, `${what} lse`);
      }
    }, COLD_COMPILE_MS);

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
    }, COLD_COMPILE_MS);
  }

  // v3 on subgroups narrower than 8 lanes (SwiftShader's 4) loads per lane instead of broadcasting: the same
  // float64 check, forced here on lavapipe's 8 lanes, on the shapes that exercise its chunking.
  it.skipIf(attention_unsupported(gpu, 3) !== null)('v3 without broadcasts (wide: false) matches the float64 reference, forward and backward', async () => {
    for (const [B, T, C, H] of [[2, 7, 6, 3], [2, 33, 8, 2], [1, 17, 36, 3]] as const) {
      const want = reference(B, T, C, H);
      const qkv = gpu.tensor('qkv', B * T * 3 * C, want.qkv), out = gpu.tensor('out', B * T * C), lse = gpu.tensor('lse', B * H * T);
      attention_forward(gpu, out, lse, qkv, B, T, C, H, { version: 3, wide: false });
      const dqkv = gpu.tensor('dqkv', B * T * 3 * C), delta = gpu.tensor('delta', B * H * T);
      attention_backward(gpu, dqkv, delta, gpu.tensor('dout', B * T * C, want.dout), qkv, out, lse, B, T, C, H, { version: 3, wide: false });
      const what = `v3 narrow B=${B} T=${T} C=${C} H=${H}`;
      expectClose(await gpu.read(out), want.out, tol(T, C / H), 0, `${what} out`);
      expectClose(await gpu.read(lse), want.lse, tol(T, C / H), 1e-6, `${what} lse`);
      expectClose(await gpu.read(dqkv), want.dqkv, 3 * tol(T, C / H), 1e-6, `${what} dqkv`);
    }
  }, COLD_COMPILE_MS);

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

describe('attention version choice', () => {
  // Just what attention_unsupported, attention_default_version and attentionCandidates read from a device.
  const fake = (software: boolean, subgroupSize: string, features: string[] = ['subgroups']) =>
    ({ choices: {}, device: { features: new Set(features) }, adapter: { software, subgroupSize } }) as unknown as Gpu;

  it('v3 needs the subgroups feature, and says so', () => {
    expect(attention_unsupported(fake(true, '8-8'), 3)).toBeNull();
    expect(attention_unsupported(fake(true, '4-4'), 3)).toBeNull(); // runs, each lane loading for itself
    expect(attention_unsupported(fake(true, '8-8', []), 3)).toMatch(/attention v3 needs the "subgroups" feature, which this device lacks/);
    for (const v of [1, 2, 4] as const) expect(attention_unsupported(fake(true, '8-8', []), v)).toBeNull();
  });

  it('software adapters default to v3 where subgroups hold 8 lanes, else v2; GPUs to v1; a measured choice wins', () => {
    expect(attention_default_version(fake(true, '8-8'))).toBe(3);
    expect(attention_default_version(fake(true, '4-4'))).toBe(2);
    expect(attention_default_version(fake(true, '8-8', []))).toBe(2);
    expect(attention_default_version(fake(false, '32-32'))).toBe(1);
    expect(attention_default_version({ ...fake(true, '8-8'), choices: { attention: 2 } } as Gpu)).toBe(2);
  });

  it('the tuner times only versions that run here, and neither v1 nor v4 on software adapters', () => {
    expect(attentionCandidates(fake(true, '8-8'))).toEqual([2, 3]);
    expect(attentionCandidates(fake(true, '4-4', []))).toEqual([2]);
    expect(attentionCandidates(fake(false, '32-32'))).toEqual([1, 2, 3, 4]);
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
