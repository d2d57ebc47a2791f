// One sweep at a time in the worker: start, pause, resume, and survive what a browser tab does to it.
// - The sweep in progress is written down (LabDb meta "active") before it starts, so a reload finds it,
//   keeps every finished run (they are records in the LabDb) and resumes the interrupted one from its
//   last resume checkpoint.
// - A lost device (driver reset, GPU process crash) is recreated and the sweep goes on from the last
//   checkpoint, with a notice the page shows.
import { GpuDeviceLostError, type Gpu } from '../gpu/context.ts';
import { expandRuns, validateExperiment, type Experiment } from '../sweep/experiment.ts';
import { runSweep, type SweepProgress, type SweepResult } from '../sweep/runner.ts';
import type { RunRecord } from '../sweep/record.ts';
import { sweepStore, type LabDb } from './db.ts';

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

/** How many times in a row a lost device is recreated before the sweep gives up. */
const MAX_DEVICE_LOSSES = 3;

/**
 * The smallest sub-grid (a prefix of the budget levels, the models and the seeds) whose runs are the
 * first runs of the full grid, at least `n` of them: a preset capped for a quick look or a test, whose
 * records are still records of the full preset (same sweep name, same run ids).
 */
export function firstRuns(e: Experiment, n: number): Experiment {
  const full = expandRuns(e).map((r) => r.id);
  if (n >= full.length) return e;
  const levels = 'tokens_per_param' in e.budgets ? e.budgets.tokens_per_param : e.budgets.flops;
  const budgets = (l: number[]) => ('tokens_per_param' in e.budgets ? { tokens_per_param: l } : { flops: l });
  let best: { exp: Experiment; runs: number } = { exp: e, runs: full.length };
  for (let L = 1; L <= levels.length; L++) {
    for (let M = 1; M <= e.models.length; M++) {
      for (let S = 1; S <= e.seeds.length; S++) {
        for (const extra of e.extra_seeds ? [false, true] : [false]) {
          const exp: Experiment = { ...e, budgets: budgets(levels.slice(0, L)), models: e.models.slice(0, M), seeds: e.seeds.slice(0, S) };
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

/** Whether `gpu`'s device is lost; a failed readback can arrive a moment before the loss is reported. */
async function deviceLost(gpu: Gpu): Promise<boolean> {
  if (gpu.lost) return true;
  await Promise.race([gpu.device.lost, new Promise((r) => setTimeout(r, 250))]);
  await Promise.resolve(); // let the Gpu's own device.lost handler record the loss first
  return gpu.lost !== null;
}

export class SweepSession {
  state: SweepState = 'idle';
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
  async start(experiment: unknown, opts: SweepStartOptions, onEvent: (e: SweepEvent) => void): Promise<SweepResult | null> {
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
      this.db.putMeta('active', { experiment, name: full.name, limit: opts.limit, state, updatedAt: new Date().toISOString() } satisfies ActiveSweep);
    await remember('running');
    emitState('running');
    if (exp !== full) onEvent({ type: 'log', message: `capped to the first ${expandRuns(exp).length} of ${expandRuns(full).length} runs of "${full.name}" (limit=${opts.limit})` });
    let result: SweepResult | null = null;
    let done!: () => void;
    this.running = new Promise((r) => (done = r));
    try {
      let losses = 0;
      for (;;) {
        const gpu = await this.device();
        let recorded = 0;
        let at = { id: '', tokens: 0 }; // the training position of the latest progress event
        const store = sweepStore(this.db, exp.name);
        const saveCheckpoint = store.saveCheckpoint;
        store.saveCheckpoint = async (id, bytes) => {
          await saveCheckpoint(id, bytes);
          onEvent({ type: 'checkpoint', id, tokens: at.id === id ? at.tokens : 0 });
        };
        try {
          result = await runSweep(gpu, exp, store, {
            signal: controller.signal,
            checkpointSeconds: opts.checkpointSeconds ?? 10,
            codeVersion: opts.codeVersion,
            onProgress: (progress) => {
              if (progress.train) at = { id: progress.run.id, tokens: progress.train.tokens };
              onEvent({ type: 'progress', progress });
            },
            onRecord: (record) => {
              recorded++;
              onEvent({ type: 'record', record });
            },
            onLog: (message) => onEvent({ type: 'log', message }),
          });
          break;
        } catch (e) {
          if (!(e instanceof GpuDeviceLostError || (await deviceLost(gpu)))) throw e;
          losses = recorded > 0 ? 1 : losses + 1;
          this.dropDevice();
          if (losses > MAX_DEVICE_LOSSES) throw new Error(`the GPU device was lost ${losses} times in a row without finishing a run; giving up (${(e as Error).message})`);
          const why = gpu.lost ? `${gpu.lost.reason}${gpu.lost.message ? `: ${gpu.lost.message}` : ''}` : (e as Error).message;
          onEvent({ type: 'notice', message: `The GPU device was lost (${why}). A new device was created; the sweep goes on from the last checkpoint.` });
        }
      }
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

  /** Ask the running sweep to stop after saving a resume checkpoint; resolves once it has stopped. */
  async pause(): Promise<void> {
    if (!this.controller) return;
    this.state = 'pausing';
    this.controller.abort();
    await this.running;
  }
}
