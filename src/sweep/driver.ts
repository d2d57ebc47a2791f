// src/sweep/: experiments, the one sweep driver, the runner, the estimate, the results record.
// Imports train, sample, checkpoint, model, kernels, gpu, stats, data, config; imported by bench, fit,
// report, experiments, worker, node, web (layers: test/structure.test.ts).
//
// The one sweep driver, for every host: `t2lab sweep` (src/node/commands/sweep.ts) and the browser worker
// (src/worker/session.ts) both call driveSweep() with small hooks (a store, a device, a kernel-choice
// store, events), so both run the same kernels, recover from a lost device the same way and write the same
// records. What it adds around runSweep():
// - the experiment's settings are checked against the runs already done: a changed experiment (another
//   lr, other sampling) under the same sweep is refused with the list of what changed, never silently
//   reused; runs new to the grid (another seed, a larger model) simply run;
// - before each run, its kernel versions (kernel-choice.ts: the experiment's pins, overrides, a measurement
//   stored by `t2lab tune` or the Kernels page, else the adapter class's default); nothing is timed here;
// - a lost GPU device is recreated and the sweep goes on from the last resume checkpoint, with a notice;
// - the ETA and the overall fraction come from the time model of src/sweep/estimate.ts when given.
import { GpuDeviceLostError, type Gpu } from '../gpu/context.ts';
import {
  chooseKernelVersions,
  modelMatmulShapes,
  type ChoiceStore,
  type KernelChoice,
  type KernelPins,
} from './kernel-choice.ts';
import { evalTaskNames, modelShape } from '../config.ts';
import { expandRuns, type Experiment, type RunSpec } from './experiment.ts';
import {
  runSweep,
  shardRuns,
  type SweepOptions,
  type SweepResult,
  type SweepStore,
} from './runner.ts';
import type { RunRecord } from './record.ts';

/** What a sweep folder records about the experiment it ran: each run's settings, by run id. */
export interface SweepManifest {
  format: 't2lab-sweep-1';
  sweep: string;
  /** runSettings() of every run of the grid when it last started. */
  runs: Record<string, Record<string, unknown>>;
  written_at: string;
}

/** A SweepStore that can also keep the manifest (Node: DIR/experiment.json). */
export interface DriverStore extends SweepStore {
  loadManifest?(): Promise<SweepManifest | null>;
  saveManifest?(m: SweepManifest): Promise<void>;
}

export interface SweepHost {
  store: DriverStore;
  /** The device, created on first use and again after a loss. */
  device(): Promise<Gpu>;
  /** Forget (and destroy) the current device so the next device() call makes a new one. */
  dropDevice(): void;
  /**
   * Where measured kernel choices are kept per adapter (read, never written, by a run); overrides
   * (--kernels) win over a measurement, and the experiment's pins over both.
   */
  kernels?: {
    store?: ChoiceStore;
    overrides?: Record<string, number>;
    /** Each run's versions once chosen, e.g. to print them. */
    onChosen?: (run: RunSpec, choice: KernelChoice) => void;
  };
  /** Something the user must see: a device recreated. */
  onNotice?(message: string): void;
}

export type DriveOptions = Omit<SweepOptions, 'prepare'>;

/** How many times in a row a lost device is recreated before the sweep gives up. */
export const MAX_DEVICE_LOSSES = 3;

/** Refused: the experiment differs from the one that made the runs already in the store. */
export class ExperimentChangedError extends Error {
  override name = 'ExperimentChangedError';
  constructor(
    message: string,
    readonly changes: { key: string; from: unknown; to: unknown; runs: string[] }[],
  ) {
    super(message);
  }
}

/** Everything that decides a run's numbers besides its id: its flat config and the sampling settings. */
export function runSettings(e: Experiment, r: RunSpec): Record<string, unknown> {
  const s = e.sampling;
  return {
    ...r.config,
    'sampling.questions': s.questions,
    'sampling.n': s.n,
    'sampling.k': s.k.join(','),
    'sampling.temperature': s.temperature,
    'sampling.top_k': s.top_k,
    'sampling.top_p': s.top_p,
    'sampling.max_new': s.max_new,
    'sampling.seed': s.seed,
  };
}

/** The same settings as far as a finished run's record tells them (it does not keep max_new). */
export function recordSettings(r: RunRecord): Record<string, unknown> {
  const tasks = evalTaskNames(r.config).length;
  const s = r.sampling;
  const out: Record<string, unknown> = {
    ...r.config,
    'sampling.n': s.n,
    'sampling.temperature': s.temperature,
    'sampling.top_k': s.top_k,
    'sampling.top_p': s.top_p,
    'sampling.seed': s.seed,
  };
  if (r.pass_at_k?.sampling?.k?.length) out['sampling.k'] = r.pass_at_k.sampling.k.join(',');
  // A diverged run was never sampled: its question count says nothing.
  if (!r.diverged && s.questions > 0) out['sampling.questions'] = s.questions / tasks;
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The settings that differ between what made the runs already done (their records, and the manifest
 * for runs with a resume checkpoint) and `e`, per key, with the runs concerned. Empty: nothing changed
 * for any run that would be reused.
 */
export async function changedSettings(
  e: Experiment,
  store: DriverStore,
  manifest: SweepManifest | null,
): Promise<ExperimentChangedError['changes']> {
  const runs = new Map(expandRuns(e).map((r) => [r.id, r]));
  const byKey = new Map<string, { key: string; from: unknown; to: unknown; runs: string[] }>();
  const compare = (id: string, was: Record<string, unknown>, now: Record<string, unknown>) => {
    for (const key of Object.keys(now)) {
      if (!(key in was) || same(was[key], now[key])) continue;
      const k = `${key}\u0000${JSON.stringify(was[key])}`;
      const c = byKey.get(k) ?? { key, from: was[key], to: now[key], runs: [] };
      c.runs.push(id);
      byKey.set(k, c);
    }
  };
  const done = new Set<string>();
  for (const rec of await store.records()) {
    const run = rec.sweep === e.name ? runs.get(rec.id) : undefined;
    if (!run) continue;
    done.add(rec.id);
    compare(rec.id, recordSettings(rec), runSettings(e, run));
  }
  for (const [id, was] of Object.entries(manifest?.sweep === e.name ? manifest.runs : {})) {
    const run = runs.get(id);
    if (!run || done.has(id) || !(await store.loadCheckpoint(id))) continue; // only a run that would resume
    compare(id, was, runSettings(e, run));
  }
  return [...byKey.values()];
}

/** The refusal, in words: each changed key with its old and new value and the runs it concerns. */
export function describeChanges(e: Experiment, changes: ExperimentChangedError['changes']): string {
  const fmt = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const lines = changes.map(
    (c) =>
      `  ${c.key}: ${fmt(c.from)} → ${fmt(c.to)} (${c.runs.length} run${c.runs.length > 1 ? 's' : ''}: ${c.runs.slice(0, 3).join(', ')}${c.runs.length > 3 ? ', …' : ''})`,
  );
  const runs = new Set(changes.flatMap((c) => c.runs)).size;
  return `the experiment "${e.name}" has changed since its ${runs} finished or started run${runs > 1 ? 's were' : ' was'} made, so they would be reused as if made with the new settings:\n${lines.join('\n')}\nUndo the change, or give the changed experiment a new name or a new results folder.`;
}

/** Whether `gpu`'s device is lost; a failed readback can arrive a moment before the loss is reported. */
export async function deviceLost(gpu: Gpu): Promise<boolean> {
  if (gpu.lost) return true;
  await Promise.race([gpu.device.lost, new Promise((r) => setTimeout(r, 250))]);
  await Promise.resolve(); // let the Gpu's own device.lost handler record the loss first
  return gpu.lost !== null;
}

/**
 * One run's kernel versions, into gpu.choices: the one call both hosts make before a run trains (and the
 * estimate before it times a step), so both run the same kernels. Times nothing (src/choice/).
 */
export async function chooseKernels(
  gpu: Gpu,
  config: RunSpec['config'],
  kernels: SweepHost['kernels'],
  pins?: KernelPins,
): Promise<KernelChoice> {
  return chooseKernelVersions(gpu, modelMatmulShapes(modelShape(config), config.batch_size), {
    pins,
    overrides: kernels?.overrides,
    store: kernels?.store,
  });
}

/**
 * Run an experiment (already validated) through `host` until it is done or paused: settings checked,
 * manifest written, kernels chosen per run, device losses recovered. Throws ExperimentChangedError before
 * any work when the store holds runs made with other settings.
 */
export async function driveSweep(
  host: SweepHost,
  e: Experiment,
  opts: DriveOptions = {},
): Promise<SweepResult> {
  const { store } = host;
  shardRuns(expandRuns(e), opts.shard); // a bad shard fails here, before any check or device
  const manifest = (await store.loadManifest?.()) ?? null;
  const changes = await changedSettings(e, store, manifest);
  if (changes.length) throw new ExperimentChangedError(describeChanges(e, changes), changes);
  // Runs of the old manifest that are not in this grid stay recorded: extending a grid keeps them.
  const runs = Object.fromEntries(expandRuns(e).map((r) => [r.id, runSettings(e, r)]));
  await store.saveManifest?.({
    format: 't2lab-sweep-1',
    sweep: e.name,
    runs: { ...(manifest?.sweep === e.name ? manifest.runs : {}), ...runs },
    written_at: new Date().toISOString(),
  });
  let losses = 0;
  for (;;) {
    const gpu = await host.device();
    let recorded = 0;
    try {
      return await runSweep(gpu, e, store, {
        ...opts,
        prepare: async (run) => {
          const choice = await chooseKernels(gpu, run.config, host.kernels, e.kernels);
          host.kernels?.onChosen?.(run, choice);
          return choice.source;
        },
        onRecord: (r) => {
          recorded++;
          opts.onRecord?.(r);
        },
      });
    } catch (err) {
      if (!(err instanceof GpuDeviceLostError || (await deviceLost(gpu)))) throw err;
      losses = recorded > 0 ? 1 : losses + 1;
      host.dropDevice();
      if (losses > MAX_DEVICE_LOSSES)
        throw new Error(
          `the GPU device was lost ${losses} times in a row without finishing a run; giving up (${(err as Error).message})`,
        );
      const why = gpu.lost
        ? `${gpu.lost.reason}${gpu.lost.message ? `: ${gpu.lost.message}` : ''}`
        : (err as Error).message;
      host.onNotice?.(
        `The GPU device was lost (${why}). A new device was created; the sweep goes on from the last checkpoint.`,
      );
    }
  }
}
