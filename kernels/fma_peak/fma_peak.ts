// fma_peak launcher: the adapter's arithmetic ceiling, measured with an FMA-only kernel (no memory
// traffic but one store per invocation). The roofline on the Kernels page divides by this number.
// fma_peak_gflops grows the dispatch until it runs ≥ 50 ms, so one code path serves software adapters
// (~2–10 GFLOP/s) and GPUs (10–60 TFLOP/s).
// Versions: v1, 8 vec4 accumulators, one fma per assignment; v2, the same values with eight chained fma
// per assignment (what software adapters need to show their arithmetic rate). The ceiling is the better.
import type { Gpu, Tensor } from '../../src/gpu/context.ts';
import v1 from './fma_peak.v1.wgsl?raw';
import v2 from './fma_peak.v2.wgsl?raw';
import { defineKernel } from '../../src/gpu/kernel.ts';

export const fma_peak_versions = {
  1: { code: v1 },
  2: { code: v2 },
} as const;
export type FmaPeakVersion = keyof typeof fma_peak_versions;
export const fma_peak_kernel = defineKernel({
  name: 'fma_peak',
  folder: 'fma_peak',
  versions: { 1: v1, 2: v2 } as Record<FmaPeakVersion, string>,
});

const WG = 64; // must match WG in the .wgsl files
const CHAINS = 8 * 4; // scalar FMA chains per invocation: 8 vec4 accumulators

// out: (n), one value per invocation
export function fma_peak(
  gpu: Gpu,
  out: Tensor,
  n: number,
  iters: number,
  opts: { version?: FmaPeakVersion } = {},
): void {
  const k = fma_peak_kernel;
  const version = k.version(gpu, opts.version ?? 1); // not gpu.choices: the ceiling measures every version
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`fma_peak: n must be an integer >= 1 (got ${n})`);
  if (!(Number.isInteger(iters) && iters >= 0 && iters < 2 ** 32))
    throw new Error(`fma_peak: iters must be an integer in [0, 2^32) (got ${iters})`);
  if (out.length < n)
    throw new Error(`fma_peak: out "${out.label}" has ${out.length} floats, needs n = ${n}`);
  k.dispatch(gpu, version, {
    bindings: [out, gpu.dims([n, iters])],
    workgroups: gpu.grid(Math.ceil(n / WG)),
  });
}

/** Exact FLOPs of one dispatch: 2 per scalar FMA. The final 31 additions per invocation are not counted. */
export const fma_peak_flops = (n: number, iters: number) => 2 * CHAINS * iters * n;
export const fma_peak_bytes = (n: number) => 4 * n;

const TARGET_NS = 50e6; // long enough that submission overhead and clock granularity are noise
const MAX_N = 1 << 22; // invocations; past this, grow iters instead (16 MiB of output)

/** The adapter's FMA throughput in GFLOP/s: the best version, each from a dispatch grown until it runs ≥ 50 ms. */
export async function fma_peak_gflops(
  gpu: Gpu,
): Promise<{ gflops: number; clock: string; version: FmaPeakVersion }> {
  let best = { gflops: 0, clock: 'none', version: 1 as FmaPeakVersion };
  for (const version of Object.keys(fma_peak_versions).map(Number) as FmaPeakVersion[]) {
    const r = await fma_peak_version_gflops(gpu, version);
    if (r.gflops > best.gflops) best = { ...r, version };
  }
  return best;
}

async function fma_peak_version_gflops(
  gpu: Gpu,
  version: FmaPeakVersion,
): Promise<{ gflops: number; clock: string }> {
  let n = 1024,
    iters = 1024;
  let out = gpu.tensor('fma_peak out', MAX_N);
  try {
    for (;;) {
      // One warm-up run (the first compiles the pipeline; later sizes reuse it). The median of 3 keeps one slow sample on a busy machine from stopping the growth early.
      const t = await gpu.time(() => fma_peak(gpu, out, n, iters, { version }), 3, 1);
      if (t.ns >= TARGET_NS) break;
      // Jump most of the way when far off, then double: few steps on a GPU, no overshoot past ~2x.
      const grow = Math.max(
        2,
        Math.min(64, 2 ** Math.floor(Math.log2(TARGET_NS / Math.max(t.ns, 1)))),
      );
      if (n * grow <= MAX_N) n *= grow;
      else {
        iters *= Math.ceil((n * grow) / MAX_N);
        n = MAX_N;
      }
      if (iters >= 2 ** 31)
        throw new Error(
          `fma_peak_gflops: the dispatch never reached ${TARGET_NS / 1e6} ms (timer broken?)`,
        );
    }
    const t = await gpu.time(() => fma_peak(gpu, out, n, iters, { version }), 7, 1);
    return { gflops: fma_peak_flops(n, iters) / t.ns, clock: t.clock };
  } finally {
    out.buffer.destroy();
  }
}
