// What a kernel's table of cases is made of, and the one comparison every host applies to it. It sits in
// the kernel contract's layer so that kernels/ can name it without importing upward.
//
// The pattern: each kernel folder has `kernels/<name>/<name>.cases.ts` exporting
//   - `bench: BenchCase[]`, the rows of `npx t2lab bench` and the app's Kernels page, and
//   - `checks: CheckCase[]`, the kernel against its float64 CPU reference: the awkward shapes, each case
//     with the tolerance it needs (atol + rtol, as `expectClose` in test/helpers.ts reads them), returning
//     its outputs `{ what, got, want }` rather than judging them.
// test/kernels/<name>.test.ts runs every check as one Vitest test (`itChecks(gpu, checks)`, which reports
// the worst element through expectClose) and keeps only what a table cannot say: error messages,
// statistical tests, finite differences of the CPU reference, bit-exact determinism. The browser
// self-check (src/worker/api.ts) runs the `quick` ones with the very same tolerance (`judge` below).
// The table is registered by one import in src/bench/registry.ts. kernels/adamw is the small example.
import type { Gpu, Tensor } from './context.ts';
import { Rng } from '../util/rng.ts';

export interface BenchCase {
  kernel: string; // the kernel's one name, e.g. "matmul"
  version: string; // "v1", "v2", ...
  shape: string; // human-readable, e.g. "M=512 K=512 N=512 A·Bᵀ"
  flops: number; // floating-point operations per run (an FMA counts 2)
  bytes: number; // minimum bytes read + written per run (0: not meaningful)
  tokens?: number; // tokens processed per run, for training and sampling rows
  /** Allocate inputs on `gpu`; return a function recording one run, and a cleanup. */
  setup(gpu: Gpu): { record: () => void; dispose: () => void };
}

/** One output of a check: what the kernel wrote beside what the float64 reference computes. */
export interface CheckOutput {
  what: string; // e.g. "losses", "m after step 2"
  got: ArrayLike<number>;
  want: ArrayLike<number>;
  /** This output's own bound, where it differs from the case's (a copy that must be exact: 0). */
  atol?: number;
  rtol?: number;
}

/** One correctness case of a kernel version, runnable in any host (Vitest in Node, the browser's worker). */
export interface CheckCase {
  kernel: string;
  version: string;
  shape: string; // what is awkward about it, e.g. "BT=7 V=1, every 4th position ignored"
  /** Each element must satisfy |got − want| <= atol + rtol·|want|. */
  atol: number;
  rtol: number;
  /** false: too slow for the browser self-check on a software adapter; Vitest still runs it. Default true. */
  quick?: boolean;
  /** Run the kernel and its reference on the same inputs (freeing what it allocates); return the outputs. */
  run(gpu: Gpu): Promise<CheckOutput[]>;
}

/** The element nearest its bound, or furthest past it: the largest |got − want| / (atol + rtol·|want|). */
export interface Worst {
  index: number; // -1 for an empty output
  got: number;
  want: number;
  diff: number; // |got − want|
  allowed: number; // atol + rtol·|want|
  ratio: number; // diff / allowed: 0 for an exact match, Infinity past a bound of 0 or for a NaN
  ok: boolean; // every element within its bound
}

/** The worst element of `got` against `want` under atol + rtol·|want|; a NaN anywhere fails. */
export function worstElement(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  atol: number,
  rtol = 0,
): Worst {
  if (got.length !== want.length)
    throw new Error(`${got.length} values, the reference has ${want.length}`);
  // Ranked by ratio, not by diff − allowed, so that an exact output matched exactly does not hide a
  // toleranced one that is near its bound.
  let w: Worst = { index: -1, got: NaN, want: NaN, diff: 0, allowed: atol, ratio: -1, ok: true };
  let ok = true;
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!),
      allowed = atol + rtol * Math.abs(want[i]!);
    const pass = diff <= allowed; // false for a NaN
    const ratio = !pass
      ? diff > 0 && allowed > 0
        ? diff / allowed
        : Infinity
      : diff === 0
        ? 0
        : diff / allowed;
    ok &&= pass;
    if (ratio > w.ratio)
      w = { index: i, got: got[i]!, want: want[i]!, diff, allowed, ratio, ok: true };
  }
  w.ok = ok;
  if (w.index < 0) w.ratio = 0;
  return w;
}

/** A case's verdict over all its outputs: the worst element of any, and where it is ("m t=2[17]"). */
export function judge(c: CheckCase, outputs: readonly CheckOutput[]): Worst & { where: string } {
  let worst: (Worst & { where: string }) | null = null;
  let ok = true;
  for (const o of outputs) {
    let w: Worst;
    try {
      w = worstElement(o.got, o.want, o.atol ?? c.atol, o.rtol ?? c.rtol);
    } catch (e) {
      throw new Error(`${o.what}: ${(e as Error).message}`);
    }
    ok &&= w.ok;
    if (!worst || w.ratio > worst.ratio) worst = { ...w, where: `${o.what}[${w.index}]` };
  }
  if (!worst) throw new Error(`${c.kernel} ${c.version} ${c.shape}: the case returned no outputs`);
  return { ...worst, ok };
}

/**
 * Upload `data` (arrays as their values, numbers as zeroed tensors of that length), run `launch`, read
 * `outs` back and free everything: the GPU half of a case.
 */
export async function onGpu(
  gpu: Gpu,
  data: Record<string, Float64Array | number>,
  launch: (t: Record<string, Tensor>) => void,
  outs: string[],
): Promise<Float32Array[]> {
  const t: Record<string, Tensor> = {};
  for (const [name, d] of Object.entries(data))
    t[name] = typeof d === 'number' ? gpu.tensor(name, d) : gpu.tensor(name, d.length, d);
  try {
    launch(t);
    const got: Float32Array[] = [];
    for (const o of outs) got.push(await gpu.read(t[o]!));
    return got;
  } finally {
    Object.values(t).forEach((x) => x.buffer.destroy());
  }
}

/**
 * A pack's check (src/gpu/kernel.ts, Runs): the kernel launched once over R runs side by side against the
 * same kernel launched on each run alone, which the other checks hold to the float64 reference. Each
 * tensor gives every run's data and the floats from one run's to the next's (`stride`; the gap between
 * runs is NaN, so a run that reads outside its own data fails). `launch(t, R, first)` records the kernel on
 * `t` for runs first .. first + R - 1 (R = 1: run `first` alone). The outputs must match bit for bit: a run's numbers never depend on its pack.
 */
export async function packAgainstAlone(
  gpu: Gpu,
  data: Record<string, PackData>,
  launch: (t: Record<string, Tensor>, R: number, first: number) => void,
  outs: string[],
): Promise<CheckOutput[]> {
  const R = Object.values(data)[0]!.runs.length;
  const once = async (arrays: Record<string, ArrayLike<number>>, R: number, first: number) => {
    const t: Record<string, Tensor> = {};
    for (const [name, d] of Object.entries(arrays))
      t[name] = data[name]!.u32
        ? gpu.tensorU32(name, Uint32Array.from(d))
        : gpu.tensor(name, d.length, d);
    try {
      launch(t, R, first);
      const got: Float32Array[] = [];
      for (const o of outs) got.push(await gpu.read(t[o]!));
      return got;
    } finally {
      Object.values(t).forEach((x) => x.buffer.destroy());
    }
  };
  const packed: Record<string, Float64Array> = {};
  for (const [name, { stride, runs, u32 }] of Object.entries(data)) {
    const flat = new Float64Array((R - 1) * stride + runs[R - 1]!.length).fill(
      u32 ? 2 ** 32 - 1 : NaN,
    );
    runs.forEach((d, r) => flat.set(d, r * stride));
    packed[name] = flat;
  }
  const got = await once(packed, R, 0);
  const outputs: CheckOutput[] = [];
  for (let r = 0; r < R; r++) {
    const want = await once(
      Object.fromEntries(Object.entries(data).map(([k, d]) => [k, d.runs[r]!])),
      1,
      r,
    );
    outs.forEach((name, i) => {
      const { stride } = data[name]!;
      const n = want[i]!.length;
      outputs.push({
        what: `run ${r} of ${R}: ${name} packed against alone`,
        got: got[i]!.subarray(r * stride, r * stride + n),
        want: want[i]!,
        atol: 0,
        rtol: 0,
      });
    });
  }
  return outputs;
}

/** One tensor of packAgainstAlone: every run's data, the floats from one run's to the next's, u32 or float. */
export interface PackData {
  stride: number;
  runs: ArrayLike<number>[];
  u32?: boolean;
}

/** `n` float32-exact values uniform in [lo, hi), from `seed`. */
export function seededArray(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = new Rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(lo + (hi - lo) * r.next());
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}
