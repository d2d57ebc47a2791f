import { describe, expect, it } from 'vitest';
import {
  encoder_backward,
  encoder_decode,
  encoder_forward,
  encoder_forward_versions,
  type EncoderVersion,
} from '../../kernels/encoder/encoder.ts';
import * as cpu from '../../kernels/encoder/encoder.cpu.ts';
import { checks, encoderTokens } from '../../kernels/encoder/encoder.cases.ts';
import { SEQ, SEQ_STRIDE, seqs_table } from '../../kernels/sample/seqs.ts';
import { describeGpu, dot, expectClose, finiteDiff, itChecks, randArray } from '../helpers.ts';

describeGpu('encoder', (gpu) => {
  // Every version of forward, backward and decode against the float64 reference: the table in
  // kernels/encoder/encoder.cases.ts (awkward shapes, stale and accumulated outputs, a token at every position,
  // done decode rows left alone).
  itChecks(gpu, checks);

  const versions = Object.keys(encoder_forward_versions).map(Number) as EncoderVersion[];
  for (const version of versions) {
    it(`v${version} encoder_backward is bit-reproducible`, async () => {
      const [B, T, C, V] = [4, 9, 70, 65];
      const tokens = gpu.tensorU32('tokens', encoderTokens(B * T, V, 8)),
        dout = gpu.tensor('dout', B * T * C, randArray(B * T * C, 9));
      const runs: Float32Array[][] = [];
      for (let k = 0; k < 2; k++) {
        const dwte = gpu.tensor('dwte', V * C),
          dwpe = gpu.tensor('dwpe', T * C);
        encoder_backward(gpu, dwte, dwpe, dout, tokens, B, T, C, V, undefined, { version });
        runs.push([await gpu.read(dwte), await gpu.read(dwpe)]);
      }
      expect(runs[1]).toEqual(runs[0]);
    });
  }

  it('refuses bad shapes and tensors too small for the shape', () => {
    const big = gpu.tensor('big', 256),
      tok = gpu.tensorU32('tokens', new Uint32Array(6));
    expect(() => encoder_forward(gpu, big, tok, big, big, 2, 0, 4)).toThrow(
      /encoder_forward: B, T, C must be integers >= 1 \(got B=2 T=0 C=4\)/,
    );
    expect(() => encoder_forward(gpu, big, tok, big, big, 2, 4, 4)).toThrow(
      /encoder_forward: tokens "tokens" has 6 floats, needs 8 for B=2 T=4 C=4/,
    );
    expect(() => encoder_forward(gpu, big, tok, big, gpu.tensor('wpe', 11), 2, 3, 4)).toThrow(
      /wpe "wpe" has 11 floats, needs 12/,
    );
    expect(() => encoder_backward(gpu, gpu.tensor('dwte', 15), big, big, tok, 2, 3, 4, 4)).toThrow(
      /encoder_backward: dwte "dwte" has 15 floats, needs 16 for B=2 T=3 C=4 V=4/,
    );
    expect(() => encoder_backward(gpu, big, big, big, tok, 2, 3, 4, 0)).toThrow(
      /encoder_backward: B, T, C, V must be integers >= 1 \(got B=2 T=3 C=4 V=0\)/,
    );
  });
});

describe('encoder CPU reference', () => {
  it('encoder_backward gives dwte and dwpe (finite differences), with repeated tokens', () => {
    const [B, T, C, V, maxT] = [2, 3, 4, 5, 4];
    const tokens = Uint32Array.of(1, 4, 1, 0, 1, 4); // token 1 three times, 2 and 3 never
    const wte = randArray(V * C, 8),
      wpe = randArray(maxT * C, 9),
      w = randArray(B * T * C, 10);
    const loss = () => {
      const out = new Float64Array(B * T * C);
      cpu.encoder_forward(out, tokens, wte, wpe, B, T, C);
      return dot(w, out);
    };
    const dwte = new Float64Array(V * C),
      dwpe = new Float64Array(maxT * C);
    cpu.encoder_backward(dwte, dwpe, w, tokens, B, T, C, V);
    expectClose(dwte, finiteDiff(loss, wte), 1e-8, 1e-7, 'dwte');
    expectClose(dwpe, finiteDiff(loss, wpe), 1e-8, 1e-7, 'dwpe');
  });

  it('encoder_backward refuses a token outside the vocabulary', () => {
    expect(() =>
      cpu.encoder_backward(
        new Float64Array(8),
        new Float64Array(4),
        new Float64Array(4),
        Uint32Array.of(2),
        1,
        1,
        4,
        2,
      ),
    ).toThrow(/token 2 at \(0,0\) is not below V=2/);
  });
});

describeGpu('encoder_decode', (gpu) => {
  it('refuses bad shapes and tensors too small for the shape', () => {
    const big = gpu.tensor('big', 256),
      tok = gpu.tensorU32('tokens', new Uint32Array(3)),
      seqs = gpu.tensorU32('seqs', new Uint32Array(3 * SEQ_STRIDE - 1));
    expect(() => encoder_decode(gpu, big, tok, big, big, big, 0, 4)).toThrow(
      /encoder_decode: S, C must be integers >= 1 \(got S=0 C=4\)/,
    );
    expect(() => encoder_decode(gpu, big, tok, big, big, big, 4, 4)).toThrow(
      /encoder_decode: tokens "tokens" has 3 floats, needs 4 for S=4 C=4/,
    );
    expect(() => encoder_decode(gpu, big, tok, seqs, big, big, 3, 4)).toThrow(
      /seqs "seqs" has 23 floats, needs 24/,
    );
  });
});

describe('encoder_decode CPU reference', () => {
  it("equals encoder_forward at each running sequence's own position (the twin), and skips done rows", () => {
    const [B, T, C, V] = [3, 6, 5, 7];
    const tokens = encoderTokens(B * T, V, 16),
      wte = randArray(V * C, 17),
      wpe = randArray(T * C, 18);
    const full = new Float64Array(B * T * C);
    cpu.encoder_forward(full, tokens, wte, wpe, B, T, C);
    // Sequence s decodes batch row b = s % B at position t = (2s + 1) % T; row 4 is done.
    const S = 5;
    const seqs = seqs_table(
      Array.from({ length: S }, (_, s) => ({
        prefix_row: s % B,
        question: s,
        sample: 0,
        prefix_len: 1,
        pos: (2 * s + 1) % T,
        done: s === 4 ? 1 : 0,
        n_gen: 0,
      })),
    );
    const dtok = Uint32Array.from(
      { length: S },
      (_, s) => tokens[(s % B) * T + seqs[s * SEQ_STRIDE + SEQ.pos]!]!,
    );
    const out = new Float64Array(S * C).fill(-7);
    cpu.encoder_decode(out, dtok, seqs, wte, wpe, S, C);
    for (let s = 0; s < S; s++) {
      const row = out.subarray(s * C, (s + 1) * C);
      const t = seqs[s * SEQ_STRIDE + SEQ.pos]!;
      if (s === 4) expect([...row]).toEqual(new Array(C).fill(-7));
      else
        expect([...row]).toEqual([
          ...full.subarray(((s % B) * T + t) * C, ((s % B) * T + t + 1) * C),
        ]);
    }
  });
});
