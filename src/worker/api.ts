// The one interface between the page and its worker (comlink). The worker file only calls expose();
// the UI only calls wrap(); the page never holds a GPUDevice.
import type { Gpu } from '../gpu/context.ts';
import type { AdapterSummary } from '../gpu/adapter.ts';
import { createBrowserGpu } from '../gpu/browser.ts';
import { benchCases, checkCases, kernelNames } from '../bench/cases.ts';
import { benchKernel, type BenchReport, type BenchRow } from '../bench/run.ts';
import { fma_peak_gflops } from '../../kernels/fma_peak/fma_peak.ts';

export interface CheckResult {
  kernel: string;
  version: string;
  shape: string;
  maxError: number;
  tolerance: number;
  ok: boolean;
  error?: string;
}

export interface T2Api {
  /** Open the device; throws a message saying what to do when WebGPU is missing. */
  init(): Promise<AdapterSummary>;
  kernels(): Promise<string[]>;
  /** Every kernel version against its float64 CPU reference on small shapes. */
  checkKernels(onResult: (r: CheckResult) => void): Promise<CheckResult[]>;
  /** The kernel benchmark; rows stream to onRow as they finish. */
  bench(opts: { kernels?: string[]; reps?: number }, onRow: (r: BenchRow) => void): Promise<BenchReport>;
}

export function createApi(navigatorGpu: GPU | undefined): T2Api {
  let gpu: Gpu | null = null;
  const device = async () => (gpu ??= await createBrowserGpu(navigatorGpu));
  return {
    async init() {
      return (await device()).adapter;
    },
    async kernels() {
      return kernelNames;
    },
    async checkKernels(onResult) {
      const g = await device();
      const results: CheckResult[] = [];
      for (const c of checkCases) {
        let r: CheckResult;
        try {
          const maxError = await c.run(g);
          r = { kernel: c.kernel, version: c.version, shape: c.shape, maxError, tolerance: c.tolerance, ok: maxError <= c.tolerance };
        } catch (e) {
          r = { kernel: c.kernel, version: c.version, shape: c.shape, maxError: NaN, tolerance: c.tolerance, ok: false, error: (e as Error).message };
        }
        results.push(r);
        onResult(r);
      }
      return results;
    },
    async bench({ kernels, reps = 5 }, onRow) {
      const g = await device();
      const peak = await fma_peak_gflops(g);
      const report: BenchReport = { adapter: g.adapter, peakGflops: peak.gflops, peakClock: peak.clock, rows: [] };
      for (const c of benchCases.filter((c) => !kernels || kernels.includes(c.kernel))) {
        const row = await benchKernel(g, c, peak.gflops, reps);
        report.rows.push(row);
        onRow(row);
      }
      return report;
    },
  };
}
