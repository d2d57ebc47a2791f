import { describe, expect, it, vi } from 'vitest';
import type { Gpu } from '../../src/gpu/context.ts';
import {
  attention_backward,
  attention_default_version,
  attention_forward,
  attention_unsupported,
  attention_versions,
  type AttentionVersion,
} from '../../kernels/attention/attention.ts';
import { attentionCandidates } from '../../src/bench/autotune.ts';
import * as cpu from '../../kernels/attention/attention.cpu.ts';
import { checks as table } from '../../kernels/attention/attention.cases.ts';
import { describeGpu, dot, expectClose, finiteDiff, itChecks, randArray } from '../helpers.ts';

// Inputs in [-2, 2), as the table's (kernels/attention/attention.cases.ts).
const RANGE = [-2, 2] as const;
// With a cold shader cache lavapipe compiles each head size's pipelines at their first dispatch: the hs=128 ones took
// 70-85 s per pass (v2 and v3 alike, machine loaded), past the 120 s default for the case that compiles them.
vi.setConfig({ testTimeout: 600_000 });

describeGpu('attention', (gpu) => {
  // Skipped only where the device cannot run a version (v3 without the subgroups feature); lavapipe runs all of them.
  const why = (v: AttentionVersion) => attention_unsupported(gpu, v);
  for (const v of Object.keys(attention_versions).map(Number) as AttentionVersion[])
    if (why(v)) it.skip(`v${v} on this device: ${why(v)}`, () => {});
  const checks = table.filter((c) => why(Number(c.version.slice(1)) as AttentionVersion) === null);
  // Every version, forward and backward, against the float64 reference: the table (ten awkward shapes up to hs=128,
  // stale outputs overwritten, the backward on the GPU forward's out and lse, v3 forced onto its narrow path).
  itChecks(gpu, checks);

  it('refuses bad shapes and tensors too small for the shape, with clear errors', () => {
    const t = (n: number) => gpu.tensor('t', n);
    const fwd = (B: number, T: number, C: number, H: number) => () =>
      attention_forward(gpu, t(1024), t(1024), t(1024), B, T, C, H);
    expect(fwd(1, 4, 6, 4)).toThrow(/C=6 is not divisible by H=4/);
    expect(fwd(0, 4, 8, 2)).toThrow(/B, T, C, H must be integers >= 1 \(got B=0/);
    expect(fwd(1, 2.5, 8, 2)).toThrow(/integers >= 1/);
    expect(fwd(1, 1, 258, 2)).toThrow(/head size C\/H = 129 exceeds the supported maximum of 128/);
    expect(() => attention_forward(gpu, t(8), t(4), t(23), 1, 4, 2, 1)).toThrow(
      /qkv "t" has 23 floats, needs 24/,
    );
    expect(() => attention_backward(gpu, t(24), t(3), t(8), t(24), t(8), t(4), 1, 4, 2, 1)).toThrow(
      /delta "t" has 3 floats, needs 4/,
    );
    expect(() => attention_backward(gpu, t(24), t(4), t(8), t(24), t(8), t(4), 1, 4, 3, 2)).toThrow(
      /C=3 is not divisible by H=2/,
    );
  });
});

describe('attention version choice', () => {
  // Just what attention_unsupported, attention_default_version and attentionCandidates read from a device.
  const fake = (software: boolean, subgroupSize: string, features: string[] = ['subgroups']) =>
    ({
      choices: {},
      device: { features: new Set(features) },
      adapter: { software, subgroupSize },
    }) as unknown as Gpu;

  it('v3 needs the subgroups feature, and says so', () => {
    expect(attention_unsupported(fake(true, '8-8'), 3)).toBeNull();
    expect(attention_unsupported(fake(true, '4-4'), 3)).toBeNull(); // runs, each lane loading for itself
    expect(attention_unsupported(fake(true, '8-8', []), 3)).toMatch(
      /attention v3 needs the "subgroups" feature, which this device lacks/,
    );
    for (const v of [1, 2, 4] as const)
      expect(attention_unsupported(fake(true, '8-8', []), v)).toBeNull();
  });

  it('software adapters default to v3 where subgroups hold 8 lanes, else v2; GPUs to v1; a measured choice wins', () => {
    expect(attention_default_version(fake(true, '8-8'))).toBe(3);
    expect(attention_default_version(fake(true, '4-4'))).toBe(2);
    expect(attention_default_version(fake(true, '8-8', []))).toBe(2);
    expect(attention_default_version(fake(false, '32-32'))).toBe(1);
    expect(
      attention_default_version({ ...fake(true, '8-8'), choices: { attention: 2 } } as Gpu),
    ).toBe(2);
  });

  it('the tuner times only versions that run here: neither v1 nor v4 on software adapters, nor v2 where v3 broadcasts', () => {
    expect(attentionCandidates(fake(true, '8-8'))).toEqual([3]);
    expect(attentionCandidates(fake(true, '4-4'))).toEqual([2, 3]);
    expect(attentionCandidates(fake(true, '4-4', []))).toEqual([2]);
    expect(attentionCandidates(fake(false, '32-32'))).toEqual([1, 2, 3, 4]);
  });
});

describe('attention CPU reference', () => {
  it('attention_backward gives dq, dk, dv of Σ w·out (finite differences)', () => {
    const [B, T, C, H] = [2, 4, 6, 2];
    const qkv = randArray(B * T * 3 * C, 11, ...RANGE),
      w = randArray(B * T * C, 12);
    const out = new Float64Array(B * T * C),
      lse = new Float64Array(B * H * T);
    const loss = () => {
      cpu.attention_forward(out, lse, qkv, B, T, C, H);
      return dot(w, out);
    };
    const numeric = finiteDiff(loss, qkv);
    loss();
    const dqkv = new Float64Array(B * T * 3 * C);
    cpu.attention_backward(dqkv, new Float64Array(B * H * T), w, qkv, out, lse, B, T, C, H);
    // Channels [0,C) of each (b,t) row are dq, [C,2C) dk, [2C,3C) dv.
    const part = (x: Float64Array, p: number) =>
      Float64Array.from(
        { length: B * T * C },
        (_, n) => x[Math.floor(n / C) * 3 * C + p * C + (n % C)]!,
      );
    for (const [p, name] of ['dq', 'dk', 'dv'].entries())
      expectClose(part(dqkv, p), part(numeric, p), 1e-8, 1e-6, name);
  });

  it('attention_forward at T=1 returns v and lse = scale·q·k', () => {
    const [B, T, C, H] = [1, 1, 4, 2];
    const qkv = randArray(3 * C, 13);
    const out = new Float64Array(C),
      lse = new Float64Array(H);
    cpu.attention_forward(out, lse, qkv, B, T, C, H);
    expectClose(out, qkv.slice(2 * C), 1e-15, 0, 'out');
    const s = (h: number) =>
      (qkv[2 * h]! * qkv[C + 2 * h]! + qkv[2 * h + 1]! * qkv[C + 2 * h + 1]!) / Math.sqrt(2);
    expectClose(lse, [s(0), s(1)], 1e-15, 0, 'lse');
  });
});
