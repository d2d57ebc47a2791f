// Training throughput for `npx t2lab bench`: one full step (forward, backward, clip, AdamW) of a few
// model sizes, as tokens/s and achieved GFLOP/s from the exact FLOP count; and, for the smallest
// models, where a step's time goes: the GPU's own time against everything else. And packs: R runs of one
// size trained side by side (src/train/pack.ts), at 512 and 2,048 tokens a step and R = 1, 2, 4, 8; their
// tokens/s counts all R runs (per run: divide by R).
import type { BenchCase } from '../gpu/cases.ts';
import { median, type Gpu } from '../gpu/context.ts';
import { makeConfig, modelShape, type Config } from '../config.ts';
import { trainingFlopsPerToken } from '../model/gpt.ts';
import { Trainer } from './trainer.ts';
import { PackTrainer } from './pack.ts';

const SIZES = [
  { n_layer: 1, n_embd: 16, n_head: 2, block_size: 32, batch_size: 32 }, // smoke's smallest
  { n_layer: 2, n_embd: 64, n_head: 4, block_size: 32, batch_size: 64 }, // the reference step (a t2-grid size)
  { n_layer: 2, n_embd: 64, n_head: 4, block_size: 64, batch_size: 16 },
  { n_layer: 4, n_embd: 128, n_head: 4, block_size: 64, batch_size: 16 },
];

const configOf = (s: (typeof SIZES)[number]) =>
  makeConfig({ ...s, tokens: s.batch_size * s.block_size * 10_000, eval_batches: 1 });
const shapeOf = (s: (typeof SIZES)[number]) =>
  `L=${s.n_layer} C=${s.n_embd} H=${s.n_head} B=${s.batch_size} T=${s.block_size}`;

// Packs: two small sizes at 512 tokens a step, the world grid's own step (a mid size of it, 8 × 64 tokens),
// and issue 12's reference step at 2,048.
const PACK_SIZES = [
  { n_layer: 1, n_embd: 16, n_head: 2, block_size: 32, batch_size: 16 },
  { n_layer: 2, n_embd: 24, n_head: 4, block_size: 64, batch_size: 8 },
  { n_layer: 2, n_embd: 64, n_head: 4, block_size: 32, batch_size: 16 },
  SIZES[1]!,
];
const PACK_RUNS = [1, 2, 4, 8];

/** A pack of R runs of `config`, seeds 1..R. */
const packOf = (gpu: Gpu, config: Config, R: number) =>
  new PackTrainer(
    gpu,
    Array.from({ length: R }, (_, i) => ({ ...config, seed: i + 1 })),
  );

const packBench: BenchCase[] = PACK_SIZES.flatMap((s) =>
  PACK_RUNS.map((R): BenchCase => {
    const config = configOf(s);
    const tokens = R * config.batch_size * config.block_size;
    return {
      kernel: 'train_step',
      version: `pack R=${R}`,
      shape: `${shapeOf(s)}, ${R} run${R > 1 ? 's' : ''} side by side`,
      flops: trainingFlopsPerToken(modelShape(config)) * tokens,
      bytes: 0,
      tokens,
      setup(gpu) {
        const pack = packOf(gpu, config, R);
        return { record: () => pack.benchStep(), dispose: () => pack.dispose() };
      },
    };
  }),
);

export const bench: BenchCase[] = [
  ...SIZES.map((s): BenchCase => {
    const config = configOf(s);
    const tokens = config.batch_size * config.block_size;
    return {
      kernel: 'train_step',
      version: 'default',
      shape: shapeOf(s),
      flops: trainingFlopsPerToken(modelShape(config)) * tokens,
      bytes: 0,
      tokens,
      setup(gpu) {
        const trainer = new Trainer(gpu, config);
        return { record: () => trainer.benchStep(), dispose: () => trainer.dispose() };
      },
    };
  }),
  ...packBench,
];

/**
 * One model's step time, split: the GPU's time against the host's (recording, submitting, waiting).
 * Each figure is the fastest of its repetitions: on a shared machine (and a software adapter shares the
 * CPU with everything) the least disturbed run is the one that measures the step itself.
 */
export interface StepOverhead {
  shape: string;
  stepMs: number; // one step recorded, submitted and waited for
  gpuMs: number; // first pass begin to last pass end, from timestamp queries (NaN without them)
  hostMs: number; // recording and submitting one step on the CPU
  pipelinedMs: number; // per step, steps submitted back to back with one wait at the end (how training runs)
  dispatches: number; // kernel dispatches per step
}

/** Where the time of one training step goes, for the smallest models (L=1 C=16 and L=2 C=64). */
export async function stepOverhead(gpu: Gpu, reps = 10): Promise<StepOverhead[]> {
  const out: StepOverhead[] = [];
  for (const s of SIZES.slice(0, 2)) {
    const trainer = new Trainer(gpu, configOf(s));
    try {
      for (let i = 0; i < 2; i++) trainer.benchStep(); // compile every pipeline first
      await gpu.sync();
      // Timed steps (timestamps) and waited-for steps alternate, so load on a shared machine hits both alike.
      const gpuNs: number[] = [],
        host: number[] = [],
        step: number[] = [];
      let dispatches = 0;
      const dispatch = gpu.dispatch;
      for (let i = 0; i < reps; i++) {
        const t = await gpu.time(() => trainer.benchStep(), 1, 0);
        if (t.clock === 'timestamp') gpuNs.push(t.samples[0]!);
        gpu.dispatch = (...a) => (dispatches++, dispatch.apply(gpu, a));
        const t0 = performance.now();
        trainer.benchStep();
        gpu.submit();
        const t1 = performance.now();
        gpu.dispatch = dispatch;
        await gpu.sync();
        host.push(t1 - t0);
        step.push(performance.now() - t0);
      }
      const gpuMs = gpuNs.length ? Math.min(...gpuNs) / 1e6 : NaN;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) {
        trainer.benchStep();
        gpu.submit();
      }
      await gpu.sync();
      out.push({
        shape: shapeOf(s),
        stepMs: Math.min(...step),
        gpuMs,
        hostMs: Math.min(...host),
        pipelinedMs: (performance.now() - t0) / reps,
        dispatches: dispatches / reps,
      });
    } finally {
      trainer.dispose();
    }
  }
  return out;
}

/**
 * Packed training steps by the wall clock, as a sweep runs them: steps recorded and submitted back to back
 * with one wait at the end, so the host's recording and the driver's per-dispatch work are counted. The
 * table above times the same packs by GPU timestamps, which leave that out; on a software adapter it is
 * where packing saves (one dispatch for R runs), so this is the figure a sweep's wall time follows.
 */
export interface PackWall {
  shape: string;
  R: number;
  /** Per pack step: the fastest of the rounds' means. */
  ms: number;
  /** Tokens of all R runs per second. */
  tokensPerSec: number;
}

export async function packWall(
  gpu: Gpu,
  reps = 5,
  sizes: readonly (typeof SIZES)[number][] = PACK_SIZES,
  runs: readonly number[] = PACK_RUNS,
): Promise<PackWall[]> {
  const out: PackWall[] = [];
  const steps = Math.max(3, reps);
  for (const s of sizes)
    for (const R of runs) {
      const config = configOf(s);
      const pack = packOf(gpu, config, R);
      try {
        for (let i = 0; i < 2; i++) pack.benchStep(); // compile every pipeline first
        await gpu.sync();
        let best = Infinity;
        for (let round = 0; round < 3; round++) {
          const t0 = performance.now();
          for (let i = 0; i < steps; i++) {
            pack.benchStep();
            gpu.submit();
          }
          await gpu.sync();
          best = Math.min(best, (performance.now() - t0) / steps);
        }
        const tokens = R * config.batch_size * config.block_size;
        out.push({ shape: shapeOf(s), R, ms: best, tokensPerSec: tokens / (best / 1000) });
      } finally {
        pack.dispose();
      }
    }
  return out;
}

/** One kernel's share of a training step: GPU time summed over its dispatches. */
export interface StepProfileRow {
  kernel: string; // "matmul.v4"
  dispatches: number;
  ms: number; // per step, summed over the kernel's dispatches (the median over repetitions)
}

export interface StepProfile {
  shape: string;
  totalMs: number; // Σ over the rows: each dispatch in its own pass, so a little above the step's GPU time
  rows: StepProfileRow[]; // slowest first
}

/** Runs in the packs the step profile also times, beside one run alone. */
const PROFILE_PACK = 8;

/**
 * The step profile (`npx t2lab bench --kernel train_step`): every dispatch of one training step timed by
 * timestamp queries in its own compute pass, summed per kernel version, for the models of `stepOverhead`,
 * alone and in a pack of PROFILE_PACK runs (where a packed step spends its time). Empty without timestamp
 * queries.
 */
export async function stepProfile(gpu: Gpu, reps = 5): Promise<StepProfile[]> {
  if (!gpu.hasTimestamps) return [];
  const out: StepProfile[] = [];
  const steppers = SIZES.slice(0, 2).flatMap((s) => [
    { shape: shapeOf(s), make: () => new Trainer(gpu, configOf(s)) },
    {
      shape: `${shapeOf(s)}, ${PROFILE_PACK} runs side by side`,
      make: () => packOf(gpu, configOf(s), PROFILE_PACK),
    },
  ]);
  for (const { shape, make } of steppers) {
    const trainer = make();
    try {
      for (let i = 0; i < 2; i++) trainer.benchStep();
      const perKernel = new Map<string, { dispatches: number; ms: number[] }>();
      for (let r = 0; r < reps; r++) {
        const dispatches = await gpu.profile(() => trainer.benchStep());
        const sums = new Map<string, { n: number; ms: number }>();
        for (const d of dispatches) {
          const x = sums.get(d.kernel) ?? sums.set(d.kernel, { n: 0, ms: 0 }).get(d.kernel)!;
          x.n++;
          x.ms += d.ns / 1e6;
        }
        for (const [kernel, x] of sums) {
          const k =
            perKernel.get(kernel) ??
            perKernel.set(kernel, { dispatches: x.n, ms: [] }).get(kernel)!;
          k.ms.push(x.ms);
        }
      }
      const rows = [...perKernel]
        .map(([kernel, k]) => ({ kernel, dispatches: k.dispatches, ms: median(k.ms) }))
        .sort((a, b) => b.ms - a.ms);
      out.push({ shape, totalMs: rows.reduce((a, r) => a + r.ms, 0), rows });
    } finally {
      trainer.dispose();
    }
  }
  return out;
}
