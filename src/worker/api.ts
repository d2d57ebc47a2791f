// src/worker/: the browser GPU worker and its one API to the page, IndexedDB. Imports fit, sweep,
// bench, sample, kernels, gpu, stats, data, config; imported by web (layers:
// test/structure.test.ts).
//
// The one interface between the page and its worker (comlink). The worker file only calls expose();
// the UI only calls wrap(); the page never holds a GPUDevice. Everything heavy (training, sampling,
// benchmarks, parsing results files) runs behind this interface, off the page's main thread.
import type { Gpu } from '../gpu/context.ts';
import { adapterLine, type AdapterSummary } from '../gpu/adapter.ts';
import { createBrowserGpu } from '../gpu/browser.ts';
import { judge } from '../gpu/cases.ts';
import { benchCases, checkCases, kernelNames } from '../bench/registry.ts';
import { benchKernel, type BenchReport, type BenchRow } from '../bench/run.ts';
import { profileCase, toTraceEvents, type ProfileRow } from '../bench/trace.ts';
import { runPeerBench, type PeerReport, type PeerRow } from '../bench/peers/peer-bench.ts';
import { fma_peak_gflops } from '../../kernels/fma_peak/fma_peak.ts';
import type { RunRecord } from '../sweep/record.ts';
import type { QuestionResult } from '../sample/evaluate.ts';
import { fitAll, type FitReport } from '../fit/fit.ts';
import { pointsFromRecords } from '../fit/points.ts';
import { memoryDb, type BlobInfo, type LabDb } from './db.ts';
import { parseResultsJsonl, toCsv, toJsonl } from './results.ts';
import { autotune } from '../bench/autotune.ts';
import {
  defaultModelShapes,
  describeKernelChoice,
  resolveKernelVersions,
  describeRecord,
  storedRecords,
  type TuneRecord,
} from '../sweep/kernel-choice.ts';
import type { SweepEstimate } from '../sweep/estimate.ts';
import {
  SweepSession,
  dbChoiceStore,
  type ActiveSweep,
  type SweepEvent,
  type SweepStartOptions,
  type SweepState,
} from './session.ts';

export type { SweepEvent, ActiveSweep, SweepState, SweepStartOptions, SweepEstimate, TuneRecord };

/** One self-check case, judged as Vitest judges it (src/gpu/cases.ts judge): at its worst element. */
export interface CheckResult {
  kernel: string;
  version: string;
  shape: string;
  maxError: number; // |GPU − CPU| at the worst element (the one furthest past, or closest to, its bound)
  tolerance: number; // that element's bound, atol + rtol·|CPU|
  where?: string; // the output and index of that element, e.g. "m after step 2[17]"
  ok: boolean;
  error?: string;
}

/** This adapter's kernel choice: what runs now, and every stored measurement, in `t2lab devices`' words. */
export interface KernelChoices {
  adapter: string;
  current: string; // the versions a run of the default model uses here, and where from (describeKernelChoice)
  records: ReturnType<typeof describeRecord>[];
}

export interface ProfileReport {
  adapter: AdapterSummary;
  peakGflops: number;
  peakClock: string;
  rows: ProfileRow[];
}

/** One sweep in the store, for pickers. */
export interface SweepSummary {
  name: string;
  runs: number;
  lastFinished: string;
}

export interface T2Api {
  /** Open the device; throws a message saying what to do when WebGPU is missing. */
  init(): Promise<AdapterSummary>;
  /** Where results are kept: 'indexeddb', or 'memory' (with the reason) when the browser refuses storage. */
  storage(): Promise<{ kind: 'indexeddb' | 'memory'; reason?: string }>;

  // ---- kernels
  kernels(): Promise<string[]>;
  /** Every kernel version against its float64 CPU reference: each table's quick cases (kernels/<name>/<name>.cases.ts). */
  checkKernels(onResult: (r: CheckResult) => void): Promise<CheckResult[]>;
  /** The kernel benchmark; rows stream to onRow as they finish. */
  bench(
    opts: { kernels?: string[]; reps?: number },
    onRow: (r: BenchRow) => void,
  ): Promise<BenchReport>;
  /** The benchmark keeping every repetition, for the profiler and its trace export. */
  profile(
    opts: { kernels?: string[]; reps?: number },
    onRow: (r: ProfileRow) => void,
  ): Promise<ProfileReport>;
  /** A profile as Chrome/Perfetto trace-event JSON. */
  traceJson(report: ProfileReport): Promise<string>;
  /**
   * Our kernels against jax-js and TensorFlow.js on the same adapter (the GPU entry point this worker was given):
   * each row checks the results agree, then times all of them. `quick`: the small shapes only.
   */
  peers(opts: { quick?: boolean; reps?: number }, onRow: (r: PeerRow) => void): Promise<PeerReport>;

  // ---- sweeps
  /** Run (or resume) a sweep until done or paused; events stream to onEvent. Validation errors name the field. */
  sweepStart(
    experiment: unknown,
    opts: SweepStartOptions,
    onEvent: (e: SweepEvent) => void,
  ): Promise<void>;
  /** Stop after the current run saves a resume checkpoint. */
  sweepPause(): Promise<void>;
  /**
   * The sweep's estimated time on this adapter (the same model as `t2lab sweep --dry-run` and the progress
   * ETA): total_s, per-run train_s / sample_s. Times each model size not yet timed here (seconds each on
   * a software adapter) and keeps the timing in IndexedDB. `limit` as in sweepStart.
   */
  sweepEstimate(experiment: unknown, opts?: { limit?: number }): Promise<SweepEstimate>;

  // ---- kernel choice
  /**
   * The measured kernel choices kept for this adapter (IndexedDB), each with its timings: what the sweeps
   * here run, measured and cached exactly as the CLI does in ~/.cache/t2lab/kernels.json.
   */
  kernelChoices(): Promise<KernelChoices>;
  /**
   * Measure the kernel choice now for the default model (the one `t2lab train` runs with no options),
   * as `t2lab devices --tune` does, and keep it; `log` is the race, line by line. Refused while a sweep runs.
   */
  tuneKernels(): Promise<KernelChoices & { log: string[] }>;
  /** The sweep last started in this browser (kept across reloads), and whether this worker runs it now. */
  sweepActive(): Promise<{ active: ActiveSweep | null; running: boolean }>;

  // ---- results
  sweeps(): Promise<SweepSummary[]>;
  /** Finished runs of a sweep, without the sampled completions (see samples()). */
  results(sweep: string): Promise<RunRecord[]>;
  /** One run's questions with their samples. */
  samples(sweep: string, id: string): Promise<QuestionResult[]>;
  /**
   * Every law of `t2lab fit` on the sweep's finished runs (null when none can be fitted); sections that
   * cannot be fitted say why in `skipped`. Seconds of CPU for a small sweep, so it runs here, not on the page.
   */
  fit(
    sweep: string,
    opts?: { heldOutRatio?: number; fallbackHeldOutRatio?: number; bootstrap?: number },
  ): Promise<{ fit: FitReport | null; skipped: string[] }>;
  exportResults(sweep: string, format: 'jsonl' | 'csv'): Promise<string>;
  /** Import a results JSONL written by the CLI; bad lines are reported by number, the rest imported. */
  importResults(
    text: string,
  ): Promise<{ imported: number; sweeps: string[]; errors: { line: number; message: string }[] }>;
  deleteSweep(sweep: string): Promise<void>;
  /** Checkpoints of finished runs, downloadable as .safetensors. */
  checkpoints(sweep: string): Promise<BlobInfo[]>;
  checkpoint(sweep: string, id: string): Promise<Uint8Array | null>;
}

export interface ApiOptions {
  /** Opens the results store; when it fails the worker keeps results in memory and says so. */
  openDb?: () => Promise<LabDb>;
  codeVersion?: string;
}

const withoutSamples = (r: RunRecord): RunRecord => ({
  ...r,
  questions: r.questions.map(({ samples: _, ...q }) => q),
});

export function createApi(navigatorGpu: GPU | undefined, opts: ApiOptions = {}): T2Api {
  let gpu: Promise<Gpu> | null = null;
  const device = () =>
    (gpu ??= createBrowserGpu(navigatorGpu).catch((e) => {
      gpu = null; // let a later call try again
      throw e;
    }));
  let storage: { kind: 'indexeddb' | 'memory'; reason?: string } = {
    kind: 'memory',
    reason: 'no store configured',
  };
  const db: Promise<LabDb> = (
    opts.openDb ?? (() => Promise.reject(new Error('no store configured')))
  )().then(
    (d) => ((storage = { kind: 'indexeddb' }), d),
    (e: Error) => ((storage = { kind: 'memory', reason: e.message }), memoryDb()),
  );
  let session: SweepSession | null = null;
  const kernelChoices = async (): Promise<KernelChoices> => {
    const g = await device();
    const records = Object.values(await storedRecords(g, dbChoiceStore(await db)));
    return {
      adapter: adapterLine(g.adapter),
      current: describeKernelChoice(
        await resolveKernelVersions(g, defaultModelShapes(), { store: dbChoiceStore(await db) }),
        g,
      ),
      records: records.map(describeRecord),
    };
  };
  const sweepSession = async () =>
    (session ??= new SweepSession(await db, device, () => {
      void gpu?.then(
        (g) => g.destroy(),
        () => {},
      );
      gpu = null;
    }));

  return {
    async init() {
      return (await device()).adapter;
    },
    async storage() {
      await db;
      return storage;
    },
    async kernels() {
      return kernelNames;
    },
    async checkKernels(onResult) {
      const g = await device();
      const results: CheckResult[] = [];
      // Cases marked quick: false are Vitest's only: too slow on a software adapter (SwiftShader).
      for (const c of checkCases.filter((c) => c.quick !== false)) {
        let r: CheckResult;
        try {
          const w = judge(c, await c.run(g));
          r = {
            kernel: c.kernel,
            version: c.version,
            shape: c.shape,
            maxError: w.diff,
            tolerance: w.allowed,
            where: w.where,
            ok: w.ok,
          };
        } catch (e) {
          r = {
            kernel: c.kernel,
            version: c.version,
            shape: c.shape,
            maxError: NaN,
            tolerance: c.atol,
            ok: false,
            error: (e as Error).message,
          };
        }
        results.push(r);
        onResult(r);
      }
      return results;
    },
    async bench({ kernels, reps = 5 }, onRow) {
      const g = await device();
      const peak = await fma_peak_gflops(g);
      const report: BenchReport = {
        adapter: g.adapter,
        peakGflops: peak.gflops,
        peakClock: peak.clock,
        rows: [],
      };
      for (const c of benchCases.filter((c) => !kernels || kernels.includes(c.kernel))) {
        const row = await benchKernel(g, c, peak.gflops, reps);
        report.rows.push(row);
        onRow(row);
      }
      return report;
    },
    async profile({ kernels, reps = 5 }, onRow) {
      const g = await device();
      const peak = await fma_peak_gflops(g);
      const report: ProfileReport = {
        adapter: g.adapter,
        peakGflops: peak.gflops,
        peakClock: peak.clock,
        rows: [],
      };
      for (const c of benchCases.filter(
        (c) => (!kernels || kernels.includes(c.kernel)) && c.kernel !== 'train_step',
      )) {
        const row = await profileCase(g, c, peak.gflops, reps);
        report.rows.push(row);
        onRow(row);
      }
      return report;
    },
    async traceJson(report) {
      return JSON.stringify(toTraceEvents(report.rows, adapterLine(report.adapter)));
    },
    async peers({ quick = true, reps = 5 }, onRow) {
      return runPeerBench(await device(), { quick, reps }, onRow);
    },

    async sweepStart(experiment, startOpts, onEvent) {
      const s = await sweepSession();
      await s.start(experiment, { codeVersion: opts.codeVersion, ...startOpts }, onEvent);
    },
    async sweepPause() {
      await session?.pause();
    },
    async sweepEstimate(experiment, estOpts = {}) {
      return (await sweepSession()).estimate(experiment, estOpts);
    },
    kernelChoices,
    async tuneKernels() {
      if (session?.isRunning)
        throw new Error(
          'a sweep is running on this GPU: measuring now would time both at once; pause it or let it finish',
        );
      const g = await device();
      const log: string[] = [];
      await autotune(g, defaultModelShapes(), {
        store: dbChoiceStore(await db),
        retune: true,
        log: (l) => log.push(l),
      });
      return { ...(await kernelChoices()), log };
    },
    async sweepActive() {
      const s = await sweepSession();
      return {
        active: (await s.active()) ?? null,
        running: s.isRunning,
      };
    },

    async sweeps() {
      const by = new Map<string, SweepSummary>();
      for (const r of await (await db).records()) {
        const s = by.get(r.sweep) ?? { name: r.sweep, runs: 0, lastFinished: '' };
        s.runs++;
        if (r.finished_at > s.lastFinished) s.lastFinished = r.finished_at;
        by.set(r.sweep, s);
      }
      return [...by.values()].sort((a, b) => (a.lastFinished < b.lastFinished ? 1 : -1));
    },
    async results(sweep) {
      return (await (await db).records(sweep)).map(withoutSamples);
    },
    async samples(sweep, id) {
      const r = (await (await db).records(sweep)).find((x) => x.id === id);
      if (!r) throw new Error(`no run "${id}" in sweep "${sweep}"`);
      return r.questions;
    },
    async fit(sweep, { heldOutRatio, fallbackHeldOutRatio, bootstrap } = {}) {
      const { points, skipped } = pointsFromRecords(await (await db).records(sweep), {
        n: 'nonemb',
      });
      const fit = points.length
        ? fitAll(points, {
            heldOutRatio,
            fallbackHeldOutRatio,
            bootstrap,
            nKind: 'nonemb',
            passMethod: 'likelihood',
          })
        : null;
      return { fit, skipped };
    },
    async exportResults(sweep, format) {
      const records = await (await db).records(sweep);
      return format === 'csv' ? toCsv(records) : toJsonl(records);
    },
    async importResults(text) {
      const d = await db;
      const { records, errors } = parseResultsJsonl(text);
      for (const r of records) await d.putRecord(r);
      return {
        imported: records.length,
        sweeps: [...new Set(records.map((r) => r.sweep))],
        errors,
      };
    },
    async deleteSweep(sweep) {
      await (await db).deleteSweep(sweep);
    },
    async checkpoints(sweep) {
      return (await db).listBlobs('final', sweep);
    },
    async checkpoint(sweep, id) {
      return (await db).getBlob('final', sweep, id);
    },
  };
}
