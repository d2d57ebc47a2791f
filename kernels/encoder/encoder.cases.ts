import {
  packAgainstAlone,
  seededArray,
  type BenchCase,
  type CheckCase,
  type CheckOutput,
} from '../../src/gpu/cases.ts';
import {
  encoder_backward,
  encoder_backward_bytes,
  encoder_backward_flops,
  encoder_decode,
  encoder_decode_bytes,
  encoder_decode_flops,
  encoder_decode_versions,
  encoder_forward,
  encoder_forward_bytes,
  encoder_forward_flops,
  encoder_forward_versions,
  type EncoderDecodeVersion,
  type EncoderVersion,
} from './encoder.ts';
import { SEQ_STRIDE, seqs_table } from '../sample/seqs.ts';
import * as cpu from './encoder.cpu.ts';

const versions = Object.keys(encoder_forward_versions).map(Number) as EncoderVersion[];
const decodeVersions = Object.keys(encoder_decode_versions).map(Number) as EncoderDecodeVersion[];

/** `n` token ids in [0, V), from `seed`. */
function seededTokens(n: number, V: number, seed: number): Uint32Array {
  return Uint32Array.from(seededArray(n, seed, 0, V), (x) => Math.min(V - 1, Math.floor(x)));
}

// Bench scale: B·T = 256 positions (B=4, T=64), C=128, a character vocabulary V=64; the reference step,
// the largest model of the t2 grid (B=64, T=32, C=64, V=52); and a narrow model of that grid (C=16).
const SHAPES: [number, number, number, number][] = [
  [4, 64, 128, 64],
  [64, 32, 64, 52],
  [64, 32, 16, 52],
];

export const bench: BenchCase[] = SHAPES.flatMap(([B, T, C, V]) =>
  versions.flatMap((version): BenchCase[] => {
    const shape = `B=${B} T=${T} C=${C} V=${V}`;
    return [
      {
        kernel: 'encoder_forward',
        version: `v${version}`,
        shape,
        flops: encoder_forward_flops(B, T, C),
        bytes: encoder_forward_bytes(B, T, C),
        setup(gpu) {
          const out = gpu.tensor('out', B * T * C),
            tokens = gpu.tensorU32('tokens', seededTokens(B * T, V, 1));
          const wte = gpu.tensor('wte', V * C, seededArray(V * C, 2)),
            wpe = gpu.tensor('wpe', T * C, seededArray(T * C, 3));
          return {
            record: () =>
              encoder_forward(gpu, out, tokens, wte, wpe, B, T, C, undefined, { version }),
            dispose: () => [out, tokens, wte, wpe].forEach((t) => t.buffer.destroy()),
          };
        },
      },
      {
        kernel: 'encoder_backward',
        version: `v${version}`,
        shape,
        flops: encoder_backward_flops(B, T, C, V),
        bytes: encoder_backward_bytes(B, T, C, V),
        setup(gpu) {
          const dwte = gpu.tensor('dwte', V * C),
            dwpe = gpu.tensor('dwpe', T * C);
          const dout = gpu.tensor('dout', B * T * C, seededArray(B * T * C, 4)),
            tokens = gpu.tensorU32('tokens', seededTokens(B * T, V, 1));
          return {
            record: () =>
              encoder_backward(gpu, dwte, dwpe, dout, tokens, B, T, C, V, undefined, { version }),
            dispose: () => [dwte, dwpe, dout, tokens].forEach((t) => t.buffer.destroy()),
          };
        },
      },
    ];
  }),
);

/** A seqs table for `S` running sequences at positions in [0, maxT), from `seed`. */
function seededSeqs(S: number, maxT: number, seed: number): Uint32Array {
  return seqsAt(seededTokens(S, maxT, seed), () => 0);
}

/** A seqs table with sequence s at position pos[s], done when done(s) is 1. */
function seqsAt(pos: Uint32Array, done: (s: number) => number): Uint32Array {
  return seqs_table(
    Array.from(pos, (p, s) => ({
      prefix_row: 0,
      question: s,
      sample: 0,
      prefix_len: 1,
      pos: p,
      done: done(s),
      n_gen: 0,
    })),
  );
}

// Decode scale: S = 1024 sequences (questions × samples), one token each, C=128, V=64, context 256.
const DEC = { S: 1024, C: 128, V: 64, maxT: 256 };

bench.push(
  ...decodeVersions.map((version): BenchCase => ({
    kernel: 'encoder_decode',
    version: `v${version}`,
    shape: `S=${DEC.S} C=${DEC.C} V=${DEC.V}`,
    flops: encoder_decode_flops(DEC.S, DEC.C),
    bytes: encoder_decode_bytes(DEC.S, DEC.C),
    setup(gpu) {
      const { S, C, V, maxT } = DEC;
      const out = gpu.tensor('out', S * C),
        tokens = gpu.tensorU32('tokens', seededTokens(S, V, 1)),
        seqs = gpu.tensorU32('seqs', seededSeqs(S, maxT, 4));
      const wte = gpu.tensor('wte', V * C, seededArray(V * C, 2)),
        wpe = gpu.tensor('wpe', maxT * C, seededArray(maxT * C, 3));
      return {
        record: () =>
          encoder_decode(gpu, out, tokens, seqs, wte, wpe, S, C, undefined, { version }),
        dispose: () => [out, tokens, seqs, wte, wpe].forEach((t) => t.buffer.destroy()),
      };
    },
  })),
);

// Awkward (B, T, C, V): every dimension 1; sizes that are not multiples of the 256-invocation workgroup;
// V·C and T·C larger than one workgroup, so both halves of the backward span several workgroups; C a multiple
// of 4 (v2's vec4 path) and not; V not a multiple of v2's 8-row vocabulary blocks; more 4-channel groups than
// one v2 backward workgroup (C=72); a vocabulary of 3, so most positions repeat a token.
const CHECK_SHAPES: [number, number, number, number][] = [
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
// One token at every position, so one vocabulary row gets all of dout: a t2 grid model's shape and a small one.
const ONE_TOKEN_SHAPES: [number, number, number, number][] = [
  [8, 16, 64, 52],
  [3, 7, 6, 10],
];
// (S, C, V, maxT): one sequence of one channel; S·C not a multiple of 256; S·C past several workgroups.
const DECODE_SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [5, 7, 3, 4],
  [37, 33, 11, 20],
  [300, 70, 65, 9],
];

/** `n` token ids in [0, V) from `seed`; the first few pinned to V-1 and 0 so both ends of the table are used. */
export function encoderTokens(n: number, V: number, seed: number): Uint32Array {
  const t = seededTokens(n, V, seed);
  t[0] = V - 1;
  if (n > 2) t[2] = 0;
  return t;
}

/** A seqs table of S sequences at positions from `seed` in [0, maxT), the first at maxT-1; rows s % 3 == 1 are done. */
function decodeSeqs(S: number, maxT: number, seed: number): Uint32Array {
  return seqsAt(encoderTokens(S, maxT, seed), (s) => (s % 3 === 1 ? 1 : 0));
}

// The forward and decode are one float32 add of float32-exact inputs: half an ulp of a sum below 2. The backward
// sums up to B·T terms of size < 1 into a value of size < 1.
const FWD_TOL = 2.5e-7;
const bwdTol = (terms: number) => Number((1e-6 * (1 + terms / 8)).toPrecision(7)); // rounded: no 1.0000000000000002e-6 in the names

/**
 * A pack (Runs): three runs in one dispatch against each alone, bit for bit, forward and backward (accumulating
 * onto stale gradients), C a multiple of 4 (v2's vec4 path) and not; each run's wte and wpe a parameter's
 * stride past the last, its tokens and rows after the last's.
 */
function packedCase(
  version: EncoderVersion,
  B: number,
  T: number,
  C: number,
  V: number,
): CheckCase {
  return {
    kernel: 'encoder_forward',
    version: `v${version}`,
    shape: `B=${B} T=${T} C=${C} V=${V} R=3 runs packed, forward and encoder_backward, against alone`,
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const P = Math.ceil((V * C) / 4) * 4 + 8;
      const runs = (n: number, seed: number) => [0, 1, 2].map((r) => seededArray(n, seed + 10 * r));
      const act = (n: number, seed: number) => ({ stride: n, runs: runs(n, seed) });
      const param = (n: number, seed: number) => ({ stride: P, runs: runs(n, seed) });
      const tokens = {
        stride: B * T,
        runs: [0, 1, 2].map((r) => encoderTokens(B * T, V, 30 + r)),
        u32: true,
      };
      const forward = await packAgainstAlone(
        gpu,
        { out: act(B * T * C, 1), tokens, wte: param(V * C, 2), wpe: param(T * C, 3) },
        (t, R) =>
          encoder_forward(gpu, t.out!, t.tokens!, t.wte!, t.wpe!, B, T, C, { R, P }, { version }),
        ['out'],
      );
      const backward = await packAgainstAlone(
        gpu,
        { dwte: param(V * C, 4), dwpe: param(T * C, 5), dout: act(B * T * C, 6), tokens },
        (t, R) =>
          encoder_backward(
            gpu,
            t.dwte!,
            t.dwpe!,
            t.dout!,
            t.tokens!,
            B,
            T,
            C,
            V,
            { R, P },
            {
              version,
            },
          ),
        ['dwte', 'dwpe'],
      );
      return [...forward, ...backward];
    },
  };
}

/**
 * A pack's decode step: three runs of S sequences each in one dispatch against each alone, bit for bit; each
 * run its own tokens, seqs rows (every 3rd done, its stale out rows kept) and wte and wpe a parameter's stride on.
 */
function packedDecodeCase(S: number, C: number, V: number, maxT: number): CheckCase {
  return {
    kernel: 'encoder_decode',
    version: 'v1',
    shape: `S=${S} C=${C} V=${V} maxT=${maxT} R=3 runs packed, against alone`,
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const P = V * C + maxT * C + 5;
      const runs = (n: number, seed: number) => [0, 1, 2].map((r) => seededArray(n, seed + 10 * r));
      const param = (n: number, seed: number) => ({ stride: P, runs: runs(n, seed) });
      const u32 = (stride: number, f: (r: number) => Uint32Array) => ({
        stride,
        runs: [0, 1, 2].map(f),
        u32: true,
      });
      return packAgainstAlone(
        gpu,
        {
          out: { stride: S * C, runs: runs(S * C, 40) },
          tokens: u32(S, (r) => encoderTokens(S, V, 41 + r)),
          seqs: u32(S * SEQ_STRIDE, (r) => decodeSeqs(S, maxT, 44 + r)),
          wte: param(V * C, 47),
          wpe: param(maxT * C, 48),
        },
        (t, R) => encoder_decode(gpu, t.out!, t.tokens!, t.seqs!, t.wte!, t.wpe!, S, C, { R, P }),
        ['out'],
      );
    },
  };
}

export const checks: CheckCase[] = [
  ...versions.flatMap((version) => [
    packedCase(version, 3, 5, 6, 7),
    packedCase(version, 2, 7, 8, 11),
  ]),
  packedDecodeCase(5, 7, 3, 4),
  packedDecodeCase(37, 8, 11, 20),
  // wpe longer than T (its rows past T unread); out starts stale, so a kernel that accumulated would fail.
  ...versions.flatMap((version) =>
    CHECK_SHAPES.map(([B, T, C, V]): CheckCase => ({
      kernel: 'encoder_forward',
      version: `v${version}`,
      shape: `B=${B} T=${T} C=${C} V=${V} maxT=${T + 2}, stale output overwritten`,
      atol: FWD_TOL,
      rtol: 0,
      async run(gpu) {
        const maxT = T + 2,
          tokens = encoderTokens(B * T, V, 1),
          wte = seededArray(V * C, 2),
          wpe = seededArray(maxT * C, 3);
        const want = new Float64Array(B * T * C);
        cpu.encoder_forward(want, tokens, wte, wpe, B, T, C);
        const t = {
          out: gpu.tensor('out', B * T * C, seededArray(B * T * C, 4)),
          tokens: gpu.tensorU32('tokens', tokens),
          wte: gpu.tensor('wte', V * C, wte),
          wpe: gpu.tensor('wpe', maxT * C, wpe),
        };
        encoder_forward(gpu, t.out, t.tokens, t.wte, t.wpe, B, T, C, undefined, { version });
        const got = await gpu.read(t.out);
        Object.values(t).forEach((x) => x.buffer.destroy());
        return [{ what: 'out', got, want }];
      },
    })),
  ),
  // Non-zero starting gradients: both must be added to; the rows of dwpe past T must stay as they were.
  ...versions.flatMap((version) =>
    CHECK_SHAPES.map(([B, T, C, V]) => backwardCase(version, B, T, C, V, false)),
  ),
  ...versions.flatMap((version) =>
    ONE_TOKEN_SHAPES.map(([B, T, C, V]) => backwardCase(version, B, T, C, V, true)),
  ),
  // Rows that are done keep their old values, which lie outside the range of any embedding sum, so a stray write shows.
  ...decodeVersions.flatMap((version) =>
    DECODE_SHAPES.map(([S, C, V, maxT]): CheckCase => ({
      kernel: 'encoder_decode',
      version: `v${version}`,
      shape: `S=${S} C=${C} V=${V} maxT=${maxT}, every 3rd row done`,
      atol: FWD_TOL,
      rtol: 0,
      async run(gpu) {
        const tokens = encoderTokens(S, V, 11),
          seqs = decodeSeqs(S, maxT, 12),
          wte = seededArray(V * C, 13),
          wpe = seededArray(maxT * C, 14);
        const want = seededArray(S * C, 15, 5, 6);
        const t = {
          out: gpu.tensor('out', S * C, want),
          tokens: gpu.tensorU32('tokens', tokens),
          seqs: gpu.tensorU32('seqs', seqs),
          wte: gpu.tensor('wte', V * C, wte),
          wpe: gpu.tensor('wpe', maxT * C, wpe),
        };
        cpu.encoder_decode(want, tokens, seqs, wte, wpe, S, C);
        encoder_decode(gpu, t.out, t.tokens, t.seqs, t.wte, t.wpe, S, C, undefined, { version });
        const got = await gpu.read(t.out);
        Object.values(t).forEach((x) => x.buffer.destroy());
        return [{ what: 'out', got, want }];
      },
    })),
  ),
];

/**
 * encoder_backward on `gpu` beside the reference: accumulating into non-zero gradients with a wpe table longer
 * than T, or (`oneToken`) from zero with one token at every position and maxT = T.
 */
function backwardCase(
  version: EncoderVersion,
  B: number,
  T: number,
  C: number,
  V: number,
  oneToken: boolean,
): CheckCase {
  return {
    kernel: 'encoder_backward',
    version: `v${version}`,
    shape: `B=${B} T=${T} C=${C} V=${V}, ${oneToken ? `token ${V - 2} at every position` : `maxT=${T + 2}, accumulating into dwte, dwpe (rows past T kept)`}`,
    atol: bwdTol(B * T),
    rtol: 0,
    async run(gpu) {
      const maxT = oneToken ? T : T + 2;
      const tokens = oneToken ? new Uint32Array(B * T).fill(V - 2) : encoderTokens(B * T, V, 4);
      const dout = seededArray(B * T * C, oneToken ? 20 : 5);
      const dwte = oneToken ? new Float64Array(V * C) : seededArray(V * C, 6),
        dwpe = oneToken ? new Float64Array(maxT * C) : seededArray(maxT * C, 7);
      const t = {
        dwte: gpu.tensor('dwte', V * C, dwte),
        dwpe: gpu.tensor('dwpe', maxT * C, dwpe),
        dout: gpu.tensor('dout', B * T * C, dout),
        tokens: gpu.tensorU32('tokens', tokens),
      };
      cpu.encoder_backward(dwte, dwpe, dout, tokens, B, T, C, V);
      encoder_backward(gpu, t.dwte, t.dwpe, t.dout, t.tokens, B, T, C, V, undefined, { version });
      const outputs: CheckOutput[] = [
        { what: 'dwte', got: await gpu.read(t.dwte), want: dwte },
        { what: 'dwpe', got: await gpu.read(t.dwpe), want: dwpe, atol: bwdTol(B) },
      ];
      Object.values(t).forEach((x) => x.buffer.destroy());
      return outputs;
    },
  };
}
