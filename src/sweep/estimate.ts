// What a sweep will cost before it starts, from step times measured on this adapter: `t2lab sweep
// --dry-run` prints it, the app's Sweep view shows it (worker API sweepEstimate), and the progress ETA of
// a running sweep starts from the same numbers and is then rescaled by what the finished part really took.
//
// The model, per run: steps × (one training step) + evaluations × (one held-out evaluation) + sampling,
// where sampling is the time of decoding a measured batch of the run's own sequences (questions × n)
// scaled linearly to all of them. Each model size is measured once per adapter and kernel choice (a
// few steps and one small sampling pass of an untrained model, whose samples never stop early: an upper
// bound) and kept in the host's store beside the kernel choice. Sizes not measured are scaled from the
// measured ones by their FLOPs per step. Each time is the fastest of a few rounds, so one busy moment of
// the machine is not kept as a size's speed for later dry runs.
//
// Packs (src/sweep/pack.ts): runs of one shape trained side by side cost one pack step per step of the
// longest, a step of `a` runs costing what the measured steps of 1 and of R runs give between them
// (linear in a), and a run leaves the pack at its own end. The estimate forms the same packs as the sweep
// and shares a pack's time among its runs by their steps.
import type { Gpu } from '../gpu/context.ts';
import { adapterKey } from '../gpu/adapter.ts';
import { describeChoices, type ChoiceStore } from './kernel-choice.ts';
import { trainingFlopsPerToken } from '../model/gpt.ts';
import { Trainer } from '../train/trainer.ts';
import { PackTrainer } from '../train/pack.ts';
import { packRuns } from './pack.ts';
import { evaluateModel } from '../sample/evaluate.ts';
import {
  evalTaskNames,
  makeConfig,
  type Config,
  modelShape,
  type SamplingSpec,
} from '../config.ts';
import type { Experiment, RunSpec } from './experiment.ts';

/** Measured seconds of one model size on one adapter. */
export interface ModelTiming {
  /** One training step, steps pipelined as the trainer runs them. */
  step_s: number;
  /** One step of `pack_runs` runs side by side (PackTrainer), when timed with a pack. */
  pack_step_s?: number;
  pack_runs?: number;
  /** The first step: pipeline compiles and buffer set-up, paid once per size in a sweep. */
  first_step_s: number;
  /** One held-out evaluation (eval_batches forward passes and a readback). */
  eval_s: number;
  /** Decoding `sample_seqs` sequences of up to max_new tokens (prefill included). */
  sample_s: number;
  sample_seqs: number;
  measured_at: string;
}

export interface RunEstimate {
  id: string;
  train_s: number;
  sample_s: number;
  /** 'measured' (this size was timed here), 'scaled' (from another size by FLOPs), 'none'. */
  basis: 'measured' | 'scaled' | 'none';
  /** Runs in this run's pack (1: trained alone); its train_s is its share of the pack's time. */
  pack: number;
}

export interface SweepEstimate {
  adapter: string;
  runs: RunEstimate[];
  /** Σ over runs plus the first-step set-up of each model size. */
  total_s: number;
  setup_s: number;
  /** Model sizes timed in this call (the rest came from the store or were scaled). */
  measuredNow: string[];
  /** Sizes whose time is scaled by FLOPs from another size, or unknown. */
  unmeasured: string[];
}

/** What a timing depends on besides the adapter: the run's shapes and the sampler's settings. */
export function sizeKey(c: Config, s: SamplingSpec): string {
  return `L${c.n_layer} C${c.n_embd} H${c.n_head} T${c.block_size} B${c.batch_size} eb${c.eval_batches} ${c.tasks} n${s.n} new${s.max_new}`;
}

// v2: timings are the fastest of a few rounds (v1 kept one round, and a busy moment with it).
const storeKey = (gpu: Gpu, key: string) =>
  `t2lab.estimate.v2|${adapterKey(gpu.adapter)}|${describeChoices(gpu)}|${key}`;

/** Rounds of timing per measurement; the fastest is kept. */
const ROUNDS = 3;

/** Seconds per step of `step()`: the fastest of ROUNDS rounds of `steps` steps, each round waited for. */
async function fastestStep(gpu: Gpu, step: () => void, steps: number): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    for (let i = 0; i < steps; i++) {
      step();
      gpu.submit();
    }
    await gpu.sync();
    best = Math.min(best, (performance.now() - t) / 1000 / steps);
  }
  return best;
}

/**
 * Time one model size here: a few training steps, one evaluation, one sampling pass of ≤ 256 sequences,
 * and with `packRuns` > 1 a few steps of that many runs side by side.
 */
export async function measureModel(
  gpu: Gpu,
  config: Config,
  spec: SamplingSpec,
  packRuns = 1,
): Promise<ModelTiming> {
  const steps = 4;
  const c = makeConfig({
    ...config,
    tokens: (ROUNDS * steps + 2) * config.batch_size * config.block_size,
  });
  let pack: Pick<ModelTiming, 'pack_step_s' | 'pack_runs'> = {};
  if (packRuns > 1) {
    const trainer = new PackTrainer(
      gpu,
      Array.from({ length: packRuns }, (_, i) => ({ ...c, seed: c.seed + i })),
    );
    try {
      trainer.benchStep(); // compiles
      gpu.submit();
      await gpu.sync();
      pack = {
        pack_step_s: await fastestStep(gpu, () => trainer.benchStep(), steps),
        pack_runs: packRuns,
      };
    } finally {
      trainer.dispose();
    }
  }
  const trainer = new Trainer(gpu, c);
  try {
    let t = performance.now();
    trainer.benchStep();
    gpu.submit();
    await gpu.sync();
    const first_step_s = (performance.now() - t) / 1000;
    const step_s = await fastestStep(gpu, () => trainer.benchStep(), steps);
    let eval_s = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      t = performance.now();
      await trainer.evalLoss();
      eval_s = Math.min(eval_s, (performance.now() - t) / 1000);
    }
    const tasks = evalTaskNames(c).length;
    const perTask = Math.max(1, Math.min(spec.questions, Math.floor(256 / (spec.n * tasks))));
    t = performance.now();
    const ev = await evaluateModel(gpu, c, trainer.model.paramsFlat, {
      ...spec,
      questions: perTask,
    });
    const sample_s = (performance.now() - t) / 1000;
    return {
      step_s,
      ...pack,
      first_step_s,
      eval_s,
      sample_s,
      sample_seqs: ev.questions.length * spec.n,
      measured_at: new Date().toISOString(),
    };
  } finally {
    trainer.dispose();
  }
}

/** One run's seconds from its size's timing, trained alone. */
export function runSeconds(
  run: RunSpec,
  spec: SamplingSpec,
  t: ModelTiming,
): { train_s: number; sample_s: number } {
  const seqs = spec.questions * evalTaskNames(run.config).length * spec.n;
  return {
    train_s: stepsOf(run) * t.step_s + evalsOf(run) * t.eval_s,
    sample_s: (t.sample_s * seqs) / t.sample_seqs,
  };
}

const stepsOf = (r: RunSpec) =>
  Math.ceil(r.config.tokens / (r.config.batch_size * r.config.block_size));
/** Held-out evaluations of a run: the untrained one, every eval_interval steps, the last. */
const evalsOf = (r: RunSpec) => Math.floor(stepsOf(r) / r.config.eval_interval) + 2;

/** Seconds of one step of `a` runs side by side: linear between the measured 1 and pack_runs. */
export function packStepSeconds(t: ModelTiming, a: number): number {
  if (a <= 1 || !t.pack_step_s || !t.pack_runs || t.pack_runs <= 1) return a * t.step_s;
  return t.step_s + ((t.pack_step_s - t.step_s) * (a - 1)) / (t.pack_runs - 1);
}

/**
 * Training seconds of a pack: the runs sorted by steps, the longest s_1 ≥ ... ≥ s_R; while `a` runs are
 * left (from step s_(a+1) to s_a) every step costs packStepSeconds(a). Plus each run's evaluations.
 */
export function packSeconds(group: RunSpec[], t: ModelTiming): number {
  const steps = group.map(stepsOf).sort((a, b) => b - a);
  let s = 0;
  for (let a = steps.length; a >= 1; a--)
    s += (steps[a - 1]! - (steps[a] ?? 0)) * packStepSeconds(t, a);
  return s + group.reduce((n, r) => n + evalsOf(r), 0) * t.eval_s;
}

export interface EstimateOptions {
  /** Where timings are kept per adapter (the kernel-choice store). */
  store?: ChoiceStore;
  /** Time the sizes the store lacks (the dry run does; a starting sweep only reads the store). */
  measure?: boolean;
  /** Called before each size is timed, e.g. to choose its kernels first (so timing and sweep agree). */
  prepare?: (run: RunSpec) => Promise<void>;
  /** Runs per pack, as the sweep is given it (src/sweep/pack.ts packRuns); default 1, one at a time. */
  pack?: number | ((c: Config) => number);
  onLog?: (m: string) => void;
}

/** The estimate of `runs` (typically one shard of `e`) on `gpu`. */
export async function estimateSweep(
  gpu: Gpu,
  e: Experiment,
  runs: RunSpec[],
  opts: EstimateOptions = {},
): Promise<SweepEstimate> {
  const groups = packRuns(runs, opts.pack ?? 1);
  // The largest pack of each size: what a size is timed with (a smaller pack interpolates).
  const packOf = new Map<string, number>();
  for (const g of groups) {
    const key = sizeKey(g[0]!.config, e.sampling);
    packOf.set(key, Math.max(packOf.get(key) ?? 1, g.length));
  }
  const timings = new Map<string, ModelTiming>();
  const measuredNow: string[] = [];
  const bySize = new Map<string, RunSpec>();
  for (const r of runs)
    if (!bySize.has(sizeKey(r.config, e.sampling))) bySize.set(sizeKey(r.config, e.sampling), r);
  for (const [key, run] of bySize) {
    await opts.prepare?.(run);
    const packRunsHere = packOf.get(key) ?? 1;
    const skey = storeKey(gpu, key);
    const cached = opts.store ? await opts.store.get(skey) : null;
    let kept: ModelTiming | null = null;
    if (cached) {
      try {
        kept = JSON.parse(cached) as ModelTiming;
      } catch {
        // unreadable: measured again below
      }
    }
    // A kept timing serves when it was timed with at least this pack (or the runs go one at a time).
    if (kept && (packRunsHere === 1 || (kept.pack_runs ?? 1) >= packRunsHere)) {
      timings.set(key, kept);
      continue;
    }
    if (!opts.measure) {
      if (kept) timings.set(key, kept); // a pack without its timing is estimated as runs one at a time
      continue;
    }
    opts.onLog?.(
      `timing ${run.model} (${key})${packRunsHere > 1 ? `, alone and ${packRunsHere} side by side,` : ''} on this adapter ...`,
    );
    const t = await measureModel(gpu, run.config, e.sampling, packRunsHere);
    timings.set(key, t);
    measuredNow.push(run.model);
    await opts.store?.set(skey, JSON.stringify(t));
  }
  // FLOPs per step of a size, to scale a measured size's timing to an unmeasured one.
  const flops = (c: Config) => trainingFlopsPerToken(modelShape(c)) * c.batch_size * c.block_size;
  const measured = [...bySize].filter(([k]) => timings.has(k)).map(([, r]) => r);
  const unmeasured: string[] = [];
  let setup_s = 0;
  for (const [key, run] of bySize) {
    if (timings.has(key)) setup_s += timings.get(key)!.first_step_s;
    else if (measured.length) unmeasured.push(run.model);
  }
  const timingOf = (r: RunSpec): { t: ModelTiming; basis: RunEstimate['basis'] } | null => {
    const t = timings.get(sizeKey(r.config, e.sampling));
    if (t) return { t, basis: 'measured' };
    if (!measured.length) return null;
    // The measured size nearest in FLOPs per step, scaled.
    const ref = measured.reduce((a, b) =>
      Math.abs(Math.log(flops(b.config) / flops(r.config))) <
      Math.abs(Math.log(flops(a.config) / flops(r.config)))
        ? b
        : a,
    );
    const rt = timings.get(sizeKey(ref.config, e.sampling))!;
    const f = flops(r.config) / flops(ref.config);
    return {
      t: {
        ...rt,
        step_s: rt.step_s * f,
        ...(rt.pack_step_s ? { pack_step_s: rt.pack_step_s * f } : {}),
        eval_s: rt.eval_s * f,
        sample_s: rt.sample_s * f,
      },
      basis: 'scaled',
    };
  };
  const byId = new Map<string, RunEstimate>();
  for (const group of groups) {
    const timing = timingOf(group[0]!);
    if (!timing) {
      for (const r of group)
        byId.set(r.id, {
          id: r.id,
          train_s: NaN,
          sample_s: NaN,
          basis: 'none',
          pack: group.length,
        });
      continue;
    }
    const { t, basis } = timing;
    // One at a time, or a pack's time shared among its runs by their steps.
    const packTrain = group.length > 1 ? packSeconds(group, t) : 0;
    const packSteps = group.reduce((n, r) => n + stepsOf(r), 0);
    for (const r of group) {
      const alone = runSeconds(r, e.sampling, t);
      const train_s = group.length > 1 ? (packTrain * stepsOf(r)) / packSteps : alone.train_s;
      byId.set(r.id, { id: r.id, train_s, sample_s: alone.sample_s, basis, pack: group.length });
    }
  }
  const out = runs.map((r) => byId.get(r.id)!);
  const total_s = setup_s + out.reduce((a, r) => a + r.train_s + r.sample_s, 0);
  return {
    adapter: adapterKey(gpu.adapter),
    runs: out,
    total_s,
    setup_s,
    measuredNow,
    unmeasured: measured.length ? unmeasured : [...bySize.values()].map((r) => r.model),
  };
}
