// encoder launchers: the token + position embedding that starts the GPT.
//   forward  out = wte[tokens] + wpe[t]                   -> encoder_forward(out, tokens, wte, wpe, B, T, C)
//   backward dwte += scatter(dout), dwpe += sum_b dout     -> encoder_backward(dwte, dwpe, dout, tokens, B, T, C, V)
//   decode   out[s] = wte[tokens[s]] + wpe[seqs[s].pos]     -> encoder_decode(out, tokens, seqs, wte, wpe, S, C)
// The backward accumulates and is deterministic: each gradient element is summed by one invocation in a fixed
// order, with no float atomics. Each invocation of its dwte part scans all B·T tokens: chosen for a character
// vocabulary, where that costs less than one matmul; a GPT-2 vocabulary would need a sort first.
// Versions: v1 one invocation per output element (the backward reads the tokens V·C times); v2 one invocation
// per 4 channels with vec4 loads (the backward's dwte part: per 8 vocabulary rows and 4 channels, so it reads
// the tokens V·C/32 times). v2 is the default of forward and backward: faster on lavapipe (docs/guide/kernels-and-benchmarks.md).
// Runs (forward, backward and decode, every version): a pack of R runs is one dispatch, the grid's z; run r's
// B·T positions (decode: S sequences) follow run r-1's, its wte and wpe (and their gradients) start r·P floats
// after run 0's.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import {
  checkSizes,
  defineKernel,
  ONE_RUN,
  sharedBinding,
  withRuns,
  type Runs,
} from '../../src/gpu/kernel.ts';
import forward1 from './encoder_forward.v1.wgsl?raw';
import backward1 from './encoder_backward.v1.wgsl?raw';
import forward2 from './encoder_forward.v2.wgsl?raw';
import backward2 from './encoder_backward.v2.wgsl?raw';
import decode1 from './encoder_decode.v1.wgsl?raw';
import { SEQ_STRIDE, SEQ_WGSL } from '../sample/seqs.ts';

export const encoder_forward_versions = { 1: forward1, 2: forward2 } as const;
export const encoder_backward_versions = { 1: backward1, 2: backward2 } as const;
export const encoder_decode_versions = { 1: decode1 } as const;
export type EncoderVersion = keyof typeof encoder_forward_versions;
export type EncoderDecodeVersion = keyof typeof encoder_decode_versions;
export const encoder_forward_kernel = defineKernel({
  name: 'encoder_forward',
  folder: 'encoder',
  versions: encoder_forward_versions,
  fallback: (): EncoderVersion => 2,
});
export const encoder_backward_kernel = defineKernel({
  name: 'encoder_backward',
  folder: 'encoder',
  versions: encoder_backward_versions,
  fallback: (): EncoderVersion => 2,
});
export const encoder_decode_kernel = defineKernel({
  name: 'encoder_decode',
  folder: 'encoder',
  versions: encoder_decode_versions,
  append: SEQ_WGSL,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    encoder_forward?: EncoderVersion;
    encoder_backward?: EncoderVersion;
    encoder_decode?: EncoderDecodeVersion;
  }
}

const WORKGROUP = 256; // v1's invocations per workgroup, as in its .wgsl files
const WORKGROUP_V2_FORWARD = 64; // as in encoder_forward.v2.wgsl
const WORKGROUP_V2_BACKWARD = 16; // encoder_backward.v2's WG override
const VB = 8; // vocabulary rows per invocation of encoder_backward.v2, as in its .wgsl

// out: (B,T,C); tokens: (B,T) u32, each < V; wte: (V,C); wpe: (maxT,C), T <= maxT
export function encoder_forward(
  gpu: Gpu,
  out: Tensor,
  tokens: Tensor,
  wte: Tensor,
  wpe: Tensor,
  B: number,
  T: number,
  C: number,
  runs: Runs = ONE_RUN,
  opts: { version?: EncoderVersion } = {},
): void {
  const k = encoder_forward_kernel;
  const { R, P } = runs;
  const last = (R - 1) * P;
  checkSizes(k.name, withRuns({ B, T, C }, R), {
    out: [out, R * B * T * C],
    tokens: [tokens, R * B * T],
    wte: [wte, last + C],
    wpe: [wpe, last + T * C],
  });
  const version = k.version(gpu, opts.version);
  const vec = version === 2 && C % 4 === 0;
  const bindings = [out, tokens, wte, wpe, gpu.dims([B, T, C, param(P, vec)])];
  if (version === 1)
    k.dispatch(gpu, version, {
      bindings,
      workgroups: [...gpu.grid(Math.ceil((B * T * C) / WORKGROUP)), R],
    });
  else
    k.dispatch(gpu, version, {
      bindings,
      workgroups: [...gpu.grid(Math.ceil((B * T * Math.ceil(C / 4)) / WORKGROUP_V2_FORWARD)), R],
      defines: { VEC4: vec },
    });
}

// dwte: (V,C) +=; dwpe: (maxT,C) +=, first T rows; dout: (B,T,C); tokens: (B,T) u32
export function encoder_backward(
  gpu: Gpu,
  dwte: Tensor,
  dwpe: Tensor,
  dout: Tensor,
  tokens: Tensor,
  B: number,
  T: number,
  C: number,
  V: number,
  runs: Runs = ONE_RUN,
  opts: { version?: EncoderVersion } = {},
): void {
  const k = encoder_backward_kernel;
  const { R, P } = runs;
  const last = (R - 1) * P;
  checkSizes(k.name, withRuns({ B, T, C, V }, R), {
    dwte: [dwte, last + V * C],
    dwpe: [dwpe, last + T * C],
    dout: [dout, R * B * T * C],
    tokens: [tokens, R * B * T],
  });
  const version = k.version(gpu, opts.version);
  const vec = version === 2 && C % 4 === 0;
  // A pack's dwte and dwpe views overlap: one binding then, the SHARED variant.
  const shared = sharedBinding(k.name, dwte, dwpe);
  const dims = gpu.dims([B, T, C, V, param(P, vec), shared ? param(shared.offset, vec) : 0]);
  const bindings = shared
    ? [shared.binding, null, dout, tokens, dims]
    : [dwte, dwpe, dout, tokens, dims];
  // dwte workgroups first, then dwpe workgroups: the split the .wgsl computes from the shape.
  if (version === 1) {
    k.dispatch(gpu, version, {
      bindings,
      workgroups: [...gpu.grid(Math.ceil((V * C) / WORKGROUP) + Math.ceil((T * C) / WORKGROUP)), R],
      defines: { SHARED: !!shared },
    });
  } else {
    const C4 = Math.ceil(C / 4),
      WG = WORKGROUP_V2_BACKWARD;
    // Narrow rows (fewer 4-channel groups than a workgroup): lanes take several vocabulary blocks (else most idle);
    // wide ones: a workgroup takes one block, which the compiler then knows is uniform.
    const narrow = C4 < WG;
    const wteGroups = narrow
      ? Math.ceil((Math.ceil(V / VB) * C4) / WG)
      : Math.ceil(V / VB) * Math.ceil(C4 / WG);
    const workgroups = wteGroups + Math.ceil((T * C4) / WG);
    k.dispatch(gpu, version, {
      bindings,
      workgroups: [...gpu.grid(workgroups), R],
      defines: { VEC4: vec, NARROW: narrow, SHARED: !!shared },
      overrides: { WG },
    });
  }
}

/** A run's parameter stride in elements of the wte binding: vec4 ones count 4 floats as one. */
function param(P: number, vec: boolean): number {
  if (vec && P % 4 !== 0)
    throw new Error(`encoder: the run stride P must be a multiple of 4 for vec4 loads (got ${P})`);
  return vec ? P / 4 : P;
}

// out: (R·S,C); tokens: (R·S) u32, each < V; seqs: (R·S, SEQ_STRIDE) u32 (kernels/sample/seqs.ts), reads pos
// and done; wte: (V,C); wpe: (maxT,C), run r's r·P floats on. One decode step's input embedding: each
// sequence's newest token at its own position. Rows with done = 1 are skipped: out keeps whatever it held there.
export function encoder_decode(
  gpu: Gpu,
  out: Tensor,
  tokens: Tensor,
  seqs: Tensor,
  wte: Tensor,
  wpe: Tensor,
  S: number,
  C: number,
  runs: Runs = ONE_RUN,
  opts: { version?: EncoderDecodeVersion } = {},
): void {
  const k = encoder_decode_kernel;
  const { R, P } = runs;
  const last = (R - 1) * P;
  checkSizes(k.name, withRuns({ S, C }, R), {
    out: [out, R * S * C],
    tokens: [tokens, R * S],
    seqs: [seqs, R * S * SEQ_STRIDE],
    wte: [wte, last + C],
    wpe: [wpe, last + C],
  });
  k.dispatch(gpu, k.version(gpu, opts.version), {
    bindings: [out, tokens, seqs, wte, wpe, gpu.dims([S, C, P])],
    workgroups: [...gpu.grid(Math.ceil((S * C) / WORKGROUP)), R],
  });
}

export const encoder_forward_flops = (B: number, T: number, C: number) => B * T * C;
/** Read tokens, the B·T gathered rows of wte and T rows of wpe; write out. */
export const encoder_forward_bytes = (B: number, T: number, C: number) =>
  4 * (B * T + 2 * B * T * C + T * C);
/** Each dout element is added once into dwte and once into dwpe, plus the accumulation into each. */
export const encoder_backward_flops = (B: number, T: number, C: number, V: number) =>
  2 * B * T * C + V * C + T * C;
/** Read dout and tokens once; read and write dwte and the first T rows of dwpe. (v1 reads tokens V·C times, v2 V·C/32.) */
export const encoder_backward_bytes = (B: number, T: number, C: number, V: number) =>
  4 * (B * T * C + B * T + 2 * V * C + 2 * T * C);
export const encoder_decode_flops = (S: number, C: number) => S * C;
/** Read tokens and the seqs rows, S gathered rows of wte and of wpe; write out. */
export const encoder_decode_bytes = (S: number, C: number) => 4 * (S + S * SEQ_STRIDE + 3 * S * C);
