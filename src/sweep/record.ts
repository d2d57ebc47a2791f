// One line of a sweep's results file (JSONL): everything a fit, a plot or a reader needs about one
// finished run, self-contained (no references to other files). Written by the sweep runner, read by
// `t2lab fit`, `t2lab report`, `t2lab merge` and the browser's Results view.
import type { Config } from '../config.ts';

export const RECORD_FORMAT = 't2lab-run-1';

/** pass@k at each k, with a bootstrap interval over questions. */
export interface PassAtK {
  k: number[];
  value: number[]; // mean over questions
  lo: number[]; // 2.5% bootstrap quantile
  hi: number[]; // 97.5% bootstrap quantile
}

/** Per-question results: n samples drawn, c graded correct, p = exp(−NLL of the gold answer + EOS). */
export interface QuestionResult {
  task: string;
  prompt: string;
  answer: string;
  n: number;
  c: number;
  p: number;
  /** The sampled completions (cut at EOS), in sample-index order; kept for browsing. */
  samples?: string[];
  /** The verifier's verdict on each sample (same order). */
  correct?: boolean[];
}

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
  diverged: boolean;
  /** Sampling settings of the test half. */
  sampling: { n: number; temperature: number; top_k: number; top_p: number; questions: number; seed: number };
  questions: QuestionResult[];
  /** pass@k from sampling (unbiased estimator) and from the likelihood p_i (exact), same k. */
  pass_at_k: { sampling: PassAtK; likelihood: PassAtK };
  device: string;
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
    throw new Error(`not valid JSON (${(e as Error).message.slice(0, 80)}); a half-written line from an interrupted run?`);
  }
  if (!r || typeof r !== 'object') throw new Error('not a JSON object');
  if (r.format !== RECORD_FORMAT) throw new Error(`format is ${JSON.stringify(r.format)}, expected "${RECORD_FORMAT}" (a t2lab sweep results line)`);
  const num = (k: string) => {
    if (typeof r[k] !== 'number') throw new Error(`field "${k}" must be a number, got ${JSON.stringify(r[k])}`);
  };
  for (const k of ['N', 'N_nonemb', 'D', 'C_train', 'C_train_exact']) num(k);
  if (typeof r.eval_loss !== 'number' && r.eval_loss !== null) throw new Error('field "eval_loss" must be a number');
  if (r.eval_loss === null) r.eval_loss = NaN; // JSON writes NaN (a diverged run) as null
  for (const k of ['id', 'sweep']) if (typeof r[k] !== 'string') throw new Error(`field "${k}" must be a string`);
  for (const k of ['curve', 'evals', 'questions']) if (!Array.isArray(r[k])) throw new Error(`field "${k}" must be a list`);
  const pk = r.pass_at_k as Record<string, PassAtK> | undefined;
  if (!pk || !pk.sampling || !pk.likelihood || !Array.isArray(pk.sampling.k)) throw new Error('field "pass_at_k" must hold { sampling, likelihood } tables');
  for (const t of [pk.sampling, pk.likelihood]) for (const k of ['value', 'lo', 'hi'] as const) t[k] = t[k].map((v) => (v === null ? NaN : v));
  return r as unknown as RunRecord;
}
