// The sweep runner: every run of an experiment, one after another, each trained on exactly its D tokens
// and then sampled n times per question, appended to a store as one RunRecord. The store is a JSONL file
// plus checkpoint files in Node (src/node/store.ts) and IndexedDB in the browser; the runner only sees the
// interface, so both resume the same way:
// - a run whose record is in the store is skipped;
// - a run interrupted mid-training resumes from its last resume checkpoint (parameters, AdamW moments,
//   stream position, curve so far) and reaches the same numbers as an uninterrupted run;
// - pausing (the AbortSignal) saves a resume checkpoint and returns.
// With `pack` > 1, runs of one model shape train side by side in packs (src/sweep/pack.ts, src/train/pack.ts),
// each recorded as it ends with the same numbers as alone; their resume checkpoints are the same files.
import type { Gpu, Tensor } from '../gpu/context.ts';
import { evalTaskNames } from '../config.ts';
import { Trainer, streamOptions, type TrainProgress, type TrainResult } from '../train/trainer.ts';
import { documentStats } from '../data/stream.ts';
import { PackTrainer } from '../train/pack.ts';
import { packRuns } from './pack.ts';
import {
  evaluateModel,
  evaluateModels,
  evaluatesTogether,
  type EvalProgress,
  type Evaluation,
} from '../sample/evaluate.ts';
import { expandRuns, type Experiment, type RunSpec } from './experiment.ts';
import { RECORD_FORMAT, type RunRecord } from './record.ts';
import { adapterLine } from '../gpu/adapter.ts';

export interface SweepStore {
  /** Completed runs of this sweep. */
  records(): Promise<RunRecord[]>;
  append(record: RunRecord): Promise<void>;
  /** The resume checkpoint of an unfinished run, if any. */
  loadCheckpoint(id: string): Promise<Uint8Array | null>;
  saveCheckpoint(id: string, bytes: Uint8Array): Promise<void>;
  deleteCheckpoint(id: string): Promise<void>;
  /** Keep a finished run's model (a t2lab checkpoint, safetensors), if the store keeps models. */
  saveModel?(id: string, bytes: Uint8Array): Promise<void>;
}

export interface SweepProgress {
  run: RunSpec;
  /** Position of this run in this shard's list, and the list's length. */
  index: number;
  total: number;
  phase: 'train' | 'sample';
  /** Fraction of this run done, and of the whole shard (by estimated cost). */
  runFraction: number;
  overallFraction: number;
  /** Seconds left for the shard, from the throughput measured so far (null until there is some). */
  etaSeconds: number | null;
  train?: TrainProgress;
  sample?: EvalProgress;
  /** Set when this run resumed from a checkpoint at this many tokens. */
  resumedAt?: number;
}

export interface SweepOptions {
  /** Run only runs i, i+n, i+2n, ... of the grid (0-based i of n shards). */
  shard?: { index: number; count: number };
  /** Only the first `limit` runs of this shard's list (a quick look, a classroom demo, a test). */
  limit?: number;
  /** Pause: the current run saves a resume checkpoint and the sweep returns. */
  signal?: AbortSignal;
  /** Called before each run trains, to set its kernel versions; returns where they came from (the record keeps it). */
  prepare?: (run: RunSpec) => Promise<string | void>;
  /** Seconds between resume checkpoints of a training run (default 30). */
  checkpointSeconds?: number;
  /** At most this many runs of one model shape train side by side (default 1: one at a time), or per run. */
  pack?: number | ((c: RunSpec['config']) => number);
  /**
   * Processes sharing one list (`t2lab sweep --jobs`): before a pack trains, take its runs; returns those
   * this process got (each run goes to exactly one process), the others being left to whoever took them.
   */
  claim?: (runs: RunSpec[]) => Promise<RunSpec[]>;
  /**
   * The time model of src/sweep/estimate.ts: a run's estimated seconds of training and sampling. With it
   * the ETA starts from the estimate and is rescaled by what the finished part took; without it, from
   * FLOPs once something has run. Null or NaN for a run falls back to FLOPs.
   */
  estimate?: (run: RunSpec) => { train_s: number; sample_s: number } | null;
  codeVersion?: string;
  onProgress?(p: SweepProgress): void;
  onRecord?(r: RunRecord): void;
  onLog?(message: string): void;
}

export interface SweepResult {
  /** Runs of this shard already in the store before we started, run now, and left (paused). */
  skipped: number;
  ran: number;
  remaining: number;
  paused: boolean;
}

/** The runs of one shard: i, i+n, i+2n, ... of the full grid. */
export function shardRuns(runs: RunSpec[], shard = { index: 0, count: 1 }): RunSpec[] {
  const { index, count } = shard;
  if (!(
    Number.isInteger(count) &&
    count >= 1 &&
    Number.isInteger(index) &&
    index >= 0 &&
    index < count
  )) {
    throw new Error(`shard ${index}/${count} is invalid: need 0 <= i < n (e.g. --shard 0/4)`);
  }
  return runs.filter((_, i) => i % count === index);
}

/** Estimated cost of a run, in FLOPs: training plus sampling (prefill + decode of every sample). */
function runCost(e: Experiment, r: RunSpec): number {
  const s = e.sampling;
  const questions = s.questions * evalTaskNames(r.config).length;
  return 6 * r.N * r.config.tokens + 2 * r.N * questions * s.n * (s.max_new + 16);
}

export async function runSweep(
  gpu: Gpu,
  e: Experiment,
  store: SweepStore,
  opts: SweepOptions = {},
): Promise<SweepResult> {
  const runs = shardRuns(expandRuns(e), opts.shard).slice(0, opts.limit ?? Infinity);
  const done = new Set((await store.records()).filter((r) => r.sweep === e.name).map((r) => r.id));
  const todo = runs.filter((r) => !done.has(r.id));
  // Cost in estimated seconds when every run has an estimate, else in FLOPs (a relative measure).
  const est = todo.map((r) => opts.estimate?.(r) ?? null);
  const seconds =
    est.length > 0 && est.every((x) => x !== null && Number.isFinite(x.train_s + x.sample_s));
  const costOf = (r: RunSpec) =>
    seconds ? est[todo.indexOf(r)]!.train_s + est[todo.indexOf(r)]!.sample_s : runCost(e, r);
  const trainShareOf = (r: RunSpec) =>
    seconds
      ? est[todo.indexOf(r)]!.train_s / Math.max(costOf(r), 1e-9)
      : (6 * r.N * r.config.tokens) / runCost(e, r);
  let totalCost = todo.reduce((a, r) => a + costOf(r), 0);
  let elsewhere = 0; // runs another process claimed: off this one's books
  let doneCost = 0;
  let spentSeconds = 0; // wall time of the cost done in this call (for the ETA)
  const log = opts.onLog ?? (() => {});
  log(
    `${e.name}: ${runs.length} runs in this shard, ${runs.length - todo.length} already done, ${todo.length} to run`,
  );
  let ran = 0;
  const paused = () => ({
    skipped: runs.length - todo.length + elsewhere,
    ran,
    remaining: todo.length - ran - elsewhere,
    paused: true,
  });
  for (const formed of packRuns(todo, opts.pack ?? 1)) {
    if (opts.signal?.aborted) return paused();
    const group = opts.claim ? await opts.claim(formed) : formed;
    for (const r of formed)
      if (!group.includes(r)) {
        elsewhere++;
        totalCost -= costOf(r);
      }
    if (!group.length) continue;
    const t0 = performance.now();
    // Each run's fraction done, for the overall fraction and the ETA.
    const fractions = new Map<RunSpec, number>();
    const progress =
      (run: RunSpec) =>
      (phase: SweepProgress['phase'], runFraction: number, extra: Partial<SweepProgress>) => {
        fractions.set(run, runFraction);
        let doneNow = doneCost;
        for (const [r, f] of fractions) doneNow += f * costOf(r);
        const overall = totalCost ? doneNow / totalCost : 1;
        const elapsed = spentSeconds + (performance.now() - t0) / 1000;
        // Measured so far, rescaled; before that, the estimate itself (in seconds) or nothing (FLOPs).
        const eta =
          doneNow > 0 && elapsed > 1
            ? ((totalCost - doneNow) * elapsed) / doneNow
            : seconds
              ? totalCost - doneNow
              : null;
        opts.onProgress?.({
          run,
          index: todo.indexOf(run),
          total: todo.length,
          phase,
          runFraction,
          overallFraction: overall,
          etaSeconds: eta,
          ...extra,
        });
      };
    const done = async (run: RunSpec, record: RunRecord) => {
      fractions.delete(run);
      doneCost += costOf(run);
      await store.append(record);
      await store.deleteCheckpoint(run.id);
      opts.onRecord?.(record);
      ran++;
    };
    if (group.length === 1) {
      const run = group[0]!;
      const record = await runOne(gpu, e, run, trainShareOf(run), store, opts, progress(run), log);
      spentSeconds += (performance.now() - t0) / 1000;
      if (!record) return paused();
      await done(run, record);
    } else {
      const wasPaused = await runPack(
        gpu,
        e,
        group,
        trainShareOf,
        store,
        opts,
        progress,
        log,
        done,
      );
      spentSeconds += (performance.now() - t0) / 1000;
      if (wasPaused) return paused();
    }
  }
  return { skipped: runs.length - todo.length + elsewhere, ran, remaining: 0, paused: false };
}

/**
 * Train a pack of runs of one shape side by side (each resuming from its checkpoint if it has one), and
 * evaluate and record each as it ends (`done`); true when paused.
 */
async function runPack(
  gpu: Gpu,
  e: Experiment,
  group: RunSpec[],
  trainShareOf: (run: RunSpec) => number,
  store: SweepStore,
  opts: SweepOptions,
  progress: (
    run: RunSpec,
  ) => (phase: SweepProgress['phase'], f: number, extra: Partial<SweepProgress>) => void,
  log: (m: string) => void,
  done: (run: RunSpec, record: RunRecord) => Promise<void>,
): Promise<boolean> {
  // One shape: one kernel choice for the whole pack.
  const kernelsSource = (await opts.prepare?.(group[0]!)) || 'default';
  const kernels = { ...gpu.choices } as Record<string, number>;
  const saved = await Promise.all(group.map((r) => store.loadCheckpoint(r.id)));
  const pack = new PackTrainer(
    gpu,
    group.map((r) => r.config),
    saved,
    group.map((r) => r.id),
  );
  try {
    for (const { index, message } of pack.unusable) {
      log(
        `${group[index]!.id}: its resume checkpoint is unusable (${message}); starting the run over`,
      );
      await store.deleteCheckpoint(group[index]!.id);
      saved[index] = null;
    }
    const resumedAt = group.map((run, i) => {
      if (!saved[i]) return undefined;
      const { tokens } = pack.progressOf(i);
      log(`${run.id}: resuming from its checkpoint at ${tokens} of ${run.config.tokens} tokens`);
      return tokens;
    });
    log(
      `${group.map((r) => r.id).join(', ')}: ${group.length} runs trained side by side (one pack)`,
    );
    const every = (opts.checkpointSeconds ?? 30) * 1000;
    let last = performance.now();
    const { paused } = await pack.run({
      signal: opts.signal,
      onProgress: (i, p) => {
        const run = group[i]!;
        progress(run)('train', trainShareOf(run) * (p.tokens / run.config.tokens), {
          train: p,
          resumedAt: resumedAt[i],
        });
      },
      checkpoint: async () => {
        const now = performance.now();
        if (!opts.signal?.aborted && now - last < every) return;
        last = now;
        for (const i of pack.running())
          await store.saveCheckpoint(group[i]!.id, await pack.snapshot(i));
      },
      onFinished: async (ended) => {
        // Runs that finished at one step sample as one pack when they can (same questions; adjacent
        // slots, as runs ending together are), each with the numbers it gets alone.
        const ok = ended.filter((x) => !x.result.diverged).map((x) => x.index);
        const together =
          ok.length > 1 &&
          evaluatesTogether(
            ok.map((i) => group[i]!.config),
            e.sampling,
          )
            ? pack.paramsOfRuns(ok)
            : null;
        const evaluated = new Map<number, Evaluated>();
        if (together) {
          const t1 = performance.now();
          const runs = together.order.map((i) => group[i]!);
          log(`${runs.map((r) => r.id).join(', ')}: ${runs.length} runs sampled side by side`);
          const evs = await evaluateModels(
            gpu,
            runs.map((r) => r.config),
            together.params,
            e.sampling,
            (p) => runs.forEach((run) => sampling(trainShareOf(run), progress(run))(p)),
          );
          const sample_s = (performance.now() - t1) / 1000;
          together.order.forEach((i, j) => evaluated.set(i, { evaluation: evs[j]!, sample_s }));
        }
        for (const { index: i, result } of ended) {
          const run = group[i]!;
          const record = await finishRun(
            gpu,
            e,
            run,
            result,
            pack.paramsOf(i),
            () => pack.checkpoint(i, result),
            trainShareOf(run),
            store,
            opts,
            progress(run),
            { choices: kernels, source: kernelsSource },
            evaluated.get(i),
          );
          await done(run, record);
        }
      },
    });
    return paused;
  } finally {
    pack.dispose();
  }
}

/** Train (resuming if a checkpoint exists) and evaluate one run; null when paused. trainShare: training's part of its cost. */
async function runOne(
  gpu: Gpu,
  e: Experiment,
  run: RunSpec,
  trainShare: number,
  store: SweepStore,
  opts: SweepOptions,
  progress: (phase: SweepProgress['phase'], f: number, extra: Partial<SweepProgress>) => void,
  log: (m: string) => void,
): Promise<RunRecord | null> {
  const kernelsSource = (await opts.prepare?.(run)) || 'default';
  const kernels = { ...gpu.choices } as Record<string, number>;
  const trainer = new Trainer(gpu, run.config);
  try {
    let resumedAt: number | undefined;
    const saved = await store.loadCheckpoint(run.id);
    if (saved) {
      try {
        trainer.restore(saved, run.id);
        resumedAt = trainer.tokens;
        log(
          `${run.id}: resuming from its checkpoint at ${trainer.tokens} of ${run.config.tokens} tokens`,
        );
      } catch (err) {
        log(
          `${run.id}: its resume checkpoint is unusable (${(err as Error).message}); starting the run over`,
        );
        await store.deleteCheckpoint(run.id);
      }
    }
    const every = (opts.checkpointSeconds ?? 30) * 1000;
    let last = performance.now();
    const result: TrainResult = await trainer.run(
      (p) =>
        progress('train', trainShare * (p.tokens / run.config.tokens), { train: p, resumedAt }),
      {
        signal: opts.signal,
        checkpoint: async () => {
          const now = performance.now();
          if (!opts.signal?.aborted && now - last < every) return;
          last = now;
          await store.saveCheckpoint(run.id, await trainer.snapshot());
        },
      },
    );
    if (result.paused) return null; // the checkpoint hook saved the state
    return await finishRun(
      gpu,
      e,
      run,
      result,
      trainer.model.paramsFlat,
      () => trainer.checkpoint(result),
      trainShare,
      store,
      opts,
      progress,
      { choices: kernels, source: kernelsSource },
    );
  } finally {
    trainer.dispose();
  }
}

/** Sampling progress as the run's: past its training share (`trainShare` of its cost), by the fraction sampled. */
const sampling =
  (
    trainShare: number,
    progress: (phase: SweepProgress['phase'], f: number, extra: Partial<SweepProgress>) => void,
  ) =>
  (p: EvalProgress) =>
    progress('sample', trainShare + (1 - trainShare) * p.fraction, { sample: p });

/** A run's evaluation made with others of its pack, and the pack's sampling time. */
interface Evaluated {
  evaluation: Evaluation;
  sample_s: number;
}

/**
 * Sample a trained run (`params`: its flat parameters) unless `evaluated` (sampled in a pack) says how it
 * did, keep its model, and make its record.
 */
async function finishRun(
  gpu: Gpu,
  e: Experiment,
  run: RunSpec,
  result: TrainResult,
  params: Tensor,
  model: () => Promise<Uint8Array>,
  trainShare: number,
  store: SweepStore,
  opts: SweepOptions,
  progress: (phase: SweepProgress['phase'], f: number, extra: Partial<SweepProgress>) => void,
  kernels: { choices: Record<string, number>; source: string },
  evaluated?: Evaluated,
): Promise<RunRecord> {
  const t1 = performance.now();
  const evaluation = result.diverged
    ? null
    : (evaluated?.evaluation ??
      (await evaluateModel(gpu, run.config, params, e.sampling, sampling(trainShare, progress))));
  const sample_s = evaluated?.sample_s ?? (performance.now() - t1) / 1000;
  if (store.saveModel && !result.diverged) await store.saveModel(run.id, await model());
  const empty = {
    k: e.sampling.k,
    value: e.sampling.k.map(() => NaN),
    lo: e.sampling.k.map(() => NaN),
    hi: e.sampling.k.map(() => NaN),
  };
  return {
    format: RECORD_FORMAT,
    id: run.id,
    sweep: e.name,
    config: run.config,
    N: run.N,
    N_nonemb: run.N_nonemb,
    D: result.tokens,
    C_train: 6 * run.N_nonemb * result.tokens,
    C_train_exact: result.trainFlops,
    curve: result.curve.map((p) => ({ tokens: p.tokens, loss: p.loss })),
    evals: result.evals.map((p) => ({ tokens: p.tokens, loss: p.loss })),
    eval_loss: result.finalEvalLoss,
    data: documentStats(streamOptions(run.config), result.tokens),
    diverged: !!result.diverged,
    sampling: {
      n: e.sampling.n,
      temperature: e.sampling.temperature,
      top_k: e.sampling.top_k,
      top_p: e.sampling.top_p,
      questions: evaluation?.questions.length ?? 0,
      seed: e.sampling.seed,
    },
    questions: evaluation?.questions ?? [],
    pass_at_k: evaluation?.pass_at_k ?? { sampling: empty, likelihood: empty },
    device: adapterLine(gpu.adapter),
    kernels: kernels.choices,
    kernels_source: kernels.source,
    timings: {
      train_s: result.seconds,
      sample_s,
      tokens_per_s: result.tokens / result.seconds,
      samples_per_s: evaluation?.samplesPerSec ?? 0,
    },
    code_version: opts.codeVersion ?? 'unknown',
    finished_at: new Date().toISOString(),
  };
}
