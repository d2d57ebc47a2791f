// adamw launcher: one AdamW step over a flat parameter buffer, gradients scaled by the clip scale that
// global_norm left in norm[1] (no readback). Decoupled weight decay on the first n_decay elements only:
// the model lays the decayed tensors (matrices) first and the undecayed ones (biases, norms) after.
//   g = grads·norm[1]; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; m̂ = m/(1-β1^t); v̂ = v/(1-β2^t)
//   params -= lr·(m̂/(sqrt(v̂)+eps) + wd·params)   (the wd term only for i < n_decay)
// Per-step values live in a storage buffer, 48 bytes a run (adamw_hyper / adamw_write_hyper); shapes in a
// uniform (dims). Runs: a pack of R runs (src/gpu/kernel.ts) is the grid's z; run r's params, grads, m, v
// start r·P floats after run 0's, its clip scale is norm[2r + 1] and its step's values hyper's r-th.
// Versions: v1 baseline, one invocation per element.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import { defineKernel, ONE_RUN, type Runs } from '../../src/gpu/kernel.ts';
import v1 from './adamw_update.v1.wgsl?raw';

export const adamw_versions = {
  1: { code: v1 },
} as const;
export type AdamwVersion = keyof typeof adamw_versions;
export const adamw_update_kernel = defineKernel({
  name: 'adamw_update',
  folder: 'adamw',
  versions: { 1: v1 } as Record<AdamwVersion, string>,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    adamw_update?: AdamwVersion;
  }
}

const WG = 256; // must match WG in the .wgsl file

/** The optimizer's settings for one step; `step` is t, counted from 1. */
export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
}

/**
 * One run's values, nine f32 at these float indices (struct Hyper in adamw_update.v1.wgsl), padded
 * to 48 bytes: lr, beta1, beta2, eps, weight_decay, bc1 = 1-β1^t, bc2 = 1-β2^t, 1-β1, 1-β2.
 * The last four are computed in float64 here, so the GPU never forms 1-β in float32.
 */
export const ADAMW_HYPER_LAYOUT = {
  lr: 0,
  beta1: 1,
  beta2: 2,
  eps: 3,
  weight_decay: 4,
  bc1: 5,
  bc2: 6,
  one_minus_beta1: 7,
  one_minus_beta2: 8,
} as const;
export const ADAMW_HYPER_BYTES = 48;

/** A new buffer for adamw_update's per-step values of `R` runs; fill it with adamw_write_hyper. */
export function adamw_hyper(gpu: Gpu, R = 1): GPUBuffer {
  return gpu.device.createBuffer({
    label: 'adamw hyper',
    size: R * ADAMW_HYPER_BYTES,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
}

/**
 * Write one step's values (of each run of a pack: an array) into `buf` (queue.writeBuffer). The write lands
 * at the next submit, ahead of everything recorded but not yet submitted: write step t+1's values only
 * after step t is submitted.
 */
export function adamw_write_hyper(gpu: Gpu, buf: GPUBuffer, h: AdamwHyper | AdamwHyper[]): void {
  const runs = Array.isArray(h) ? h : [h];
  runs.forEach(adamw_check_hyper);
  const bytes = runs.length * ADAMW_HYPER_BYTES;
  if (buf.size < bytes)
    throw new Error(
      `adamw_write_hyper: buffer "${buf.label}" has ${buf.size} bytes, needs ${bytes}`,
    );
  const f = new Float32Array(bytes / 4);
  const L = ADAMW_HYPER_LAYOUT;
  runs.forEach((h, r) => {
    const o = (r * ADAMW_HYPER_BYTES) / 4;
    f[o + L.lr] = h.lr;
    f[o + L.beta1] = h.beta1;
    f[o + L.beta2] = h.beta2;
    f[o + L.eps] = h.eps;
    f[o + L.weight_decay] = h.weightDecay;
    f[o + L.bc1] = 1 - Math.pow(h.beta1, h.step);
    f[o + L.bc2] = 1 - Math.pow(h.beta2, h.step);
    f[o + L.one_minus_beta1] = 1 - h.beta1;
    f[o + L.one_minus_beta2] = 1 - h.beta2;
  });
  gpu.device.queue.writeBuffer(buf, 0, f.buffer, f.byteOffset, f.byteLength);
}

/** Throw a clear error for hyperparameters AdamW cannot use (shared with the CPU reference). */
export function adamw_check_hyper(h: AdamwHyper): void {
  const bad = (what: string) => {
    throw new Error(`adamw: ${what} (got ${JSON.stringify(h)})`);
  };
  if (!(Number.isFinite(h.lr) && h.lr >= 0)) bad('lr must be a finite number >= 0');
  if (!(h.beta1 >= 0 && h.beta1 < 1)) bad('beta1 must be in [0, 1)');
  if (!(h.beta2 >= 0 && h.beta2 < 1)) bad('beta2 must be in [0, 1)');
  if (!(Number.isFinite(h.eps) && h.eps > 0)) bad('eps must be a finite number > 0');
  if (!(Number.isFinite(h.weightDecay) && h.weightDecay >= 0))
    bad('weightDecay must be a finite number >= 0');
  if (!(Number.isInteger(h.step) && h.step >= 1))
    bad('step must be an integer >= 1 (t counts from 1)');
}

// params, grads, m, v: (n) per run, P floats apart; norm: (2) per run, reads the clip scale norm[2r + 1];
// hyper: from adamw_hyper, one run's values after another's
export function adamw_update(
  gpu: Gpu,
  params: Tensor,
  grads: Tensor,
  m: Tensor,
  v: Tensor,
  norm: Tensor,
  hyper: GPUBuffer,
  n: number,
  n_decay: number,
  runs: Runs = ONE_RUN,
  opts: { version?: AdamwVersion } = {},
): void {
  const k = adamw_update_kernel;
  const { R, P } = runs;
  if (!(Number.isInteger(R) && R >= 1 && (R === 1 || P >= n)))
    throw new Error(`adamw_update: runs must be R >= 1 with a stride P >= n (got R=${R} P=${P})`);
  const need = (R - 1) * P + n;
  const version = k.version(gpu, opts.version);
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`adamw_update: n must be an integer >= 1 (got ${n})`);
  if (!(Number.isInteger(n_decay) && n_decay >= 0 && n_decay <= n))
    throw new Error(`adamw_update: n_decay must be an integer in [0, n=${n}] (got ${n_decay})`);
  for (const [t, what] of [
    [params, 'params'],
    [grads, 'grads'],
    [m, 'm'],
    [v, 'v'],
  ] as const) {
    if (t.length < need)
      throw new Error(
        `adamw_update: ${what} "${t.label}" has ${t.length} floats, needs ${R > 1 ? need : `n = ${n}`}`,
      );
  }
  if (norm.length < 2 * R)
    throw new Error(
      `adamw_update: norm "${norm.label}" has ${norm.length} floats, needs ${2 * R} (global_norm's output)`,
    );
  if (hyper.size < R * ADAMW_HYPER_BYTES)
    throw new Error(
      `adamw_update: hyper "${hyper.label}" has ${hyper.size} bytes, needs ${R * ADAMW_HYPER_BYTES} (make it with adamw_hyper)`,
    );
  const named = [
    [params, 'params'],
    [grads, 'grads'],
    [m, 'm'],
    [v, 'v'],
    [norm, 'norm'],
  ] as const;
  for (let a = 0; a < named.length; a++) {
    for (let b = a + 1; b < named.length; b++) {
      if (overlap(named[a]![0], named[b]![0]))
        throw new Error(
          `adamw_update: ${named[a]![1]} "${named[a]![0].label}" and ${named[b]![1]} "${named[b]![0].label}" overlap in one buffer`,
        );
    }
  }
  k.dispatch(gpu, version, {
    bindings: [params, grads, m, v, norm, hyper, gpu.dims([n, n_decay, P])],
    workgroups: [...gpu.grid(Math.ceil(n / WG)), R],
  });
}

function overlap(a: Tensor, b: Tensor): boolean {
  return (
    a.buffer === b.buffer &&
    a.offset < b.offset + b.length * 4 &&
    b.offset < a.offset + a.length * 4
  );
}

/** Per element: scale, two moment updates, bias corrections, sqrt, divide, decay, step: ~16. */
export const adamw_flops = (n: number) => 16 * n;
/** Minimum bytes moved: read params, grads, m, v; write params, m, v. */
export const adamw_bytes = (n: number) => 4 * 7 * n;
