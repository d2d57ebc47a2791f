// A sweep is a file in experiments/: a grid of model sizes × token budgets × seeds on one task mix, and
// the test-time half (questions, samples per question n, the set of k, temperature, C_inf). This module
// validates one (every error names the field and says how to fix it) and expands it into runs, each an
// ordinary flat Config, deterministic and independent of the others.
import {
  BOUNDS,
  boundProblem,
  makeConfig,
  ConfigError,
  DEFAULTS,
  modelShape,
  parseMix,
  SAMPLING_DEFAULTS,
  type Config,
  type SamplingSpec,
} from '../config.ts';
import { paramCount } from '../model/gpt.ts';
import { taskNames } from '../data/tasks.ts';
import { evaluationQuestions } from '../sample/evaluate.ts';
import { parseKernelChoices, type KernelPins } from './kernel-choice.ts';

export interface ModelSize {
  n_layer: number;
  n_embd: number;
  n_head: number;
  /** This size's peak learning rate (default base.lr): tiny models tolerate higher rates than larger ones. */
  lr?: number;
  /**
   * More seeds for this size, beside the experiment's `seeds` (T2.md: ≥ 2 seeds at every size near either
   * optimum, so the seed noise is measured where it decides the optima).
   */
  seeds?: number[];
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
  /**
   * Heavily overtrained runs beside the grid (T2.md: fit near the Chinchilla ratio, predict these): the
   * models at these indices of `models`, each at these D/N ratios, with `seeds` only (extra_seeds are for the
   * grid). They are on no isoFLOP level.
   */
  overtrained?: { models: number[]; tokens_per_param: number[] };
  /**
   * Calibration: every run repeated for each combination of these config values (e.g. { lr: [3e-3, 1e-2],
   * add_digits: [2, 3] }); ids gain "/lr=0.01,add_digits=2". See experiments/calibrate.ts.
   */
  scan?: Partial<Record<keyof Config, (number | string)[]>>;
  /** Cap on D for one run (keeps a grid inside its time budget). */
  max_tokens?: number;
  /** isoFLOP levels skip runs below this D/N (default 1: T2.md's grids start at ~1 token per parameter). */
  min_tokens_per_param?: number;
  /** isoFLOP levels skip runs above this D/N (default none): a level's most overtrained end, beside `overtrained`. */
  max_tokens_per_param?: number;
  sampling: SamplingSpec;
  /** Inference FLOPs per served token, 2·N·k; default: the largest model gets k = 1. */
  C_inf?: number;
  /** Fit on runs with D/N ≤ this, validate on the rest (held-out overtrained runs). */
  holdout_ratio?: number;
  /**
   * Kernel versions every run uses, whatever was measured on the machine (e.g. { matmul: 4, matmul_rows: 8,
   * attention: 3 }): the same experiment, or lab link, then gives the same bits on the same adapter class
   * in any browser or clone. Unpinned kernels take the stored measurement or the adapter's default.
   * 'default': the adapter class's defaults, whatever was measured here (works on every adapter class).
   */
  kernels?: KernelPins;
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

export class ExperimentError extends Error {
  override name = 'ExperimentError';
}

const modelLabel = (m: ModelSize) => `L${m.n_layer}-C${m.n_embd}-H${m.n_head}`;

// The keys a file may set, one table per block: validateExperiment refuses any other key with the nearest
// known one, so a typo (`holdout_ratoi`, `sampling.temprature`) is an error, never silently ignored.
// `satisfies Record<keyof ...>` makes a field added to the interface without its line here a type error.
const EXPERIMENT_KEYS = {
  name: 1,
  description: 1,
  base: 1,
  models: 1,
  budgets: 1,
  seeds: 1,
  extra_seeds: 1,
  overtrained: 1,
  scan: 1,
  max_tokens: 1,
  min_tokens_per_param: 1,
  max_tokens_per_param: 1,
  sampling: 1,
  C_inf: 1,
  holdout_ratio: 1,
  kernels: 1,
} satisfies Record<keyof Experiment, 1>;
const MODEL_KEYS = { n_layer: 1, n_embd: 1, n_head: 1, lr: 1, seeds: 1 } satisfies Record<
  keyof ModelSize,
  1
>;
const BLOCK_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(EXPERIMENT_KEYS),
  budgets: ['tokens_per_param', 'flops'],
  extra_seeds: ['max_params', 'seeds'],
  overtrained: ['models', 'tokens_per_param'],
  sampling: Object.keys(SAMPLING_DEFAULTS),
};

/** " (did you mean X?)" for the known names nearest to `name` (edit distance, transpositions count 1), or "". */
export function didYouMean(name: string, known: readonly string[]): string {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [
      i,
      ...Array<number>(b.length).fill(0),
    ]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
          d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
    return d[a.length]![b.length]!;
  };
  const lower = name.toLowerCase();
  const scored = known.map((k) => ({ k, d: dist(lower, k.toLowerCase()) }));
  const best = Math.min(...scored.map((s) => s.d));
  const near = scored
    .filter(
      (s) =>
        (s.d === best && s.d <= Math.max(2, Math.floor(name.length / 3))) ||
        (lower.length >= 3 && k3(s.k, lower)),
    )
    .map((s) => s.k);
  return near.length ? ` (did you mean ${[...new Set(near)].join(' or ')}?)` : '';
}
const k3 = (k: string, lower: string) =>
  k.length >= 3 && (k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));

/** Throw (via fail) on the first key of `block` that the experiment format does not know. */
function checkKeys(
  block: Record<string, unknown>,
  where: string,
  known: readonly string[],
  fail: (m: string) => never,
): void {
  for (const key of Object.keys(block)) {
    if (!known.includes(key))
      fail(
        `unknown key ${where ? `${where}.` : ''}${key}${didYouMean(key, known)}; known keys${where ? ` of ${where}` : ''}: ${known.join(', ')}`,
      );
  }
}

/** Run ids that the grid lists more than once, with the repeated entries that cause them (or null). */
function duplicateRuns(e: Experiment, runs: RunSpec[]): string | null {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.id, (count.get(r.id) ?? 0) + 1);
  const dupes = [...count].filter(([, n]) => n > 1);
  if (!dupes.length) return null;
  const repeated = (what: string, xs: readonly unknown[]) => {
    const seen = new Set<string>(),
      twice = new Set<string>();
    for (const x of xs) {
      const k = typeof x === 'object' ? modelLabel(x as ModelSize) : String(x);
      if (seen.has(k)) twice.add(k);
      seen.add(k);
    }
    return twice.size ? [`${what} lists ${[...twice].join(', ')} more than once`] : [];
  };
  const levels = 'tokens_per_param' in e.budgets ? e.budgets.tokens_per_param : e.budgets.flops;
  const causes = [
    ...repeated('models', e.models),
    ...repeated('seeds', e.seeds),
    ...repeated('budgets', levels),
    ...repeated('extra_seeds.seeds', e.extra_seeds?.seeds ?? []),
  ];
  const ids = dupes
    .slice(0, 4)
    .map(([id, n]) => `${id} (×${n})`)
    .join(', ');
  return `${dupes.length} run id${dupes.length > 1 ? 's' : ''} would be trained more than once: ${ids}${dupes.length > 4 ? ', …' : ''}${causes.length ? `; ${causes.join('; ')}` : ''}. Remove the repeated entries`;
}

/**
 * Check an experiment (typically just imported from a file, or the app's grid editor); throws
 * ExperimentError naming the source and the field. Whatever else goes wrong while reading it (a getter
 * that throws, a proxy) is reported the same way, with the source's name.
 */
export function validateExperiment(e: unknown, source = 'experiment'): Experiment {
  try {
    return validateFields(e, source);
  } catch (err) {
    if (err instanceof ExperimentError) throw err;
    throw new ExperimentError(
      `${source}: cannot be read: ${(err as Error)?.message ?? String(err)}`,
    );
  }
}

function validateFields(e: unknown, source: string): Experiment {
  const fail = (msg: string): never => {
    throw new ExperimentError(`${source}: ${msg}`);
  };
  if (!e || typeof e !== 'object' || Array.isArray(e))
    fail('must export an object (export default { name, models, budgets, ... })');
  const x = e as Record<string, unknown>;
  checkKeys(x, '', BLOCK_KEYS['']!, fail);
  for (const block of ['budgets', 'extra_seeds', 'overtrained', 'sampling']) {
    if (x[block] && typeof x[block] === 'object' && !Array.isArray(x[block]))
      checkKeys(x[block] as Record<string, unknown>, block, BLOCK_KEYS[block]!, fail);
  }
  // The name is the default results folder (out/NAME): "." or ".." would be the working directory or above.
  if (typeof x.name !== 'string' || !/^[\w.-]+$/.test(x.name) || /^\.+$/.test(x.name))
    fail(
      `"name" must be a word (letters, digits, _ . -, not only dots: it names the folder out/NAME), got ${JSON.stringify(x.name)}`,
    );
  const base = (x.base ?? {}) as Record<string, unknown>;
  if (!base || typeof base !== 'object' || Array.isArray(base))
    fail('"base" must be an object of config keys');
  checkKeys(base, 'base', Object.keys(DEFAULTS), fail);
  try {
    makeConfig({ ...base });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // tokens may be below one step in base; the per-run config is what must hold.
    if (!/^tokens \(/.test(err.message)) fail(`base: ${err.message}`);
  }
  const seedList = (what: string, s: unknown) => {
    // Seeds are hashed as 32-bit words (src/util/rng.ts): 2^32 would silently be seed 0.
    if (
      !Array.isArray(s) ||
      !s.length ||
      !s.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)
    )
      fail(
        `${what} must be a non-empty list of integers in [0, 4294967295], got ${JSON.stringify(s)}`,
      );
  };
  if (!Array.isArray(x.models) || x.models.length === 0)
    fail('"models" must be a non-empty list of { n_layer, n_embd, n_head }');
  (x.models as unknown[]).forEach((m, i) => {
    const mm = m as Record<string, unknown>;
    if (mm && typeof mm === 'object') checkKeys(mm, `models[${i}]`, Object.keys(MODEL_KEYS), fail);
    if (!mm || typeof mm !== 'object') fail(`models[${i}] must be { n_layer, n_embd, n_head }`);
    for (const k of ['n_layer', 'n_embd', 'n_head'] as const) {
      const problem = boundProblem(k, mm[k], `models[${i}].${k}`);
      if (problem) fail(problem);
    }
    if ((mm.n_embd as number) % (mm.n_head as number) !== 0)
      fail(`models[${i}]: n_embd ${mm.n_embd} is not divisible by n_head ${mm.n_head}`);
    if (mm.lr !== undefined && !(typeof mm.lr === 'number' && mm.lr > 0))
      fail(`models[${i}].lr must be a number > 0, got ${JSON.stringify(mm.lr)}`);
    if (mm?.seeds !== undefined) seedList(`models[${i}].seeds`, mm.seeds);
  });
  if (x.overtrained !== undefined) {
    const o = x.overtrained as Record<string, unknown>;
    const nModels = (x.models as unknown[]).length;
    if (
      !Array.isArray(o.models) ||
      !o.models.length ||
      !o.models.every((i) => Number.isInteger(i) && i >= 0 && i < nModels)
    ) {
      fail(
        `overtrained.models must be a non-empty list of indices into models (0..${nModels - 1}), got ${JSON.stringify(o.models)}`,
      );
    }
    if (
      !Array.isArray(o.tokens_per_param) ||
      !o.tokens_per_param.length ||
      !o.tokens_per_param.every((v) => typeof v === 'number' && v > 0)
    ) {
      fail(
        `overtrained.tokens_per_param must be a non-empty list of numbers > 0, got ${JSON.stringify(o.tokens_per_param)}`,
      );
    }
  }
  if (x.scan !== undefined) {
    if (!x.scan || typeof x.scan !== 'object')
      fail('"scan" must be an object of config keys to lists of values');
    for (const [key, values] of Object.entries(x.scan as object)) {
      if (!Array.isArray(values) || !values.length)
        fail(`scan.${key} must be a non-empty list of values`);
      for (const v of values as unknown[]) {
        try {
          makeConfig({ ...base, [key]: v, tokens: 1e9 });
        } catch (err) {
          fail(`scan.${key}: ${(err as Error).message}`);
        }
      }
    }
  }
  const b = x.budgets as Record<string, unknown> | undefined;
  const list = b && (b.tokens_per_param ?? b.flops);
  if (
    !b ||
    !Array.isArray(list) ||
    !list.length ||
    Object.keys(b).length !== 1 ||
    !('tokens_per_param' in b || 'flops' in b)
  ) {
    fail('"budgets" must be { tokens_per_param: [ratios] } or { flops: [C_train levels] }');
  }
  (list as unknown[]).forEach((v, i) => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      fail(`budgets: entry ${i} must be a number > 0, got ${JSON.stringify(v)}`);
  });
  seedList('"seeds"', x.seeds);
  if (x.extra_seeds !== undefined) {
    const es = x.extra_seeds as Record<string, unknown>;
    if (!(typeof es.max_params === 'number' && es.max_params > 0))
      fail('extra_seeds.max_params must be a number > 0');
    seedList('extra_seeds.seeds', es.seeds);
  }
  if (
    x.max_tokens !== undefined &&
    !(Number.isInteger(x.max_tokens) && (x.max_tokens as number) > 0)
  )
    fail('"max_tokens" must be an integer > 0');
  if (
    x.min_tokens_per_param !== undefined &&
    !(typeof x.min_tokens_per_param === 'number' && x.min_tokens_per_param >= 0)
  )
    fail('"min_tokens_per_param" must be a number >= 0');
  if (
    x.max_tokens_per_param !== undefined &&
    !(typeof x.max_tokens_per_param === 'number' && x.max_tokens_per_param > 0)
  )
    fail('"max_tokens_per_param" must be a number > 0');
  const s = { ...SAMPLING_DEFAULTS, ...((x.sampling ?? {}) as object) } as SamplingSpec;
  for (const k of ['questions', 'n', 'max_new', 'temperature', 'top_k'] as const) {
    const problem = boundProblem(k, s[k], `sampling.${k}`);
    if (problem) fail(problem);
  }
  if (!Array.isArray(s.k) || !s.k.length || !s.k.every((k) => Number.isInteger(k) && k >= 1))
    fail(`sampling.k must be a list of integers >= 1, got ${JSON.stringify(s.k)}`);
  if (new Set(s.k).size !== s.k.length || s.k.some((k, i) => i > 0 && k < s.k[i - 1]!))
    fail(`sampling.k must list each k once, in increasing order, got ${JSON.stringify(s.k)}`);
  const tasks = Object.keys(parseMixOrEmpty((base.tasks as string | undefined) ?? DEFAULTS.tasks));
  const samples = s.questions * Math.max(1, tasks.length) * s.n;
  if (samples > BOUNDS.samples.max)
    fail(
      `sampling: ${s.questions.toLocaleString('en-US')} questions × ${tasks.length} task(s) × n = ${s.n.toLocaleString('en-US')} is ${samples.toLocaleString('en-US')} samples per run, above the bound ${BOUNDS.samples.max.toLocaleString('en-US')} (${BOUNDS.samples.why}); lower sampling.n or sampling.questions`,
    );
  const kmax = Math.max(...s.k);
  if (kmax > s.n)
    fail(
      `sampling.k includes ${kmax} but only n = ${s.n} samples are drawn per question; raise sampling.n to at least ${kmax}`,
    );
  if (!(s.top_p > 0 && s.top_p <= 1))
    fail(`sampling.top_p must be in (0, 1] (1 = off), got ${s.top_p}`);
  if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed > 0xffffffff)
    fail(`sampling.seed must be an integer in [0, 4294967295], got ${JSON.stringify(s.seed)}`);
  if (x.C_inf !== undefined && !(typeof x.C_inf === 'number' && x.C_inf > 0))
    fail('"C_inf" must be a number > 0');
  if (
    x.holdout_ratio !== undefined &&
    !(typeof x.holdout_ratio === 'number' && x.holdout_ratio > 0)
  )
    fail('"holdout_ratio" must be a number > 0');
  if (x.kernels !== undefined && x.kernels !== 'default') {
    const k = x.kernels as Record<string, unknown>;
    if (!k || typeof k !== 'object' || Array.isArray(k))
      fail(
        '"kernels" must be "default" or an object of kernel versions, e.g. { matmul: 4, attention: 3 }',
      );
    try {
      parseKernelChoices(
        Object.entries(k)
          .map(([name, v]) => `${name}:${String(v)}`)
          .join(','),
      );
    } catch (err) {
      fail(`kernels: ${(err as Error).message}`);
    }
  }
  const mix = (base.tasks as string | undefined) ?? makeConfig().tasks;
  try {
    parseMix(mix);
  } catch (err) {
    fail(`base.${(err as Error).message}; known tasks: ${taskNames.join(', ')}`);
  }
  const exp = { description: '', ...x, base, sampling: s } as Experiment;
  // The grid's size before it is expanded: a grid of millions of runs would fill memory first.
  const most = gridSize(exp);
  if (most > BOUNDS.runs.max)
    fail(
      `the grid lists up to ${most.toLocaleString('en-US')} runs (levels × models × seeds × scan values), above the bound ${BOUNDS.runs.max.toLocaleString('en-US')} (${BOUNDS.runs.why})`,
    );
  let runs: RunSpec[] = [];
  try {
    runs = expandRuns(exp);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail(`a run of the grid: ${err.message}`);
  }
  if (runs.length === 0)
    fail(
      'no runs: every budget is below one optimizer step, below min_tokens_per_param·N or above max_tokens for every model',
    );
  const dupes = duplicateRuns(exp, runs);
  if (dupes) fail(dupes);
  // Fail now, not after the first run has trained: each task needs enough questions that fit the context.
  try {
    evaluationQuestions(runs[0]!.config, s.questions, s.seed);
  } catch (err) {
    fail(`sampling: ${(err as Error).message}`);
  }
  return exp;
}

/** The task mix, or {} when it does not parse (validateExperiment reports that with its own words). */
function parseMixOrEmpty(spec: string): Record<string, number> {
  try {
    return parseMix(spec);
  } catch {
    return {};
  }
}

/** An upper bound on the number of runs of a grid, computed without expanding it. */
function gridSize(e: Experiment): number {
  const levels = 'tokens_per_param' in e.budgets ? e.budgets.tokens_per_param : e.budgets.flops;
  const seeds = e.seeds.length + (e.extra_seeds?.seeds.length ?? 0);
  const scans = Object.values(e.scan ?? {}).reduce((p, v) => p * (v?.length ?? 1), 1);
  const over = (e.overtrained?.models.length ?? 0) * (e.overtrained?.tokens_per_param.length ?? 0);
  return (levels.length * e.models.length + over) * seeds * scans;
}

/** Every run of the grid, smallest models and budgets first (so a partial sweep already has a spread). */
export function expandRuns(e: Experiment): RunSpec[] {
  const runs: RunSpec[] = [];
  const ratios = 'tokens_per_param' in e.budgets;
  const levels = 'tokens_per_param' in e.budgets ? e.budgets.tokens_per_param : e.budgets.flops;
  const add = (size: ModelSize, level: number, isRatio: boolean, extraSeeds = true) => {
    const { seeds: sizeSeeds = [], ...m } = size;
    const probe = makeConfig({ ...e.base, ...m, tokens: 1e9 });
    const N = paramCount(modelShape(probe));
    const D = Math.round(isRatio ? level * N.nonEmbedding : level / (6 * N.nonEmbedding));
    const step = probe.batch_size * probe.block_size;
    if (
      D < step ||
      (e.max_tokens !== undefined && D > e.max_tokens) ||
      (!isRatio && D < (e.min_tokens_per_param ?? 1) * N.nonEmbedding) ||
      (!isRatio && D > (e.max_tokens_per_param ?? Infinity) * N.nonEmbedding)
    )
      return;
    const seeds = [...e.seeds];
    if (extraSeeds && e.extra_seeds && N.nonEmbedding <= e.extra_seeds.max_params)
      for (const s of e.extra_seeds.seeds) if (!seeds.includes(s)) seeds.push(s);
    if (extraSeeds) for (const s of sizeSeeds) if (!seeds.includes(s)) seeds.push(s);
    const budget = isRatio ? `D/N=${level}` : `C=${level.toExponential(1)}`;
    for (const over of scanCombinations(e.scan)) {
      const tag = Object.entries(over)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      for (const seed of seeds) {
        const config = makeConfig({ ...e.base, ...m, ...over, tokens: D, seed });
        runs.push({
          id: `${modelLabel(m)}/${budget}${tag ? `/${tag}` : ''}/s${seed}`,
          model: modelLabel(m),
          budget,
          config,
          N: N.total,
          N_nonemb: N.nonEmbedding,
        });
      }
    }
  };
  for (const level of levels) for (const m of e.models) add(m, level, ratios);
  for (const i of e.overtrained?.models ?? [])
    for (const r of e.overtrained!.tokens_per_param) add(e.models[i]!, r, true, false);
  return runs;
}

/** Every combination of a scan's values, in order ([{}] without a scan). */
function scanCombinations(scan: Experiment['scan']): Record<string, number | string>[] {
  let out: Record<string, number | string>[] = [{}];
  for (const [key, values] of Object.entries(scan ?? {}))
    out = out.flatMap((o) => values!.map((v) => ({ ...o, [key]: v })));
  return out;
}

/** C_inf: given, or 2·N_max·1 so the largest model of the grid gets k ≈ 1 (T2.md). */
export function inferenceBudget(e: Experiment): number {
  if (e.C_inf !== undefined) return e.C_inf;
  const Ns = expandRuns(e).map((r) => r.N_nonemb);
  return 2 * Math.max(...Ns);
}
