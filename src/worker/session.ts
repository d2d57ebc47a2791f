// One sweep at a time in the worker: start, pause, resume, and survive what a browser tab does to it.
// The sweep itself goes through the one driver shared with the CLI (src/sweep/driver.ts): the same
// settings check, the same measured kernel choice (cached per adapter in IndexedDB, as Node caches it in
// a file), the same device-loss recovery, the same records. What is the worker's own:
// - the sweep in progress is written down (LabDb meta "active") before it starts, so a reload finds it,
//   keeps every finished run (they are records in the LabDb) and resumes the interrupted one from its
//   last resume checkpoint;
// - events for the page (progress, records, checkpoints saved, notices).
import type { Gpu } from '../gpu/context.ts';
import {
  describeKernelChoice,
  type ChoiceStore,
  type KernelChoice,
} from '../sweep/kernel-choice.ts';
import {
  expandRuns,
  validateExperiment,
  type Experiment,
  type RunSpec,
} from '../sweep/experiment.ts';
import type { SweepProgress, SweepResult } from '../sweep/runner.ts';
import {
  changedSettings,
  chooseKernels,
  describeChanges,
  driveSweep,
  ExperimentChangedError,
  MAX_DEVICE_LOSSES,
  type DriverStore,
  type SweepManifest,
} from '../sweep/driver.ts';
import { estimateSweep, type SweepEstimate } from '../sweep/estimate.ts';
import { checkRunLimits } from '../sweep/limits.ts';
import { packCapacity } from '../sweep/pack.ts';
import type { Config } from '../config.ts';
import type { RunRecord } from '../sweep/record.ts';
import { sweepStore, type LabDb } from './db.ts';

/** Measured kernel choices and step times, per adapter, in the LabDb (IndexedDB): the browser's kernels.json. */
export function dbChoiceStore(db: LabDb): ChoiceStore {
  return {
    get: async (key) => (await db.getMeta<string>(`kernels|${key}`)) ?? null,
    set: (key, value) => db.putMeta(`kernels|${key}`, value),
  };
}

/** The driver's store for one sweep: records and checkpoints, plus its manifest in the LabDb's meta. */
export function driverStore(db: LabDb, sweep: string): DriverStore {
  return {
    ...sweepStore(db, sweep),
    loadManifest: async () => (await db.getMeta<SweepManifest>(`manifest|${sweep}`)) ?? null,
    saveManifest: (m) => db.putMeta(`manifest|${sweep}`, m),
  };
}

export { MAX_DEVICE_LOSSES };

export type SweepState = 'idle' | 'running' | 'pausing' | 'paused' | 'done' | 'error';

/** What the worker remembers about the sweep in progress (LabDb meta "active"). */
export interface ActiveSweep {
  /** As it was given to start() (so the page can tell which preset it was). */
  experiment: unknown;
  name: string;
  /** Run only the first `limit` runs of the grid (the URL's `limit=`); undefined: all. */
  limit?: number;
  state: SweepState;
  updatedAt: string;
}

export type SweepEvent =
  | { type: 'state'; state: SweepState; result?: SweepResult; error?: string }
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'record'; record: RunRecord }
  | { type: 'log'; message: string }
  /** A resume checkpoint of run `id` was saved at `tokens`: a reload from here loses at most what follows. */
  | { type: 'checkpoint'; id: string; tokens: number }
  /** Something the user must see: a device recreated, a run resumed from a checkpoint. */
  | { type: 'notice'; message: string };

export interface SweepStartOptions {
  limit?: number;
  /** Seconds between resume checkpoints; small in a browser, where a reload can come at any time. */
  checkpointSeconds?: number;
  codeVersion?: string;
}

/**
 * The smallest sub-grid (a prefix of the budget levels, the models and the seeds) whose runs are the
 * first runs of the full grid, at least `n` of them: a preset capped for a quick look or a test, whose
 * records are still records of the full preset (same sweep name, same run ids).
 */
export function firstRuns(e: Experiment, n: number): Experiment {
  const full = expandRuns(e).map((r) => r.id);
  if (n >= full.length) return e;
  const levels = 'tokens_per_param' in e.budgets ? e.budgets.tokens_per_param : e.budgets.flops;
  const budgets = (l: number[]) =>
    'tokens_per_param' in e.budgets ? { tokens_per_param: l } : { flops: l };
  let best: { exp: Experiment; runs: number } = { exp: e, runs: full.length };
  for (let L = 1; L <= levels.length; L++) {
    for (let M = 1; M <= e.models.length; M++) {
      for (let S = 1; S <= e.seeds.length; S++) {
        for (const extra of e.extra_seeds ? [false, true] : [false]) {
          const exp: Experiment = {
            ...e,
            budgets: budgets(levels.slice(0, L)),
            models: e.models.slice(0, M),
            seeds: e.seeds.slice(0, S),
          };
          if (!extra) delete exp.extra_seeds;
          const ids = expandRuns(exp).map((r) => r.id);
          const isPrefix = ids.length >= n && ids.every((id, i) => id === full[i]);
          if (isPrefix && ids.length < best.runs) best = { exp, runs: ids.length };
        }
      }
    }
  }
  return best.exp;
}

export class SweepSession {
  state: SweepState = 'idle';
  /** A sweep is training on this worker's GPU now (or finishing its run before a pause). */
  get isRunning(): boolean {
    return this.state === 'running' || this.state === 'pausing';
  }
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: LabDb,
    /** The device, created on first use and again after a loss. */
    private readonly device: () => Promise<Gpu>,
    /** Forget the current device so the next device() call makes a new one. */
    private readonly dropDevice: () => void,
  ) {}

  async active(): Promise<ActiveSweep | undefined> {
    return this.db.getMeta<ActiveSweep>('active');
  }

  /**
   * Run `experiment` (validated here; errors name the field) until it is done or paused. Finished runs of
   * the same sweep name are skipped and an interrupted run resumes from its checkpoint, so "resume" is
   * simply start again. Resolves when the sweep stops.
   */
  async start(
    experiment: unknown,
    opts: SweepStartOptions,
    onEvent: (e: SweepEvent) => void,
  ): Promise<SweepResult | null> {
    if (this.running) throw new Error('a sweep is already running; pause it first');
    const full = validateExperiment(experiment, 'sweep');
    const exp = opts.limit !== undefined ? firstRuns(full, opts.limit) : full;
    const controller = new AbortController();
    this.controller = controller;
    const emitState = (state: SweepState, extra: { result?: SweepResult; error?: string } = {}) => {
      this.state = state;
      onEvent({ type: 'state', state, ...extra });
    };
    const remember = (state: SweepState) =>
      this.db.putMeta('active', {
        experiment,
        name: full.name,
        limit: opts.limit,
        state,
        updatedAt: new Date().toISOString(),
      } satisfies ActiveSweep);
    await remember('running');
    emitState('running');
    if (exp !== full)
      onEvent({
        type: 'log',
        message: `capped to the first ${expandRuns(exp).length} of ${expandRuns(full).length} runs of "${full.name}" (limit=${opts.limit})`,
      });
    let result: SweepResult | null = null;
    let done!: () => void;
    this.running = new Promise((r) => (done = r));
    try {
      let at = { id: '', tokens: 0 }; // the training position of the latest progress event
      const store = driverStore(this.db, exp.name);
      const saveCheckpoint = store.saveCheckpoint;
      store.saveCheckpoint = async (id, bytes) => {
        await saveCheckpoint(id, bytes);
        onEvent({ type: 'checkpoint', id, tokens: at.id === id ? at.tokens : 0 });
      };
      // A changed experiment is refused before any tuning (the driver checks again).
      const changes = await changedSettings(exp, store, (await store.loadManifest?.()) ?? null);
      if (changes.length) throw new ExperimentChangedError(describeChanges(exp, changes), changes);
      const gpu = await this.device();
      const runs = expandRuns(exp);
      for (const r of runs) checkRunLimits(r.config, gpu.limits, `run ${r.id}`);
      const kernels = dbChoiceStore(this.db);
      // The ETA starts from step times measured earlier on this adapter (sweepEstimate), when there are some.
      const chosen = (run: RunSpec, choice: KernelChoice) =>
        onEvent({
          type: 'log',
          message: `${run.model}: kernels ${describeKernelChoice(choice, gpu)}`,
        });
      // Runs of one shape train side by side, as many as the adapter's buffers hold (up to 8), as in the CLI.
      const pack = (c: Config) => packCapacity(c, gpu.limits);
      const est = await estimateSweep(gpu, exp, runs, {
        store: kernels,
        measure: false,
        pack,
        prepare: async (run) =>
          void (await chooseKernels(gpu, run.config, { store: kernels }, exp.kernels)),
      });
      const byId = new Map(est.runs.map((r) => [r.id, r]));
      result = await driveSweep(
        {
          store,
          device: this.device,
          dropDevice: this.dropDevice,
          kernels: { store: kernels, onChosen: chosen },
          onNotice: (message) => onEvent({ type: 'notice', message }),
        },
        exp,
        {
          signal: controller.signal,
          checkpointSeconds: opts.checkpointSeconds ?? 10,
          pack,
          codeVersion: opts.codeVersion,
          estimate: (run) => byId.get(run.id) ?? null,
          onProgress: (progress) => {
            if (progress.train) at = { id: progress.run.id, tokens: progress.train.tokens };
            onEvent({ type: 'progress', progress });
          },
          onRecord: (record) => onEvent({ type: 'record', record }),
          onLog: (message) => onEvent({ type: 'log', message }),
        },
      );
      const state = result.paused ? 'paused' : 'done';
      await remember(state);
      emitState(state, { result });
      return result;
    } catch (e) {
      const message = (e as Error).message;
      await remember('error');
      emitState('error', { error: message });
      throw e;
    } finally {
      this.controller = null;
      this.running = null;
      done();
    }
  }

  /**
   * What `experiment` (capped to `limit` runs) will cost on this adapter, from step times measured here:
   * each model size not yet timed is timed now (a few steps and a small sampling pass) and kept in the
   * LabDb beside the kernel choice, so the Sweep view can show it before Start. Not while a sweep runs.
   */
  async estimate(experiment: unknown, opts: { limit?: number } = {}): Promise<SweepEstimate> {
    if (this.running)
      throw new Error('a sweep is running; the estimate would slow it and be disturbed by it');
    const full = validateExperiment(experiment, 'sweep');
    const exp = opts.limit !== undefined ? firstRuns(full, opts.limit) : full;
    const gpu = await this.device();
    const runs = expandRuns(exp);
    for (const r of runs) checkRunLimits(r.config, gpu.limits, `run ${r.id}`);
    const kernels = dbChoiceStore(this.db);
    return estimateSweep(gpu, exp, runs, {
      store: kernels,
      measure: true,
      pack: (c) => packCapacity(c, gpu.limits),
      prepare: async (run) =>
        void (await chooseKernels(gpu, run.config, { store: kernels }, exp.kernels)),
    });
  }

  /** Ask the running sweep to stop after saving a resume checkpoint; resolves once it has stopped. */
  async pause(): Promise<void> {
    if (!this.controller) return;
    this.state = 'pausing';
    this.controller.abort();
    await this.running;
  }
}
