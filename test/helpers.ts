// Shared test helpers: one GPU per test worker, deterministic data, comparisons that say where they fail,
// and central finite differences for checking CPU backwards.
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../src/gpu/context.ts';
import { createNodeGpu } from '../src/node/gpu.ts';
import { seededArray, worstElement, type CheckCase } from '../src/gpu/cases.ts';

let gpuPromise: Promise<Gpu | null> | null = null;

/**
 * The test GPU (software in CI). A missing adapter fails under CI=true, so a broken driver install can
 * never make the suite pass vacuously; elsewhere the GPU suites are skipped with a loud warning.
 */
export function testGpu(): Promise<Gpu | null> {
  gpuPromise ??= (async () => {
    try {
      return await createNodeGpu();
    } catch (e) {
      if (process.env.CI) throw e;
      console.warn(`\n*** WebGPU unavailable, GPU tests SKIPPED: ${(e as Error).message}\n`);
      return null;
    }
  })();
  return gpuPromise;
}

const gpu = await testGpu();

/** describe() for suites that need a GPU; `fn` gets the device. Skips (loudly) only outside CI. */
export function describeGpu(name: string, fn: (gpu: Gpu) => void): void {
  if (gpu) describe(name, () => fn(gpu));
  else describe.skip(`${name} [no WebGPU adapter]`, () => {});
}

/** `n` uniform values in [lo, hi), exactly representable in float32 so CPU and GPU see the same inputs. */
export const randArray = seededArray;

/**
 * Assert |got - want| <= atol + rtol·|want| elementwise; the message names the worst element. The same
 * rule (worstElement, src/gpu/cases.ts) judges the browser self-check.
 */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  atol: number,
  rtol = 0,
  what = 'value',
): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const w = worstElement(got, want, atol, rtol);
  if (!w.ok) {
    expect.fail(
      `${what}[${w.index}] = ${w.got}, expected ${w.want} (|diff| ${w.diff.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`,
    );
  }
}

/** `npm run test:quick`: the quick tier (vitest.config.ts). */
export const QUICK_TIER = process.env.T2LAB_TEST_TIER === 'quick';

/**
 * The clock limit of one kernel check. A check's time is mostly its pipelines' first compile, which on a
 * software adapter is seconds per variant when idle and was over 120 s for one matmul v4 rows=32 variant
 * at load 15: correct code, failed by a clock. So a check may take long; only a hang fails it.
 */
export const CHECK_TIMEOUT_MS = 900_000;

/**
 * Whether the quick tier leaves a kernel check to `npm test`: the cases the browser self-check leaves out
 * (`quick: false`), and the variants whose first compile costs most and that no run on this adapter uses
 * by default: matmul v4's tallest tiles (rows 24 and 32 unroll the most; rows 8 runs the same code), and
 * on a software adapter the versions written for GPUs (matmul v3, attention v4: workgroup barriers).
 * Under load these took minutes each in a cold process, most of the full suite's kernel time.
 */
export function quickSkips(gpu: Gpu, c: CheckCase): boolean {
  if (c.quick === false) return true;
  const v = Number(/^v(\d+)/.exec(c.version)?.[1]);
  if (c.kernel === 'matmul' && /rows=(24|32)\b/.test(c.version)) return true;
  if (!gpu.adapter.software) return false;
  return (c.kernel === 'matmul' && v === 3) || (c.kernel.startsWith('attention_') && v === 4);
}

/**
 * One test per case of a kernel's table (kernels/<name>/<name>.cases.ts): every output within the case's
 * tolerance. The quick tier leaves some to `npm test` (quickSkips).
 */
export function itChecks(gpu: Gpu, checks: readonly CheckCase[]): void {
  for (const c of checks) {
    if (QUICK_TIER && quickSkips(gpu, c)) continue;
    it(
      `${c.kernel} ${c.version} ${c.shape}: matches the float64 reference (atol ${c.atol}, rtol ${c.rtol})`,
      { timeout: CHECK_TIMEOUT_MS },
      async () => {
        const outputs = await c.run(gpu);
        expect(outputs.length, 'outputs').toBeGreaterThan(0);
        for (const o of outputs)
          expectClose(
            o.got,
            o.want,
            o.atol ?? c.atol,
            o.rtol ?? c.rtol,
            `${c.version} ${c.shape}: ${o.what}`,
          );
      },
    );
  }
}

/** d f / d x by central differences in float64, for each element of x (x is restored after). */
export function finiteDiff(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + h;
    const fp = f();
    x[i] = x0 - h;
    const fm = f();
    x[i] = x0;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Σ w·y: a scalar loss whose gradient with respect to y is w, for checking backwards. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * y[i]!;
  return s;
}
