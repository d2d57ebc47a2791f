// The contract every task of src/data/ keeps (tasks.ts, corpus.ts), the train/eval split and the small
// helpers they share. See tasks.ts for the grading rule and the held-out split.

import type { Rng } from '../util/rng.ts';
import { hash32 } from '../util/rng.ts';

export interface Example {
  prompt: string;
  answer: string;
}

/** A level (an integer) or an inclusive range of levels, drawn uniformly per example. */
export type Difficulty = number | readonly [number, number];

export interface DifficultySpec {
  /** What one level means, e.g. "digits in the longer operand". */
  what: string;
  min: number;
  max: number;
  /** The range used when no difficulty is given (training default). */
  default: readonly [number, number];
}

export interface Task {
  readonly name: string;
  readonly description: string;
  /** true when evaluation questions are (necessarily) also trained on; false: held out by prompt hash. */
  readonly inTraining: boolean;
  readonly difficulty: DifficultySpec;
  /** What the train/eval split hashes (default: the prompt); one key for every form of one question. */
  splitKey?(prompt: string): string;
  example(rng: Rng, difficulty?: Difficulty): Example;
  check(prompt: string, completion: string): boolean;
  /** The level a question was drawn at, read back from its prompt (tasks with graded difficulty). */
  level?(prompt: string): number;
  /**
   * The chance baseline of one question: the pass@1 of a guesser that knows the answer's format (its
   * length, its alphabet, the set it is drawn from) and nothing else, drawing uniformly from that set.
   * Beside every pass@k it says how much of it k samples would get by guessing (T2.md, "Tasks where
   * samples help for the right reason").
   */
  chance(prompt: string, answer: string): number;
}

/**
 * The level of an "<op> <digits>+<digits>=" question (add, sum) from its prompt's match: the longer operand's
 * digits; NaN where the prompt did not match (another shape).
 */
export function longerOperand(m: RegExpExecArray | null): number {
  return m ? Math.max(m[1]!.length, m[2]!.length) : NaN;
}

/** Percent of each held-out task's question space reserved for evaluation. */
export const EVAL_PERCENT = 10;

/** Whether `prompt` of `task` is on the evaluation side of the split (hash32 over its split key's char codes). */
export function isEvalPrompt(task: Pick<Task, 'splitKey'>, prompt: string): boolean {
  const key = task.splitKey ? task.splitKey(prompt) : prompt;
  const codes = new Array<number>(key.length);
  for (let i = 0; i < key.length; i++) codes[i] = key.charCodeAt(i);
  return hash32(...codes) % 100 < EVAL_PERCENT;
}

/** The part of a completion that is graded: up to the first "<eos>", whitespace trimmed. */
export function answerOf(completion: string): string {
  const end = completion.indexOf('<eos>');
  return (end >= 0 ? completion.slice(0, end) : completion).trim();
}

/** Draw one level from `difficulty` (or the task's default range), refusing levels the task can't make. */
export function drawLevel(
  task: Pick<Task, 'name' | 'difficulty'>,
  rng: Rng,
  difficulty?: Difficulty,
): number {
  const spec = task.difficulty;
  const [lo, hi] =
    difficulty === undefined
      ? spec.default
      : typeof difficulty === 'number'
        ? [difficulty, difficulty]
        : difficulty;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi || lo < spec.min || hi > spec.max) {
    throw new Error(
      `task ${task.name}: difficulty ${JSON.stringify(difficulty)} is invalid; give an integer level or [lo, hi] with ${spec.min} <= lo <= hi <= ${spec.max} (${spec.what})`,
    );
  }
  return lo + rng.int(hi - lo + 1);
}

export function badPrompt(task: string, prompt: string, want: string): Error {
  return new Error(`task ${task}: cannot grade prompt ${JSON.stringify(prompt)}: expected ${want}`);
}

export const INTEGER = /^-?\d+$/;

/** Digit string (most significant first) of a random n-digit number: no leading zero unless n = 1. */
export function randomDigits(rng: Rng, n: number): string {
  let s = String(n === 1 ? rng.int(10) : 1 + rng.int(9));
  for (let i = 1; i < n; i++) s += String(rng.int(10));
  return s;
}

/** Sum of two digit strings written least significant digit first; the result is written the same way. */
export function addReversed(a: string, b: string): string {
  let out = '';
  let carry = 0;
  for (let i = 0; i < Math.max(a.length, b.length) || carry; i++) {
    const s = Number(a[i] ?? 0) + Number(b[i] ?? 0) + carry;
    out += String(s % 10);
    carry = s >= 10 ? 1 : 0;
  }
  return out;
}

export const reverse = (s: string): string => [...s].reverse().join('');

/** Uniform over the n-digit numbers (no leading zero unless n = 1): what a format-aware guesser draws. */
export function digitsChance(n: number): number {
  return n <= 1 ? 1 / 10 : 1 / (9 * 10 ** (n - 1));
}

export const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
