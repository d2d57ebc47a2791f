// The sweep runner: every run of an experiment, one after another, each trained on exactly its D tokens
// and then sampled n times per question, appended to a store as one RunRecord. The store is a JSONL file
// plus checkpoint files in Node (src/node/store.ts) and IndexedDB in the browser; the runner only sees the
// interface, so both resume the same way:
// - a run whose record is in the store is skipped;
// - a run interrupted mid-training resumes from its last resume checkpoint (parameters, AdamW moments,
//   stream position, curve so far) and reaches the same numbers as an uninterrupted run;
// - pausing (the AbortSignal) saves a resume checkpoint and returns.
import type { Gpu } from '../gpu/context.ts';
import { evalTaskNames } from '../config.ts';
import { Trainer, streamOptions, type TrainProgress, type TrainResult } from '../train/trainer.ts';
import { documentStats } from '../data/stream.ts';
import { evaluateModel, type EvalProgress } from '../sample/evaluate.ts';
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
  const totalCost = todo.reduce((a, r) => a + costOf(r), 0);
  let doneCost = 0;
  let spentSeconds = 0; // wall time of the cost done in this call (for the ETA)
  const log = opts.onLog ?? (() => {});
  log(
    `${e.name}: ${runs.length} runs in this shard, ${runs.length - todo.length} already done, ${todo.length} to run`,
  );
  let ran = 0;
  for (const [i, run] of todo.entries()) {
    if (opts.signal?.aborted)
      return { skipped: runs.length - todo.length, ran, remaining: todo.length - i, paused: true };
    const cost = costOf(run);
    const t0 = performance.now();
    const progress = (
      phase: SweepProgress['phase'],
      runFraction: number,
      extra: Partial<SweepProgress>,
    ) => {
      const doneNow = doneCost + runFraction * cost;
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
        index: i,
        total: todo.length,
        phase,
        runFraction,
        overallFraction: overall,
        etaSeconds: eta,
        ...extra,
      });
    };
    const record = await runOne(gpu, e, run, trainShareOf(run), store, opts, progress, log);
    spentSeconds += (performance.now() - t0) / 1000;
    if (!record)
      return { skipped: runs.length - todo.length, ran, remaining: todo.length - i, paused: true };
    doneCost += cost;
    await store.append(record);
    await store.deleteCheckpoint(run.id);
    opts.onRecord?.(record);
    ran++;
  }
  return { skipped: runs.length - todo.length, ran, remaining: 0, paused: false };
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
    const t1 = performance.now();
    const evaluation = result.diverged
      ? null
      : await evaluateModel(gpu, run.config, trainer.model.paramsFlat, e.sampling, (p) =>
          progress('sample', trainShare + (1 - trainShare) * p.fraction, { sample: p }),
        );
    const sample_s = (performance.now() - t1) / 1000;
    if (store.saveModel && !result.diverged) {
      await store.saveModel(run.id, await trainer.checkpoint(result));
    }
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
      data: documentStats(streamOptions(run.config), trainer.stream.documentsRead()),
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
      kernels,
      kernels_source: kernelsSource,
      timings: {
        train_s: result.seconds,
        sample_s,
        tokens_per_s: result.tokens / result.seconds,
        samples_per_s: evaluation?.samplesPerSec ?? 0,
      },
      code_version: opts.codeVersion ?? 'unknown',
      finished_at: new Date().toISOString(),
    };
  } finally {
    trainer.dispose();
  }
}
