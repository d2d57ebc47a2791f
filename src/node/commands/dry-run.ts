// `t2lab sweep FILE --dry_run`: the runs of an experiment, which the folder already holds, and the time
// of the rest on this adapter, timed now for the sizes not yet timed (kept beside the kernel choice, so
// the second dry run is instant). Nothing is written to the results folder.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, openGpu } from '../args.ts';
import { kernelChoiceStore, otherExperiment, readResultsDir, runFileName } from '../store.ts';
import type { Experiment, RunSpec } from '../../sweep/experiment.ts';
import {
  changedSettings,
  chooseKernels,
  describeChanges,
  type SweepManifest,
} from '../../sweep/driver.ts';
import { estimateSweep, type SweepEstimate } from '../../sweep/estimate.ts';
import { checkRunLimits } from '../../sweep/limits.ts';
import { packCapacity } from '../../sweep/pack.ts';
import type { Gpu } from '../../gpu/context.ts';
import { checkOutput, readInput } from '../atomic.ts';

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
  const packs = est.runs.filter((r) => r.pack > 1).length;
  const lines = [
    `estimate: ${fmtTime(est.total_s)} on this adapter${packs ? ` (${packs} of ${est.runs.length} runs in packs, side by side)` : ''} (${fmtTime(est.setup_s)} of it compiling and setting up each model size), from step times measured ${est.measuredNow.length ? `now for ${est.measuredNow.join(', ')}` : 'earlier (kept with the kernel choice)'}`,
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

/** `--dry-run`: the runs, and their estimated time on this adapter (timing the sizes not yet timed). */
export async function dryRun(
  exp: Experiment,
  runs: RunSpec[],
  shard: { index: number; count: number },
  adapter: string | boolean | undefined,
  overrides: Record<string, number>,
  dir: string,
  /** --pack: at most this many runs side by side (default as the sweep: as many as fit, up to 8). */
  pack?: number,
): Promise<number> {
  // A --out the sweep would refuse (a file, a device, /proc) is refused here too; nothing is created.
  if (existsSync(dir) && !statSync(dir).isDirectory())
    checkOutput(dir, { option: '--out', directory: true });
  // What the folder already holds, read without writing anything: finished runs, and whether the
  // experiment's settings still match them (the real sweep would refuse otherwise).
  const all = existsSync(dir) ? readResultsDir(dir, (m) => console.error(`warning: ${m}`)) : [];
  const records = all.filter((r) => r.sweep === exp.name);
  const done = new Set(records.map((r) => r.id));
  if (existsSync(dir)) {
    const manifestFile = join(dir, 'experiment.json');
    let manifest: SweepManifest | null = null;
    try {
      manifest = existsSync(manifestFile)
        ? (JSON.parse(readInput(manifestFile, 'manifest').toString('utf8')) as SweepManifest)
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
    const other = otherExperiment(dir, exp.name, all, manifest);
    if (other) console.log(`warning: \`t2lab sweep\` would refuse: ${other}`);
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
      pack: (c) => packCapacity(c, g.limits, pack),
      onLog: (m) => console.error(m),
      prepare: async (run) =>
        void (await chooseKernels(g, run.config, { store, overrides }, exp.kernels)),
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
        ? `  ~${fmtTime(t.train_s + t.sample_s).padStart(6)} (train ${fmtTime(t.train_s)}${t.pack > 1 ? ` as its share of a pack of ${t.pack}` : ''}, sample ${fmtTime(t.sample_s)})`
        : '';
    console.log(
      `  ${r.id.padEnd(32)} N=${r.N_nonemb.toLocaleString().padStart(9)} D=${r.config.tokens.toLocaleString().padStart(11)} D/N=${(r.config.tokens / r.N_nonemb).toFixed(1)}${time}`,
    );
  }
  if (est && todo.length) console.log(formatEstimate(est));
  return 0;
}
