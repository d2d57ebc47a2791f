// global_norm launcher: out = (‖grads‖₂, min(1, max_norm / (‖grads‖₂ + 1e-6))), the gradient-clipping
// statistic. Two dispatches recorded into the open pass, no readback: adamw_update reads the clip scale
// from out[1] on the GPU.
//   stage 1: global_norm_partials.v1.wgsl, one partial sum of squares per block of GLOBAL_NORM_BLOCK grads
//   stage 2: global_norm_finish.v1.wgsl, one workgroup adds the partials in a fixed order
// Deterministic: the order of every addition depends only on n, so two runs give the same bits.
// Versions: v1 baseline (256-invocation workgroups, tree reduction in workgroup memory).
// Runs: a pack of R runs (src/gpu/kernel.ts) is the grid's z in both stages: run r's grads start r·P floats
// after run 0's, its norm and clip scale are out[2r], out[2r + 1], its partials follow run r-1's.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import partialsV1 from './global_norm_partials.v1.wgsl?raw';
import finishV1 from './global_norm_finish.v1.wgsl?raw';
import { defineKernel, f32bits, ONE_RUN, type Runs } from '../../src/gpu/kernel.ts';

export const global_norm_versions = {
  1: { partials: partialsV1, finish: finishV1 },
} as const;
export type GlobalNormVersion = keyof typeof global_norm_versions;
// Two stages, two WGSL stems, one choice: gpu.choices.global_norm picks the version of both.
export const global_norm_partials_kernel = defineKernel({
  name: 'global_norm_partials',
  folder: 'global_norm',
  versions: { 1: partialsV1 } as Record<GlobalNormVersion, string>,
});
export const global_norm_finish_kernel = defineKernel({
  name: 'global_norm_finish',
  folder: 'global_norm',
  versions: { 1: finishV1 } as Record<GlobalNormVersion, string>,
});
declare module '../../src/gpu/context.ts' {
  interface KernelChoices {
    global_norm?: GlobalNormVersion;
  }
}

const WG = 256; // must match WG in the .wgsl files
const ITEMS = 8; // grads per invocation in stage 1
/** Grads summed by one stage-1 workgroup into one partial. */
export const GLOBAL_NORM_BLOCK = WG * ITEMS;

/** Floats of scratch the `partials` tensor needs for `n` grads (of each of `R` runs). */
export function global_norm_partials(n: number, R = 1): number {
  checkN(n);
  return R * Math.ceil(n / GLOBAL_NORM_BLOCK);
}

// out: (2) per run; partials: (global_norm_partials(n, R)) scratch; grads: (n) per run, P floats apart
export function global_norm(
  gpu: Gpu,
  out: Tensor,
  partials: Tensor,
  grads: Tensor,
  n: number,
  max_norm: number,
  runs: Runs = ONE_RUN,
  opts: { version?: GlobalNormVersion } = {},
): void {
  const version = opts.version ?? gpu.choices.global_norm ?? 1;
  const { R } = runs;
  const P = global_norm_partials(n);
  if (!(Number.isFinite(max_norm) && max_norm > 0))
    throw new Error(`global_norm: max_norm must be a finite number > 0 (got ${max_norm})`);
  if (!(Number.isInteger(R) && R >= 1 && (R === 1 || runs.P >= n)))
    throw new Error(
      `global_norm: runs must be R >= 1 with a stride P >= n (got R=${R} P=${runs.P})`,
    );
  const pack = R > 1 ? ` per run, R=${R}` : '';
  if (out.length < 2 * R)
    throw new Error(
      `global_norm: out "${out.label}" has ${out.length} floats, needs ${2 * R} (norm, clip scale${pack})`,
    );
  if (partials.length < R * P)
    throw new Error(
      `global_norm: partials "${partials.label}" has ${partials.length} floats, needs global_norm_partials(${n}${R > 1 ? `, ${R}` : ''}) = ${R * P}`,
    );
  const G = (R - 1) * runs.P + n;
  if (grads.length < G)
    throw new Error(
      `global_norm: grads "${grads.label}" has ${grads.length} floats, needs ${R > 1 ? G : `n = ${n}`}`,
    );
  const [stage1, stage2] = [global_norm_partials_kernel, global_norm_finish_kernel];
  const why = stage1.unsupported(gpu, version);
  if (why) throw new Error(why.replace('global_norm_partials', 'global_norm'));
  stage1.dispatch(gpu, version, {
    bindings: [gpu.view(partials, 0, R * P), grads, gpu.dims([n, P, runs.P])],
    workgroups: [...gpu.grid(P), R],
    overrides: { ITEMS },
  });
  stage2.dispatch(gpu, version, {
    bindings: [
      gpu.view(out, 0, 2 * R),
      gpu.view(partials, 0, R * P),
      gpu.dims([P, f32bits(max_norm)]),
    ],
    workgroups: [1, 1, R],
  });
}

function checkN(n: number): void {
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`global_norm: n must be an integer >= 1 (got ${n})`);
}

/** One FMA per grad, then P additions and a sqrt/div: ~2n. */
export const global_norm_flops = (n: number) => 2 * n + global_norm_partials(n) + 4;
/** Minimum bytes moved: read grads, write and read the partials, write out. */
export const global_norm_bytes = (n: number) => 4 * (n + 2 * global_norm_partials(n) + 2);
