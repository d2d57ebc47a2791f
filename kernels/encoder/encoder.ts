// encoder launchers: the token + position embedding that starts the GPT.
//   forward  out = wte[tokens] + wpe[t]                   -> encoder_forward(out, tokens, wte, wpe, B, T, C)
//   backward dwte += scatter(dout), dwpe += sum_b dout     -> encoder_backward(dwte, dwpe, dout, tokens, B, T, C, V)
//   decode   out[s] = wte[tokens[s]] + wpe[seqs[s].pos]     -> encoder_decode(out, tokens, seqs, wte, wpe, S, C)
// The backward accumulates and is deterministic: each gradient element is summed by one invocation in a fixed
// order, with no float atomics. Its cost is V·C·B·T token reads (about 2M at V=64, C=128, B·T=256): chosen
// for a character vocabulary, where it costs less than one matmul; a GPT-2 vocabulary would need a sort first.
// Versions: v1 one invocation per output element.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import forward1 from './encoder_forward.v1.wgsl?raw';
import backward1 from './encoder_backward.v1.wgsl?raw';
import decode1 from './encoder_decode.v1.wgsl?raw';
import { SEQ_STRIDE } from '../sample/seqs.ts';

export const encoder_forward_versions = { 1: forward1 } as const;
export const encoder_backward_versions = { 1: backward1 } as const;
export const encoder_decode_versions = { 1: decode1 } as const;
export type EncoderVersion = keyof typeof encoder_forward_versions;

const WORKGROUP = 256; // invocations per workgroup, as in the .wgsl files

function check(kernel: string, dims: Record<string, number>, tensors: [Tensor, string, number][]): void {
  const shape = Object.entries(dims).map(([k, v]) => `${k}=${v}`).join(' ');
  for (const [k, v] of Object.entries(dims)) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${kernel}: ${Object.keys(dims).join(', ')} must be integers >= 1 (got ${k}=${v})`);
  }
  for (const [t, what, need] of tensors) {
    if (t.length < need) throw new Error(`${kernel}: ${what} "${t.label}" has ${t.length} floats, needs ${need} for ${shape}`);
  }
}

// out: (B,T,C); tokens: (B,T) u32, each < V; wte: (V,C); wpe: (maxT,C), T <= maxT
export function encoder_forward(gpu: Gpu, out: Tensor, tokens: Tensor, wte: Tensor, wpe: Tensor, B: number, T: number, C: number,
  opts: { version?: EncoderVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.encoder_forward as EncoderVersion | undefined) ?? 1;
  check('encoder_forward', { B, T, C }, [[out, 'out', B * T * C], [tokens, 'tokens', B * T], [wte, 'wte', C], [wpe, 'wpe', T * C]]);
  const pipeline = gpu.pipeline({
    name: 'encoder_forward',
    file: `kernels/encoder/encoder_forward.v${version}.wgsl`,
    code: encoder_forward_versions[version],
    overrides: { B, T, C },
  });
  gpu.dispatch(`encoder_forward.v${version}`, pipeline, [out, tokens, wte, wpe], gpu.grid(Math.ceil((B * T * C) / WORKGROUP)));
}

// dwte: (V,C) +=; dwpe: (maxT,C) +=, first T rows; dout: (B,T,C); tokens: (B,T) u32
export function encoder_backward(gpu: Gpu, dwte: Tensor, dwpe: Tensor, dout: Tensor, tokens: Tensor, B: number, T: number, C: number, V: number,
  opts: { version?: EncoderVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.encoder_backward as EncoderVersion | undefined) ?? 1;
  check('encoder_backward', { B, T, C, V }, [[dwte, 'dwte', V * C], [dwpe, 'dwpe', T * C], [dout, 'dout', B * T * C], [tokens, 'tokens', B * T]]);
  const pipeline = gpu.pipeline({
    name: 'encoder_backward',
    file: `kernels/encoder/encoder_backward.v${version}.wgsl`,
    code: encoder_backward_versions[version],
    overrides: { B, T, C, V },
  });
  // dwte workgroups first, then dwpe workgroups: the split the .wgsl computes from V·C.
  const workgroups = Math.ceil((V * C) / WORKGROUP) + Math.ceil((T * C) / WORKGROUP);
  gpu.dispatch(`encoder_backward.v${version}`, pipeline, [dwte, dwpe, dout, tokens], gpu.grid(workgroups));
}

// out: (S,C); tokens: (S) u32, each < V; seqs: (S, SEQ_STRIDE) u32 (kernels/sample/seqs.ts), reads pos and done;
// wte: (V,C); wpe: (maxT,C). One decode step's input embedding: each sequence's newest token at its own position.
// Rows with done = 1 are skipped: out keeps whatever it held there.
export function encoder_decode(gpu: Gpu, out: Tensor, tokens: Tensor, seqs: Tensor, wte: Tensor, wpe: Tensor, S: number, C: number,
  opts: { version?: EncoderVersion } = {}): void {
  const version = opts.version ?? (gpu.choices.encoder_decode as EncoderVersion | undefined) ?? 1;
  check('encoder_decode', { S, C }, [[out, 'out', S * C], [tokens, 'tokens', S], [seqs, 'seqs', S * SEQ_STRIDE], [wte, 'wte', C], [wpe, 'wpe', C]]);
  const pipeline = gpu.pipeline({
    name: 'encoder_decode',
    file: `kernels/encoder/encoder_decode.v${version}.wgsl`,
    code: encoder_decode_versions[version],
    overrides: { S, C },
  });
  gpu.dispatch(`encoder_decode.v${version}`, pipeline, [out, tokens, seqs, wte, wpe], gpu.grid(Math.ceil((S * C) / WORKGROUP)));
}

export const encoder_forward_flops = (B: number, T: number, C: number) => B * T * C;
/** Read tokens, the B·T gathered rows of wte and T rows of wpe; write out. */
export const encoder_forward_bytes = (B: number, T: number, C: number) => 4 * (B * T + 2 * B * T * C + T * C);
/** Each dout element is added once into dwte and once into dwpe, plus the accumulation into each. */
export const encoder_backward_flops = (B: number, T: number, C: number, V: number) => 2 * B * T * C + V * C + T * C;
/** Read dout and tokens once; read and write dwte and the first T rows of dwpe. (v1 reads tokens V·C times.) */
export const encoder_backward_bytes = (B: number, T: number, C: number, V: number) => 4 * (B * T * C + B * T + 2 * V * C + 2 * T * C);
export const encoder_decode_flops = (S: number, C: number) => S * C;
/** Read tokens and the seqs rows, S gathered rows of wte and of wpe; write out. */
export const encoder_decode_bytes = (S: number, C: number) => 4 * (S + S * SEQ_STRIDE + 3 * S * C);
