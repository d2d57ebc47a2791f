// src/sample/: batched decoding, grading, pass@k of a model. Imports model, kernels, gpu, stats,
// data, config; imported by bench, sweep, worker, node, web (layers: test/structure.test.ts).
//
// The test half of train-to-test: k samples per question, generated together, graded, turned into pass@k.
//
// generate() is backend-generic (Ops<T>): prefill questions in chunks, then decode their sequences
// (question × sample) in batches sized from the adapter's limits. evaluateModel() is the GPU entry point:
// it draws the evaluation questions of a run's task mix, grades every sample with the task's verifier and
// reports pass@k both ways (T2.md): the unbiased estimator from the samples, and the exact pass@k from
// p_i = exp(−NLL of the gold answer and its EOS), teacher-forced in the prefill.
import {
  difficultyOf,
  evalTaskNames,
  modelShape,
  type Config,
  type ModelShape,
  type SamplingSpec,
} from '../config.ts';
import type { Gpu, Tensor } from '../gpu/context.ts';
import type { Ops, SampleParams } from '../model/ops.ts';
import { GPT } from '../model/gpt.ts';
import { gpuOps } from '../model/ops.gpu.ts';
import { Decoder } from './decoder.ts';
import { SEQ_STRIDE, SEQ } from '../../kernels/sample/seqs.ts';
import { EOS, PAD, decode, encode } from '../data/tokenizer.ts';
import { IGNORE } from '../data/stream.ts';
import { TASKS, answerOf, evalQuestions, type Example, type TaskName } from '../data/tasks.ts';
import { passAtKTable, type PassAtKTables } from '../stats/passk.ts';

/** Per-question results: n samples drawn, c exactly the gold answer, p = exp(−NLL of the gold answer + EOS). */
export interface QuestionResult {
  task: string;
  prompt: string;
  answer: string;
  n: number;
  /** Samples that are exactly the gold answer followed by EOS: the event p is the probability of. */
  c: number;
  /** Samples the task's verifier accepts (value-equal forms too, so ≥ c); absent in older records. */
  c_verifier?: number;
  p: number;
  /** pass@1 of a guesser that knows the answer's format (Task.chance); absent in older records. */
  chance?: number;
  /** The sampled completions (cut at EOS), in sample-index order; kept for browsing. */
  samples?: string[];
  /** The verifier's verdict on each sample (same order). */
  correct?: boolean[];
}

export interface EvalProgress {
  phase: 'prefill' | 'decode';
  /** Sequences finished and in all. */
  done: number;
  total: number;
  fraction: number;
}

export interface GenerateOptions {
  /** Most sequences decoded together (default: as many as the adapter's buffer limits allow, ≤ 1024). */
  maxSequences?: number;
  /** Largest storage buffer binding, bytes (the adapter's limit; default 128 MiB). */
  maxBinding?: number;
  /** Id of the first question, for the sampler's counter-based randomness (default 0). */
  questionBase?: number;
  /** Steps between looks at which sequences are done (each look is a readback; default 4). */
  checkEvery?: number;
  /**
   * Models side by side (a pack, default 1): `paramsFlat` holds `runs` models' parameters, run after run
   * (PackTrainer.paramsOfRuns), each asked the same questions in the same dispatches.
   */
  runs?: number;
  onProgress?: (p: EvalProgress) => void;
}

export interface Generation {
  /** samples[q][j]: the tokens generated for sample j of question q, EOS included when drawn. */
  samples: Uint32Array[][];
  /** Teacher-forced negative log-likelihood of each question's gold answer + EOS. */
  nll: Float64Array;
  /** Tokens generated in all (for tokens/s). */
  generatedTokens: number;
  /** Sequences decoded together per batch (per run of a pack). */
  batch: number;
}

/** Sampling settings one decode uses. */
export type DecodeSpec = Pick<
  SamplingSpec,
  'n' | 'temperature' | 'top_k' | 'top_p' | 'max_new' | 'seed'
>;

/** How many sequences fit in one decode batch: the cache and the widest activation stay within one binding. */
export function decodeBatchSize(shape: ModelShape, maxBinding: number, cap = 1024): number {
  const { n_embd: C, block_size: T, vocab_size: V } = shape;
  const perSeq = 4 * Math.max(T * 2 * C, 4 * C, V);
  return Math.max(1, Math.min(cap, Math.floor(maxBinding / perSeq)));
}

/**
 * Prefill every question once (its text = prompt + answer + EOS, so the same pass gives the gold answer's
 * NLL), then decode n samples of each. Deterministic: a sample depends on (seed, question id, sample
 * index, position) only, never on batch size, order or pack.
 */
export async function generate<T>(
  ops: Ops<T>,
  shape: ModelShape,
  paramsFlat: T,
  questions: { prompt: Uint32Array; answer: Uint32Array }[],
  spec: DecodeSpec,
  opts: Omit<GenerateOptions, 'runs'> = {},
): Promise<Generation> {
  return (await generatePack(ops, shape, paramsFlat, questions, spec, opts))[0]!;
}

/** generate() for a pack of `opts.runs` models at once: one Generation per run, each the bits it gets alone. */
export async function generatePack<T>(
  ops: Ops<T>,
  shape: ModelShape,
  paramsFlat: T,
  questions: { prompt: Uint32Array; answer: Uint32Array }[],
  spec: DecodeSpec,
  opts: GenerateOptions = {},
): Promise<Generation[]> {
  const { block_size: T, vocab_size: V } = shape;
  const R = opts.runs ?? 1;
  if (!(Number.isInteger(R) && R >= 1)) throw new Error(`runs must be an integer >= 1 (got ${R})`);
  const Q = questions.length;
  const n = spec.n;
  for (const [i, q] of questions.entries()) {
    if (q.prompt.length < 1) throw new Error(`question ${i}: empty prompt`);
    if (q.prompt.length + q.answer.length + 1 > T) {
      throw new Error(
        `question ${i} needs ${q.prompt.length + q.answer.length + 1} positions (prompt, answer, EOS) but block_size is ${T}; train with a larger block_size or an easier difficulty`,
      );
    }
  }
  // A pack's activations and caches hold every run's rows in one buffer: each run gets 1/R of a binding.
  const maxBinding = Math.floor((opts.maxBinding ?? 128 * 2 ** 20) / R);
  // Prefill chunk: the widest prefill activation (logits or the MLP's 4C) must fit one binding.
  const perRow = 4 * T * Math.max(V, 4 * shape.n_embd);
  const Qb = Math.max(1, Math.min(Q, 256, Math.floor(maxBinding / perRow)));
  const S = Math.min(decodeBatchSize(shape, maxBinding, opts.maxSequences ?? 1024), Qb * n);
  // Each sequence is capped by its own prompt: the sampler ends a row when its position reaches the block
  // (kernels/sample), so a long prompt of one question never cuts the answers of another.
  const maxNew = spec.max_new;
  const params: SampleParams = {
    seed: spec.seed,
    temperature: spec.temperature,
    topK: spec.top_k,
    topP: spec.top_p,
    eos: EOS,
    T,
    maxNew,
  };

  const gpt = new GPT(ops, shape, Qb, paramsFlat, R);
  const decoder = new Decoder(ops, shape, paramsFlat, S, maxNew, R);
  const prefix = Array.from({ length: shape.n_layer }, (_, l) => gpt.acts[`h${l}.qkv`]!);
  const runs = Array.from({ length: R }, () => ({
    samples: questions.map((): Uint32Array[] => []),
    nll: new Float64Array(Q),
    generatedTokens: 0,
  }));
  let finished = 0;
  const total = Q * n;
  const checkEvery = opts.checkEvery ?? 4;

  for (let q0 = 0; q0 < Q; q0 += Qb) {
    const chunk = questions.slice(q0, q0 + Qb);
    // ---- prefill: text padded with PAD; targets only on the answer and its EOS
    const inputs = new Uint32Array(Qb * T).fill(PAD);
    const targets = new Uint32Array(Qb * T).fill(IGNORE);
    chunk.forEach((q, b) => {
      const text = [...q.prompt, ...q.answer, EOS];
      inputs.set(text.slice(0, T), b * T);
      for (let t = q.prompt.length - 1; t < text.length - 1; t++) targets[b * T + t] = text[t + 1]!;
    });
    for (let r = 0; r < R; r++) gpt.setBatch(inputs, targets, r);
    gpt.forward();
    const losses = await ops.read(gpt.acts.losses!);
    runs.forEach((run, r) =>
      chunk.forEach((q, b) => {
        let s = 0;
        for (let t = q.prompt.length - 1; t < q.prompt.length + q.answer.length; t++)
          s += losses[(r * Qb + b) * T + t]!;
        run.nll[q0 + b] = s;
      }),
    );
    opts.onProgress?.({ phase: 'prefill', done: finished, total, fraction: finished / total });

    // ---- decode the chunk's sequences, S at a time, in (question, sample) order; a pack's run r has
    // rows r·Sb .. r·Sb + Sb - 1 of the batch, its prompts in rows r·Qb + b of the prefill
    const seqCount = chunk.length * n;
    for (let s0 = 0; s0 < seqCount; s0 += S) {
      const Sb = Math.min(S, seqCount - s0);
      const table = new Uint32Array(R * Sb * SEQ_STRIDE);
      for (let r = 0; r < R; r++)
        for (let i = 0; i < Sb; i++) {
          const b = Math.floor((s0 + i) / n),
            j = (s0 + i) % n;
          const row = table.subarray((r * Sb + i) * SEQ_STRIDE, (r * Sb + i + 1) * SEQ_STRIDE);
          row[SEQ.prefix_row] = r * Qb + b;
          row[SEQ.question] = (opts.questionBase ?? 0) + q0 + b;
          row[SEQ.sample] = j;
          row[SEQ.prefix_len] = chunk[b]!.prompt.length;
          row[SEQ.pos] = chunk[b]!.prompt.length - 1;
        }
      ops.writeU32(decoder.seqs, table);
      decoder.sample(gpt.acts.logits!, params, T, Sb);
      for (let step = 1; step < maxNew; step++) {
        decoder.step(prefix, T, Sb);
        decoder.sample(decoder.acts.logits!, params, 0, Sb);
        if (step % checkEvery === 0 && step + 1 < maxNew) {
          const st = await ops.readU32(decoder.seqs);
          let running = false;
          for (let i = 0; i < R * Sb && !running; i++)
            running = st[i * SEQ_STRIDE + SEQ.done] === 0;
          if (!running) break;
        }
      }
      const [st, gen] = [await ops.readU32(decoder.seqs), await ops.readU32(decoder.generated)];
      runs.forEach((run, r) => {
        for (let i = 0; i < Sb; i++) {
          const b = Math.floor((s0 + i) / n);
          const row = r * Sb + i;
          const len = st[row * SEQ_STRIDE + SEQ.n_gen]!;
          run.samples[q0 + b]!.push(gen.slice(row * maxNew, row * maxNew + len));
          run.generatedTokens += len;
        }
      });
      finished += Sb;
      opts.onProgress?.({ phase: 'decode', done: finished, total, fraction: finished / total });
    }
  }
  return runs.map((run) => ({ ...run, batch: S }));
}

export interface Evaluation {
  questions: QuestionResult[];
  pass_at_k: PassAtKTables;
  seconds: number;
  samplesPerSec: number;
  tokensPerSec: number;
  batch: number;
}

/**
 * The evaluation questions of a run: `count` per task (default: each task of its mix), at its training
 * difficulty, keeping only questions whose prompt, answer and EOS fit the model's context (block_size):
 * a model cannot be asked what it cannot read. When every question fits, these are exactly the first
 * `count` evaluation questions; otherwise the longest ones are skipped (e.g. the longest chains at T = 64).
 */
export function evaluationQuestions(
  config: Config,
  count: number,
  seed: number,
  tasks = evalTaskNames(config),
): (Example & { task: string })[] {
  const fits = (q: Example) =>
    encode(q.prompt).length + encode(q.answer).length + 1 <= config.block_size;
  return tasks.flatMap((task) => {
    const difficulty = difficultyOf(config, task);
    for (const factor of [1, 2, 4, 8]) {
      let drawn: Example[];
      try {
        drawn = evalQuestions(task as TaskName, count * factor, seed, difficulty); // a longer draw extends the shorter one
      } catch (e) {
        if (factor === 1) throw e;
        break;
      }
      const ok = drawn.filter(fits);
      if (ok.length >= count) return ok.slice(0, count).map((q) => ({ ...q, task }));
    }
    throw new Error(
      `task ${task}: fewer than ${count} of its evaluation questions fit block_size ${config.block_size} (prompt, answer and EOS); raise block_size or drop ${task}`,
    );
  });
}

/** Sample, grade and score a trained model (GPU parameters in the trainer's flat layout). */
export async function evaluateModel(
  gpu: Gpu,
  config: Config,
  paramsFlat: Tensor,
  spec: SamplingSpec,
  onProgress?: (p: EvalProgress) => void,
  opts: Pick<GenerateOptions, 'maxSequences'> & { tasks?: string[] } = {},
): Promise<Evaluation> {
  return (await evaluateModels(gpu, [config], paramsFlat, spec, onProgress, opts))[0]!;
}

/** Whether runs of these configs can be evaluated as one pack: one model shape and the same questions. */
export function evaluatesTogether(configs: Config[], spec: SamplingSpec): boolean {
  const key = (c: Config) =>
    JSON.stringify([modelShape(c), evaluationQuestions(c, spec.questions, spec.seed)]);
  return configs.every((c) => key(c) === key(configs[0]!));
}

/**
 * evaluateModel for a pack: `configs.length` models of one shape whose parameters lie run after run in
 * `paramsFlat` (PackTrainer.paramsOfRuns), sampled in the same dispatches; one Evaluation per model, each
 * the numbers it gets alone. The models must share their questions (evaluatesTogether). `seconds` is the
 * pack's wall time, as a packed run's training time is.
 */
export async function evaluateModels(
  gpu: Gpu,
  configs: Config[],
  paramsFlat: Tensor,
  spec: SamplingSpec,
  onProgress?: (p: EvalProgress) => void,
  opts: Pick<GenerateOptions, 'maxSequences'> & { tasks?: string[] } = {},
): Promise<Evaluation[]> {
  const config = configs[0]!;
  if (configs.length > 1 && !evaluatesTogether(configs, spec))
    throw new Error(
      'runs evaluated as one pack must share the model shape and their evaluation questions (tasks, difficulty, block_size)',
    );
  const shape = modelShape(config);
  const qs = evaluationQuestions(config, spec.questions, spec.seed, opts.tasks);
  const ops = gpuOps(gpu);
  const t0 = performance.now();
  try {
    const gens = await generatePack(
      ops,
      shape,
      paramsFlat,
      qs.map((q) => ({ prompt: encode(q.prompt), answer: encode(q.answer) })),
      spec,
      {
        maxBinding: gpu.device.limits.maxStorageBufferBindingSize,
        maxSequences: opts.maxSequences,
        onProgress,
        runs: configs.length,
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    return gens.map((gen) => grade(qs, gen, spec, seconds));
  } finally {
    ops.dispose();
  }
}

/** Grade one model's samples of `qs` with each task's verifier, and its pass@k tables. */
function grade(
  qs: (Example & { task: string })[],
  gen: Generation,
  spec: SamplingSpec,
  seconds: number,
): Evaluation {
  const questions: QuestionResult[] = qs.map((q, i) => {
    const task = TASKS[q.task as TaskName];
    // p_i is the probability of the gold answer string AND its EOS, so a sample counts (c) only if it is
    // exactly that: both pass@k methods measure one event. The verifier also accepts value-equal forms
    // (a trailing zero of a reversed number, a final '.'): those are counted apart (c_verifier ≥ c), so
    // the gap between the two events is measured, not hidden. Cut samples show a trailing '…'.
    const gold = [...encode(q.answer), EOS];
    const graded = gen.samples[i]!.map((t) => {
      const ended = t.includes(EOS);
      const text = answerOf(decode(t));
      return {
        text: ended ? text : `${text}…`,
        ok: t.length === gold.length && gold.every((g, j) => t[j] === g),
        accepted: ended && task.check(q.prompt, text),
      };
    });
    const count = (f: (g: (typeof graded)[number]) => boolean) => graded.filter(f).length;
    return {
      task: q.task,
      prompt: q.prompt,
      answer: q.answer,
      n: graded.length,
      c: count((g) => g.ok),
      c_verifier: count((g) => g.accepted),
      p: Math.exp(-gen.nll[i]!),
      chance: task.chance(q.prompt, q.answer),
      samples: graded.map((g) => g.text),
      correct: graded.map((g) => g.ok),
    };
  });
  return {
    questions,
    pass_at_k: passAtKTable(questions, spec.k, { seed: spec.seed }),
    seconds,
    samplesPerSec: (qs.length * spec.n) / seconds,
    tokensPerSec: gen.generatedTokens / seconds,
    batch: gen.batch,
  };
}
