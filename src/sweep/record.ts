// One line of a sweep's results file (JSONL): everything a fit, a plot or a reader needs about one
// finished run, self-contained (no references to other files). Written by the sweep runner, read by
// `t2lab fit`, `t2lab report`, `t2lab merge` and the browser's Results view.
import { BOUNDS, type Config } from '../config.ts';
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
  for (const t of [pk.sampling, pk.likelihood]) {
    for (const k of ['value', 'lo', 'hi'] as const) {
      if (!Array.isArray(t[k])) throw new Error(`field "pass_at_k" must list ${k} at each k`);
      t[k] = t[k].map((v) => (v === null ? NaN : v));
    }
  }
  const problems = recordProblems(r as unknown as RunRecord);
  if (problems.length) throw new Error(`run ${r.id}: ${problems.join('; ')}`);
  return r as unknown as RunRecord;
}

const few = (xs: string[]) =>
  `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? `, … (${xs.length} in all)` : ''}`;

/**
 * What no finished run can hold, each named with its value: counts that are not counts (c > n), chances
 * outside [0, 1] (p, pass@k), negative or non-finite losses, N without embeddings above N. One list of
 * rules, applied to every line every reader parses (merge, export, fit, report, calibrate, the app), so
 * each says the same words about the same line.
 */
export function recordProblems(r: RunRecord): string[] {
  const out: string[] = [];
  for (const k of ['N', 'N_nonemb', 'D', 'C_train', 'C_train_exact'] as const)
    if (!(Number.isFinite(r[k]) && r[k] >= 0))
      out.push(`${k} = ${r[k]} is not a finite number >= 0`);
  if (r.N_nonemb > r.N) out.push(`N_nonemb = ${r.N_nonemb} is above N = ${r.N}`);
  if (r.D > BOUNDS.tokens.max)
    out.push(
      `D = ${r.D} is above the bound on tokens, ${BOUNDS.tokens.max.toLocaleString('en-US')}`,
    );
  // Losses are cross-entropies: >= 0; a diverged run may hold non-finite ones (JSON writes them null).
  const loss = (v: unknown) =>
    typeof v === 'number'
      ? (Number.isFinite(v) && v >= 0) || (r.diverged && !Number.isFinite(v))
      : r.diverged && v === null;
  if (!loss(r.eval_loss)) out.push(`eval_loss = ${r.eval_loss} is not a loss (a number >= 0)`);
  for (const k of ['curve', 'evals'] as const) {
    const bad = r[k].filter((e) => !e || typeof e !== 'object' || !loss(e.loss));
    if (bad.length)
      out.push(
        `${k} holds losses that are not numbers >= 0: ${few(bad.map((e) => JSON.stringify(e?.loss)))}`,
      );
  }
  const counts = r.questions
    .map((q, i) => ({ q, i }))
    .filter(
      ({ q }) =>
        !q ||
        typeof q !== 'object' ||
        !(Number.isInteger(q.n) && q.n >= 1) ||
        !(Number.isInteger(q.c) && q.c >= 0 && q.c <= q.n) ||
        (q.c_verifier !== undefined &&
          !(Number.isInteger(q.c_verifier) && q.c_verifier >= 0 && q.c_verifier <= q.n)),
    );
  if (counts.length)
    out.push(
      `questions with counts that are not counts (need 0 <= c <= n, n >= 1): ${few(counts.map(({ q, i }) => `questions[${i}] c=${q?.c} n=${q?.n}`))}`,
    );
  const chances = r.questions
    .map((q, i) => ({ q, i }))
    .filter(({ q }) => q && typeof q === 'object' && !(q.p >= 0 && q.p <= 1));
  if (chances.length)
    out.push(
      `questions with p outside [0, 1]: ${few(chances.map(({ q, i }) => `questions[${i}] p=${q.p}`))}`,
    );
  for (const m of ['sampling', 'likelihood'] as const) {
    const t = r.pass_at_k[m];
    const bad = [...t.value, ...t.lo, ...t.hi].filter(
      (v) => !(Number.isNaN(v) || (v >= 0 && v <= 1)),
    );
    if (bad.length) out.push(`pass_at_k.${m} holds values outside [0, 1]: ${few(bad.map(String))}`);
  }
  return out;
}

/**
 * What is wrong with a set of records read as one results file: one run twice (counted twice by a fit),
 * or runs of more than one experiment (fitted as one law). `where` names each record for the message
 * ("line 7"); merge, export, fit, report and calibrate all refuse with these words.
 */
export function recordSetProblems(records: RunRecord[], where?: (i: number) => string): string[] {
  const out: string[] = [];
  const at = (i: number) => (where ? where(i) : `record ${i + 1}`);
  const seen = new Map<string, number[]>();
  records.forEach((r, i) => {
    const key = `${r.sweep}/${r.id}`;
    seen.set(key, [...(seen.get(key) ?? []), i]);
  });
  const twice = [...seen].filter(([, is]) => is.length > 1);
  if (twice.length)
    out.push(
      `run${twice.length > 1 ? 's' : ''} recorded more than once: ${few(twice.map(([k, is]) => `${k} (${is.map(at).join(', ')})`))}; one run counted twice would skew every fit (keep one copy: \`t2lab merge FILE --out NEW\` does)`,
    );
  const sweeps = new Map<string, number>();
  for (const r of records) sweeps.set(r.sweep, (sweeps.get(r.sweep) ?? 0) + 1);
  if (sweeps.size > 1)
    out.push(
      `records of ${sweeps.size} experiments (${few([...sweeps].map(([s, n]) => `${s}: ${n} runs`))}): one results file holds one experiment, and they are not one scaling law; split them by experiment`,
    );
  return out;
}

/** Every record of a results JSONL text; blank lines skipped, each bad line reported by its 1-based number. */
export function parseRecordsJsonl(text: string): {
  records: RunRecord[];
  errors: { line: number; message: string }[];
  /** The 1-based line of each record. */
  lines: number[];
} {
  const records: RunRecord[] = [];
  const errors: { line: number; message: string }[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      records.push(parseRecordLine(line));
      lines.push(i + 1);
    } catch (e) {
      errors.push({ line: i + 1, message: (e as Error).message });
    }
  });
  return { records, errors, lines };
}
