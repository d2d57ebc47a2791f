// Results files in and out of the browser: the JSONL the CLI writes (one RunRecord a line) is imported
// line by line, a bad line named by its number while the rest still import; export is the same JSONL or
// a flat CSV table (one row per run, pass@k in columns) for spreadsheets.
import { parseRecordsJsonl, type RunRecord } from '../sweep/record.ts';

export interface ImportResult {
  records: RunRecord[];
  /** 1-based line numbers of the lines that did not import, and why. */
  errors: { line: number; message: string }[];
}

/** Parse a results JSONL file; blank lines are skipped, bad lines reported (by number) and left out. */
export const parseResultsJsonl: (text: string) => ImportResult = parseRecordsJsonl;

/** One JSON line per record, as the CLI writes them (NaN, which JSON lacks, becomes null). */
export function toJsonl(records: readonly RunRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

const csvCell = (v: unknown): string => {
  const s =
    v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))
      ? ''
      : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The results table: one row per run, every k of either pass@k method in its own column. */
export function toCsv(records: readonly RunRecord[]): string {
  const ks = [
    ...new Set(records.flatMap((r) => [...r.pass_at_k.sampling.k, ...r.pass_at_k.likelihood.k])),
  ].sort((a, b) => a - b);
  const head = [
    'sweep',
    'id',
    'n_layer',
    'n_embd',
    'n_head',
    'seed',
    'N',
    'N_nonemb',
    'D',
    'D_per_N',
    'C_train',
    'C_train_exact',
    'eval_loss',
    'diverged',
    ...ks.map((k) => `pass@${k}_sampling`),
    ...ks.map((k) => `pass@${k}_likelihood`),
    'train_s',
    'sample_s',
    'tokens_per_s',
    'device',
    'code_version',
    'finished_at',
  ];
  const at = (m: RunRecord['pass_at_k']['sampling'], k: number) => {
    const i = m.k.indexOf(k);
    return i < 0 ? null : m.value[i];
  };
  const rows = records.map((r) => [
    r.sweep,
    r.id,
    r.config.n_layer,
    r.config.n_embd,
    r.config.n_head,
    r.config.seed,
    r.N,
    r.N_nonemb,
    r.D,
    r.D / r.N_nonemb,
    r.C_train,
    r.C_train_exact,
    r.eval_loss,
    r.diverged,
    ...ks.map((k) => at(r.pass_at_k.sampling, k)),
    ...ks.map((k) => at(r.pass_at_k.likelihood, k)),
    r.timings.train_s,
    r.timings.sample_s,
    r.timings.tokens_per_s,
    r.device,
    r.code_version,
    r.finished_at,
  ]);
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
