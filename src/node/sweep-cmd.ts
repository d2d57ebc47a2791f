// `t2lab sweep FILE` runs an experiment's grid into a results directory (resumable, shardable);
// `t2lab merge` unites the shards' results files.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { UsageError, openGpu, parse } from './args.ts';
import { DirStore, readResultsFile } from './store.ts';
import { validateExperiment, expandRuns, inferenceBudget, type Experiment } from '../sweep/experiment.ts';
import { runSweep, shardRuns } from '../sweep/runner.ts';
import { adapterLine } from '../gpu/adapter.ts';
import { autotuneNode } from './autotune-store.ts';
import { describeChoices, modelMatmulShapes } from '../gpu/autotune.ts';
import { modelShape } from '../train/trainer.ts';
import { GpuDeviceLostError } from '../gpu/context.ts';
import type { RunRecord } from '../sweep/record.ts';

/** The experiment exported (default) by a file in experiments/, validated. */
export async function loadExperiment(file: string): Promise<Experiment> {
  if (!existsSync(file)) throw new UsageError(`experiment file "${file}" not found; the shipped ones are experiments/smoke.ts, experiments/classroom.ts, experiments/t2.ts`);
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(file)).href);
  } catch (e) {
    throw new UsageError(`cannot load ${file}: ${(e as Error).message}`);
  }
  return validateExperiment(mod.default, file);
}

/** --shard i/n, else SLURM array or Kubernetes indexed-Job variables, else the whole grid. */
export function shardFromEnv(flag: string | undefined, env: Record<string, string | undefined>): { index: number; count: number } {
  const parse = (i: string, n: string, from: string) => {
    const index = Number(i), count = Number(n);
    if (!(Number.isInteger(index) && Number.isInteger(count) && count >= 1 && index >= 0 && index < count)) {
      throw new UsageError(`${from}: shard ${i}/${n} is invalid; need 0 <= i < n`);
    }
    return { index, count };
  };
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag);
    if (!m) throw new UsageError(`--shard must look like i/n (e.g. 0/4), got "${flag}"`);
    return parse(m[1]!, m[2]!, '--shard');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    // SLURM array indices may start at SLURM_ARRAY_TASK_MIN (e.g. --array=1-8).
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    return parse(String(Number(env.SLURM_ARRAY_TASK_ID) - min), env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const count = env.T2LAB_SHARDS ?? env.JOB_COMPLETIONS;
    if (count === undefined) throw new UsageError('JOB_COMPLETION_INDEX is set but not the shard count: set T2LAB_SHARDS (or JOB_COMPLETIONS) to the Job\'s completions');
    return parse(env.JOB_COMPLETION_INDEX, count, 'JOB_COMPLETION_INDEX');
  }
  return { index: 0, count: 1 };
}

function codeVersion(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return `t2lab ${pkg.version}`;
  }
}

const fmtTime = (s: number | null) => (s === null ? '--' : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)} s`);

export async function sweepCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, shard: { type: 'string' }, kernels: { type: 'string' }, 'no-report': { type: 'boolean' }, 'dry-run': { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('usage: t2lab sweep experiments/NAME.ts [--out DIR] [--shard i/n] [--dry-run] [--no-report]');
  const exp = await loadExperiment(positionals[0]!);
  const shard = shardFromEnv(values.shard, process.env);
  const dir = values.out ?? join('out', exp.name);
  const runs = shardRuns(expandRuns(exp), shard);
  if (values['dry-run']) {
    console.log(`${exp.name}: ${runs.length} runs${shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : ''}`);
    for (const r of runs) console.log(`  ${r.id.padEnd(32)} N=${r.N_nonemb.toLocaleString().padStart(9)} D=${r.config.tokens.toLocaleString().padStart(11)} D/N=${(r.config.tokens / r.N_nonemb).toFixed(1)}`);
    return 0;
  }
  const store = new DirStore(dir, shard);
  const gpu = await openGpu(values.adapter);
  console.log(`adapter: ${adapterLine(gpu.adapter)}`);
  console.log(`sweep:   ${exp.name}: ${runs.length} runs${shard.count > 1 ? ` in shard ${shard.index}/${shard.count}` : ''} → ${store.results}`);
  const interactive = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar({ format: 'sweep [{bar}] {percentage}% | run {run}/{runs} {id} {phase} {detail} | ETA {eta}', hideCursor: true }, cliProgress.Presets.shades_classic);
  if (interactive) bar.start(100, 0, { run: 0, runs: runs.length, id: '', phase: '', detail: '', eta: '--' });
  // Messages go above the bar: clear its line, print, let the next update redraw it.
  const say = (m: string) => (interactive ? process.stderr.write(`\r\x1b[K${m}\n`) : console.log(m));
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    console.error('\npausing: saving a resume checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await runSweep(gpu, exp, store, {
      shard,
      signal: controller.signal,
      codeVersion: codeVersion(),
      // The fastest matmul for each model size's shapes on this adapter (measured once, then cached).
      prepare: async (run) => {
        const tuned = await autotuneNode(gpu, modelMatmulShapes(modelShape(run.config), run.config.batch_size), { kernels: values.kernels, quiet: true });
        if (tuned.source === 'measured') say(`${run.model}: kernels ${describeChoices(gpu)} (measured now)`);
      },
      onLog: (m) => say(m),
      onProgress: (p) => {
        const detail = p.phase === 'train' && p.train ? `loss ${p.train.loss.toFixed(3)} ${p.train.tokensPerSec.toFixed(0)} tok/s` : p.sample ? `${p.sample.done}/${p.sample.total} samples` : '';
        if (interactive) bar.update(Math.round(100 * p.overallFraction), { run: p.index + 1, runs: p.total, id: p.run.id, phase: p.phase, detail, eta: fmtTime(p.etaSeconds) });
      },
      onRecord: (r) => {
        const line = `done ${r.id}: D=${r.D} eval loss ${r.eval_loss.toFixed(3)}, pass@1 ${fmtPct(r.pass_at_k.sampling.value[0])} (sampled) / ${fmtPct(r.pass_at_k.likelihood.value[0])} (likelihood), train ${r.timings.train_s.toFixed(1)} s, sample ${r.timings.sample_s.toFixed(1)} s`;
        say(line);
      },
    });
    if (interactive) bar.stop();
    if (result.paused) {
      console.log(`paused with ${result.remaining} runs left; run the same command again to resume`);
      return 130;
    }
    console.log(`${result.ran} runs done now, ${result.skipped} were already done; results: ${store.results}`);
  } catch (e) {
    if (interactive) bar.stop();
    if (e instanceof GpuDeviceLostError) {
      console.error(`the GPU device was lost (${e.message}); completed runs are kept in ${dir} and the interrupted run resumes from its last checkpoint: run the same command again`);
      return 1;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    gpu.destroy();
  }
  if (values['no-report'] || shard.count > 1) {
    if (shard.count > 1) console.log(`shard done; when every shard is, run: npx t2lab merge ${dir} && npx t2lab report ${join(dir, 'results.jsonl')}`);
    return 0;
  }
  const { reportCommand } = await import('./report-cmd.ts');
  const fitArgs = ['--c-inf', String(inferenceBudget(exp)), ...(exp.holdout_ratio ? ['--held-out-ratio', String(exp.holdout_ratio)] : [])];
  return reportCommand([store.results, '--out', join(dir, 'report.html'), ...fitArgs]);
}

const fmtPct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** `t2lab merge DIR|FILE... [--out FILE]`: unite results files, one record per run id. */
export async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  if (!positionals.length) throw new UsageError('usage: t2lab merge DIR | FILE.jsonl ... [--out results.jsonl]; a DIR merges its results.shard-*.jsonl');
  const files: string[] = [];
  for (const p of positionals) {
    if (!existsSync(p)) throw new UsageError(`"${p}" not found`);
    if (p.endsWith('.jsonl')) files.push(p);
    else {
      const found = readdirSync(p).filter((f) => /^results\.shard-.*\.jsonl$/.test(f)).map((f) => join(p, f));
      if (!found.length) throw new UsageError(`${p} holds no results.shard-*.jsonl files`);
      files.push(...found);
    }
  }
  const out = values.out ?? (positionals.length === 1 && !positionals[0]!.endsWith('.jsonl') ? join(positionals[0]!, 'results.jsonl') : 'results.jsonl');
  const byId = new Map<string, RunRecord>();
  let dupes = 0, bad = 0;
  const existing = existsSync(out) ? readResultsFile(out, () => bad++) : [];
  for (const r of [...existing, ...files.filter((f) => resolve(f) !== resolve(out)).flatMap((f) => readResultsFile(f, (m) => { bad++; console.warn(m); }))]) {
    const key = `${r.sweep}/${r.id}`;
    if (byId.has(key)) dupes++;
    else byId.set(key, r);
  }
  writeFileSync(out, [...byId.values()].map((r) => JSON.stringify(r) + '\n').join(''));
  console.log(`${basename(out)}: ${byId.size} runs from ${files.length} files${dupes ? ` (${dupes} duplicates dropped: the first copy of each run is kept)` : ''}${bad ? `; ${bad} unreadable lines skipped (see warnings)` : ''} → ${out}`);
  return 0;
}
