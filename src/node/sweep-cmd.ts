// `t2lab sweep FILE` runs an experiment's grid into a results directory (resumable, shardable) through
// the one sweep driver (src/sweep/driver.ts) with Node's hooks: a folder store, a Dawn device, the
// kernel-choice file. `t2lab merge` unites the shards' results files without ever dropping a line.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { UsageError, openGpu, parseCommand, str, type CommandSpec } from './args.ts';
import { DirStore, RESULTS_FILE, kernelChoiceStore, readResultsDir, runFileName } from './store.ts';
import {
  validateExperiment,
  expandRuns,
  inferenceBudget,
  type Experiment,
  type RunSpec,
} from '../sweep/experiment.ts';
import { shardRuns } from '../sweep/runner.ts';
import {
  changedSettings,
  chooseKernels,
  describeChanges,
  driveSweep,
  ExperimentChangedError,
  type SweepManifest,
} from '../sweep/driver.ts';
import { estimateSweep, type SweepEstimate } from '../sweep/estimate.ts';
import { checkRunLimits } from '../sweep/limits.ts';
import { packCapacity } from '../sweep/pack.ts';
import { adapterLine } from '../gpu/adapter.ts';
import { describeChoices } from '../bench/autotune.ts';
import { kernelOverrides } from './autotune-store.ts';
import type { Gpu } from '../gpu/context.ts';
import { parseRecordsJsonl, type RunRecord } from '../sweep/record.ts';
import { appendDurable, checkOutput, writeFileAtomic } from './atomic.ts';
import { acquireLock, HEARTBEAT_MS } from './lock.ts';

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
    no_report: { type: 'boolean', help: 'skip the fit and the HTML report at the end' },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'use these kernel versions instead of the measured choice (also T2LAB_KERNELS)',
    },
  },
  more: 'The experiment file is TypeScript (.ts), JavaScript (.mjs/.js) or JSON; the shipped ones are experiments/smoke.ts, classroom.ts, t2.ts.',
};

export const MERGE_SPEC: CommandSpec = {
  name: 'merge',
  synopsis: 'DIR | FILE.jsonl ...',
  summary: `Unite results files (one record per run) into DIR/results.jsonl (or --out FILE). A DIR merges its
results.shard-i-of-n.jsonl files, warning about missing shards and mixed shard counts. Nothing is dropped:
every line that cannot be read, and every differing second copy of a run, is printed and kept in
merge-skipped.jsonl beside the output.`,
  options: {
    out: {
      type: 'string',
      arg: 'FILE',
      help: 'the merged file (default DIR/results.jsonl, or results.jsonl here)',
    },
  },
};

/** The experiment exported (default) by a file, validated. TypeScript files load from any folder. */
export async function loadExperiment(file: string): Promise<Experiment> {
  if (!existsSync(file))
    throw new UsageError(
      `experiment file "${file}" not found; the shipped ones are experiments/smoke.ts, experiments/classroom.ts, experiments/t2.ts`,
    );
  if (statSync(file).isDirectory())
    throw new UsageError(
      `"${file}" is a folder; give an experiment file, e.g. experiments/smoke.ts`,
    );
  let mod: { default?: unknown };
  try {
    if (file.endsWith('.json')) mod = { default: JSON.parse(readFileSync(file, 'utf8')) };
    else if (/\.[mc]?ts$/.test(file)) {
      // Outside a "type": "module" package tsx would compile a .ts file as CommonJS, which cannot import
      // our ES modules ("Cannot require() ES Module ... in a cycle"); tsImport loads it as ESM from anywhere.
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(resolve(file)).href, import.meta.url)) as {
        default?: unknown;
      };
    } else mod = await import(pathToFileURL(resolve(file)).href);
  } catch (e) {
    throw new UsageError(`cannot load ${file}: ${(e as Error).message}`);
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
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    return `t2lab ${pkg.version}`;
  }
}

export const fmtTime = (s: number | null) =>
  s === null || !Number.isFinite(s)
    ? '--'
    : s < 10
      ? `${s.toFixed(1)} s`
      : s >= 3600
        ? `${(s / 3600).toFixed(1)} h`
        : s >= 60
          ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
          : `${Math.round(s)} s`;

/** The estimate in words: total, set-up, and which sizes were timed, read from the store or scaled. */
export function formatEstimate(est: SweepEstimate): string {
  const lines = [
    `estimate: ${fmtTime(est.total_s)} on this adapter (${fmtTime(est.setup_s)} of it compiling and setting up each model size), from step times measured ${est.measuredNow.length ? `now for ${est.measuredNow.join(', ')}` : 'earlier (kept with the kernel choice)'}`,
  ];
  if (est.unmeasured.length)
    lines.push(
      `          not timed: ${est.unmeasured.join(', ')} (${est.runs.some((r) => r.basis === 'scaled') ? 'scaled from the nearest timed size by FLOPs' : 'no estimate'})`,
    );
  lines.push(
    '          sampling is timed on an untrained model, whose samples never stop early: an upper bound',
  );
  return lines.join('\n');
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
  const exp = await loadExperiment(file);
  const shard = shardFromEnv(str(values.shard), process.env);
  const dir = str(values.out) ?? join('out', exp.name);
  const runs = shardRuns(expandRuns(exp), shard);
  const kernels = str(values.kernels);
  const overrides = kernelOverrides(kernels);
  const packFlag = str(values.pack);
  if (packFlag !== undefined && !/^[1-9]\d*$/.test(packFlag))
    throw new UsageError(`--pack must be a whole number >= 1 (got "${packFlag}")`);
  if (values.dry_run) return dryRun(exp, runs, shard, values.adapter, overrides, dir);

  // Every check before the first step: the folder, its lock, then the device and each size's buffers.
  checkOutput(dir, {
    option: '--out',
    directory: true,
    inputs: [{ option: 'experiment', path: file }],
  });
  const store = new DirStore(dir, shard);
  const lock = acquireLock(store.results, `t2lab sweep ${file}`, (m) =>
    console.error(`notice: ${m}`),
  );
  const heartbeat = setInterval(() => lock.beat(), HEARTBEAT_MS);
  heartbeat.unref();
  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      lock.release(); // quitting at once: the run resumes from its last periodic checkpoint
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    signalled = sig;
    controller.abort();
    console.error(
      `\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: pausing: saving a resume checkpoint (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let gpu: Gpu | null = null;
  const interactive = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    {
      format: 'sweep [{bar}] {percentage}% | run {run}/{runs} {id} {phase} {detail} | ETA {eta}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let barOn = false;
  // Messages go above the bar: clear its line, print, let the next update redraw it.
  const say = (m: string) => (barOn ? process.stderr.write(`\r\x1b[K${m}\n`) : console.log(m));
  try {
    // A changed experiment is refused before the device opens (the driver checks again, for every host).
    const changes = await changedSettings(exp, store, await store.loadManifest());
    if (changes.length) throw new ExperimentChangedError(describeChanges(exp, changes), changes);
    const finished = new Set(
      (await store.records()).filter((r) => r.sweep === exp.name).map((r) => r.id),
    );
    const todo = runs.filter((r) => !finished.has(r.id));
    gpu = await openGpu(values.adapter);
    for (const r of todo) checkRunLimits(r.config, gpu.limits, `run ${r.id}`);
    console.log(`adapter: ${adapterLine(gpu.adapter)}`);
    console.log(
      `sweep:   ${exp.name}: ${runs.length} runs${shard.count > 1 ? ` in shard ${shard.index}/${shard.count}` : ''} → ${store.results}`,
    );
    // Shards of another count in the same folder: the grid is split two ways, so two shards running at
    // once may train the same run (finished runs of every results file are skipped).
    const counts = new Set(
      readdirSync(dir)
        .map((f) => /^results\.shard-\d+-of-(\d+)\.jsonl$/.exec(f)?.[1])
        .filter(Boolean)
        .map(Number),
    );
    if (shard.count > 1 && [...counts].some((n) => n !== shard.count))
      say(
        `warning: ${dir} also holds shards of a ${[...counts].filter((n) => n !== shard.count).join('-way, a ')}-way split; this is a ${shard.count}-way split: shards of both running at once may train a run twice`,
      );
    const choiceStore = kernelChoiceStore((m) => say(`warning: ${m}`));
    // The ETA starts from the dry run's measured step times when they are kept; a sweep itself times nothing.
    // Timings are kept per kernel choice, so each size's choice is applied first (measured now if new:
    // its first run would measure it anyway).
    const g = gpu;
    const est = await estimateSweep(g, exp, todo, {
      store: choiceStore,
      measure: false,
      prepare: async (run) =>
        void (
          (await chooseKernels(g, run.config, { store: choiceStore, overrides })) &&
          say(`${run.model}: kernels ${describeChoices(g)} (measured now)`)
        ),
    });
    const byId = new Map(est.runs.map((r) => [r.id, r]));
    if (todo.length && est.runs.every((r) => r.basis !== 'none'))
      say(
        `estimate: ${fmtTime(est.total_s)} for the ${todo.length} runs to do (\`t2lab sweep --dry-run\` times what is not yet timed)`,
      );
    if (interactive) {
      bar.start(100, 0, { run: 0, runs: runs.length, id: '', phase: '', detail: '', eta: '--' });
      barOn = true;
    }
    // The driver recreates the device after a loss; `gpu` is always the current one (destroyed at the end).
    const result = await driveSweep(
      {
        store,
        device: async () => (gpu ??= await openGpu(values.adapter)),
        dropDevice: () => {
          gpu?.destroy();
          gpu = null;
        },
        kernels: {
          store: choiceStore,
          overrides,
          onMeasured: (run) =>
            say(`${run.model}: kernels ${gpu ? describeChoices(gpu) : ''} (measured now)`),
        },
        onNotice: (m) => say(`notice: ${m}`),
      },
      exp,
      {
        shard,
        signal: controller.signal,
        // At most --pack (default 8) runs a pack, and no more than the adapter's buffers hold.
        pack: (c) => packCapacity(c, g.limits, packFlag ? Number(packFlag) : undefined),
        codeVersion: codeVersion(),
        estimate: (run) => byId.get(run.id) ?? null,
        onLog: (m) => say(m),
        onProgress: (p) => {
          const detail =
            p.phase === 'train' && p.train
              ? `loss ${p.train.loss.toFixed(3)} ${p.train.tokensPerSec.toFixed(0)} tok/s`
              : p.sample
                ? `${p.sample.done}/${p.sample.total} samples`
                : '';
          if (barOn)
            bar.update(Math.round(100 * p.overallFraction), {
              run: p.index + 1,
              runs: p.total,
              id: p.run.id,
              phase: p.phase,
              detail,
              eta: fmtTime(p.etaSeconds),
            });
        },
        onRecord: (r) =>
          say(
            `done ${r.id}: D=${r.D} eval loss ${r.eval_loss.toFixed(3)}, pass@1 ${fmtPct(r.pass_at_k.sampling.value[0])} (sampled) / ${fmtPct(r.pass_at_k.likelihood.value[0])} (likelihood), train ${r.timings.train_s.toFixed(1)} s, sample ${r.timings.sample_s.toFixed(1)} s`,
          ),
      },
    );
    if (barOn) bar.stop();
    barOn = false;
    if (result.paused) {
      console.log(
        `paused with ${result.remaining} runs left (finished runs and the interrupted run's checkpoint are kept in ${dir}); run the same command again to resume`,
      );
      return signalled === 'SIGTERM' ? 143 : 130;
    }
    console.log(
      `${result.ran} runs done now, ${result.skipped} were already done; results: ${store.results}`,
    );
  } catch (e) {
    if (barOn) bar.stop();
    if (e instanceof ExperimentChangedError)
      throw new UsageError(
        `${e.message.replace('a new results folder', `a new results folder (--out; this one is ${dir})`)}`,
      );
    if (e instanceof Error && / does not fit this adapter/.test(e.message))
      throw new UsageError(e.message);
    throw e;
  } finally {
    clearInterval(heartbeat);
    lock.release();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    gpu?.destroy();
  }
  if (values.no_report || shard.count > 1) {
    if (shard.count > 1)
      console.log(
        `shard done; when every shard is, run: npx t2lab merge ${dir} && npx t2lab report ${join(dir, 'results.jsonl')}`,
      );
    return 0;
  }
  const { writeReport } = await import('./report-cmd.ts');
  return writeReport({
    file: store.results,
    out: join(dir, 'report.html'),
    cInf: inferenceBudget(exp),
    heldOutRatio: exp.holdout_ratio,
  });
}

/** `--dry-run`: the runs, and their estimated time on this adapter (timing the sizes not yet timed). */
async function dryRun(
  exp: Experiment,
  runs: RunSpec[],
  shard: { index: number; count: number },
  adapter: string | boolean | undefined,
  overrides: Record<string, number>,
  dir: string,
): Promise<number> {
  // What the folder already holds, read without writing anything: finished runs, and whether the
  // experiment's settings still match them (the real sweep would refuse otherwise).
  const records = existsSync(dir)
    ? (await readResultsDir(dir, (m) => console.error(`warning: ${m}`))).filter(
        (r) => r.sweep === exp.name,
      )
    : [];
  const done = new Set(records.map((r) => r.id));
  if (existsSync(dir)) {
    const manifestFile = join(dir, 'experiment.json');
    let manifest: SweepManifest | null = null;
    try {
      manifest = existsSync(manifestFile)
        ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as SweepManifest)
        : null;
    } catch {
      // unreadable: the records alone are checked
    }
    const changes = await changedSettings(
      exp,
      {
        records: async () => records,
        loadCheckpoint: async (id) =>
          existsSync(join(dir, 'resume', `${runFileName(id)}.safetensors`))
            ? new Uint8Array(1)
            : null,
        append: async () => {},
        saveCheckpoint: async () => {},
        deleteCheckpoint: async () => {},
      },
      manifest,
    );
    if (changes.length)
      console.log(
        `warning: ${dir} holds runs made with other settings; \`t2lab sweep\` would refuse: ${describeChanges(exp, changes)}`,
      );
  }
  const todo = runs.filter((r) => !done.has(r.id));
  console.log(
    `${exp.name}: ${runs.length} runs${shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : ''}${done.size ? `, ${runs.length - todo.length} already done in ${dir}, ${todo.length} to run` : ''}`,
  );
  let est: SweepEstimate | null = null;
  let gpu: Gpu | null = null;
  try {
    if (!todo.length) throw new Error('nothing left to run');
    gpu = await openGpu(adapter);
    for (const r of todo) checkRunLimits(r.config, gpu.limits, `run ${r.id}`);
    const store = kernelChoiceStore((m) => console.error(`warning: ${m}`));
    const g = gpu;
    est = await estimateSweep(g, exp, todo, {
      store,
      measure: true,
      onLog: (m) => console.error(m),
      prepare: async (run) => void (await chooseKernels(g, run.config, { store, overrides })),
    });
  } catch (e) {
    if (e instanceof Error && / does not fit this adapter/.test(e.message))
      throw new UsageError(e.message);
    console.log(`(no time estimate: ${(e as Error).message.split('\n')[0]})`);
  } finally {
    gpu?.destroy();
  }
  const byId = new Map(est?.runs.map((r) => [r.id, r]));
  for (const r of runs) {
    const t = byId.get(r.id);
    const time = done.has(r.id)
      ? '  done'
      : t && Number.isFinite(t.train_s)
        ? `  ~${fmtTime(t.train_s + t.sample_s).padStart(6)} (train ${fmtTime(t.train_s)}, sample ${fmtTime(t.sample_s)})`
        : '';
    console.log(
      `  ${r.id.padEnd(32)} N=${r.N_nonemb.toLocaleString().padStart(9)} D=${r.config.tokens.toLocaleString().padStart(11)} D/N=${(r.config.tokens / r.N_nonemb).toFixed(1)}${time}`,
    );
  }
  if (est && todo.length) console.log(formatEstimate(est));
  return 0;
}

const fmtPct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;

/** Shard files of a folder, and what is wrong with the set: mixed shard counts, missing shards. */
export function shardFiles(dir: string): { files: string[]; warnings: string[] } {
  const files = readdirSync(dir)
    .filter((f) => RESULTS_FILE.test(f) && f !== 'results.jsonl')
    .sort();
  const byCount = new Map<number, Set<number>>();
  for (const f of files) {
    const m = /^results\.shard-(\d+)-of-(\d+)\.jsonl$/.exec(f)!;
    const [i, n] = [Number(m[1]), Number(m[2])];
    if (!byCount.has(n)) byCount.set(n, new Set());
    byCount.get(n)!.add(i);
  }
  const warnings: string[] = [];
  if (byCount.size > 1)
    warnings.push(
      `shards of different counts in ${dir} (${[...byCount.keys()].map((n) => `of-${n}`).join(', ')}): the sweep was split in more than one way, so some runs may be missing or done twice; check the grid with \`t2lab sweep ... --dry-run\``,
    );
  for (const [n, have] of byCount) {
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !have.has(i));
    if (missing.length)
      warnings.push(
        `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} in ${dir}: ${missing.map((i) => `results.shard-${i}-of-${n}.jsonl`).join(', ')} not found; their runs are not in the merge (run them with --shard i/${n}, then merge again)`,
      );
  }
  return { files: files.map((f) => join(dir, f)), warnings };
}

/** `t2lab merge DIR|FILE... [--out FILE]`: unite results files, one record per run id, dropping nothing. */
export async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(MERGE_SPEC, args);
  if (!positionals.length)
    throw new UsageError('missing DIR or FILE.jsonl (a DIR merges its results.shard-*.jsonl)');
  const files: string[] = [];
  const warnings: string[] = [];
  for (const p of positionals) {
    if (!existsSync(p)) throw new UsageError(`"${p}" not found`);
    if (!statSync(p).isDirectory()) {
      if (!p.endsWith('.jsonl'))
        throw new UsageError(`"${p}" is not a .jsonl results file or a folder`);
      files.push(p);
      continue;
    }
    const found = shardFiles(p);
    if (!found.files.length) throw new UsageError(`${p} holds no results.shard-*.jsonl files`);
    files.push(...found.files);
    warnings.push(...found.warnings);
  }
  const out =
    str(values.out) ??
    (positionals.length === 1 && statSync(positionals[0]!).isDirectory()
      ? join(positionals[0]!, 'results.jsonl')
      : 'results.jsonl');
  checkOutput(out, { option: '--out' });
  for (const w of warnings) console.warn(`warning: ${w}`);
  const side = join(dirname(out), 'merge-skipped.jsonl');
  const lock = acquireLock(out, `t2lab merge ${positionals.join(' ')}`, (m) =>
    console.error(`notice: ${m}`),
  );
  try {
    const byId = new Map<string, { record: RunRecord; text: string; from: string }>();
    const skipped: { source: string; line: number; reason: string; text: string }[] = [];
    let identical = 0;
    // The existing output first (a merge adds to it), then each input; a file given twice is read once.
    const sources = [
      ...new Set([...(existsSync(out) ? [out] : []), ...files].map((f) => resolve(f))),
    ];
    for (const f of sources) {
      const text = readFileSync(f, 'utf8');
      const lines = text.split(/\r?\n/);
      const { records, errors } = parseRecordsJsonl(text);
      for (const e of errors)
        skipped.push({ source: f, line: e.line, reason: e.message, text: lines[e.line - 1]! });
      // Records come back in line order, blank lines skipped: pair each with its line for the messages.
      const recordLines = lines
        .map((l, i) => ({ l, i }))
        .filter(({ l, i }) => l.trim() && !errors.some((e) => e.line === i + 1));
      records.forEach((r, j) => {
        const at = recordLines[j]!;
        const key = `${r.sweep}/${r.id}`;
        const had = byId.get(key);
        if (!had) return void byId.set(key, { record: r, text: at.l, from: `${f}:${at.i + 1}` });
        if (JSON.stringify(had.record) === JSON.stringify(r)) return void identical++;
        skipped.push({
          source: f,
          line: at.i + 1,
          reason: `a second, different record of run ${key} (the first, from ${had.from}, is kept)`,
          text: at.l,
        });
      });
    }
    for (const s of skipped) console.warn(`skipped ${s.source}:${s.line}: ${s.reason}`);
    if (skipped.length) {
      // Kept, not deleted: lines already in the side file (an earlier merge) are not added twice.
      const seen = new Set(
        existsSync(side)
          ? readFileSync(side, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => {
                try {
                  const x = JSON.parse(l) as { source: string; line: number; text: string };
                  return `${x.source}\u0000${x.line}\u0000${x.text}`;
                } catch {
                  return l;
                }
              })
          : [],
      );
      const fresh = skipped.filter((s) => !seen.has(`${s.source}\u0000${s.line}\u0000${s.text}`));
      if (fresh.length) appendDurable(side, fresh.map((s) => JSON.stringify(s) + '\n').join(''));
    }
    // Each record exactly as it was written (byte for byte), in the order first seen.
    writeFileAtomic(out, [...byId.values()].map((x) => x.text + '\n').join(''));
    const notes = [
      identical ? `${identical} identical copies counted once` : '',
      skipped.length
        ? `${skipped.length} lines not merged, each printed above and kept in ${side}`
        : '',
      warnings.length ? `${warnings.length} warnings above` : '',
    ].filter(Boolean);
    console.log(
      `${basename(out)}: ${byId.size} runs from ${files.length} files${notes.length ? ` (${notes.join('; ')})` : ''} → ${out}`,
    );
    return 0;
  } finally {
    lock.release();
  }
}
