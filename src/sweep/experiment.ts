// A sweep is a file in experiments/: a grid of model sizes × token budgets × seeds on one task mix, and
// the test-time half (questions, samples per question n, the set of k, temperature, C_inf). This module
// validates one (every error names the field and says how to fix it) and expands it into runs, each an
// ordinary flat Config, deterministic and independent of the others.
import { makeConfig, ConfigError, type Config } from '../config.ts';
import { paramCount } from '../model/gpt.ts';
import { modelShape, parseMix } from '../train/trainer.ts';
import { taskNames } from '../data/tasks.ts';
import { evaluationQuestions } from '../sample/evaluate.ts';

export interface ModelSize {
  n_layer: number;
  n_embd: number;
  n_head: number;
}

export interface SamplingSpec {
  /** Evaluation questions per task of the mix (distinct, held out from training where the task allows). */
  questions: number;
  /** Samples per question (n ≥ max k). */
  n: number;
  /** The k of pass@k. */
  k: number[];
  temperature: number;
  top_k: number;
  top_p: number;
  /** New tokens per sample before it is cut (answers are short). */
  max_new: number;
  /** Keys the questions and every sample. */
  seed: number;
}

export interface Experiment {
  name: string;
  description: string;
  /** Config keys shared by every run (task mix, difficulty, batch, lr, ...). */
  base: Partial<Config>;
  /** Model sizes, small to large. */
  models: ModelSize[];
  /**
   * Token budgets: either D/N ratios (D = ratio·N, N without embeddings) or isoFLOP levels
   * (C_train = 6·N·D, so D = C/(6N)). Runs below one optimizer step or above max_tokens are skipped.
   */
  budgets: { tokens_per_param: number[] } | { flops: number[] };
  /** Seeds run for every (model, budget). */
  seeds: number[];
  /** More seeds for the smallest models, where seed noise is largest (T2.md). */
  extra_seeds?: { max_params: number; seeds: number[] };
  /** Cap on D for one run (keeps a grid inside its time budget). */
  max_tokens?: number;
  /** isoFLOP levels skip runs below this D/N (default 1: T2.md's grids start at ~1 token per parameter). */
  min_tokens_per_param?: number;
  sampling: SamplingSpec;
  /** Inference FLOPs per served token, 2·N·k; default: the largest model gets k = 1. */
  C_inf?: number;
  /** Fit on runs with D/N ≤ this, validate on the rest (held-out overtrained runs). */
  holdout_ratio?: number;
}

export interface RunSpec {
  /** Stable id within the sweep: model, budget, seed. */
  id: string;
  model: string;
  budget: string;
  config: Config;
  N: number;
  N_nonemb: number;
}

export const SAMPLING_DEFAULTS: SamplingSpec = { questions: 32, n: 16, k: [1, 2, 4, 8, 16], temperature: 1, top_k: 0, top_p: 1, max_new: 8, seed: 0 };

export class ExperimentError extends Error {
  override name = 'ExperimentError';
}

const modelLabel = (m: ModelSize) => `L${m.n_layer}-C${m.n_embd}-H${m.n_head}`;

/** Check an experiment (typically just imported from a file); throws ExperimentError naming the field. */
export function validateExperiment(e: unknown, source = 'experiment'): Experiment {
  const fail = (msg: string): never => {
    throw new ExperimentError(`${source}: ${msg}`);
  };
  if (!e || typeof e !== 'object') fail('must export an object (export default { name, models, budgets, ... })');
  const x = e as Record<string, unknown>;
  if (typeof x.name !== 'string' || !/^[\w.-]+$/.test(x.name)) fail(`"name" must be a word (letters, digits, _ . -), got ${JSON.stringify(x.name)}`);
  const base = (x.base ?? {}) as Record<string, unknown>;
  if (typeof base !== 'object') fail('"base" must be an object of config keys');
  try {
    makeConfig({ ...base });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // tokens may be below one step in base; the per-run config is what must hold.
    if (!/^tokens \(/.test(err.message)) fail(`base: ${err.message}`);
  }
  if (!Array.isArray(x.models) || x.models.length === 0) fail('"models" must be a non-empty list of { n_layer, n_embd, n_head }');
  (x.models as unknown[]).forEach((m, i) => {
    const mm = m as Record<string, unknown>;
    for (const k of ['n_layer', 'n_embd', 'n_head']) {
      if (!Number.isInteger(mm?.[k]) || (mm[k] as number) < 1) fail(`models[${i}].${k} must be an integer >= 1, got ${JSON.stringify(mm?.[k])}`);
    }
    if ((mm.n_embd as number) % (mm.n_head as number) !== 0) fail(`models[${i}]: n_embd ${mm.n_embd} is not divisible by n_head ${mm.n_head}`);
  });
  const b = x.budgets as Record<string, unknown> | undefined;
  const list = b && (b.tokens_per_param ?? b.flops);
  if (!b || !Array.isArray(list) || !list.length || Object.keys(b).length !== 1 || !('tokens_per_param' in b || 'flops' in b)) {
    fail('"budgets" must be { tokens_per_param: [ratios] } or { flops: [C_train levels] }');
  }
  (list as unknown[]).forEach((v, i) => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(`budgets: entry ${i} must be a number > 0, got ${JSON.stringify(v)}`);
  });
  const seedList = (what: string, s: unknown) => {
    if (!Array.isArray(s) || !s.length || !s.every((v) => Number.isInteger(v) && v >= 0)) fail(`${what} must be a non-empty list of integers >= 0, got ${JSON.stringify(s)}`);
  };
  seedList('"seeds"', x.seeds);
  if (x.extra_seeds !== undefined) {
    const es = x.extra_seeds as Record<string, unknown>;
    if (!(typeof es.max_params === 'number' && es.max_params > 0)) fail('extra_seeds.max_params must be a number > 0');
    seedList('extra_seeds.seeds', es.seeds);
  }
  if (x.max_tokens !== undefined && !(Number.isInteger(x.max_tokens) && (x.max_tokens as number) > 0)) fail('"max_tokens" must be an integer > 0');
  if (x.min_tokens_per_param !== undefined && !(typeof x.min_tokens_per_param === 'number' && x.min_tokens_per_param >= 0)) fail('"min_tokens_per_param" must be a number >= 0');
  const s = { ...SAMPLING_DEFAULTS, ...((x.sampling ?? {}) as object) } as SamplingSpec;
  const posInt = (k: keyof SamplingSpec) => {
    if (!Number.isInteger(s[k]) || (s[k] as number) < 1) fail(`sampling.${k} must be an integer >= 1, got ${JSON.stringify(s[k])}`);
  };
  posInt('questions');
  posInt('n');
  posInt('max_new');
  if (!Array.isArray(s.k) || !s.k.length || !s.k.every((k) => Number.isInteger(k) && k >= 1)) fail(`sampling.k must be a list of integers >= 1, got ${JSON.stringify(s.k)}`);
  const kmax = Math.max(...s.k);
  if (kmax > s.n) fail(`sampling.k includes ${kmax} but only n = ${s.n} samples are drawn per question; raise sampling.n to at least ${kmax}`);
  if (!(s.temperature >= 0)) fail(`sampling.temperature must be >= 0, got ${s.temperature}`);
  if (!Number.isInteger(s.top_k) || s.top_k < 0) fail(`sampling.top_k must be an integer >= 0 (0 = off), got ${s.top_k}`);
  if (!(s.top_p > 0 && s.top_p <= 1)) fail(`sampling.top_p must be in (0, 1] (1 = off), got ${s.top_p}`);
  if (!Number.isInteger(s.seed) || s.seed < 0) fail(`sampling.seed must be an integer >= 0`);
  if (x.C_inf !== undefined && !(typeof x.C_inf === 'number' && x.C_inf > 0)) fail('"C_inf" must be a number > 0');
  if (x.holdout_ratio !== undefined && !(typeof x.holdout_ratio === 'number' && x.holdout_ratio > 0)) fail('"holdout_ratio" must be a number > 0');
  const mix = (base.tasks as string | undefined) ?? makeConfig().tasks;
  try {
    parseMix(mix);
  } catch (err) {
    fail(`base.${(err as Error).message}; known tasks: ${taskNames.join(', ')}`);
  }
  const exp = { description: '', ...x, base, sampling: s } as Experiment;
  const runs = expandRuns(exp);
  if (runs.length === 0) fail('no runs: every budget is below one optimizer step, below min_tokens_per_param·N or above max_tokens for every model');
  // Fail now, not after the first run has trained: each task needs enough questions that fit the context.
  try {
    evaluationQuestions(runs[0]!.config, s.questions, s.seed);
  } catch (err) {
    fail(`sampling: ${(err as Error).message}`);
  }
  return exp;
}

/** Every run of the grid, smallest models and budgets first (so a partial sweep already has a spread). */
export function expandRuns(e: Experiment): RunSpec[] {
  const runs: RunSpec[] = [];
  const ratios = 'tokens_per_param' in e.budgets;
  const levels = 'tokens_per_param' in e.budgets ? e.budgets.tokens_per_param : e.budgets.flops;
  for (const level of levels) {
    for (const m of e.models) {
      const probe = makeConfig({ ...e.base, ...m, tokens: 1e9 });
      const N = paramCount(modelShape(probe));
      const D = Math.round(ratios ? level * N.nonEmbedding : level / (6 * N.nonEmbedding));
      const step = probe.batch_size * probe.block_size;
      if (D < step || (e.max_tokens !== undefined && D > e.max_tokens) || (!ratios && D < (e.min_tokens_per_param ?? 1) * N.nonEmbedding)) continue;
      const seeds = [...e.seeds];
      if (e.extra_seeds && N.nonEmbedding <= e.extra_seeds.max_params) for (const s of e.extra_seeds.seeds) if (!seeds.includes(s)) seeds.push(s);
      const budget = ratios ? `D/N=${level}` : `C=${level.toExponential(1)}`;
      for (const seed of seeds) {
        const config = makeConfig({ ...e.base, ...m, tokens: D, seed });
        runs.push({ id: `${modelLabel(m)}/${budget}/s${seed}`, model: modelLabel(m), budget, config, N: N.total, N_nonemb: N.nonEmbedding });
      }
    }
  }
  return runs;
}

/** C_inf: given, or 2·N_max·1 so the largest model of the grid gets k ≈ 1 (T2.md). */
export function inferenceBudget(e: Experiment): number {
  if (e.C_inf !== undefined) return e.C_inf;
  const Ns = expandRuns(e).map((r) => r.N_nonemb);
  return 2 * Math.max(...Ns);
}
