// What a sweep will cost before it starts, from step times measured on this adapter: `t2lab sweep
// --dry-run` prints it, the app's Sweep view shows it (worker API sweepEstimate), and the progress ETA of
// a running sweep starts from the same numbers and is then rescaled by what the finished part really took.
//
// The model, per run: steps × (one training step) + evaluations × (one held-out evaluation) + sampling,
// where sampling is the time of decoding a measured batch of the run's own sequences (questions × n)
// scaled linearly to all of them. Each model size is measured once per adapter and kernel choice (a
// few steps and one small sampling pass of an untrained model, whose samples never stop early: an upper
// bound) and kept in the host's store beside the kernel choice. Sizes not measured are scaled from the
// measured ones by their FLOPs per step.
import type { Gpu } from '../gpu/context.ts';
import { adapterKey } from '../gpu/adapter.ts';
import { describeChoices, type ChoiceStore } from './kernel-choice.ts';
import { trainingFlopsPerToken } from '../model/gpt.ts';
import { Trainer } from '../train/trainer.ts';
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

const storeKey = (gpu: Gpu, key: string) =>
  `t2lab.estimate|${adapterKey(gpu.adapter)}|${describeChoices(gpu)}|${key}`;

/** Time one model size here: a few training steps, one evaluation, one sampling pass of ≤ 256 sequences. */
export async function measureModel(
  gpu: Gpu,
  config: Config,
  spec: SamplingSpec,
): Promise<ModelTiming> {
  const steps = 6;
  const c = makeConfig({ ...config, tokens: (steps + 2) * config.batch_size * config.block_size });
  const trainer = new Trainer(gpu, c);
  try {
    let t = performance.now();
    trainer.benchStep();
    gpu.submit();
    await gpu.sync();
    const first_step_s = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < steps; i++) {
      trainer.benchStep();
      gpu.submit();
    }
    await gpu.sync();
    const step_s = (performance.now() - t) / 1000 / steps;
    t = performance.now();
    await trainer.evalLoss();
    const eval_s = (performance.now() - t) / 1000;
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

/** One run's seconds from its size's timing. */
export function runSeconds(
  run: RunSpec,
  spec: SamplingSpec,
  t: ModelTiming,
): { train_s: number; sample_s: number } {
  const c = run.config;
  const steps = Math.ceil(c.tokens / (c.batch_size * c.block_size));
  const evals = Math.floor(steps / c.eval_interval) + 2; // the untrained one, every eval_interval, the last
  const seqs = spec.questions * evalTaskNames(c).length * spec.n;
  return {
    train_s: steps * t.step_s + evals * t.eval_s,
    sample_s: (t.sample_s * seqs) / t.sample_seqs,
  };
}

export interface EstimateOptions {
  /** Where timings are kept per adapter (the kernel-choice store). */
  store?: ChoiceStore;
  /** Time the sizes the store lacks (the dry run does; a starting sweep only reads the store). */
  measure?: boolean;
  /** Called before each size is timed, e.g. to choose its kernels first (so timing and sweep agree). */
  prepare?: (run: RunSpec) => Promise<void>;
  onLog?: (m: string) => void;
}

/** The estimate of `runs` (typically one shard of `e`) on `gpu`. */
export async function estimateSweep(
  gpu: Gpu,
  e: Experiment,
  runs: RunSpec[],
  opts: EstimateOptions = {},
): Promise<SweepEstimate> {
  const timings = new Map<string, ModelTiming>();
  const measuredNow: string[] = [];
  const bySize = new Map<string, RunSpec>();
  for (const r of runs)
    if (!bySize.has(sizeKey(r.config, e.sampling))) bySize.set(sizeKey(r.config, e.sampling), r);
  for (const [key, run] of bySize) {
    await opts.prepare?.(run);
    const skey = storeKey(gpu, key);
    const cached = opts.store ? await opts.store.get(skey) : null;
    if (cached) {
      try {
        timings.set(key, JSON.parse(cached) as ModelTiming);
        continue;
      } catch {
        // unreadable: measured again below
      }
    }
    if (!opts.measure) continue;
    opts.onLog?.(`timing ${run.model} (${key}) on this adapter ...`);
    const t = await measureModel(gpu, run.config, e.sampling);
    timings.set(key, t);
    measuredNow.push(run.model);
    await opts.store?.set(skey, JSON.stringify(t));
  }
  // FLOPs per step of a size, to scale a measured size's timing to an unmeasured one.
  const flops = (c: Config) => trainingFlopsPerToken(modelShape(c)) * c.batch_size * c.block_size;
  const measured = [...bySize].filter(([k]) => timings.has(k)).map(([, r]) => r);
  const unmeasured: string[] = [];
  const out: RunEstimate[] = [];
  let setup_s = 0;
  for (const [key, run] of bySize) {
    if (timings.has(key)) setup_s += timings.get(key)!.first_step_s;
    else if (measured.length) unmeasured.push(run.model);
  }
  for (const r of runs) {
    const key = sizeKey(r.config, e.sampling);
    let t = timings.get(key);
    let basis: RunEstimate['basis'] = 'measured';
    if (!t && measured.length) {
      // The measured size nearest in FLOPs per step, scaled.
      const ref = measured.reduce((a, b) =>
        Math.abs(Math.log(flops(b.config) / flops(r.config))) <
        Math.abs(Math.log(flops(a.config) / flops(r.config)))
          ? b
          : a,
      );
      const rt = timings.get(sizeKey(ref.config, e.sampling))!;
      const f = flops(r.config) / flops(ref.config);
      t = { ...rt, step_s: rt.step_s * f, eval_s: rt.eval_s * f, sample_s: rt.sample_s * f };
      basis = 'scaled';
    }
    if (!t) {
      out.push({ id: r.id, train_s: NaN, sample_s: NaN, basis: 'none' });
      continue;
    }
    out.push({ id: r.id, ...runSeconds(r, e.sampling, t), basis });
  }
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
