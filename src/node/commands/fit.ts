// `t2lab fit FILE`: every scaling-law fit of a sweep's results (JSONL RunRecords) or of a plain CSV.
// Exit codes: 0 fitted, 1 bad or insufficient data, 2 bad arguments.
import { commandHelp, parseCommand, type CommandSpec } from '../args.ts';
import { InputError, OutputError, checkOutput, readInput, writeFileAtomic } from '../atomic.ts';
import { readRecordsFile } from '../store.ts';
import { fitAll, formatFitReport, trustWarnings, type FitOptions } from '../../fit/fit.ts';
import { DataError, pointsFromCsv, pointsFromRecords, type FitPoint } from '../../fit/points.ts';
import type { RunRecord } from '../../sweep/record.ts';
import { formatIsoflop, isoflopAnalysis } from '../../fit/isoflop.ts';
import {
  formatLevelTable,
  formatTaskTable,
  levelTable,
  onlyTasks,
  taskTable,
} from '../../fit/tasks.ts';
import { statedHoldout } from '../../../experiments/index.ts';

/** Percentile intervals settle long before this; more would only spend minutes. */
export const MAX_BOOTSTRAP = 100_000;

export const FIT_SPEC: CommandSpec = {
  name: 'fit',
  synopsis: 'FILE',
  summary: `Fits Chinchilla (Approach 3, with bootstrap intervals), the T² loss and accuracy laws, per-model
coverage curves, the joint optimum per C_train and held-out validation. FILE is a sweep's results.jsonl
(RunRecord lines) or a .csv with columns N,D,loss[,k,pass_at_k]. Data that cannot identify a law (one
model size, too few distinct (N, D) points) skips it with the reason; duplicated runs and non-finite
values are refused, naming the runs. Exit codes: 0 fitted, 1 bad or insufficient data, 2 bad arguments.`,
  options: {
    json: { type: 'boolean', help: 'print the fit report as JSON instead of the table' },
    out: { type: 'string', arg: 'F', help: 'also write the JSON report to F' },
    c_inf: {
      type: 'string',
      arg: 'X',
      help: 'inference FLOPs per token served (default: 2·largest N, so that model gets k = 1)',
    },
    c_inf_list: {
      type: 'string',
      arg: 'X,Y',
      help: 'further C_inf at which the isoFLOP levels check the T² direction (default 2·largest N, C_inf/4, C_inf/16)',
    },
    held_out_ratio: {
      type: 'string',
      arg: 'R',
      help: 'fit on runs with D/N <= R, predict the rest (default: 2x the largest measured loss-optimal D/N of the isoFLOP levels, as the paper fits near the Chinchilla ratio; else 100)',
    },
    n: {
      type: 'string',
      arg: 'nonemb|total',
      help: 'which N to fit on, JSONL only (default nonemb, as in C_train = 6·N·D)',
    },
    method: {
      type: 'string',
      arg: 'likelihood|sampling',
      help: 'which pass@k table to fit, JSONL only (default likelihood)',
    },
    tasks: {
      type: 'string',
      arg: 'T,U',
      help: "JSONL only: analyse only these tasks' questions, pass@k recomputed from them (a diagnostic; e.g. --tasks cpy,rev,sum)",
    },
    by_level: {
      type: 'boolean',
      help: "JSONL only: also split each task by difficulty level, pass@1 and pass@k at each size's own k (where samples help and where they cannot)",
    },
    bootstrap: {
      type: 'string',
      arg: 'B',
      help: `bootstrap resamples of the runs for the Chinchilla intervals (default 200, at most ${MAX_BOOTSTRAP.toLocaleString('en-US')}; progress is shown)`,
    },
  },
};

/** Back-compatible name: the usage text of `t2lab fit --help`. */
export const FIT_USAGE = commandHelp(FIT_SPEC);

class ArgError extends Error {}

function parse(args: string[]) {
  let parsed;
  try {
    parsed = parseCommand(FIT_SPEC, args);
  } catch (e) {
    throw new ArgError((e as Error).message);
  }
  const values = Object.fromEntries(
    Object.entries(parsed.values).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]),
  ) as Record<string, string | undefined>;
  const { positionals } = parsed;
  if (parsed.values.help) return { help: true } as ReturnType<typeof parseRest>;
  return parseRest(
    values,
    positionals,
    parsed.values.json === true,
    parsed.values.by_level === true,
  );
}

function parseRest(
  values: Record<string, string | undefined>,
  positionals: string[],
  json: boolean,
  byLevel = false,
) {
  if (positionals.length !== 1)
    throw new ArgError(
      positionals.length ? `expected one FILE, got ${positionals.join(' ')}` : 'missing FILE',
    );
  const file = positionals[0]!;
  const kind = file.endsWith('.jsonl') ? 'jsonl' : file.endsWith('.csv') ? 'csv' : null;
  if (!kind) throw new ArgError(`FILE must end in .jsonl or .csv, got ${file}`);
  const cInf = values.c_inf === undefined ? undefined : Number(values.c_inf);
  if (cInf !== undefined && !(cInf > 0 && Number.isFinite(cInf)))
    throw new ArgError(`--c_inf must be a positive number, got "${values.c_inf}"`);
  const cInfList =
    values.c_inf_list === undefined ? undefined : values.c_inf_list.split(',').map(Number);
  if (cInfList && !cInfList.every((x) => x > 0 && Number.isFinite(x)))
    throw new ArgError(
      `--c_inf_list must be positive numbers separated by commas, got "${values.c_inf_list}"`,
    );
  const n = values.n ?? 'nonemb';
  if (n !== 'nonemb' && n !== 'total')
    throw new ArgError(`--n must be nonemb or total, got "${n}"`);
  const method = values.method ?? 'likelihood';
  if (method !== 'likelihood' && method !== 'sampling')
    throw new ArgError(`--method must be likelihood or sampling, got "${method}"`);
  const bootstrap = values.bootstrap === undefined ? 200 : Number(values.bootstrap);
  if (!Number.isInteger(bootstrap) || bootstrap < 0 || bootstrap > MAX_BOOTSTRAP)
    throw new ArgError(
      `--bootstrap must be an integer in [0, ${MAX_BOOTSTRAP}], got "${values.bootstrap}"`,
    );
  const tasks = values.tasks?.split(',').map((t) => t.trim());
  if (tasks && (kind !== 'jsonl' || tasks.some((t) => !t)))
    throw new ArgError(
      kind !== 'jsonl'
        ? '--tasks needs a JSONL results file (a CSV has no questions)'
        : `--tasks must be task names separated by commas, got "${values.tasks}"`,
    );
  if (byLevel && kind !== 'jsonl')
    throw new ArgError('--by_level needs a JSONL results file (a CSV has no questions)');
  const heldOutRatio =
    values.held_out_ratio === undefined ? undefined : Number(values.held_out_ratio);
  if (heldOutRatio !== undefined && !(heldOutRatio > 0))
    throw new ArgError(
      `--held_out_ratio must be a positive number, got "${values.held_out_ratio}"`,
    );
  return {
    file,
    kind,
    json,
    out: values.out,
    cInf,
    cInfList,
    heldOutRatio,
    n: n as 'nonemb' | 'total',
    method: method as 'likelihood' | 'sampling',
    bootstrap,
    tasks,
    byLevel,
    help: false,
  };
}

/**
 * Fit points from FILE, and its records when it is JSONL (for the per-level isoFLOP answer); warnings
 * (corrupt lines, skipped runs) go to stderr. Throws DataError when nothing usable is left.
 */
export function loadPoints(
  file: string,
  kind: 'jsonl' | 'csv',
  n: 'nonemb' | 'total',
  method: 'likelihood' | 'sampling',
  tasks?: string[],
): { points: FitPoint[]; records: RunRecord[] | null } {
  if (kind === 'csv')
    return { points: pointsFromCsv(readInput(file, 'FILE').toString('utf8')), records: null };
  let corrupt = 0;
  let records = readRecordsFile(file, (m) => {
    corrupt++;
    console.error(`warning: ${m}`);
  });
  if (tasks) {
    try {
      records = onlyTasks(records, tasks);
    } catch (e) {
      throw new DataError(`${file}: ${(e as Error).message}`);
    }
  }
  const { points, skipped } = pointsFromRecords(records, { n, method });
  for (const s of skipped) console.error(`warning: ${s}`);
  if (points.length === 0)
    throw new DataError(
      `${file}: no usable run (${records.length} records read, ${corrupt} corrupt lines, ${skipped.length} runs skipped)`,
    );
  return { points, records };
}

export async function fitCommand(args: string[]): Promise<number> {
  let a;
  try {
    a = parse(args);
  } catch (e) {
    if (!(e instanceof ArgError)) throw e;
    console.error(`t2lab fit: ${e.message}\n\n${FIT_USAGE}`);
    return 2;
  }
  if (a.help) {
    console.log(FIT_USAGE);
    return 0;
  }
  try {
    if (a.out !== undefined)
      checkOutput(a.out, {
        option: '--out',
        example: 'fit.json',
        inputs: [{ option: 'FILE', path: a.file }],
      });
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    console.error(`t2lab fit: ${e.message}`);
    return 2;
  }
  let points: FitPoint[], records: RunRecord[] | null;
  try {
    ({ points, records } = loadPoints(a.file, a.kind as 'jsonl' | 'csv', a.n, a.method, a.tasks));
  } catch (e) {
    if (e instanceof DataError || e instanceof InputError) {
      console.error(`t2lab fit: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
  if (
    a.kind === 'csv' &&
    (args.some((x) => x.startsWith('--n')) || args.some((x) => x.startsWith('--method')))
  ) {
    console.error(
      'warning: --n and --method apply to JSONL input only; the CSV gives N and pass@k directly',
    );
  }
  const opts: FitOptions = {
    cInf: a.cInf,
    heldOutRatio: a.heldOutRatio,
    fallbackHeldOutRatio: statedHoldout(records?.[0]?.sweep),
    bootstrap: a.bootstrap,
    nKind: a.n,
    passMethod: a.method,
  };
  console.error(`fitting ${points.length} runs from ${a.file} ...`);
  let report;
  try {
    report = fitAll(points, { ...opts, onProgress: bootstrapProgress(a.bootstrap) });
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    console.error(`t2lab fit: ${a.file}: ${e.message}`);
    return 1;
  }
  for (const [law, why] of Object.entries(report.skipped))
    console.error(`warning: ${law} not fitted: ${why}`);
  // The direct answer per isoFLOP level (no law in between) comes first: the laws extrapolate from it.
  const isoflop = records
    ? isoflopAnalysis(records, { C_inf: report.optimum?.C_inf ?? a.cInf, C_inf_list: a.cInfList })
    : null;
  const tasks = records ? taskTable(records) : null;
  // At the isoFLOP answer's C_inf (the fit's, else 2·N_max), so both tables give a size the same k.
  const byLevel = records && isoflop && a.byLevel ? levelTable(records, isoflop.C_inf) : null;
  if (a.byLevel && !byLevel)
    console.error('warning: --by_level: no question of this file has a difficulty level');
  const full = {
    ...(a.tasks ? { only_tasks: a.tasks } : {}),
    ...report,
    ...(isoflop ? { isoflop } : {}),
    ...(tasks ? { tasks } : {}),
    ...(byLevel ? { by_level: byLevel } : {}),
  };
  if (a.json) console.log(JSON.stringify(full, null, 2));
  else {
    if (a.tasks)
      console.log(
        `only the questions of ${a.tasks.join(', ')} (--tasks), pass@k recomputed from them: a diagnostic, not the experiment's answer\n`,
      );
    // The same checks as the report's list; a law named here gets no row in the optimum table.
    const warnings = trustWarnings(report).map((w) => w.message);
    console.log(
      `${isoflop ? `${formatIsoflop(isoflop)}\n\n` : ''}${tasks ? `${formatTaskTable(tasks)}\n\n` : ''}${byLevel ? `${formatLevelTable(byLevel)}\n\n` : ''}${formatFitReport(report)}${warnings.length ? `\n\nDo not trust:\n${warnings.map((w) => `  - ${w}`).join('\n')}` : ''}`,
    );
  }
  if (a.out) writeFileAtomic(a.out, JSON.stringify(full, null, 2) + '\n');
  // Without a Chinchilla fit nothing else can be fitted: that is a data problem, not success.
  return report.chinchilla ? 0 : 1;
}

/** A progress line on stderr for long bootstraps (terminal only; Ctrl-C stops at once: no handler is installed). */
export function bootstrapProgress(
  total: number,
): ((done: number, total: number) => void) | undefined {
  if (total < 1000 || !process.stderr.isTTY) return undefined;
  let last = 0;
  return (done, all) => {
    const now = performance.now();
    if (now - last < 250 && done < all) return;
    last = now;
    process.stderr.write(
      `\r\x1b[Kbootstrap ${done.toLocaleString('en-US')}/${all.toLocaleString('en-US')} (${((100 * done) / all).toFixed(0)}%)${done === all ? '\n' : ''}`,
    );
  };
}
