// `t2lab sweep FILE` runs an experiment's grid into a results directory (resumable, shardable) through
// the one sweep driver (src/sweep/driver.ts) with Node's hooks: a folder store, a Dawn device, the
// kernel-choice file. By role: loading the experiment file, the shard from flags or the scheduler, the
// folder's checks, pausing on signals, the progress line, driving the runs; the dry run is dry-run.ts.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import {
  UsageError,
  kernelsOption,
  openGpu,
  parseCommand,
  str,
  type CommandSpec,
} from '../args.ts';
import {
  CLAIMS_ENV,
  DirStore,
  claimRuns,
  claimsDir,
  kernelChoiceStore,
  otherExperiment,
} from '../store.ts';
import {
  validateExperiment,
  expandRuns,
  inferenceBudget,
  type Experiment,
  type RunSpec,
} from '../../sweep/experiment.ts';
import { shardRuns, type SweepProgress, type SweepResult } from '../../sweep/runner.ts';
import {
  changedSettings,
  chooseKernels,
  describeChanges,
  driveSweep,
  ExperimentChangedError,
} from '../../sweep/driver.ts';
import { estimateSweep } from '../../sweep/estimate.ts';
import { checkRunLimits } from '../../sweep/limits.ts';
import { packCapacity } from '../../sweep/pack.ts';
import { adapterLine } from '../../gpu/adapter.ts';
import { describeKernelChoice } from '../../sweep/kernel-choice.ts';
import type { Gpu } from '../../gpu/context.ts';
import { checkInput, checkOutput, readInput } from '../atomic.ts';
import { acquireLock, HEARTBEAT_MS, type Lock } from '../lock.ts';
import { dryRun, fmtTime } from './dry-run.ts';

export { fmtTime, formatEstimate } from './dry-run.ts';

export const SWEEP_SPEC: CommandSpec = {
  name: 'sweep',
  synopsis: 'experiments/NAME.ts',
  summary: `Run a grid of sizes × budgets × seeds, each trained then sampled, into one results folder; resumable
(run it again: finished runs are skipped, an interrupted one resumes from its checkpoint). Ctrl-C or
SIGTERM pauses: the current run saves a resume checkpoint, then the command exits (130 / 143).`,
  options: {
    out: {
      type: 'string',
      arg: 'DIR',
      help: 'results folder (default out/NAME): results.jsonl, models/, resume/, experiment.json, report.html',
    },
    shard: {
      type: 'string',
      arg: 'i/n',
      help: 'run runs i, i+n, ... (also from SLURM_ARRAY_TASK_ID + SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX + T2LAB_SHARDS)',
    },
    dry_run: {
      type: 'boolean',
      help: 'list the runs and estimate their time on this adapter from measured step times, then stop',
    },
    pack: {
      type: 'string',
      arg: 'N',
      help: 'train at most N runs of one model shape side by side, same numbers as alone (default 8, fewer where the adapter holds fewer; 1: one at a time)',
    },
    jobs: {
      type: 'string',
      arg: 'N',
      help: 'run the grid as N shards in N processes side by side, then merge them (on a CPU adapter, where one process leaves cores idle; default 1)',
    },
    no_report: { type: 'boolean', help: 'skip the fit and the HTML report at the end' },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'use these kernel versions instead of the measured choice (also T2LAB_KERNELS)',
    },
  },
  more: 'The experiment file is TypeScript (.ts), JavaScript (.mjs/.js) or JSON; the shipped ones are experiments/smoke.ts, classroom.ts, t2.ts.',
};

/** The experiment exported (default) by a file, validated. TypeScript files load from any folder. */
export async function loadExperiment(file: string): Promise<Experiment> {
  checkInput(
    file,
    'experiment file',
    '; the shipped ones are experiments/smoke.ts, experiments/classroom.ts, experiments/t2.ts',
  );
  let mod: { default?: unknown };
  try {
    if (file.endsWith('.json'))
      mod = { default: JSON.parse(readInput(file, 'experiment file').toString('utf8')) };
    else if (/\.[mc]?ts$/.test(file)) {
      // Outside a "type": "module" package tsx would compile a .ts file as CommonJS, which cannot import
      // our ES modules ("Cannot require() ES Module ... in a cycle"); tsImport loads it as ESM from anywhere.
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(resolve(file)).href, import.meta.url)) as {
        default?: unknown;
      };
    } else mod = await import(pathToFileURL(resolve(file)).href);
  } catch (e) {
    // Node's require stack after the message names a temporary module id, not the user's file.
    const why = String((e as Error)?.message ?? e).replace(/\nRequire stack:[\s\S]*$/, '');
    throw new UsageError(`cannot load ${file}: ${why}`);
  }
  // A file compiled as CommonJS arrives wrapped once more ({ default: { default: experiment } }).
  let value = mod.default;
  if (value && typeof value === 'object' && 'default' in value && !('name' in value))
    value = (value as { default: unknown }).default;
  return validateExperiment(value, file);
}

/** --shard i/n, else SLURM array or Kubernetes indexed-Job variables, else the whole grid. */
export function shardFromEnv(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { index: number; count: number } {
  const parse = (i: string, n: string, from: string) => {
    const index = Number(i),
      count = Number(n);
    if (!(
      Number.isInteger(index) &&
      Number.isInteger(count) &&
      count >= 1 &&
      index >= 0 &&
      index < count
    )) {
      throw new UsageError(`${from}: shard ${i}/${n} is invalid; need 0 <= i < n`);
    }
    return { index, count };
  };
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag);
    if (!m) throw new UsageError(`--shard must look like i/n (e.g. 0/4), got "${flag}"`);
    return parse(m[1]!, m[2]!, '--shard');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    // Without the count each array task would run the whole grid: every run trained n times.
    if (env.SLURM_ARRAY_TASK_COUNT === undefined)
      throw new UsageError(
        'SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not, so the shard count is unknown; pass --shard i/n (or unset SLURM_ARRAY_TASK_ID to run the whole grid)',
      );
    // SLURM array indices may start at SLURM_ARRAY_TASK_MIN (e.g. --array=1-8).
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    return parse(
      String(Number(env.SLURM_ARRAY_TASK_ID) - min),
      env.SLURM_ARRAY_TASK_COUNT,
      'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT',
    );
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const count = env.T2LAB_SHARDS ?? env.JOB_COMPLETIONS;
    if (count === undefined)
      throw new UsageError(
        "JOB_COMPLETION_INDEX is set but not the shard count: set T2LAB_SHARDS (or JOB_COMPLETIONS) to the Job's completions",
      );
    return parse(env.JOB_COMPLETION_INDEX, count, 'JOB_COMPLETION_INDEX');
  }
  return { index: 0, count: 1 };
}

function codeVersion(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    return `t2lab ${pkg.version}`;
  }
}

export async function sweepCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SWEEP_SPEC, args);
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length
        ? `expected one experiment file, got ${positionals.join(' ')}`
        : 'missing the experiment file (e.g. experiments/smoke.ts)',
    );
  const file = positionals[0]!;
  if (values.out === '')
    throw new UsageError('--out is an empty path; give a folder (or leave --out out for out/NAME)');
  const exp = await loadExperiment(file);
  const shard = shardFromEnv(str(values.shard), process.env);
  const dir = str(values.out) ?? join('out', exp.name);
  // A process of `--jobs`: the whole grid, its runs taken pack by pack through the shared claims folder.
  const claims = shard.count > 1 ? process.env[CLAIMS_ENV] || undefined : undefined;
  const runs = claims ? expandRuns(exp) : shardRuns(expandRuns(exp), shard);
  const overrides = kernelsOption(str(values.kernels));
  const packFlag = str(values.pack);
  if (packFlag !== undefined && !/^[1-9]\d*$/.test(packFlag))
    throw new UsageError(`--pack must be a whole number >= 1 (got "${packFlag}")`);
  const pack = packFlag ? Number(packFlag) : undefined;
  const jobsFlag = str(values.jobs);
  if (jobsFlag !== undefined && !/^[1-9]\d*$/.test(jobsFlag))
    throw new UsageError(`--jobs must be a whole number >= 1 (got "${jobsFlag}")`);
  const jobs = jobsFlag ? Number(jobsFlag) : 1;
  if (jobs > 1 && shard.count > 1)
    throw new UsageError(
      `--jobs ${jobs} runs its own shards; it cannot be combined with a shard (${shard.index}/${shard.count}): use one or the other`,
    );
  if (values.dry_run) return dryRun(exp, runs, shard, values.adapter, overrides, dir, pack);
  // Every check before the first step: the folder, its lock, then the device and each size's buffers.
  checkOutput(dir, {
    option: '--out',
    directory: true,
    inputs: [{ option: 'experiment', path: file }],
  });
  if (jobs > 1) return sweepJobs(file, exp, dir, jobs, args, !!values.no_report);
  const store = new DirStore(dir, shard);
  const lock = acquireLock(store.results, `t2lab sweep ${file}`, (m) =>
    console.error(`notice: ${m}`),
  );
  const heartbeat = setInterval(() => lock.beat(), HEARTBEAT_MS);
  heartbeat.unref();
  const signals = pauseOnSignals(lock);
  const line = progressLine();
  try {
    const todo = await checkFolder(store, exp, runs, claims ? null : shard, line.say);
    const result = await runSweep(store, exp, runs, todo, {
      shard,
      claims,
      adapter: values.adapter,
      overrides,
      pack: packFlag ? Number(packFlag) : undefined,
      signal: signals.signal,
      line,
    });
    if (result.paused) {
      console.log(
        `paused with ${result.remaining} runs left (finished runs and the interrupted run's checkpoint are kept in ${dir}); run the same command again to resume`,
      );
      return signals.received() === 'SIGTERM' ? 143 : 130;
    }
    console.log(
      `${result.ran} runs done now, ${result.skipped} were already done; results: ${store.results}`,
    );
  } catch (e) {
    line.stop();
    if (e instanceof ExperimentChangedError)
      throw new UsageError(
        // A new name alone is refused here too (otherExperiment): in the CLI the folder is what separates.
        e.message.replace(
          'a new name or a new results folder',
          `a new results folder (--out; this one is ${dir})`,
        ),
      );
    if (e instanceof Error && / does not fit this adapter/.test(e.message))
      throw new UsageError(e.message);
    throw e;
  } finally {
    clearInterval(heartbeat);
    lock.release();
    signals.off();
  }
  if (values.no_report || shard.count > 1) {
    if (shard.count > 1)
      console.log(
        `shard done; when every shard is, run: npx t2lab merge ${dir} && npx t2lab report ${join(dir, 'results.jsonl')}`,
      );
    return 0;
  }
  return sweepReport(exp, store.results, dir);
}

/** The report a finished sweep writes beside its results: the experiment's C_inf and stated held-out cut. */
async function sweepReport(exp: Experiment, results: string, dir: string): Promise<number> {
  const { writeReport } = await import('./report.ts');
  return writeReport({
    file: results,
    out: join(dir, 'report.html'),
    cInf: inferenceBudget(exp),
    fallbackHeldOutRatio: exp.holdout_ratio,
  });
}

/**
 * `--jobs N`: N `t2lab sweep --shard i/N` processes (the same command otherwise) side by side, their lines
 * prefixed "[i/N]", each taking whole packs from the grid's one list as it frees (claimRuns): a pack stays
 * in one process, and the work balances itself; each writes its shard file, merged at the end, then the
 * report. A signal reaches every process (each pauses as it would alone); the command exits with the first
 * failing one's code.
 */
async function sweepJobs(
  file: string,
  exp: Experiment,
  dir: string,
  jobs: number,
  args: string[],
  noReport: boolean,
): Promise<number> {
  const cli = fileURLToPath(new URL('../../../bin/t2lab.mjs', import.meta.url));
  // The same options, less --jobs (and its value), plus each child's shard; children skip the report.
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (/^--jobs(=|$)/.test(a)) {
      if (a === '--jobs') i++;
      continue;
    }
    rest.push(a);
  }
  // The processes take runs pack by pack from one list, each run claimed once (a claims file); claims of
  // an earlier, interrupted --jobs are cleared first, under a lock no other --jobs on this folder holds.
  const claims = claimsDir(dir);
  mkdirSync(dir, { recursive: true });
  const lock = acquireLock(claims, `t2lab sweep ${file} --jobs ${jobs}`, (m) =>
    console.error(`notice: ${m}`),
  );
  const heartbeat = setInterval(() => lock.beat(), HEARTBEAT_MS);
  heartbeat.unref();
  rmSync(claims, { recursive: true, force: true });
  mkdirSync(claims);
  console.log(`sweep: ${file} in ${jobs} processes taking packs from one list → ${dir}`);
  const children = Array.from({ length: jobs }, (_, i) =>
    spawn(process.execPath, [cli, 'sweep', ...rest, '--shard', `${i}/${jobs}`, '--no_report'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [CLAIMS_ENV]: claims },
    }),
  );
  const forward = (sig: NodeJS.Signals) => children.forEach((c) => c.kill(sig));
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    const codes = await Promise.all(
      children.map((child, i) => {
        const prefix = `[${i}/${jobs}] `;
        for (const [from, to] of [
          [child.stdout, process.stdout],
          [child.stderr, process.stderr],
        ] as const)
          createInterface({ input: from! }).on('line', (l) => to.write(`${prefix}${l}\n`));
        return new Promise<number>((done) =>
          child.on('close', (code, sig) => done(code ?? (sig === 'SIGTERM' ? 143 : 130))),
        );
      }),
    );
    const failed = codes.find((c) => c !== 0);
    if (failed !== undefined) {
      console.error(
        `t2lab sweep: a shard stopped with exit code ${failed}; run the same command again to resume`,
      );
      return failed;
    }
    rmSync(claims, { recursive: true, force: true });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    clearInterval(heartbeat);
    lock.release();
  }
  const { mergeCommand } = await import('./merge.ts');
  const merged = await mergeCommand([dir]);
  if (merged !== 0 || noReport) return merged;
  return sweepReport(exp, join(dir, 'results.jsonl'), dir);
}

/**
 * Ctrl-C and SIGTERM (what Slurm and Kubernetes send before a preemption) pause the sweep: the current
 * run saves a resume checkpoint. A second signal quits at once, releasing the lock.
 */
function pauseOnSignals(lock: Lock): {
  signal: AbortSignal;
  received: () => NodeJS.Signals | null;
  off: () => void;
} {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      lock.release(); // quitting at once: the run resumes from its last periodic checkpoint
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    received = sig;
    controller.abort();
    console.error(
      `\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: pausing: saving a resume checkpoint (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    received: () => received,
    off: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

interface ProgressLine {
  /** A message above the bar (or a plain line when there is no bar). */
  say: (m: string) => void;
  start: (runs: number) => void;
  update: (p: SweepProgress) => void;
  stop: () => void;
}

/** The progress bar on a terminal (none when stderr is not one); messages print above it. */
function progressLine(): ProgressLine {
  const bar = new cliProgress.SingleBar(
    {
      format: 'sweep [{bar}] {percentage}% | run {run}/{runs} {id} {phase} {detail} | ETA {eta}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let on = false;
  return {
    // Clear the bar's line, print, let the next update redraw it.
    say: (m) => void (on ? process.stderr.write(`\r\x1b[K${m}\n`) : console.log(m)),
    start: (runs) => {
      if (!process.stderr.isTTY) return;
      bar.start(100, 0, { run: 0, runs, id: '', phase: '', detail: '', eta: '--' });
      on = true;
    },
    update: (p) => {
      if (!on) return;
      const detail =
        p.phase === 'train' && p.train
          ? `loss ${p.train.loss.toFixed(3)} ${p.train.tokensPerSec.toFixed(0)} tok/s`
          : p.sample
            ? `${p.sample.done}/${p.sample.total} samples`
            : '';
      bar.update(Math.round(100 * p.overallFraction), {
        run: p.index + 1,
        runs: p.total,
        id: p.run.id,
        phase: p.phase,
        detail,
        eta: fmtTime(p.etaSeconds),
      });
    },
    stop: () => {
      if (on) bar.stop();
      on = false;
    },
  };
}

/**
 * What the folder already holds, before the device opens: refused when it holds another experiment's
 * runs (this one renamed, say) or runs of this one made with other settings; warned about when it holds
 * shards of another split. Returns the runs left to do.
 */
async function checkFolder(
  store: DirStore,
  exp: Experiment,
  runs: RunSpec[],
  shard: { index: number; count: number } | null,
  say: (m: string) => void,
): Promise<RunSpec[]> {
  const records = await store.records();
  const manifest = await store.loadManifest();
  const other = otherExperiment(store.dir, exp.name, records, manifest);
  if (other) throw new UsageError(other);
  // The driver checks again, for every host; here it is refused before the device opens.
  const changes = await changedSettings(exp, store, manifest);
  if (changes.length) throw new ExperimentChangedError(describeChanges(exp, changes), changes);
  // Shards of another count in the same folder: the grid is split two ways, so two shards running at
  // once may train the same run (finished runs of every results file are skipped).
  const counts = new Set(
    readdirSync(store.dir)
      .map((f) => /^results\.shard-\d+-of-(\d+)\.jsonl$/.exec(f)?.[1])
      .filter(Boolean)
      .map(Number),
  );
  if (shard && shard.count > 1 && [...counts].some((n) => n !== shard.count))
    say(
      `warning: ${store.dir} also holds shards of a ${[...counts].filter((n) => n !== shard.count).join('-way, a ')}-way split; this is a ${shard.count}-way split: shards of both running at once may train a run twice`,
    );
  const finished = new Set(records.filter((r) => r.sweep === exp.name).map((r) => r.id));
  return runs.filter((r) => !finished.has(r.id));
}

/** Open the device, check each run's buffers, start the ETA from kept step times, and drive the runs. */
async function runSweep(
  store: DirStore,
  exp: Experiment,
  runs: RunSpec[],
  todo: RunSpec[],
  o: {
    shard: { index: number; count: number };
    /** A process of --jobs: the claims folder it takes runs through (the whole grid, not a shard). */
    claims?: string;
    adapter: string | boolean | undefined;
    overrides: Record<string, number>;
    /** --pack: at most this many runs of one shape side by side (default: as many as fit, up to 8). */
    pack: number | undefined;
    signal: AbortSignal;
    line: ProgressLine;
  },
): Promise<SweepResult> {
  const { say } = o.line;
  let gpu: Gpu | null = await openGpu(o.adapter);
  try {
    for (const r of todo) checkRunLimits(r.config, gpu.limits, `run ${r.id}`);
    console.log(`adapter: ${adapterLine(gpu.adapter)}`);
    console.log(
      `sweep:   ${exp.name}: ${runs.length} runs${o.claims ? `, taken pack by pack with ${o.shard.count - 1} other processes` : o.shard.count > 1 ? ` in shard ${o.shard.index}/${o.shard.count}` : ''} → ${store.results}`,
    );
    const choiceStore = kernelChoiceStore((m) => say(`warning: ${m}`));
    // The ETA starts from the dry run's measured step times when they are kept; a sweep itself times
    // nothing. Timings are kept per kernel choice, so each size's choice is applied first.
    const g = gpu;
    const est = await estimateSweep(g, exp, todo, {
      store: choiceStore,
      measure: false,
      pack: (c) => packCapacity(c, g.limits, o.pack),
      prepare: async (run) =>
        void (await chooseKernels(
          g,
          run.config,
          { store: choiceStore, overrides: o.overrides },
          exp.kernels,
        )),
    });
    const byId = new Map(est.runs.map((r) => [r.id, r]));
    if (todo.length && est.runs.every((r) => r.basis !== 'none'))
      say(
        o.claims
          ? `estimate: ${fmtTime(est.total_s)} in one process for the ${todo.length} runs to do, shared by ${o.shard.count} (\`t2lab sweep --dry-run\` times what is not yet timed)`
          : `estimate: ${fmtTime(est.total_s)} for the ${todo.length} runs to do (\`t2lab sweep --dry-run\` times what is not yet timed)`,
      );
    o.line.start(runs.length);
    let lastKernels = ''; // printed when a run's versions differ from the previous run's
    // The driver recreates the device after a loss; `gpu` is always the current one.
    const result = await driveSweep(
      {
        store,
        device: async () => (gpu ??= await openGpu(o.adapter)),
        dropDevice: () => {
          gpu?.destroy();
          gpu = null;
        },
        kernels: {
          store: choiceStore,
          overrides: o.overrides,
          onChosen: (run, choice) => {
            const line = gpu ? describeKernelChoice(choice, gpu) : choice.source;
            if (line !== lastKernels) say(`${run.model}: kernels ${line}`);
            lastKernels = line;
          },
        },
        onNotice: (m) => say(`notice: ${m}`),
      },
      exp,
      {
        shard: o.claims ? undefined : o.shard,
        claim: o.claims ? claimRuns(o.claims) : undefined,
        signal: o.signal,
        // At most --pack (default 8) runs a pack, and no more than the adapter's buffers hold.
        pack: (c) => packCapacity(c, g.limits, o.pack),
        codeVersion: codeVersion(),
        estimate: (run) => byId.get(run.id) ?? null,
        onLog: (m) => say(m),
        onProgress: (p) => o.line.update(p),
        onRecord: (r) =>
          say(
            `done ${r.id}: D=${r.D} eval loss ${r.eval_loss.toFixed(3)}, pass@1 ${fmtPct(r.pass_at_k.sampling.value[0])} (sampled) / ${fmtPct(r.pass_at_k.likelihood.value[0])} (likelihood), train ${r.timings.train_s.toFixed(1)} s, sample ${r.timings.sample_s.toFixed(1)} s`,
          ),
      },
    );
    o.line.stop();
    return result;
  } finally {
    (gpu as Gpu | null)?.destroy();
  }
}

const fmtPct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
