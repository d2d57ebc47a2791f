import { describe, expect, it } from 'vitest';
import { attention_decode } from '../../kernels/attention_decode/attention_decode.ts';
import * as cpu from '../../kernels/attention_decode/attention_decode.cpu.ts';
import {
  CHECK_SHAPES,
  checks,
  decodeCase,
  describeShape,
} from '../../kernels/attention_decode/attention_decode.cases.ts';
import { seqs_table, SEQ_STRIDE } from '../../kernels/sample/seqs.ts';
import { describeGpu, expectClose, itChecks } from '../helpers.ts';

describe('attention_decode CPU reference', () => {
  it("equals full causal attention (attention_forward) at each sequence's newest row, writes cache[s,pos], skips done rows", () => {
    for (const shape of CHECK_SHAPES) {
      const c = decodeCase(shape);
      const out = Float64Array.from(c.out0),
        cache = Float64Array.from(c.cache);
      cpu.attention_decode(
        out,
        cache,
        c.qkv,
        c.prefix,
        c.seqs,
        c.S,
        shape.T,
        shape.C,
        shape.H,
        shape.Tp,
      );
      expectClose(out, c.want, 1e-12, 0, `${describeShape(shape)} out`);
      expect(cache).toEqual(c.wantCache);
    }
  });

  it('refuses a running row past the context or a prompt longer than Tp', () => {
    const run = (P: number, pos: number) => () =>
      cpu.attention_decode(
        new Float64Array(2),
        new Float64Array(8),
        new Float64Array(6),
        new Float64Array(12),
        seqs_table([
          { prefix_row: 0, question: 0, sample: 0, prefix_len: P, pos, done: 0, n_gen: 0 },
        ]),
        1,
        2,
        2,
        1,
        2,
      );
    expect(run(1, 2)).toThrow(/sequence 0 is running at pos 2, past the context T=2/);
    expect(run(3, 1)).toThrow(/prefix_len 3, outside \[1, Tp=2\]/);
  });
});

describeGpu('attention_decode', (gpu) => {
  // Every version against full causal attention and the float64 reference: kernels/attention_decode/attention_decode.cases.ts.
  itChecks(gpu, checks);

  it('refuses bad shapes and tensors too small for the shape, with clear errors', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n);
    const seqs = gpu.tensorU32('seqs', new Uint32Array(2 * SEQ_STRIDE));
    const run =
      (S: number, T: number, C: number, H: number, Tp: number, prefix = t(1200, 'prefix')) =>
      () =>
        attention_decode(gpu, t(1200), t(1200), t(1200), prefix, seqs, S, T, C, H, Tp);
    expect(run(0, 4, 8, 2, 2)).toThrow(/S, T, C, H, Tp must be integers >= 1 \(got S=0/);
    expect(run(2, 4, 6, 4, 2)).toThrow(/C=6 is not divisible by H=4/);
    expect(run(2, 4, 258, 2, 1)).toThrow(
      /head size C\/H = 129 exceeds the supported maximum of 128/,
    );
    expect(run(3, 4, 8, 2, 2)).toThrow(
      /seqs "seqs" has 16 floats, needs 24 for S=3 T=4 C=8 H=2 Tp=2/,
    );
    expect(run(2, 100, 8, 2, 2)).toThrow(/cache "t" has 1200 floats, needs 3200/);
    expect(run(2, 4, 8, 2, 2, t(47, 'prefix'))).toThrow(/prefix "prefix" has 47 floats, needs 48/);
    expect(run(2, 4, 8, 2, 2, t(50, 'prefix'))).toThrow(
      /not a whole number of \(Tp,3C\) = \(2,24\) rows/,
    );
    const T = gpu.limits.maxComputeWorkgroupStorageSize / 4,
      big = gpu.tensor('big', 2 * T * 16);
    expect(() =>
      attention_decode(gpu, big, big, big, gpu.tensor('prefix', 24), seqs, 2, T, 8, 2, 1, {
        version: 2,
      }),
    ).toThrow(new RegExp(`v2 keeps T=${T} scores in workgroup memory`));
  });
});
