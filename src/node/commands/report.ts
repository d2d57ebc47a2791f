// `t2lab report FILE.jsonl`: fit the sweep and write ONE self-contained HTML file (Chart.js inlined).
// Exit codes: 0 written (even when some fits were impossible: the page says why), 1 no usable data, 2 bad arguments.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { commandHelp, parseCommand, type CommandSpec } from '../args.ts';
import { InputError, OutputError, checkOutput, writeFileAtomic } from '../atomic.ts';
import { readRecordsFile } from '../store.ts';
import { fitAll, type FitOptions } from '../../fit/fit.ts';
import { DataError, pointsFromRecords } from '../../fit/points.ts';
import { buildReportHtml } from '../../report/html.ts';
import { isoflopAnalysis } from '../../fit/isoflop.ts';
import { MAX_BOOTSTRAP, bootstrapProgress } from './fit.ts';
import { statedHoldout } from '../../../experiments/index.ts';

export const REPORT_SPEC: CommandSpec = {
  name: 'report',
  synopsis: 'FILE.jsonl',
  summary: `Fits the sweep in FILE.jsonl (RunRecord lines) and writes one self-contained HTML page: the direct
answer per isoFLOP level (N*, D*/N*, k* of the loss and the T² optimum, their ratio, the isoFLOP figure
with both optima marked), loss curves, isoFLOP curves, pass@k per model, the fitted laws against the observations, the compute-optimal
frontier for Chinchilla and T², held-out errors, and the best overtrained model against the
Chinchilla-optimal one at the largest budget.`,
  options: {
    out: { type: 'string', arg: 'F', help: 'the HTML file (default: report.html beside FILE)' },
    c_inf: {
      type: 'string',
      arg: 'X',
      help: 'inference FLOPs per token served (default: 2·largest N, so that model gets k = 1)',
    },
    n: { type: 'string', arg: 'nonemb|total', help: 'which N to fit on (default nonemb)' },
    bootstrap: {
      type: 'string',
      arg: 'B',
      help: 'bootstrap resamples for the Chinchilla intervals (default 200)',
    },
    held_out_ratio: {
      type: 'string',
      arg: 'R',
      help: 'fit on runs with D/N <= R, predict the rest (default 100)',
    },
  },
};

/** The usage text of `t2lab report --help`. */
export const REPORT_USAGE = commandHelp(REPORT_SPEC);

/** Chart.js's UMD bundle (defines window.Chart), found wherever npm put the package. */
export function chartJsSource(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js'); // .../chart.js/dist/chart.cjs
  return readFileSync(join(dirname(entry), 'chart.umd.js'), 'utf8');
}

export async function reportCommand(args: string[]): Promise<number> {
  let values: Record<string, string | undefined>, positionals: string[], help: boolean;
  try {
    const parsed = parseCommand(REPORT_SPEC, args);
    values = Object.fromEntries(
      Object.entries(parsed.values).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]),
    );
    positionals = parsed.positionals;
    help = parsed.values.help === true;
  } catch (e) {
    console.error(`t2lab report: ${(e as Error).message}\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (help) {
    console.log(REPORT_USAGE);
    return 0;
  }
  const usage = (msg: string) => {
    console.error(`t2lab report: ${msg}\n\n${REPORT_USAGE}`);
    return 2;
  };
  if (positionals.length !== 1)
    return usage(
      positionals.length ? `expected one FILE, got ${positionals.join(' ')}` : 'missing FILE',
    );
  const file = positionals[0]!;
  if (!file.endsWith('.jsonl')) return usage(`FILE must be a .jsonl of RunRecords, got ${file}`);
  const cInf = values.c_inf === undefined ? undefined : Number(values.c_inf);
  if (cInf !== undefined && !(cInf > 0 && Number.isFinite(cInf)))
    return usage(`--c_inf must be a positive number, got "${values.c_inf}"`);
  const n = values.n ?? 'nonemb';
  if (n !== 'nonemb' && n !== 'total') return usage(`--n must be nonemb or total, got "${n}"`);
  const bootstrap = values.bootstrap === undefined ? 200 : Number(values.bootstrap);
  if (!Number.isInteger(bootstrap) || bootstrap < 0 || bootstrap > MAX_BOOTSTRAP)
    return usage(
      `--bootstrap must be an integer in [0, ${MAX_BOOTSTRAP}], got "${values.bootstrap}"`,
    );
  const heldOutRatio =
    values.held_out_ratio === undefined ? undefined : Number(values.held_out_ratio);
  if (heldOutRatio !== undefined && !(heldOutRatio > 0))
    return usage(`--held_out_ratio must be a positive number, got "${values.held_out_ratio}"`);
  const out = values.out ?? join(dirname(file), 'report.html');
  try {
    checkOutput(out, {
      option: '--out',
      example: 'report.html',
      inputs: [{ option: 'FILE', path: file }],
    });
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    return usage(e.message);
  }
  return writeReport({ file, out, cInf, heldOutRatio, bootstrap, n });
}

export interface ReportOptions {
  file: string;
  out: string;
  cInf?: number;
  heldOutRatio?: number;
  /** The cut when the paper's cannot be made (default: the stated one of the shipped experiment the records name). */
  fallbackHeldOutRatio?: number;
  bootstrap?: number;
  n?: 'nonemb' | 'total';
}

/** Fit `file` and write the HTML report to `out` (checked by the caller): what `t2lab report` and the end of a sweep run. */
export function writeReport(o: ReportOptions): number {
  const { file, out, cInf, heldOutRatio, bootstrap = 200, n = 'nonemb' } = o;

  const warnings: string[] = [];
  let records;
  try {
    records = readRecordsFile(file, (m) => warnings.push(m));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    console.error(`t2lab report: ${e.message}`);
    return 1;
  }
  if (records.length === 0) {
    for (const w of warnings) console.error(`warning: ${w}`);
    console.error(`t2lab report: ${file} has no valid run record`);
    return 1;
  }
  const { points, skipped } = pointsFromRecords(records, { n });
  warnings.push(...skipped);
  for (const w of warnings) console.error(`warning: ${w}`);
  const opts: FitOptions = {
    cInf,
    heldOutRatio,
    fallbackHeldOutRatio: o.fallbackHeldOutRatio ?? statedHoldout(records[0]?.sweep),
    bootstrap,
    nKind: n,
    passMethod: 'likelihood',
  };
  console.error(`fitting ${points.length} runs from ${file} ...`);
  let fit = null;
  try {
    fit = points.length
      ? fitAll(points, { ...opts, onProgress: bootstrapProgress(bootstrap) })
      : null;
  } catch (e) {
    // Data no fit should see (duplicated runs, non-finite values): the page still shows the runs, and says why.
    if (!(e instanceof DataError)) throw e;
    warnings.push(e.message);
    console.error(`warning: ${e.message}`);
  }
  // The direct per-level answer at the same C_inf as the fits (default: the largest model gets k = 1).
  const isoflop = isoflopAnalysis(records, { C_inf: cInf ?? fit?.optimum?.C_inf });
  const html = buildReportHtml({
    records,
    fit,
    chartJs: chartJsSource(),
    warnings,
    generatedAt: new Date().toISOString(),
    isoflop,
  });
  writeFileAtomic(out, html);
  const gaps = fit
    ? Object.entries(fit.skipped).map(([k, v]) => `${k}: ${v}`)
    : ['no finished run to fit'];
  console.log(
    `report: ${out} (${records.length} runs${gaps.length ? `; not fitted: ${gaps.join('; ')}` : ''})`,
  );
  return 0;
}
