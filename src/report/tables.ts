// The paper's table: at the largest C_train, the loss-optimal run against the best overtrained one,
// each at the k its size affords; every pass@k column names its method.
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import { passAtKFromP, passAtKUnbiased } from '../stats/passk.ts';
import { finished, groupByBudget, nOf } from './runs.ts';

// ---------------------------------------------------------------- the paper's table

export interface ComparisonRow {
  role: string;
  id: string;
  N: number;
  D: number;
  ratio: number;
  loss: number;
  /** Samples per question the inference budget buys, C_inf/(2N), and pass@k there. */
  k: number;
  pass1: number | null;
  passK_likelihood: number | null;
  passK_sampling: number | null;
  /** The integer k the sampling estimate used (floor of k, capped at n). */
  k_sampling: number | null;
}

export interface ComparisonTable {
  C_train: number;
  C_inf: number;
  /** Samples per question behind the sampled column (the fewest any question had). */
  n?: number;
  rows: ComparisonRow[];
  message?: string;
}

function comparisonRow(
  role: string,
  r: RunRecord,
  fit: FitReport | null,
  C_inf: number,
): ComparisonRow {
  const N = nOf(r, fit);
  const k = C_inf / (2 * N);
  const qs = r.questions ?? [];
  const mean = (f: (q: RunRecord['questions'][number]) => number) =>
    qs.length ? qs.reduce((s, q) => s + f(q), 0) / qs.length : null;
  const minN = qs.length ? Math.min(...qs.map((q) => q.n)) : 0;
  const kS = minN >= 1 ? Math.max(1, Math.min(Math.floor(k), minN)) : null;
  return {
    role,
    id: r.id,
    N,
    D: r.D,
    ratio: r.D / N,
    loss: r.eval_loss,
    k,
    pass1: mean((q) => q.p),
    passK_likelihood: mean((q) => passAtKFromP(q.p, Math.max(k, 1))),
    passK_sampling: kS === null ? null : mean((q) => passAtKUnbiased(q.n, q.c, kS)),
    k_sampling: kS,
  };
}

/**
 * At the largest C_train: the Chinchilla-optimal run (the isoFLOP minimum of held-out loss) against the
 * best overtrained run (larger D/N, highest pass@k at the k its size affords under C_inf).
 */
export function overtrainedTable(records: RunRecord[], fit: FitReport | null): ComparisonTable {
  const done = finished(records);
  const C_inf = fit?.optimum?.C_inf ?? 2 * Math.max(0, ...done.map((r) => nOf(r, fit)));
  const groups = groupByBudget(done);
  const top = groups.at(-1);
  if (!top) return { C_train: NaN, C_inf, rows: [], message: 'No finished run.' };
  const chin = top.runs.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
  const rows = [
    comparisonRow('Chinchilla-optimal (lowest loss at this C_train)', chin, fit, C_inf),
  ];
  const over = top.runs
    .filter((r) => r.D / nOf(r, fit) > chin.D / nOf(chin, fit))
    .map((r) => comparisonRow('best overtrained (highest pass@k at its k)', r, fit, C_inf));
  over.sort((a, b) => (b.passK_likelihood ?? -1) - (a.passK_likelihood ?? -1));
  if (over[0]) rows.push(over[0]);
  const message =
    top.runs.length < 2
      ? 'Only one run at the largest C_train: nothing to compare.'
      : over.length === 0
        ? 'No run at the largest C_train is trained on more tokens per parameter than the loss-optimal one.'
        : undefined;
  const ns = top.runs.flatMap((r) => (r.questions ?? []).map((q) => q.n));
  return { C_train: top.C, C_inf, rows, message, n: ns.length ? Math.min(...ns) : undefined };
}
