import { describe, expect, it } from 'vitest';
import { encoder_backward, encoder_decode, encoder_decode_versions, encoder_forward, encoder_forward_versions, type EncoderDecodeVersion, type EncoderVersion } from '../../kernels/encoder/encoder.ts';
import * as cpu from '../../kernels/encoder/encoder.cpu.ts';
import { checks } from '../../kernels/encoder/encoder.bench.ts';
import { SEQ, SEQ_STRIDE, seqs_table } from '../../kernels/sample/seqs.ts';
import { describeGpu, dot, expectClose, finiteDiff, randArray } from '../helpers.ts';

// Awkward (B, T, C, V): every dimension 1; sizes that are not multiples of the 256-invocation workgroup;
// V·C and T·C larger than one workgroup, so both halves of the backward span several workgroups; C a multiple
// of 4 (v2's vec4 path) and not; V not a multiple of v2's 8-row vocabulary blocks; more 4-channel groups than
// one v2 backward workgroup (C=72); a vocabulary of 3, so most positions repeat a token.
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [2, 3, 5, 7],
  [1, 9, 1, 3],
  [3, 17, 33, 11],
  [4, 9, 70, 65],
  [2, 7, 4, 9],
  [5, 13, 72, 19],
  [6, 11, 12, 3],
  [3, 5, 66, 17],
];

/** `n` token ids in [0, V) from `seed`; the first few pinned to 0 and V-1 so both ends of the table are used. */
function tokensFor(n: number, V: number, seed: number): Uint32Array {
  const t = Uint32Array.from(randArray(n, seed, 0, V), (x) => Math.min(V - 1, Math.floor(x)));
  t[0] = V - 1;
  if (n > 2) t[2] = 0;
  return t;
}

// The forward is one float32 add; the backward sums up to B·T terms of size < 1 into a value of size < 1.
const FWD_TOL = 2.5e-7;
const bwdTol = (terms: number) => 1e-6 * (1 + terms / 8);

describeGpu('encoder', (gpu) => {
  const versions = Object.keys(encoder_forward_versions).map(Number) as EncoderVersion[];
  for (const version of versions) {
    it(`v${version} encoder_forward matches the float64 reference (wpe longer than T)`, async () => {
      for (const [B, T, C, V] of SHAPES) {
        const maxT = T + 2;
        const tokens = tokensFor(B * T, V, 1), wte = randArray(V * C, 2), wpe = randArray(maxT * C, 3);
        const want = new Float64Array(B * T * C);
        cpu.encoder_forward(want, tokens, wte, wpe, B, T, C);
        const out = gpu.tensor('out', B * T * C);
        encoder_forward(gpu, out, gpu.tensorU32('tokens', tokens), gpu.tensor('wte', V * C, wte), gpu.tensor('wpe', maxT * C, wpe), B, T, C, { version });
        expectClose(await gpu.read(out), want, FWD_TOL, 0, `v${version} B=${B} T=${T} C=${C} V=${V}`);
      }
    });

    it(`v${version} encoder_backward matches the float64 reference and accumulates into dwte, dwpe`, async () => {
      for (const [B, T, C, V] of SHAPES) {
        const maxT = T + 2;
        const tokens = tokensFor(B * T, V, 4), dout = randArray(B * T * C, 5);
        // Non-zero starting gradients: both must be added to; the rows of dwpe past T must stay as they were.
        const dwte = randArray(V * C, 6), dwpe = randArray(maxT * C, 7);
        const g = { dwte: gpu.tensor('dwte', V * C, dwte), dwpe: gpu.tensor('dwpe', maxT * C, dwpe) };
        cpu.encoder_backward(dwte, dwpe, dout, tokens, B, T, C, V);
        encoder_backward(gpu, g.dwte, g.dwpe, gpu.tensor('dout', B * T * C, dout), gpu.tensorU32('tokens', tokens), B, T, C, V, { version });
        const where = `v${version} B=${B} T=${T} C=${C} V=${V}`;
        expectClose(await gpu.read(g.dwte), dwte, bwdTol(B * T), 0, `${where} dwte`);
        expectClose(await gpu.read(g.dwpe), dwpe, bwdTol(B), 0, `${where} dwpe`);
      }
    });

    it(`v${version} encoder_backward sums a token repeated at every position (one vocabulary row gets all of dout)`, async () => {
      for (const [B, T, C, V] of [[8, 16, 64, 52], [3, 7, 6, 10]] as [number, number, number, number][]) {
        const tokens = new Uint32Array(B * T).fill(V - 2), dout = randArray(B * T * C, 20);
        const dwte = new Float64Array(V * C), dwpe = new Float64Array(T * C);
        cpu.encoder_backward(dwte, dwpe, dout, tokens, B, T, C, V);
        const g = { dwte: gpu.tensor('dwte', V * C), dwpe: gpu.tensor('dwpe', T * C) };
        encoder_backward(gpu, g.dwte, g.dwpe, gpu.tensor('dout', B * T * C, dout), gpu.tensorU32('tokens', tokens), B, T, C, V, { version });
        const where = `v${version} B=${B} T=${T} C=${C} V=${V}`;
        expectClose(await gpu.read(g.dwte), dwte, bwdTol(B * T), 0, `${where} dwte`);
        expectClose(await gpu.read(g.dwpe), dwpe, bwdTol(B), 0, `${where} dwpe`);
      }
    });

    it(`v${version} encoder_backward is bit-reproducible`, async () => {
      const [B, T, C, V] = [4, 9, 70, 65];
      const tokens = gpu.tensorU32('tokens', tokensFor(B * T, V, 8)), dout = gpu.tensor('dout', B * T * C, randArray(B * T * C, 9));
      const runs: Float32Array[][] = [];
      for (let k = 0; k < 2; k++) {
        const dwte = gpu.tensor('dwte', V * C), dwpe = gpu.tensor('dwpe', T * C);
        encoder_backward(gpu, dwte, dwpe, dout, tokens, B, T, C, V, { version });
        runs.push([await gpu.read(dwte), await gpu.read(dwpe)]);
      }
      expect(runs[1]).toEqual(runs[0]);
    });
  }

  it('refuses bad shapes and tensors too small for the shape', () => {
    const big = gpu.tensor('big', 256), tok = gpu.tensorU32('tokens', new Uint32Array(6));
    expect(() => encoder_forward(gpu, big, tok, big, big, 2, 0, 4)).toThrow(/encoder_forward: B, T, C must be integers >= 1 \(got B=2 T=0 C=4\)/);
    expect(() => encoder_forward(gpu, big, tok, big, big, 2, 4, 4)).toThrow(/encoder_forward: tokens "tokens" has 6 floats, needs 8 for B=2 T=4 C=4/);
    expect(() => encoder_forward(gpu, big, tok, big, gpu.tensor('wpe', 11), 2, 3, 4)).toThrow(/wpe "wpe" has 11 floats, needs 12/);
    expect(() => encoder_backward(gpu, gpu.tensor('dwte', 15), big, big, tok, 2, 3, 4, 4)).toThrow(/encoder_backward: dwte "dwte" has 15 floats, needs 16 for B=2 T=3 C=4 V=4/);
    expect(() => encoder_backward(gpu, big, big, big, tok, 2, 3, 4, 0)).toThrow(/encoder_backward: B, T, C, V must be integers >= 1 \(got B=2 T=3 C=4 V=0\)/);
  });
});

describe('encoder CPU reference', () => {
  it('encoder_backward gives dwte and dwpe (finite differences), with repeated tokens', () => {
    const [B, T, C, V, maxT] = [2, 3, 4, 5, 4];
    const tokens = Uint32Array.of(1, 4, 1, 0, 1, 4); // token 1 three times, 2 and 3 never
    const wte = randArray(V * C, 8), wpe = randArray(maxT * C, 9), w = randArray(B * T * C, 10);
    const loss = () => {
      const out = new Float64Array(B * T * C);
      cpu.encoder_forward(out, tokens, wte, wpe, B, T, C);
      return dot(w, out);
    };
    const dwte = new Float64Array(V * C), dwpe = new Float64Array(maxT * C);
    cpu.encoder_backward(dwte, dwpe, w, tokens, B, T, C, V);
    expectClose(dwte, finiteDiff(loss, wte), 1e-8, 1e-7, 'dwte');
    expectClose(dwpe, finiteDiff(loss, wpe), 1e-8, 1e-7, 'dwpe');
  });

  it('encoder_backward refuses a token outside the vocabulary', () => {
    expect(() => cpu.encoder_backward(new Float64Array(8), new Float64Array(4), new Float64Array(4), Uint32Array.of(2), 1, 1, 4, 2)).toThrow(/token 2 at \(0,0\) is not below V=2/);
  });
});

/** A seqs table of S sequences at positions from `seed` in [0, maxT), the first at maxT-1; rows s % 3 == 1 are done. */
function decodeSeqs(S: number, maxT: number, seed: number): Uint32Array {
  const pos = tokensFor(S, maxT, seed);
  return seqs_table(Array.from(pos, (p, s) => ({ prefix_row: 0, question: s, sample: 0, prefix_len: 1, pos: p, done: s % 3 === 1 ? 1 : 0, n_gen: 0 })));
}

describeGpu('encoder_decode', (gpu) => {
  const versions = Object.keys(encoder_decode_versions).map(Number) as EncoderDecodeVersion[];
  // (S, C, V, maxT): one sequence of one channel; S·C not a multiple of 256; S·C past several workgroups.
  const DECODE_SHAPES: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [5, 7, 3, 4],
    [37, 33, 11, 20],
    [300, 70, 65, 9],
  ];
  for (const version of versions) {
    it(`v${version} encoder_decode matches the float64 reference; done rows keep their old values`, async () => {
      for (const [S, C, V, maxT] of DECODE_SHAPES) {
        const tokens = tokensFor(S, V, 11), seqs = decodeSeqs(S, maxT, 12), wte = randArray(V * C, 13), wpe = randArray(maxT * C, 14);
        const want = randArray(S * C, 15, 5, 6); // outside the range of any embedding sum, so a stray write shows
        const out = gpu.tensor('out', S * C, want);
        cpu.encoder_decode(want, tokens, seqs, wte, wpe, S, C);
        encoder_decode(gpu, out, gpu.tensorU32('tokens', tokens), gpu.tensorU32('seqs', seqs), gpu.tensor('wte', V * C, wte), gpu.tensor('wpe', maxT * C, wpe), S, C, { version });
        expectClose(await gpu.read(out), want, FWD_TOL, 0, `v${version} S=${S} C=${C} V=${V} maxT=${maxT}`);
      }
    });
  }

  it('the bench checks pass (encoder_forward, encoder_backward, encoder_decode)', async () => {
    expect(checks.map((c) => c.kernel)).toContain('encoder_decode');
    for (const c of checks) expect(await c.run(gpu), `${c.kernel} ${c.version} ${c.shape}`).toBeLessThanOrEqual(c.tolerance);
  });

  it('refuses bad shapes and tensors too small for the shape', () => {
    const big = gpu.tensor('big', 256), tok = gpu.tensorU32('tokens', new Uint32Array(3)), seqs = gpu.tensorU32('seqs', new Uint32Array(3 * SEQ_STRIDE - 1));
    expect(() => encoder_decode(gpu, big, tok, big, big, big, 0, 4)).toThrow(/encoder_decode: S, C must be integers >= 1 \(got S=0 C=4\)/);
    expect(() => encoder_decode(gpu, big, tok, big, big, big, 4, 4)).toThrow(/encoder_decode: tokens "tokens" has 3 floats, needs 4 for S=4 C=4/);
    expect(() => encoder_decode(gpu, big, tok, seqs, big, big, 3, 4)).toThrow(/seqs "seqs" has 23 floats, needs 24/);
  });
});

describe('encoder_decode CPU reference', () => {
  it('equals encoder_forward at each running sequence\'s own position (the twin), and skips done rows', () => {
    const [B, T, C, V] = [3, 6, 5, 7];
    const tokens = tokensFor(B * T, V, 16), wte = randArray(V * C, 17), wpe = randArray(T * C, 18);
    const full = new Float64Array(B * T * C);
    cpu.encoder_forward(full, tokens, wte, wpe, B, T, C);
    // Sequence s decodes batch row b = s % B at position t = (2s + 1) % T; row 4 is done.
    const S = 5;
    const seqs = seqs_table(Array.from({ length: S }, (_, s) => ({ prefix_row: s % B, question: s, sample: 0, prefix_len: 1, pos: (2 * s + 1) % T, done: s === 4 ? 1 : 0, n_gen: 0 })));
    const dtok = Uint32Array.from({ length: S }, (_, s) => tokens[(s % B) * T + seqs[s * SEQ_STRIDE + SEQ.pos]!]!);
    const out = new Float64Array(S * C).fill(-7);
    cpu.encoder_decode(out, dtok, seqs, wte, wpe, S, C);
    for (let s = 0; s < S; s++) {
      const row = out.subarray(s * C, (s + 1) * C);
      const t = seqs[s * SEQ_STRIDE + SEQ.pos]!;
      if (s === 4) expect([...row]).toEqual(new Array(C).fill(-7));
      else expect([...row]).toEqual([...full.subarray(((s % B) * T + t) * C, ((s % B) * T + t + 1) * C)]);
    }
  });
});
