// `t2lab fit FILE`: every scaling-law fit of a sweep's results (JSONL RunRecords) or of a plain CSV.
// Exit codes: 0 fitted, 1 bad or insufficient data, 2 bad arguments.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fitAll, formatFitReport, type FitOptions } from '../fit/fit.ts';
import { DataError, pointsFromCsv, pointsFromRecords, type FitPoint } from '../fit/points.ts';
import { parseRecordsJsonl } from '../sweep/record.ts';

export const FIT_USAGE = `Usage: npx t2lab fit FILE [--json] [--out F] [--c-inf X] [--n nonemb|total] [--method likelihood|sampling] [--bootstrap B]

Fits Chinchilla (Approach 3, with bootstrap intervals), the T² loss and accuracy laws, per-model
coverage curves, the joint optimum per C_train and held-out validation.
  FILE                 results.jsonl from a sweep (RunRecord lines), or a .csv with columns N,D,loss[,k,pass_at_k]
  --json               print the fit report as JSON instead of the table
  --out F              also write the JSON report to F
  --c-inf X            inference FLOPs per token served (default: 2·largest N, so that model gets k = 1)
  --held-out-ratio R   fit on runs with D/N <= R, predict the rest (default 100)
  --n nonemb|total     which N to fit on, JSONL only (default nonemb, as in C_train = 6·N·D)
  --method M           which pass@k table to fit, JSONL only (default likelihood; or sampling)
  --bootstrap B        bootstrap resamples of the runs for the Chinchilla intervals (default 200)`;

class ArgError extends Error {}

function parse(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, out: { type: 'string' }, 'c-inf': { type: 'string' }, n: { type: 'string' }, method: { type: 'string' }, bootstrap: { type: 'string' }, 'held-out-ratio': { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (e) {
    throw new ArgError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new ArgError(positionals.length ? `expected one FILE, got ${positionals.join(' ')}` : 'missing FILE');
  const file = positionals[0]!;
  const kind = file.endsWith('.jsonl') ? 'jsonl' : file.endsWith('.csv') ? 'csv' : null;
  if (!kind) throw new ArgError(`FILE must end in .jsonl or .csv, got ${file}`);
  const cInf = values['c-inf'] === undefined ? undefined : Number(values['c-inf']);
  if (cInf !== undefined && !(cInf > 0 && Number.isFinite(cInf))) throw new ArgError(`--c-inf must be a positive number, got "${values['c-inf']}"`);
  const n = values.n ?? 'nonemb';
  if (n !== 'nonemb' && n !== 'total') throw new ArgError(`--n must be nonemb or total, got "${n}"`);
  const method = values.method ?? 'likelihood';
  if (method !== 'likelihood' && method !== 'sampling') throw new ArgError(`--method must be likelihood or sampling, got "${method}"`);
  const bootstrap = values.bootstrap === undefined ? 200 : Number(values.bootstrap);
  if (!Number.isInteger(bootstrap) || bootstrap < 0) throw new ArgError(`--bootstrap must be an integer >= 0, got "${values.bootstrap}"`);
  const heldOutRatio = values['held-out-ratio'] === undefined ? undefined : Number(values['held-out-ratio']);
  if (heldOutRatio !== undefined && !(heldOutRatio > 0)) throw new ArgError(`--held-out-ratio must be a positive number, got "${values['held-out-ratio']}"`);
  return { file, kind, json: values.json === true, out: values.out, cInf, heldOutRatio, n: n as 'nonemb' | 'total', method: method as 'likelihood' | 'sampling', bootstrap, help: values.help === true };
}

/** Fit points from FILE; warnings (corrupt lines, skipped runs) go to stderr. Throws DataError when nothing usable is left. */
export function loadPoints(file: string, kind: 'jsonl' | 'csv', n: 'nonemb' | 'total', method: 'likelihood' | 'sampling'): FitPoint[] {
  const text = readFileSync(file, 'utf8');
  if (kind === 'csv') return pointsFromCsv(text);
  const { records, errors } = parseRecordsJsonl(text);
  for (const e of errors) console.error(`warning: ${file} line ${e.line}: ${e.message}; line skipped`);
  const { points, skipped } = pointsFromRecords(records, { n, method });
  for (const s of skipped) console.error(`warning: ${s}`);
  if (points.length === 0) throw new DataError(`${file}: no usable run (${records.length} records read, ${errors.length} corrupt lines, ${skipped.length} runs skipped)`);
  return points;
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
  let points: FitPoint[];
  try {
    points = loadPoints(a.file, a.kind as 'jsonl' | 'csv', a.n, a.method);
  } catch (e) {
    if (e instanceof DataError || (e as NodeJS.ErrnoException).code !== undefined) {
      console.error(`t2lab fit: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
  if (a.kind === 'csv' && (args.some((x) => x.startsWith('--n')) || args.some((x) => x.startsWith('--method')))) {
    console.error('warning: --n and --method apply to JSONL input only; the CSV gives N and pass@k directly');
  }
  const opts: FitOptions = { cInf: a.cInf, heldOutRatio: a.heldOutRatio, bootstrap: a.bootstrap, nKind: a.n, passMethod: a.method };
  console.error(`fitting ${points.length} runs from ${a.file} ...`);
  const report = fitAll(points, opts);
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatFitReport(report));
  if (a.out) writeFileSync(a.out, JSON.stringify(report, null, 2) + '\n');
  // Without a Chinchilla fit nothing else can be fitted: that is a data problem, not success.
  return report.chinchilla ? 0 : 1;
}
