// Tidy results for notebooks: a sweep's records as two long-format CSV tables that pandas' read_csv
// loads with no options (docs/results-csv.md). One row per (run, k) holds both pass@k estimates with
// their intervals; one row per (run, question) holds n_i, c_i and p_i. Every row repeats its run's
// coordinates (N, D, C_train, seed, loss, ...) so a table needs no join: df.groupby("N") just works.
// Written by `t2lab export --format csv` and by the app's Results view.
import type { RunRecord } from '../sweep/record.ts';

type Cell = string | number | boolean | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces, quotes
 * doubled. Missing and NaN values are empty (pandas reads NaN); infinities are "inf" and "-inf" (pandas
 * reads them as floats); booleans are True/False (pandas reads bool).
 */
export function csvField(v: Cell): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  if (typeof v === 'number' && !Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV text: a header row, then one row per entry, each line ended by \n. */
export function toCsvText(columns: readonly string[], rows: readonly Cell[][]): string {
  return [columns, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/**
 * A run's coordinates, repeated on each of its rows. `model` and `budget` are the first two parts of the
 * sweep's run id ("L2-C64/D/N=16/s1" → "L2-C64", "D/N=16"), the size and budget as the experiment named them.
 */
const RUN_COLUMNS = [
  'sweep',
  'run_id',
  'model',
  'budget',
  'n_layer',
  'n_embd',
  'n_head',
  'block_size',
  'lr',
  'seed',
  'N',
  'N_nonembedding',
  'D',
  'D_per_N',
  'C_train',
  'C_train_exact',
  'loss',
  'diverged',
] as const;

function runCells(r: RunRecord): Cell[] {
  const [model, budget] = splitRunId(r.id);
  const c = r.config;
  return [
    r.sweep,
    r.id,
    model,
    budget,
    c.n_layer,
    c.n_embd,
    c.n_head,
    c.block_size,
    c.lr,
    c.seed,
    r.N,
    r.N_nonemb,
    r.D,
    r.D / r.N_nonemb,
    r.C_train,
    r.C_train_exact,
    r.eval_loss,
    r.diverged,
  ];
}

/** "L2-C64/D/N=16/s1" → ["L2-C64", "D/N=16"]: the id is model/budget[/lr=..]/sSEED, and a budget may hold a slash itself. */
function splitRunId(id: string): [string, string] {
  const parts = id.split('/');
  const model = parts[0] ?? '';
  const rest = parts.slice(1).filter((p) => !/^s\d+$/.test(p) && !p.startsWith('lr='));
  return [model, rest.join('/')];
}

export const PASS_AT_K_COLUMNS = [
  ...RUN_COLUMNS,
  'samples_per_question',
  'questions',
  'temperature',
  'k',
  'pass_at_k_sampled',
  'pass_at_k_sampled_lo',
  'pass_at_k_sampled_hi',
  'pass_at_k_likelihood',
  'pass_at_k_likelihood_lo',
  'pass_at_k_likelihood_hi',
] as const;

/** One row per (run, k): pass@k from the samples (unbiased estimator) and from p_i, each with its 95% bootstrap interval. */
export function tidyPassAtKCsv(records: readonly RunRecord[]): string {
  const rows: Cell[][] = [];
  for (const r of records) {
    const { sampling: s, likelihood: l } = r.pass_at_k;
    const ks = [...new Set([...s.k, ...l.k])].sort((a, b) => a - b);
    for (const k of ks) {
      const i = s.k.indexOf(k),
        j = l.k.indexOf(k);
      rows.push([
        ...runCells(r),
        r.sampling.n,
        r.questions.length,
        r.sampling.temperature,
        k,
        s.value[i],
        s.lo[i],
        s.hi[i],
        l.value[j],
        l.lo[j],
        l.hi[j],
      ]);
    }
  }
  return toCsvText(PASS_AT_K_COLUMNS, rows);
}

export const QUESTION_COLUMNS = [
  ...RUN_COLUMNS,
  'question',
  'task',
  'prompt',
  'answer',
  'n_i',
  'c_i',
  'c_verifier_i',
  'p_i',
] as const;

/**
 * One row per (run, question): n_i samples drawn, c_i exactly the gold answer (the event p_i is the
 * probability of), c_verifier_i accepted by the task's verifier (empty in older records), p_i.
 */
export function tidyQuestionsCsv(records: readonly RunRecord[]): string {
  const rows: Cell[][] = [];
  for (const r of records) {
    const run = runCells(r);
    r.questions.forEach((q, i) =>
      rows.push([...run, i, q.task, q.prompt, q.answer, q.n, q.c, q.c_verifier, q.p]),
    );
  }
  return toCsvText(QUESTION_COLUMNS, rows);
}
