// One line of a sweep's results file (JSONL): everything a fit, a plot or a reader needs about one
// finished run, self-contained (no references to other files). Written by the sweep runner, read by
// `t2lab fit`, `t2lab report`, `t2lab merge` and the browser's Results view.
import type { Config } from '../config.ts';
import type { PassAtK, PassAtKTables } from '../stats/passk.ts';
import type { DocumentStats } from '../data/stream.ts';
import type { QuestionResult } from '../sample/evaluate.ts';

export const RECORD_FORMAT = 't2lab-run-1';

export interface RunRecord {
  format: typeof RECORD_FORMAT;
  /** Stable id of the run within its sweep (size, budget, seed), e.g. "L2-C64/D=2.0e5/s1". */
  id: string;
  sweep: string;
  config: Config;
  /** Parameters, embeddings included and excluded (T2.md: report both). */
  N: number;
  N_nonemb: number;
  /** Training tokens consumed. */
  D: number;
  /** 6·N·D with N non-embedding; and the exact matmul + attention FLOPs. */
  C_train: number;
  C_train_exact: number;
  /** Loss curve (training loss at logged steps) and held-out evaluations. */
  curve: { tokens: number; loss: number }[];
  evals: { tokens: number; loss: number }[];
  eval_loss: number;
  /** How often the run's training text repeated itself (absent in older records). */
  data?: DocumentStats;
  diverged: boolean;
  /** Sampling settings of the test half. */
  sampling: {
    n: number;
    temperature: number;
    top_k: number;
    top_p: number;
    questions: number;
    seed: number;
  };
  questions: QuestionResult[];
  /** pass@k from sampling (unbiased estimator) and from the likelihood p_i (exact), same k. */
  pass_at_k: PassAtKTables;
  device: string;
  /**
   * The kernel versions the run used (gpu.choices: matmul, matmul_rows, attention, ...) and where they came
   * from ('pinned', 'override', 'stored', 'default'); pin them to make the run again with the same bits.
   * Absent in records written before they were kept.
   */
  kernels?: Record<string, number>;
  kernels_source?: string;
  timings: { train_s: number; sample_s: number; tokens_per_s: number; samples_per_s: number };
  code_version: string;
  finished_at: string;
}

/** Parse one JSONL line into a RunRecord, or throw saying what is wrong with it. */
export function parseRecordLine(line: string): RunRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line);
  } catch (e) {
    throw new Error(
      `not valid JSON (${(e as Error).message.slice(0, 80)}); a half-written line from an interrupted run?`,
    );
  }
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('not a JSON object');
  if (r.format !== RECORD_FORMAT)
    throw new Error(
      `format is ${JSON.stringify(r.format)}, expected "${RECORD_FORMAT}" (a t2lab sweep results line)`,
    );
  // First what the fits rely on, every problem named at once; then the rest of the record's shape.
  const bad: string[] = [];
  if (typeof r.id !== 'string') bad.push('id (string)');
  for (const k of ['N', 'N_nonemb', 'D'])
    if (!(typeof r[k] === 'number' && (r[k] as number) > 0)) bad.push(`${k} (positive number)`);
  if (typeof r.diverged !== 'boolean') bad.push('diverged (boolean)');
  // JSON writes NaN as null: only a diverged run may lack its held-out loss.
  if (!(typeof r.eval_loss === 'number' || (r.diverged === true && r.eval_loss === null)))
    bad.push('eval_loss (number)');
  if (bad.length)
    throw new Error(
      `missing or wrong ${bad.join(', ')}${typeof r.id === 'string' ? ` in run ${r.id}` : ''}`,
    );
  if (r.eval_loss === null) r.eval_loss = NaN;
  for (const k of ['C_train', 'C_train_exact'])
    if (typeof r[k] !== 'number')
      throw new Error(`field "${k}" must be a number, got ${JSON.stringify(r[k])}`);
  if (typeof r.sweep !== 'string') throw new Error('field "sweep" must be a string');
  for (const k of ['curve', 'evals', 'questions'])
    if (!Array.isArray(r[k])) throw new Error(`field "${k}" must be a list`);
  const pk = r.pass_at_k as Record<string, PassAtK> | undefined;
  if (!pk || !pk.sampling || !pk.likelihood || !Array.isArray(pk.sampling.k))
    throw new Error('field "pass_at_k" must hold { sampling, likelihood } tables');
  for (const t of [pk.sampling, pk.likelihood])
    for (const k of ['value', 'lo', 'hi'] as const) t[k] = t[k].map((v) => (v === null ? NaN : v));
  return r as unknown as RunRecord;
}

/** Every record of a results JSONL text; blank lines skipped, each bad line reported by its 1-based number. */
export function parseRecordsJsonl(text: string): {
  records: RunRecord[];
  errors: { line: number; message: string }[];
} {
  const records: RunRecord[] = [];
  const errors: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      records.push(parseRecordLine(line));
    } catch (e) {
      errors.push({ line: i + 1, message: (e as Error).message });
    }
  });
  return { records, errors };
}
