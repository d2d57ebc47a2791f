import { maxAbsDiff, seededArray, type BenchCase, type MaxDiffCheck as CheckCase } from '../../src/gpu/cases.ts';
import {
  encoder_backward, encoder_backward_bytes, encoder_backward_flops, encoder_decode, encoder_decode_bytes, encoder_decode_flops, encoder_decode_versions,
  encoder_forward, encoder_forward_bytes, encoder_forward_flops, encoder_forward_versions, type EncoderDecodeVersion, type EncoderVersion,
} from './encoder.ts';
import { seqs_table } from '../sample/seqs.ts';
import * as cpu from './encoder.cpu.ts';

const versions = Object.keys(encoder_forward_versions).map(Number) as EncoderVersion[];
const decodeVersions = Object.keys(encoder_decode_versions).map(Number) as EncoderDecodeVersion[];

/** `n` token ids in [0, V), from `seed`. */
function seededTokens(n: number, V: number, seed: number): Uint32Array {
  return Uint32Array.from(seededArray(n, seed, 0, V), (x) => Math.min(V - 1, Math.floor(x)));
}

// Bench scale: B·T = 256 positions (B=4, T=64), C=128, a character vocabulary V=64; issue 12's reference step,
// the largest model of the t2 grid (B=64, T=32, C=64, V=52); and a narrow model of that grid (C=16).
const SHAPES: [number, number, number, number][] = [[4, 64, 128, 64], [64, 32, 64, 52], [64, 32, 16, 52]];

export const bench: BenchCase[] = SHAPES.flatMap(([B, T, C, V]) => versions.flatMap((version): BenchCase[] => {
  const shape = `B=${B} T=${T} C=${C} V=${V}`;
  return [
    {
      kernel: 'encoder_forward',
      version: `v${version}`,
      shape,
      flops: encoder_forward_flops(B, T, C),
      bytes: encoder_forward_bytes(B, T, C),
      setup(gpu) {
        const out = gpu.tensor('out', B * T * C), tokens = gpu.tensorU32('tokens', seededTokens(B * T, V, 1));
        const wte = gpu.tensor('wte', V * C, seededArray(V * C, 2)), wpe = gpu.tensor('wpe', T * C, seededArray(T * C, 3));
        return {
          record: () => encoder_forward(gpu, out, tokens, wte, wpe, B, T, C, { version }),
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
        const dwte = gpu.tensor('dwte', V * C), dwpe = gpu.tensor('dwpe', T * C);
        const dout = gpu.tensor('dout', B * T * C, seededArray(B * T * C, 4)), tokens = gpu.tensorU32('tokens', seededTokens(B * T, V, 1));
        return {
          record: () => encoder_backward(gpu, dwte, dwpe, dout, tokens, B, T, C, V, { version }),
          dispose: () => [dwte, dwpe, dout, tokens].forEach((t) => t.buffer.destroy()),
        };
      },
    },
  ];
}));

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => {
  const [b, t, c, v, maxT] = [3, 17, 33, 11, 20];
  const tokens = seededTokens(b * t, v, 1);
  const shape = `B=${b} T=${t} C=${c} V=${v} maxT=${maxT}`;
  return [
    {
      kernel: 'encoder_forward',
      version: `v${version}`,
      shape,
      tolerance: 1e-6,
      async run(gpu) {
        const wte = seededArray(v * c, 2), wpe = seededArray(maxT * c, 3);
        const want = new Float64Array(b * t * c);
        cpu.encoder_forward(want, tokens, wte, wpe, b, t, c);
        const out = gpu.tensor('out', b * t * c);
        encoder_forward(gpu, out, gpu.tensorU32('tokens', tokens), gpu.tensor('wte', v * c, wte), gpu.tensor('wpe', maxT * c, wpe), b, t, c, { version });
        return maxAbsDiff(await gpu.read(out), want);
      },
    },
    {
      kernel: 'encoder_backward',
      version: `v${version}`,
      shape: `${shape} accumulating`,
      tolerance: 1e-5,
      async run(gpu) {
        const dout = seededArray(b * t * c, 4), dwte = seededArray(v * c, 5), dwpe = seededArray(maxT * c, 6);
        const g = { dwte: gpu.tensor('dwte', v * c, dwte), dwpe: gpu.tensor('dwpe', maxT * c, dwpe) };
        cpu.encoder_backward(dwte, dwpe, dout, tokens, b, t, c, v);
        encoder_backward(gpu, g.dwte, g.dwpe, gpu.tensor('dout', b * t * c, dout), gpu.tensorU32('tokens', tokens), b, t, c, v, { version });
        return Math.max(maxAbsDiff(await gpu.read(g.dwte), dwte), maxAbsDiff(await gpu.read(g.dwpe), dwpe));
      },
    },
  ];
});

/** A seqs table for `S` running sequences at positions in [0, maxT), from `seed`; every `doneEvery`-th row finished. */
function seededSeqs(S: number, maxT: number, seed: number, doneEvery = 0): Uint32Array {
  const pos = seededTokens(S, maxT, seed);
  return seqs_table(Array.from(pos, (p, s) => ({ prefix_row: 0, question: s, sample: 0, prefix_len: 1, pos: p, done: doneEvery && s % doneEvery === 0 ? 1 : 0, n_gen: 0 })));
}

// Decode scale: S = 1024 sequences (questions × samples), one token each, C=128, V=64, context 256.
const DEC = { S: 1024, C: 128, V: 64, maxT: 256 };

bench.push(...decodeVersions.map((version): BenchCase => ({
  kernel: 'encoder_decode',
  version: `v${version}`,
  shape: `S=${DEC.S} C=${DEC.C} V=${DEC.V}`,
  flops: encoder_decode_flops(DEC.S, DEC.C),
  bytes: encoder_decode_bytes(DEC.S, DEC.C),
  setup(gpu) {
    const { S, C, V, maxT } = DEC;
    const out = gpu.tensor('out', S * C), tokens = gpu.tensorU32('tokens', seededTokens(S, V, 1)), seqs = gpu.tensorU32('seqs', seededSeqs(S, maxT, 4));
    const wte = gpu.tensor('wte', V * C, seededArray(V * C, 2)), wpe = gpu.tensor('wpe', maxT * C, seededArray(maxT * C, 3));
    return {
      record: () => encoder_decode(gpu, out, tokens, seqs, wte, wpe, S, C, { version }),
      dispose: () => [out, tokens, seqs, wte, wpe].forEach((t) => t.buffer.destroy()),
    };
  },
})));

checks.push(...decodeVersions.map((version): CheckCase => {
  const [S, C, V, maxT] = [37, 33, 11, 20];
  return {
    kernel: 'encoder_decode',
    version: `v${version}`,
    shape: `S=${S} C=${C} V=${V} maxT=${maxT}, every 5th row done`,
    tolerance: 1e-6,
    async run(gpu) {
      const tokens = seededTokens(S, V, 1), seqs = seededSeqs(S, maxT, 4, 5), wte = seededArray(V * C, 2), wpe = seededArray(maxT * C, 3);
      const want = seededArray(S * C, 7); // done rows must keep these
      const out = gpu.tensor('out', S * C, want);
      cpu.encoder_decode(want, tokens, seqs, wte, wpe, S, C);
      encoder_decode(gpu, out, gpu.tensorU32('tokens', tokens), gpu.tensorU32('seqs', seqs), gpu.tensor('wte', V * C, wte), gpu.tensor('wpe', maxT * C, wpe), S, C, { version });
      return maxAbsDiff(await gpu.read(out), want);
    },
  };
}));
