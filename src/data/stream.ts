// The training stream: unlimited, deterministic text from a weighted mix of tasks, packed into batches.
//
// Text: "prompt answer <eos> prompt answer <eos> ..." with examples packed back to back across sequence and
// batch boundaries (no padding, nothing dropped). Example i depends only on (seed, i) (counter-based, see
// util/rng.ts), so the text is the same whatever the batch shape, and a saved state() resumes it exactly.
// Held-out tasks never emit an evaluation question (tasks.ts, trainingExample).
//
// Batches follow llm.c's loader: a batch is the next B·T tokens of the stream read row by row, inputs =
// tokens [p, p+BT), targets = tokens [p+1, p+BT+1), so targets are the inputs shifted by one across the whole
// flattened batch; the stream then advances by B·T.
//
// Loss masking (maskPrompt): off by default, so the model trains on every token, prompts included (plain
// language modelling; evaluation scores only the answer tokens either way). With maskPrompt on, a target
// that is a prompt token is IGNORE, so only answers and their EOS are learned.

import { Rng, hash32 } from '../util/rng.ts';
import { EOS, encode } from './tokenizer.ts';
import { TASKS, heldOutExample, trainingExample, type Difficulty, type Task } from './tasks.ts';

/** Target id meaning "no loss here". */
export const IGNORE = 0xffffffff;

export interface TrainStreamOptions {
  /** Keys the whole stream. */
  seed: number;
  /** Task name → relative weight, e.g. { add: 1, chain: 1 }. Order does not matter (names are sorted). */
  mix: Record<string, number>;
  /** Task name → difficulty (level or [lo, hi]); a task's default range when absent. */
  difficulty?: Record<string, Difficulty>;
  /** Ignore the loss on prompt tokens (default false: train on all tokens). */
  maskPrompt?: boolean;
  /** Where task names are looked up (default TASKS); pass e.g. { ...TASKS, recall: makeRecallTask({ size: 1024 }) }. */
  tasks?: Record<string, Task>;
}

export interface StreamExample {
  task: string;
  prompt: string;
  answer: string;
}

/** Where the stream stands: the example holding the next unread token, the offset in it, tokens read. */
export interface TrainStreamState {
  example: number;
  offset: number;
  tokensConsumed: number;
}

export class TrainStream {
  /** Tokens handed out as inputs so far (B·T per batch). */
  tokensConsumed = 0;

  private readonly seed: number;
  private readonly names: string[];
  private readonly cumulative: number[];
  private readonly tasks: Task[];
  private readonly difficulties: (Difficulty | undefined)[];
  private readonly maskPrompt: boolean;

  // Pending tokens [start, end) of buf, with loss[i] = 1 where token i is an answer token or EOS.
  private buf = new Uint32Array(4096);
  private loss = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  private nextExample = 0;
  // Token counts of the examples overlapping the pending tokens, from the head's example on.
  private lengths: number[] = [];
  private headExample = 0;
  private headOffset = 0;

  constructor(options: TrainStreamOptions, state?: TrainStreamState) {
    const { seed, mix, difficulty = {}, maskPrompt = false } = options;
    const tasks: Record<string, Task> = options.tasks ?? TASKS;
    if (!Number.isInteger(seed))
      throw new Error(`TrainStream: seed must be an integer, got ${seed}`);
    this.seed = seed;
    this.maskPrompt = maskPrompt;
    this.names = Object.keys(mix).sort();
    const known = Object.keys(tasks).join(', ');
    for (const name of this.names) {
      if (!(name in tasks))
        throw new Error(`TrainStream: unknown task "${name}" in mix; known tasks: ${known}`);
      const w = mix[name]!;
      if (!(Number.isFinite(w) && w >= 0))
        throw new Error(`TrainStream: weight of "${name}" must be a finite number >= 0, got ${w}`);
    }
    for (const name of Object.keys(difficulty)) {
      if (!(name in mix))
        throw new Error(
          `TrainStream: difficulty given for "${name}", which is not in the mix (${this.names.join(', ')})`,
        );
    }
    let total = 0;
    this.cumulative = this.names.map((n) => (total += mix[n]!));
    if (!(total > 0))
      throw new Error(
        'TrainStream: the mix needs at least one task with a weight > 0, e.g. { add: 1 }',
      );
    this.tasks = this.names.map((n) => tasks[n]!);
    this.difficulties = this.names.map((n) => difficulty[n]);
    // Fail now, not mid-training, on a difficulty a task cannot make.
    this.names.forEach((_, i) => this.tasks[i]!.example(new Rng(0), this.difficulties[i]));

    if (state) this.restore(state);
  }

  /** Example `index` of the stream (pure: does not advance it). */
  exampleAt(index: number): StreamExample {
    const rng = new Rng(hash32(this.seed, index));
    const k = drawFromMix(rng, this.cumulative);
    const { prompt, answer } = trainingExample(this.tasks[k]!, rng, this.difficulties[k]);
    return { task: this.names[k]!, prompt, answer };
  }

  /** The next B·T tokens: inputs (B,T) and targets (B,T) = inputs shifted by one (IGNORE where masked). */
  nextBatch(B: number, T: number): { inputs: Uint32Array; targets: Uint32Array } {
    if (!(Number.isInteger(B) && B >= 1 && Number.isInteger(T) && T >= 1))
      throw new Error(`TrainStream.nextBatch: B and T must be integers >= 1, got B=${B}, T=${T}`);
    const n = B * T;
    this.fill(n + 1);
    const inputs = this.buf.slice(this.start, this.start + n); // (B,T)
    const targets = this.buf.slice(this.start + 1, this.start + n + 1); // (B,T)
    if (this.maskPrompt) {
      for (let i = 0; i < n; i++) if (!this.loss[this.start + 1 + i]) targets[i] = IGNORE;
    }
    this.consume(n);
    return { inputs, targets };
  }

  /** A position to resume from: new TrainStream(sameOptions, stream.state()) continues byte for byte. */
  state(): TrainStreamState {
    return {
      example: this.headExample,
      offset: this.headOffset,
      tokensConsumed: this.tokensConsumed,
    };
  }

  private restore(s: TrainStreamState): void {
    const ok = [s.example, s.offset, s.tokensConsumed].every((x) => Number.isInteger(x) && x >= 0);
    if (!ok)
      throw new Error(
        `TrainStream: invalid state ${JSON.stringify(s)}; expected non-negative integers example, offset, tokensConsumed`,
      );
    this.nextExample = this.headExample = s.example;
    this.append();
    if (s.offset >= this.lengths[0]!) {
      throw new Error(
        `TrainStream: state offset ${s.offset} is past the end of example ${s.example} (${this.lengths[0]} tokens); was the state saved with other stream options?`,
      );
    }
    this.start = this.headOffset = s.offset;
    this.tokensConsumed = s.tokensConsumed;
  }

  /** Make at least n tokens pending. */
  private fill(n: number): void {
    while (this.end - this.start < n) this.append();
  }

  private append(): void {
    const ex = this.exampleAt(this.nextExample++);
    const prompt = encode(ex.prompt),
      answer = encode(ex.answer);
    const len = prompt.length + answer.length + 1;
    if (this.end + len > this.buf.length) {
      const pending = this.end - this.start;
      const size = Math.max(this.buf.length, 2 * (pending + len));
      const buf = new Uint32Array(size),
        loss = new Uint8Array(size);
      buf.set(this.buf.subarray(this.start, this.end));
      loss.set(this.loss.subarray(this.start, this.end));
      [this.buf, this.loss, this.start, this.end] = [buf, loss, 0, pending];
    }
    const at = this.end;
    this.buf.set(prompt, at);
    this.buf.set(answer, at + prompt.length);
    this.buf[at + len - 1] = EOS;
    this.loss.fill(0, at, at + prompt.length);
    this.loss.fill(1, at + prompt.length, at + len);
    this.end += len;
    this.lengths.push(len);
  }

  private consume(n: number): void {
    this.start += n;
    this.tokensConsumed += n;
    this.headOffset += n;
    let k = 0;
    while (this.headOffset >= this.lengths[k]!) {
      this.headOffset -= this.lengths[k++]!;
      this.headExample++;
    }
    this.lengths.splice(0, k);
  }
}

/** Index of the task an example comes from: one uniform draw against the mix's cumulative weights. */
function drawFromMix(rng: Rng, cumulative: readonly number[]): number {
  const u = rng.next() * cumulative[cumulative.length - 1]!;
  let k = 0;
  while (k < cumulative.length - 1 && u >= cumulative[k]!) k++;
  return k;
}

/**
 * The held-out text of a mix: `n` tokens of evaluation-side examples (never in the training stream),
 * drawn in the mix's proportions and packed like the training stream ("prompt answer <eos> ..."). The
 * held-out loss (the loss optimum's measure, T2.md "Two losses, kept apart") is the loss on this text.
 * Deterministic in the options' seed, and apart from the training stream's randomness.
 */
export function heldOutTokens(options: TrainStreamOptions, n: number): Uint32Array {
  const tasks: Record<string, Task> = options.tasks ?? TASKS;
  const names = Object.keys(options.mix).sort();
  let total = 0;
  const cumulative = names.map((name) => (total += options.mix[name]!));
  const out = new Uint32Array(n);
  let filled = 0;
  for (let i = 0; filled < n; i++) {
    const rng = new Rng(hash32(0x686c646f /* 'hldo' */, options.seed, i));
    const name = names[drawFromMix(rng, cumulative)]!;
    const ex = heldOutExample(tasks[name]!, rng, options.difficulty?.[name]);
    const ids = [...encode(ex.prompt), ...encode(ex.answer), EOS];
    out.set(ids.slice(0, n - filled), filled);
    filled += Math.min(ids.length, n - filled);
  }
  return out;
}

/** How often a run's training text repeated itself: documents read, distinct ones, the most repeated. */
export interface DocumentStats {
  /** Documents (examples) the run read, the last one possibly in part. */
  documents: number;
  /** Distinct documents among them (prompt + answer). */
  distinct: number;
  /** How often the most repeated document was read */
  max_repeats: number;
}

/**
 * The repetition of the documents a run read: those overlapping its first `tokens` tokens (inputs; the
 * last target is one token further). T2.md: "a finite task repeats"; count distinct documents and
 * repetitions per run. Regenerates them (each depends only on the seed and its index), so it needs no
 * state kept during training and a resumed or packed run counts the same: ~1 s per 300k documents.
 */
export function documentStats(options: TrainStreamOptions, tokens: number): DocumentStats {
  const stream = new TrainStream(options);
  const seen = new Map<string, number>();
  let max = 0;
  let documents = 0;
  for (let read = 0; read < tokens; documents++) {
    const ex = stream.exampleAt(documents);
    read += encode(ex.prompt).length + encode(ex.answer).length + 1;
    const key = `${ex.task}\u0000${ex.prompt}\u0000${ex.answer}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > max) max = n;
  }
  return { documents, distinct: seen.size, max_repeats: max };
}
