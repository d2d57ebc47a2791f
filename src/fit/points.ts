// What the fits consume: one point per run (N, D, final held-out loss, and optionally its pass@k table
// and per-question likelihoods), read from a sweep's RunRecords or from a plain CSV.
import type { RunRecord } from '../sweep/record.ts';

export interface FitPoint {
  N: number;
  D: number;
  /** Final held-out loss. */
  loss: number;
  /** pass@k (mean over questions) at each k. */
  pass?: { k: number[]; value: number[] };
  /** Per-question single-sample success probabilities p_i (likelihood of the gold answer). */
  p?: number[];
  /** A label for tables and plots (the run id), when known. */
  id?: string;
}

export class DataError extends Error {
  override name = 'DataError';
}

/**
 * Points from CSV text with a header naming at least N, D, loss (any order, extra columns ignored),
 * and optionally k and pass_at_k together. Without k, each row is one run. With k, rows with the same
 * N, D and loss are one run's pass@k table (so seeds at the same N, D with different losses stay apart).
 * Blank lines and lines starting with # are skipped. Errors name the line.
 */
export function pointsFromCsv(text: string): FitPoint[] {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && (lines[h]!.trim() === '' || lines[h]!.trim().startsWith('#'))) h++;
  if (h === lines.length) throw new DataError('CSV: empty file (expected a header with N,D,loss)');
  const header = lines[h]!.split(',').map((c) => c.trim());
  const col = (name: string) => header.indexOf(name);
  const missing = ['N', 'D', 'loss'].filter((c) => col(c) < 0);
  if (missing.length)
    throw new DataError(
      `CSV line ${h + 1}: header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (got ${header.join(',')}; need N,D,loss[,k,pass_at_k])`,
    );
  const hasK = col('k') >= 0,
    hasPass = col('pass_at_k') >= 0;
  if (hasK !== hasPass)
    throw new DataError(
      `CSV line ${h + 1}: columns k and pass_at_k come together (header has only ${hasK ? 'k' : 'pass_at_k'})`,
    );

  const points: FitPoint[] = [];
  const groups = new Map<string, { point: FitPoint; line: Map<number, number> }>();
  for (let i = h + 1; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const where = `CSV line ${i + 1}`;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== header.length)
      throw new DataError(`${where}: ${cells.length} fields, header has ${header.length}`);
    const num = (name: string, check: (v: number) => boolean, want: string) => {
      const s = cells[col(name)]!;
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v) || !check(v))
        throw new DataError(`${where}: ${name} = "${s}" is not ${want}`);
      return v;
    };
    const N = num('N', (v) => v > 0, 'a positive number');
    const D = num('D', (v) => v > 0, 'a positive number');
    const loss = num('loss', (v) => v > 0, 'a positive number');
    if (!hasK) {
      points.push({ N, D, loss });
      continue;
    }
    const k = num('k', (v) => v >= 1, 'a number >= 1');
    const pass = num('pass_at_k', (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    const key = `${N},${D},${loss}`;
    let g = groups.get(key);
    if (!g) {
      g = { point: { N, D, loss, pass: { k: [], value: [] } }, line: new Map() };
      groups.set(key, g);
      points.push(g.point);
    }
    const prev = g.line.get(k);
    if (prev !== undefined)
      throw new DataError(
        `${where}: k = ${k} repeats line ${prev} for the run N=${N} D=${D} loss=${loss}`,
      );
    g.line.set(k, i + 1);
    g.point.pass!.k.push(k);
    g.point.pass!.value.push(pass);
  }
  if (points.length === 0) throw new DataError('CSV: header but no data rows');
  for (const p of points) {
    if (!p.pass) continue;
    const order = p.pass.k.map((_, i) => i).sort((a, b) => p.pass!.k[a]! - p.pass!.k[b]!);
    p.pass = { k: order.map((i) => p.pass!.k[i]!), value: order.map((i) => p.pass!.value[i]!) };
  }
  return points;
}

export interface RecordOptions {
  /** Which N: non-embedding (default, as in C_train = 6·N·D of the records) or total. */
  n?: 'nonemb' | 'total';
  /** Which pass@k table becomes FitPoint.pass (default likelihood: exact at every k). */
  method?: 'likelihood' | 'sampling';
}

/** Points from finished runs; diverged runs and runs without a finite loss are skipped and named in `skipped`. */
export function pointsFromRecords(
  records: RunRecord[],
  opts: RecordOptions = {},
): { points: FitPoint[]; skipped: string[] } {
  const points: FitPoint[] = [];
  const skipped: string[] = [];
  for (const r of records) {
    if (r.diverged) {
      skipped.push(`${r.id}: diverged, left out of the fits`);
      continue;
    }
    if (!(r.eval_loss > 0) || !Number.isFinite(r.eval_loss)) {
      skipped.push(
        `${r.id}: eval_loss ${r.eval_loss} is not a positive number, left out of the fits`,
      );
      continue;
    }
    const table = r.pass_at_k?.[opts.method ?? 'likelihood'];
    const point: FitPoint = {
      N: opts.n === 'total' ? r.N : r.N_nonemb,
      D: r.D,
      loss: r.eval_loss,
      id: r.id,
    };
    if (table && table.k.length > 0) point.pass = { k: [...table.k], value: [...table.value] };
    if (r.questions?.length) point.p = r.questions.map((q) => q.p);
    points.push(point);
  }
  return { points, skipped };
}

/** A cross-entropy in nats far above any vocabulary's uniform loss is not a trained model's loss. */
const MAX_LOSS = 1e3;

const label = (p: FitPoint, i: number) => p.id ?? `point ${i + 1} (N=${p.N}, D=${p.D})`;
const few = (xs: string[]) =>
  `${xs.slice(0, 4).join(', ')}${xs.length > 4 ? `, … (${xs.length} in all)` : ''}`;

/**
 * What makes points unusable for any fit, each problem naming the runs: non-finite or absurd values,
 * and duplicated records (the same run twice, e.g. two sweeps into one folder, or the same N, D and loss
 * under two names), which would count one measurement as several. Empty when the points are usable.
 */
export function pointProblems(points: FitPoint[]): string[] {
  const problems: string[] = [];
  const bad = points
    .map((p, i) => ({ p, i }))
    .filter(
      ({ p }) =>
        ![p.N, p.D, p.loss].every(Number.isFinite) ||
        !(p.N > 0 && p.D > 0 && p.loss > 0) ||
        (p.pass?.value.some((v) => !(v >= 0 && v <= 1)) ?? false) ||
        (p.p?.some((v) => !(v >= 0 && v <= 1)) ?? false),
    );
  if (bad.length)
    problems.push(
      `non-finite, non-positive or out-of-range values (N, D, loss > 0; pass@k and p in [0, 1]) in ${few(bad.map(({ p, i }) => `${label(p, i)}: N=${p.N} D=${p.D} loss=${p.loss}`))}`,
    );
  const huge = points.map((p, i) => ({ p, i })).filter(({ p }) => p.loss >= MAX_LOSS);
  if (huge.length)
    problems.push(
      `losses of ${MAX_LOSS} nats or more, which no trained language model has (a diverged run, or not a cross-entropy): ${few(huge.map(({ p, i }) => `${label(p, i)} loss=${p.loss}`))}`,
    );
  const ids = new Map<string, number>();
  const same = new Map<string, string[]>();
  points.forEach((p, i) => {
    if (p.id !== undefined) ids.set(p.id, (ids.get(p.id) ?? 0) + 1);
    const key = `${p.N}|${p.D}|${p.loss}`;
    same.set(key, [...(same.get(key) ?? []), label(p, i)]);
  });
  const twice = [...ids].filter(([, n]) => n > 1);
  if (twice.length)
    problems.push(
      `duplicated records: ${few(twice.map(([id, n]) => `${id} ×${n}`))}; one run counted ${twice.length > 1 ? 'several times each' : 'several times'} would narrow the intervals falsely (two sweeps into one folder? keep one copy: \`t2lab merge\` does)`,
    );
  const copies = [...same.values()].filter((v) => v.length > 1 && new Set(v).size === v.length);
  if (copies.length)
    problems.push(
      `identical N, D and loss under different names (copies of one run?): ${few(copies.map((v) => v.join(' = ')))}`,
    );
  return problems;
}

/**
 * Why the points cannot identify an N–D law with `params` free parameters (Chinchilla's five; the T² loss
 * law's N, D part is the same), or null: it needs at least 2 distinct N, 2 distinct D, and at least as
 * many distinct (N, D) points as it has parameters. Seeds at one (N, D) are one point here.
 */
export function identifiability(points: FitPoint[], law: string, params = 5): string | null {
  const key = (x: number) => x.toPrecision(6);
  const Ns = new Set(points.map((p) => key(p.N)));
  const Ds = new Set(points.map((p) => key(p.D)));
  const pairs = new Set(points.map((p) => `${key(p.N)}|${key(p.D)}`));
  const ids = few(points.map((p, i) => label(p, i)));
  if (Ns.size < 2)
    return `${law} needs runs of at least 2 model sizes to separate A/N^α from E; every run has N = ${[...Ns][0]} (${ids})`;
  if (Ds.size < 2)
    return `${law} needs at least 2 token budgets to separate B/D^β from E; every run has D = ${[...Ds][0]} (${ids})`;
  if (pairs.size < params)
    return `${law} has ${params} parameters but the data has only ${pairs.size} distinct (N, D) points (${points.length} runs: ${ids}); seeds at one (N, D) add no point; add sizes or budgets`;
  return null;
}
