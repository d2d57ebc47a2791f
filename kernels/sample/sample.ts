// sample launcher: one decoding step's token choice for S sequences at once, with their bookkeeping.
//   sample(tokens, generated, seqs, logits, params, S, V, maxNew, { prefillT })
// For each running row of seqs (kernels/sample/seqs.ts): pick a token from its logits row by the rule in
// sample.v1.wgsl (greedy, or temperature with optional top_k and top_p), then tokens[s] = tok,
// generated[s, n_gen] = tok, n_gen += 1, pos += 1, and done = 1 on eos, after max_new tokens, or when pos
// reaches T. Finished rows are untouched. The random draw is a hash of (seed, question, sample, position),
// so a sample never depends on the batch size or order and the same seed reproduces every sample.
// The knobs live in a uniform (sample_params / sample_write_params): changing them never recompiles.
// Versions: v1 one invocation per sequence (a character vocabulary; see the .wgsl for larger ones).
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { defineKernel } from '../../src/gpu/kernel.ts';
import { SEQ_STRIDE, SEQ_WGSL } from './seqs.ts';
import v1 from './sample.v1.wgsl?raw';

export { SEQ, SEQ_STRIDE, seqs_parse, seqs_table, type SeqRow } from './seqs.ts';

export const sample_versions = {
  1: { code: v1, workgroup: 64 },
} as const;
export type SampleVersion = keyof typeof sample_versions;
export const sample_kernel = defineKernel({
  name: 'sample',
  folder: 'sample',
  versions: { 1: v1 } as Record<SampleVersion, string>,
  append: SEQ_WGSL,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    sample?: SampleVersion;
  }
}

/** Largest vocabulary v1 takes: each invocation keeps V floats and 2V flags in private memory. */
export const SAMPLE_MAX_V = 1024;

/** The sampler's knobs for one call. */
export interface SampleParams {
  seed: number; // u32: with (question, sample, position), the key of every draw
  temperature: number; // 0 = greedy (argmax); else the logits are divided by it
  topK: number; // keep the topK highest logits; 0 (or >= V) = off
  topP: number; // keep the smallest top set whose probability reaches topP; 1 = off
  eos: number; // the token that ends a sequence (one >= V never matches)
  T: number; // context length: a sequence whose pos reaches T is done
  maxNew: number; // tokens to generate per sequence
}

/** Byte offsets of the uniform's fields (struct Params in sample.v1.wgsl). */
export const SAMPLE_PARAMS_LAYOUT = {
  seed: 0,
  temperature: 4,
  top_k: 8,
  top_p: 12,
  eos: 16,
  T: 20,
  max_new: 24,
} as const;
export const SAMPLE_PARAMS_BYTES = 32;

/** A new uniform buffer for sample's knobs; fill it with sample_write_params. */
export function sample_params(gpu: Gpu): GPUBuffer {
  return gpu.uniform('sample params', SAMPLE_PARAMS_BYTES);
}

/** Write `p` into `buf` (queue.writeBuffer: it lands at the next submit, ahead of work recorded but not submitted). */
export function sample_write_params(gpu: Gpu, buf: GPUBuffer, p: SampleParams): void {
  sample_check_params(p);
  if (buf.size < SAMPLE_PARAMS_BYTES)
    throw new Error(
      `sample_write_params: buffer "${buf.label}" has ${buf.size} bytes, needs ${SAMPLE_PARAMS_BYTES}`,
    );
  const bytes = new ArrayBuffer(SAMPLE_PARAMS_BYTES),
    view = new DataView(bytes),
    L = SAMPLE_PARAMS_LAYOUT;
  view.setUint32(L.seed, p.seed, true);
  view.setFloat32(L.temperature, p.temperature, true);
  view.setUint32(L.top_k, p.topK, true);
  view.setFloat32(L.top_p, p.topP, true);
  view.setUint32(L.eos, p.eos, true);
  view.setUint32(L.T, p.T, true);
  view.setUint32(L.max_new, p.maxNew, true);
  gpu.device.queue.writeBuffer(buf, 0, bytes);
}

/** Throw a clear error for knobs the sampler cannot use (shared with the CPU reference). */
export function sample_check_params(p: SampleParams): void {
  const bad = (what: string) => {
    throw new Error(`sample: ${what} (got ${JSON.stringify(p)})`);
  };
  const u32 = (x: number) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
  if (!u32(p.seed)) bad('seed must be an integer in [0, 2^32)');
  if (!(Number.isFinite(p.temperature) && p.temperature >= 0))
    bad('temperature must be a finite number >= 0');
  if (!u32(p.topK)) bad('topK must be an integer >= 0 (0 = off)');
  if (!(p.topP > 0 && p.topP <= 1)) bad('topP must be in (0, 1] (1 = off)');
  if (!u32(p.eos)) bad('eos must be an integer token id >= 0');
  if (!(u32(p.T) && p.T >= 1)) bad('T must be an integer >= 1');
  if (!(u32(p.maxNew) && p.maxNew >= 1)) bad('maxNew must be an integer >= 1');
}

export interface SampleOptions {
  /** 0: row s of logits (S,V). Else logits are the prefill's (Q,prefillT,V), read at [prefix_row, pos]. */
  prefillT?: number;
  version?: SampleVersion;
}

// tokens: (S) u32, written for running rows; generated: (S,maxNew) u32, [s, n_gen] written; seqs: (S, SEQ_STRIDE) u32,
// read and advanced; logits: (S,V), or (Q,prefillT,V) with opts.prefillT; params: uniform from sample_params.
// maxNew is generated's row stride: a row stops after min(params.maxNew, maxNew) tokens, so it never overflows.
export function sample(
  gpu: Gpu,
  tokens: Tensor,
  generated: Tensor,
  seqs: Tensor,
  logits: Tensor,
  params: GPUBuffer,
  S: number,
  V: number,
  maxNew: number,
  opts: SampleOptions = {},
): void {
  const prefillT = opts.prefillT ?? 0;
  if (![S, V, maxNew].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(
      `sample: S, V, maxNew must be integers >= 1 (got S=${S} V=${V} maxNew=${maxNew})`,
    );
  if (!(Number.isInteger(prefillT) && prefillT >= 0))
    throw new Error(`sample: prefillT must be an integer >= 0 (got ${prefillT})`);
  if (V > SAMPLE_MAX_V)
    throw new Error(
      `sample: V=${V} exceeds v1's maximum of ${SAMPLE_MAX_V} (one invocation per sequence)`,
    );
  const shape = `S=${S} V=${V} maxNew=${maxNew} prefillT=${prefillT}`;
  const need: [Tensor, string, number][] = [
    [tokens, 'tokens', S],
    [generated, 'generated', S * maxNew],
    [seqs, 'seqs', S * SEQ_STRIDE],
    [logits, 'logits', prefillT > 0 ? prefillT * V : S * V],
  ];
  for (const [t, what, n] of need) {
    if (t.length < n)
      throw new Error(
        `sample: ${what} "${t.label}" has ${t.length} elements, needs ${n} for ${shape}`,
      );
  }
  if (params.size < SAMPLE_PARAMS_BYTES)
    throw new Error(
      `sample: params "${params.label}" has ${params.size} bytes, needs ${SAMPLE_PARAMS_BYTES} (make it with sample_params)`,
    );
  const k = sample_kernel;
  const version = k.version(gpu, opts.version);
  const v = sample_versions[version];
  // V sizes private arrays (a const-expression), so it stays in the text: one pipeline per vocabulary, which a sweep keeps.
  k.dispatch(gpu, version, {
    bindings: [tokens, generated, seqs, logits, params, gpu.dims([S, maxNew, prefillT])],
    workgroups: gpu.grid(Math.ceil(S / v.workgroup)),
    defines: { V },
  });
}

/**
 * FLOPs per sequence with no truncation: max, subtract, divide, exp, and two running sums over V (~6·V).
 * top_k and top_p add V² comparisons and sums each; they are not counted (the rule, not the arithmetic, is the point).
 */
export const sample_flops = (S: number, V: number) => 6 * S * V;
/** Read the logits rows and the seqs rows; write tokens, one generated slot and the seqs rows. */
export const sample_bytes = (S: number, V: number) => 4 * S * (V + 2 * SEQ_STRIDE + 2);
