// src/data/: tasks and their verifiers, the tokenizer, the training stream. Imports util; imported
// by config, checkpoint, train, sample, bench, sweep, fit, worker, node, web (layers:
// test/structure.test.ts).
//
// Procedural tasks with verifiers and graded difficulty (T2.md, "Designing a toy grid that shows it").
//
// Every task turns randomness into { prompt, answer }: the prompt ends exactly where the model starts to
// answer, and in training text the answer is followed by EOS. check(prompt, completion) re-solves the
// question from the prompt alone (it never trusts generator state), so it can grade any sampled completion.
//
// Grading rule, shared by all tasks: the completion is cut at the first "<eos>" (how decode() writes the
// EOS token; the sampler normally stops there anyway) and surrounding whitespace is ignored. Numeric answers
// (add, arith, recall) are compared BY VALUE: "007" and "7" are both right for 7 (for add, whose answers are
// written least significant digit first, that means trailing zeros: "70" reads as 07 = 7), "-0" equals 0;
// anything but an optional '-' and digits is wrong, and so is an empty answer. chain's answer is a name,
// compared exactly, with one optional trailing '.'.
//
// Held-out evaluation: a question is an EVALUATION question when hash32 of its split key's char codes is
// < EVAL_PERCENT mod 100. The split key is the prompt, except where two prompts are the same question in
// another form: add's key is its unordered operand pair, so "add 12+9=" and "add 9+12=" fall on one side
// together (split by prompt, ~90% of held-out add questions were trained on with their operands swapped).
// For tasks with inTraining = false the training stream rejects every evaluation question and
// evalQuestions() returns only evaluation questions, so the split is exact in both directions (the same
// chain under another statement order is another question: its hops must be followed anew). recall is inTraining:
// a fact can only be recalled if it was seen, so its evaluation questions come from the same table the model
// trains on; it measures capacity, not generalisation.

import { Rng, hash32 } from '../util/rng.ts';
import {
  INTEGER,
  addReversed,
  answerOf,
  badPrompt,
  drawLevel,
  isEvalPrompt,
  longerOperand,
  randomDigits,
  reverse,
  digitsChance,
  LETTERS,
  type Difficulty,
  type Example,
  type Task,
} from './task.ts';
import { CORPUS_TASKS } from './corpus.ts';

export {
  EVAL_PERCENT,
  answerOf,
  drawLevel,
  isEvalPrompt,
  type Difficulty,
  type DifficultySpec,
  type Example,
  type Task,
} from './task.ts';

// ---------------------------------------------------------------------------------------------------- add

const ADD_PROMPT = /^add (\d+)\+(\d+)=$/;

/**
 * Multi-digit addition with EVERY number written least significant digit first (operands and answer), so
 * answer digit i depends only on operand digits <= i: the carry flows in reading order, which is what makes
 * addition learnable by a small left-to-right model. "add 12+9=" means 21 + 9 = 30, answer "03".
 */
export const add: Task = {
  name: 'add',
  description:
    'multi-digit addition, all numbers written least significant digit first: "add 12+9=" -> "03" (21+9=30)',
  inTraining: false,
  difficulty: {
    what: 'digits in the longer operand (the other has 1..level digits)',
    min: 1,
    max: 20,
    default: [1, 5],
  },
  splitKey(prompt) {
    const m = ADD_PROMPT.exec(prompt);
    return m ? `add ${[m[1]!, m[2]!].sort().join('+')}=` : prompt;
  },
  example(rng, difficulty) {
    const d = drawLevel(add, rng, difficulty);
    const long = reverse(randomDigits(rng, d));
    const short = reverse(randomDigits(rng, 1 + rng.int(d)));
    const [a, b] = rng.int(2) === 0 ? [long, short] : [short, long];
    return { prompt: `add ${a}+${b}=`, answer: addReversed(a, b) };
  },
  level: (prompt) => longerOperand(ADD_PROMPT.exec(prompt)),
  check(prompt, completion) {
    const m = ADD_PROMPT.exec(prompt);
    if (!m) throw badPrompt('add', prompt, '"add <digits>+<digits>="');
    const got = answerOf(completion);
    if (!/^\d+$/.test(got)) return false;
    // Reversed notation: leading zeros of the value are trailing zeros of the text.
    const value = (s: string) => s.replace(/0+$/, '') || '0';
    return value(got) === value(addReversed(m[1]!, m[2]!));
  },
  chance(_prompt, answer) {
    return digitsChance(answer.length);
  },
};

// -------------------------------------------------------------------------------------------------- arith

type Expr = { v: number } | { op: '+' | '-' | '*'; l: Expr; r: Expr };

/** Largest |value| allowed for the result and every intermediate, so answers stay short (<= 4 tokens). */
export const ARITH_LIMIT = 999;

function evalExpr(e: Expr): number {
  if ('v' in e) return e.v;
  const l = evalExpr(e.l),
    r = evalExpr(e.r);
  return e.op === '+' ? l + r : e.op === '-' ? l - r : l * r;
}

function withinLimit(e: Expr): boolean {
  return 'v' in e || (withinLimit(e.l) && withinLimit(e.r) && Math.abs(evalExpr(e)) <= ARITH_LIMIT);
}

/** Render with the fewest parentheses that keep the tree's meaning (standard precedence, left to right). */
function renderExpr(e: Expr): string {
  if ('v' in e) return String(e.v);
  const prec = (x: Expr) => ('v' in x ? 3 : x.op === '*' ? 2 : 1);
  const p = prec(e);
  const l = prec(e.l) < p ? `(${renderExpr(e.l)})` : renderExpr(e.l);
  // The right child also needs parentheses at equal precedence after '-' (a-(b+c)); '+' and '*' associate.
  const r =
    prec(e.r) < p || (e.op === '-' && prec(e.r) === p) ? `(${renderExpr(e.r)})` : renderExpr(e.r);
  return `${l}${e.op}${r}`;
}

function randomExpr(rng: Rng, ops: number): Expr {
  if (ops === 0) return { v: rng.int(10) };
  const left = rng.int(ops);
  const op = (['+', '-', '*'] as const)[rng.int(3)]!;
  return { op, l: randomExpr(rng, left), r: randomExpr(rng, ops - 1 - left) };
}

/** Value of an expression over non-negative integers, + - * and parentheses (recursive descent). */
export function evaluateArith(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new Error(`arith: cannot parse ${JSON.stringify(text)} at position ${i}`);
  };
  const atom = (): number => {
    if (text[i] === '(') {
      i++;
      const v = sum();
      if (text[i++] !== ')') fail();
      return v;
    }
    const m = /^\d+/.exec(text.slice(i));
    if (!m) return fail();
    i += m[0].length;
    return Number(m[0]);
  };
  const product = (): number => {
    let v = atom();
    while (text[i] === '*') {
      i++;
      v *= atom();
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (text[i] === '+' || text[i] === '-') {
      const op = text[i++];
      const r = product();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  if (i !== text.length) fail();
  return v;
}

const ARITH_PROMPT = /^[0-9+\-*()]+=$/;

/**
 * Multi-step arithmetic on single digits with + - * and parentheses, standard precedence: "(3+4)*2-5=" ->
 * "9". Results and every intermediate value are kept within ±ARITH_LIMIT by rejection (so large products
 * are slightly under-represented); negative answers are written with '-'.
 */
export const arith: Task = {
  name: 'arith',
  description: 'multi-step arithmetic on single digits with + - * ( ): "(3+4)*2-5=" -> "9"',
  inTraining: false,
  difficulty: { what: 'number of operators', min: 1, max: 8, default: [1, 4] },
  example(rng, difficulty) {
    const ops = drawLevel(arith, rng, difficulty);
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const e = randomExpr(rng, ops);
      if (withinLimit(e)) return { prompt: `${renderExpr(e)}=`, answer: String(evalExpr(e)) };
    }
    throw new Error(
      `task arith: no expression with ${ops} operators within ±${ARITH_LIMIT} after 10000 tries`,
    );
  },
  level(prompt) {
    return ARITH_PROMPT.test(prompt) ? (prompt.match(/[+\-*]/g) ?? []).length : NaN;
  },
  check(prompt, completion) {
    if (!ARITH_PROMPT.test(prompt))
      throw badPrompt('arith', prompt, 'an expression over digits + - * ( ) ending in "="');
    const got = answerOf(completion);
    return INTEGER.test(got) && Number(got) === evaluateArith(prompt.slice(0, -1));
  },
  chance() {
    return 1 / (2 * ARITH_LIMIT + 1); // any integer in [-ARITH_LIMIT, ARITH_LIMIT]
  },
};

// -------------------------------------------------------------------------------------------------- chain

const CHAIN_PROMPT = /^((?:[a-z]+ is in [a-z]+\. )+)so ([a-z]+) is in $/;

/**
 * Chains of containment: "a is in b. b is in c. so a is in " -> "c". Each question has the asked chain
 * (level statements, so level hops) and a disjoint distractor chain of the same length, all statements
 * shuffled, with single-letter names drawn without replacement. The distractor is what makes it a chain
 * task: without it "the name never on the left" would answer every question with no hop at all.
 */
export const chain: Task = {
  name: 'chain',
  description:
    'chain of containment with a distractor chain: "a is in b. x is in y. b is in c. so a is in " -> "c"',
  inTraining: false,
  difficulty: {
    what: 'hops in the asked chain (the distractor chain is as long)',
    min: 1,
    max: 12,
    default: [1, 4],
  },
  example(rng, difficulty) {
    const hops = drawLevel(chain, rng, difficulty);
    const names = [...LETTERS];
    for (let i = 0; i < 2 * (hops + 1); i++) {
      const j = i + rng.int(names.length - i);
      [names[i], names[j]] = [names[j]!, names[i]!];
    }
    const asked = names.slice(0, hops + 1),
      other = names.slice(hops + 1, 2 * (hops + 1));
    const statements: string[] = [];
    for (const c of [asked, other])
      for (let i = 0; i < hops; i++) statements.push(`${c[i]} is in ${c[i + 1]}.`);
    for (let i = statements.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [statements[i], statements[j]] = [statements[j]!, statements[i]!];
    }
    return { prompt: `${statements.join(' ')} so ${asked[0]} is in `, answer: asked[hops]! };
  },
  level(prompt) {
    const m = CHAIN_PROMPT.exec(prompt);
    return m ? (m[1]!.match(/ is in /g) ?? []).length / 2 : NaN;
  },
  check(prompt, completion) {
    const m = CHAIN_PROMPT.exec(prompt);
    if (!m) throw badPrompt('chain', prompt, '"<x> is in <y>. ... so <x> is in "');
    const container = new Map<string, string>();
    for (const s of m[1]!.matchAll(/([a-z]+) is in ([a-z]+)\./g)) container.set(s[1]!, s[2]!);
    let x = m[2]!;
    for (let steps = 0; container.has(x); steps++) {
      if (steps > container.size) throw badPrompt('chain', prompt, 'no cycle of containment');
      x = container.get(x)!;
    }
    return answerOf(completion).replace(/\.$/, '') === x;
  },
  chance(prompt) {
    // A guesser that knows the answer is one of the names in the statements.
    return 1 / new Set(prompt.match(/[a-z]+(?= is in)|(?<=is in )[a-z]+/g) ?? ['?']).size;
  },
};

// ------------------------------------------------------------------------------------------------- recall

export interface RecallTask extends Task {
  readonly tableSeed: number;
  /** key → 3-digit value, in generation order. */
  readonly table: ReadonlyMap<string, string>;
  readonly keys: readonly string[];
}

/** Largest table: keys of 3 letters, at most half the key space, so keys stay random-looking. */
export const RECALL_MAX_SIZE = 26 ** 3 / 2;

/**
 * Recall from a fixed random fact table: "recall kq:" -> "417". The table (size distinct keys, values
 * 100..999) depends only on tableSeed and size, so every run of a grid memorises the same facts; a bigger
 * table needs more capacity, which is what rewards N. Keys have 2 letters up to 338 facts, 3 above. The
 * questions are necessarily seen in training (inTraining: true): eval measures memorisation, not transfer.
 */
export function makeRecallTask(options: { tableSeed?: number; size?: number } = {}): RecallTask {
  const { tableSeed = 1, size = 256 } = options;
  if (!Number.isInteger(size) || size < 1 || size > RECALL_MAX_SIZE) {
    throw new Error(
      `task recall: table size ${size} is invalid; use an integer in [1, ${RECALL_MAX_SIZE}]`,
    );
  }
  const keyLength = size <= 26 ** 2 / 2 ? 2 : 3;
  const rng = new Rng(hash32(0x7265636c /* 'recl' */, tableSeed, size));
  const table = new Map<string, string>();
  while (table.size < size) {
    let key = '';
    for (let i = 0; i < keyLength; i++) key += LETTERS[rng.int(26)];
    const value = String(100 + rng.int(900));
    if (!table.has(key)) table.set(key, value);
  }
  const keys = [...table.keys()];
  const task: RecallTask = {
    name: 'recall',
    description: `recall a fixed random fact table (${size} facts, table seed ${tableSeed}): "recall ${keys[0]}:" -> "${table.get(keys[0]!)}"`,
    inTraining: true,
    difficulty: {
      what: 'none: the table size (makeRecallTask) sets the difficulty',
      min: 0,
      max: 0,
      default: [0, 0],
    },
    tableSeed,
    table,
    keys,
    example(rng, difficulty) {
      drawLevel(task, rng, difficulty);
      const key = keys[rng.int(keys.length)]!;
      return { prompt: `recall ${key}:`, answer: table.get(key)! };
    },
    check(prompt, completion) {
      const m = /^recall ([a-z]+):$/.exec(prompt);
      const want = m ? table.get(m[1]!) : undefined;
      if (want === undefined)
        throw badPrompt(
          'recall',
          prompt,
          `"recall <key>:" with a key of this table (${size} facts, seed ${tableSeed})`,
        );
      const got = answerOf(completion);
      return /^\d+$/.test(got) && Number(got) === Number(want);
    },
    chance() {
      return 1 / 900; // values are 100..999
    },
  };
  return task;
}

export const recall = makeRecallTask();

// ----------------------------------------------------------------------------------------------- registry

export const TASKS = { add, arith, chain, recall, ...CORPUS_TASKS } as const;
export type TaskName = keyof typeof TASKS;
export const taskNames = Object.keys(TASKS) as TaskName[];

function resolve(task: Task | TaskName): Task {
  if (typeof task !== 'string') return task;
  const t = (TASKS as Record<string, Task>)[task];
  if (!t) throw new Error(`unknown task "${task}"; known tasks: ${taskNames.join(', ')}`);
  return t;
}

/**
 * One training example: for held-out tasks, redrawn (from the same rng) until it is not an evaluation
 * question. Every training example of the stream goes through here.
 */
export function trainingExample(task: Task | TaskName, rng: Rng, difficulty?: Difficulty): Example {
  const t = resolve(task);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const ex = t.example(rng, difficulty);
    if (t.inTraining || !isEvalPrompt(t, ex.prompt)) return ex;
  }
  throw new Error(
    `task ${t.name}: found no training (non-evaluation) question in 10000 draws at difficulty ${JSON.stringify(difficulty)}`,
  );
}

/**
 * One held-out example: for held-out tasks, redrawn until it IS an evaluation question (text the
 * training stream never emits); for tasks that are necessarily trained (recall), any example. The
 * held-out loss reads a stream of these (heldOutTokens, src/data/stream.ts).
 */
export function heldOutExample(task: Task | TaskName, rng: Rng, difficulty?: Difficulty): Example {
  const t = resolve(task);
  for (let attempt = 0; attempt < 100_000; attempt++) {
    const ex = t.example(rng, difficulty);
    if (t.inTraining || isEvalPrompt(t, ex.prompt)) return ex;
  }
  throw new Error(
    `task ${t.name}: found no evaluation question in 100000 draws at difficulty ${JSON.stringify(difficulty)}`,
  );
}

/**
 * `count` distinct evaluation questions, deterministic in `seed`. For held-out tasks only prompts on the
 * evaluation side of the split; for recall, distinct keys of its table. Throws when the question space at
 * this difficulty is too small for `count` (e.g. add at 1 digit has only ~10 held-out questions).
 */
export function evalQuestions(
  task: Task | TaskName,
  count: number,
  seed: number,
  difficulty?: Difficulty,
): Example[] {
  const t = resolve(task);
  const rng = new Rng(hash32(0x6576616c /* 'eval' */, seed));
  const seen = new Set<string>();
  const out: Example[] = [];
  const maxAttempts = 10_000 + 200 * count;
  for (let attempt = 0; out.length < count && attempt < maxAttempts; attempt++) {
    const ex = t.example(rng, difficulty);
    if (seen.has(ex.prompt) || (!t.inTraining && !isEvalPrompt(t, ex.prompt))) continue;
    seen.add(ex.prompt);
    out.push(ex);
  }
  if (out.length < count) {
    throw new Error(
      `task ${t.name}: only ${out.length} distinct evaluation questions found at difficulty ${JSON.stringify(difficulty ?? t.difficulty.default)} (asked for ${count}); ask for fewer, or widen the question space (a harder difficulty; for recall, a bigger table)`,
    );
  }
  return out;
}
