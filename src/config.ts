// One flat, typed config for a training run: every key with its default and the reason for it.
// `npx t2lab train --key=value`, experiment files and the browser all override this one object;
// unknown keys and wrong types are errors that name the key. Beside it, what a config determines (the
// model's shape, the task mix, each task's difficulty) and the second flat block, the sampling settings.
// Lives at the bottom of src/: it imports only src/data/ (the tasks and the vocabulary); every folder
// above may import it.
import { VOCAB_SIZE } from './data/tokenizer.ts';
import { TASKS, taskNames, type Difficulty, type TaskName } from './data/tasks.ts';

export const DEFAULTS = {
  // ---- model (a decoder-only GPT, pre-LayerNorm, tied unembedding)
  n_layer: 2, // L: two blocks already learn the tasks' algorithms at toy scale
  n_embd: 64, // C: width; params grow ~12·L·C²
  n_head: 4, // H: C / H = 16 channels per head
  block_size: 64, // T: context length; holds several task examples per sequence
  // ---- data
  tasks: 'add:1,chain:1', // task mix as name:weight,... (see src/data/tasks.ts)
  add_digits: 3, // digits per addend for the `add` task: the main difficulty knob
  levels: '', // the corpus tasks' difficulty as task:lo-hi,... (e.g. 'cpy:1-3,sum:1-2'); '' = each task's default (docs/corpus.md)
  eval_tasks: '', // the downstream tasks asked after training (pass@k, p_i), comma-separated; '' = the mix's tasks. A corpus (bio, sum, cpy, ...) is trained as a mix and asked as tasks: docs/corpus.md
  // ---- training
  tokens: 200_000, // D: the run's exact token budget; the schedule ends exactly here
  batch_size: 16, // B: sequences per step (B·T tokens per step)
  lr: 3e-3, // peak learning rate; tiny models tolerate a high one
  warmup_frac: 0.05, // linear warmup over this fraction of the steps, then cosine to zero at D
  weight_decay: 0.1, // decoupled (AdamW), on matrices and embeddings only
  beta1: 0.9, // AdamW β1 (T² setting)
  beta2: 0.95, // AdamW β2 (T² setting)
  grad_clip: 1.0, // global gradient-norm clip
  seed: 1337, // initialisation and data order; same seed + device = same numbers
  // ---- evaluation and logging
  eval_interval: 50, // steps between held-out loss evaluations (each one is a readback)
  eval_batches: 4, // held-out batches per evaluation
  log_interval: 10, // steps between training-loss readbacks
};

export type Config = typeof DEFAULTS;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** DEFAULTS with `overrides` applied: strings are parsed to the key's type; bad keys or values throw. */
export function makeConfig(
  overrides: Record<string, unknown> = {},
  base: Config = DEFAULTS,
): Config {
  const cfg: Record<string, unknown> = { ...base };
  for (const [key, raw] of Object.entries(overrides)) {
    if (!(key in DEFAULTS)) {
      const near = Object.keys(DEFAULTS).filter((k) => k.includes(key) || key.includes(k));
      throw new ConfigError(
        `unknown config key "${key}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; keys: ${Object.keys(DEFAULTS).join(', ')}`,
      );
    }
    const want = typeof DEFAULTS[key as keyof Config];
    let v = raw;
    if (want === 'number' && typeof raw === 'string')
      v = raw.trim() === '' ? NaN : Number(raw.replace(/_/g, ''));
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v as number))) {
      throw new ConfigError(`config key "${key}" must be a ${want}, got ${JSON.stringify(raw)}`);
    }
    cfg[key] = v;
  }
  const c = cfg as Config;
  validate(c);
  return c;
}

/**
 * The one table of bounds, in config terms, applied by every door that makes a config or a sampling
 * spec: `--key=value` options, experiment files and the app's grid editor (validateExperiment),
 * checkpoints and Hugging Face folders read back (makeConfig). Each bound says why it is there; past it a
 * run hangs, crashes or silently means something else.
 */
const bound = (min: number, max: number, why: string, int = true) => ({ min, max, int, why });
export const BOUNDS = {
  n_layer: bound(1, 64, '1,000 layers crashed the GPU driver and 1e9 exhausted memory'),
  n_embd: bound(1, 4096, "a wider model's parameters outgrow one GPU buffer"),
  n_head: bound(1, 256, 'a head needs channels: n_embd/n_head of them'),
  block_size: bound(1, 1024, "the attention kernel's limit"),
  batch_size: bound(1, 2 ** 20, 'a million sequences per step is a typo at this scale'),
  tokens: bound(1, 1e12, 'years of training at this scale; past 2^53 "exactly D" cannot hold'),
  add_digits: bound(1, 20, "the add task's hardest level"),
  eval_interval: bound(1, 2 ** 31, 'steps are counted in 32 bits'),
  eval_batches: bound(1, 10_000, 'each held-out batch is a forward pass per evaluation'),
  log_interval: bound(1, 2 ** 31, 'steps are counted in 32 bits'),
  seed: bound(0, 0xffff_ffff, 'seeds are hashed as 32-bit words: 2^32 would be seed 0'),
  // The test half (sampling settings and `t2lab sample` options), and the size of a grid.
  questions: bound(1, 10_000, 'questions per task are drawn without repeats'),
  n: bound(1, 100_000, 'samples per question are kept in memory'),
  max_new: bound(1, 1024, 'a sample longer than the context is cut anyway'),
  temperature: bound(0, 100, 'past 100 every token is as likely as any other', false),
  top_k: bound(0, 100_000, '0 is off, and so is any k above the vocabulary'),
  samples: bound(1, 2e7, 'samples are kept in memory with their verdicts, per task and run'),
  runs: bound(1, 10_000, 'a grid is listed in memory; split a larger one into experiments'),
};

export type BoundKey = keyof typeof BOUNDS;

/** Null when `value` is within `key`'s bound, else the message: "n_layer 1000 is above the bound 64 (why)". */
export function boundProblem(key: BoundKey, value: unknown, where: string = key): string | null {
  const b = BOUNDS[key];
  const v = value as number;
  const range = `${b.int ? 'an integer ' : ''}in [${b.min.toLocaleString('en-US')}, ${b.max.toLocaleString('en-US')}]`;
  if (typeof v !== 'number' || !Number.isFinite(v) || (b.int && !Number.isInteger(v)))
    return `${where} must be ${range}, got ${JSON.stringify(value)}`;
  if (v < b.min) return `${where} must be ${range}, got ${v}`;
  if (v > b.max)
    return `${where} ${v.toLocaleString('en-US')} is above the bound ${b.max.toLocaleString('en-US')} (${b.why}); choose ${where} ${range}`;
  return null;
}

function validate(c: Config): void {
  for (const k of [
    'n_layer',
    'n_embd',
    'n_head',
    'block_size',
    'batch_size',
    'tokens',
    'eval_interval',
    'eval_batches',
    'log_interval',
    'add_digits',
    'seed',
  ] as const) {
    const problem = boundProblem(k, c[k], `config key "${k}"`);
    if (problem) throw new ConfigError(problem);
  }
  if (c.n_embd % c.n_head !== 0)
    throw new ConfigError(`n_embd (${c.n_embd}) must be divisible by n_head (${c.n_head})`);
  if (c.n_embd / c.n_head > 128)
    throw new ConfigError(
      `head size n_embd/n_head = ${c.n_embd / c.n_head} exceeds the attention kernel's 128; raise n_head`,
    );
  if (c.tokens < c.batch_size * c.block_size)
    throw new ConfigError(
      `tokens (${c.tokens}) is less than one step of batch_size·block_size = ${c.batch_size * c.block_size}`,
    );
  if (!(c.lr > 0)) throw new ConfigError(`lr must be > 0, got ${c.lr}`);
  if (!(c.warmup_frac >= 0 && c.warmup_frac < 1))
    throw new ConfigError(`warmup_frac must be in [0, 1), got ${c.warmup_frac}`);
  for (const k of ['beta1', 'beta2'] as const)
    if (!(c[k] >= 0 && c[k] < 1)) throw new ConfigError(`${k} must be in [0, 1), got ${c[k]}`);
  if (!(c.weight_decay >= 0))
    throw new ConfigError(`weight_decay must be >= 0, got ${c.weight_decay}`);
  if (!(c.grad_clip > 0)) throw new ConfigError(`grad_clip must be > 0, got ${c.grad_clip}`);
  parseMix(c.tasks);
  evalTaskNames(c);
  parseLevels(c.levels);
}

/** The model-shape part of a config. */
export interface ModelShape {
  vocab_size: number;
  n_layer: number;
  n_embd: number;
  n_head: number;
  block_size: number;
}

/** The model's shape as a run's config sets it (the vocabulary is the tokenizer's, never configured). */
export function modelShape(c: Config): ModelShape {
  return {
    vocab_size: VOCAB_SIZE,
    n_layer: c.n_layer,
    n_embd: c.n_embd,
    n_head: c.n_head,
    block_size: c.block_size,
  };
}

/** 'add:1,chain:2' -> { add: 1, chain: 2 }, refusing unknown tasks and bad weights. */
export function parseMix(spec: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, w = '1'] = part.split(':');
    if (!taskNames.includes(name as TaskName))
      throw new ConfigError(`tasks: unknown task "${name}"; known: ${taskNames.join(', ')}`);
    const weight = Number(w);
    if (!(weight > 0)) throw new ConfigError(`tasks: weight of "${name}" must be > 0, got "${w}"`);
    mix[name!] = weight;
  }
  if (!Object.keys(mix).length)
    throw new ConfigError(`tasks: no task given (e.g. --tasks=add:1,chain:1)`);
  return mix;
}

/** The tasks a run is asked after training, sorted: `eval_tasks`, or the training mix's tasks when empty. */
export function evalTaskNames(c: Pick<Config, 'tasks' | 'eval_tasks'>): string[] {
  if (!c.eval_tasks.trim()) return Object.keys(parseMix(c.tasks)).sort();
  const names = c.eval_tasks
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names)
    if (!taskNames.includes(name as TaskName))
      throw new ConfigError(`eval_tasks: unknown task "${name}"; known: ${taskNames.join(', ')}`);
  if (new Set(names).size !== names.length)
    throw new ConfigError(`eval_tasks: a task is listed twice in "${c.eval_tasks}"`);
  return [...names].sort();
}

/**
 * 'cpy:1-3,sum:2' -> { cpy: [1, 3], sum: [2, 2] }: each task's range of levels, within the task's own
 * bounds (`difficulty.min`..`max` in src/data/). `add` keeps its own key, add_digits.
 */
export function parseLevels(spec: string): Record<string, readonly [number, number]> {
  const levels: Record<string, readonly [number, number]> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+):(\d+)(?:-(\d+))?$/.exec(part);
    if (!m)
      throw new ConfigError(`levels: "${part}" is not task:lo-hi or task:level (e.g. cpy:1-3)`);
    const name = m[1]!;
    const lo = Number(m[2]);
    const hi = m[3] === undefined ? lo : Number(m[3]);
    if (!taskNames.includes(name as TaskName))
      throw new ConfigError(`levels: unknown task "${name}"; known: ${taskNames.join(', ')}`);
    if (name === 'add')
      throw new ConfigError(`levels: add's difficulty is add_digits (e.g. --add_digits=2)`);
    if (name in levels) throw new ConfigError(`levels: "${name}" is given twice`);
    const spec = TASKS[name as TaskName].difficulty;
    if (!(spec.min <= lo && lo <= hi && hi <= spec.max))
      throw new ConfigError(
        `levels: ${name}'s levels (${spec.what}) must be lo-hi with ${spec.min} <= lo <= hi <= ${spec.max}, got "${part}"`,
      );
    levels[name] = [lo, hi];
  }
  return levels;
}

/** The difficulty a run trains (and is evaluated) at, per task: add's digits and `levels` come from the config. */
export function difficultyOf(c: Config, task: string): Difficulty | undefined {
  if (task === 'add') return [1, c.add_digits];
  return parseLevels(c.levels ?? '')[task];
}

// The test-time half of a run: how a trained model is sampled and graded. Experiment files override it
// under `sampling` (checked by validateExperiment, src/sweep/experiment.ts), `t2lab sample` by option.
export const SAMPLING_DEFAULTS = {
  questions: 32, // evaluation questions per task of the mix; pass@k is their mean, and 32 keeps a smoke sweep's sampling to seconds
  n: 16, // samples per question: the unbiased pass@k estimator needs n >= every k
  k: [1, 2, 4, 8, 16], // the k of pass@k, doubling up to n: the T² law is fit over log k
  temperature: 1, // the model's own distribution, so pass@k from samples estimates the same thing as pass@k from p_i
  top_k: 0, // 0 = off: truncating the distribution would move sampled pass@k away from the p_i estimate
  top_p: 1, // 1 = off, for the same reason
  max_new: 8, // new tokens before a sample is cut: the tasks' answers are short, and a cut sample (no EOS) is wrong
  seed: 0, // keys the questions and every sample, apart from the training seed: every run of a sweep at one difficulty answers the same questions
};

export type SamplingSpec = typeof SAMPLING_DEFAULTS;
