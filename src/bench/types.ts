// What a kernel contributes to the benchmark (`npx t2lab bench`, the Kernels page) and to the
// in-browser self-check. Each kernel folder has a `<name>.bench.ts` exporting `bench` and `checks`.
import type { Gpu } from '../gpu/context.ts';

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

/** A small numerical check of one kernel against its float64 CPU reference, runnable in any host. */
export interface CheckCase {
  kernel: string;
  version: string;
  shape: string;
  tolerance: number;
  /** Run the kernel and its reference on the same inputs; return the largest absolute difference. */
  run(gpu: Gpu): Promise<number>;
}
