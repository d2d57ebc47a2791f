// The `world` corpus: broad, procedural, unbounded pretraining text in which both parameters and data pay
// (T2.md, "Designing a toy grid that shows it"; docs/corpus.md describes it well enough to rebuild it).
//
// A fixed random world of PEOPLE (unique 4-letter names), each with a birth year, a city, a job and a
// friend, is written about with Zipfian frequencies: person of rank r (r = 1..people) is drawn with
// probability ∝ 1/r, so a few people are everywhere and most are rare. More parameters store more people;
// more data shows rarer ones. Beside the facts, the text teaches skills whose answers come from large
// spaces and whose per-question success is graded (a model can be partly right, so k samples help for the
// right reason):
//
//   bio   "gmih: works as gpaiv. lives in "  -> "zrsou."      1-4 facts about one person, the last is the answer
//   hop   "the friend of gmih lives in "     -> "pidg: zrsou." two lookups, the friend's name written first
//   sum   "sum 743+58="    -> "7+5=12,4+8+1=13,3+1=4;234"    addition written out step by step (LSB first)
//   cpy   "cpy xkzqa="     -> "xkzqa"                         copy a random string
//   rev   "rev xkzqa="     -> "aqzkx"                         reverse it
//
// Every kind is a Task (src/data/task.ts), so the corpus is selected like any task mix: `tasks:
// 'bio:5,hop:1,sum:2,cpy:1,rev:1'`. Held out: a document whose prompt hashes to the evaluation side
// (EVAL_PERCENT) is never trained on, so evaluation questions and the held-out corpus loss read text the
// model has never seen. The facts themselves are necessarily trained (a fact can only be recalled if it
// was written somewhere): a held-out bio question asks a known fact in a sentence order never seen, and a
// held-out hop question asks about a person whose hop document was never written.
//
// The world depends only on WORLD (its seed and sizes), never on a run's seed, so every run of a grid
// learns about the same people.

import { Rng, hash32 } from '../util/rng.ts';
import {
  INTEGER,
  LETTERS,
  answerOf,
  badPrompt,
  digitsChance,
  drawLevel,
  longerOperand,
  randomDigits,
  reverse,
  type Task,
} from './task.ts';

/** The world's sizes and seed (docs/corpus.md). Fixed: a corpus that changed would change every record. */
export const WORLD = {
  seed: 7, // keys every name and fact
  people: 2000, // distinct people; rank r is written about with probability ∝ 1/r
  cities: 400, // 5-letter city names
  jobs: 400, // 5-letter job names
  years: [100, 999] as const, // birth years, uniform
} as const;

/** The four attributes of a person and the sentence that states each. */
export const ATTRIBUTES = ['year', 'city', 'job', 'friend'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
const SENTENCE: Record<Attribute, string> = {
  year: 'born ',
  city: 'lives in ',
  job: 'works as ',
  friend: 'knows ',
};

export interface Person {
  name: string;
  year: string;
  city: string;
  job: string;
  friend: string;
}

export interface World {
  people: readonly Person[];
  cities: readonly string[];
  jobs: readonly string[];
  byName: ReadonlyMap<string, Person>;
  /** Cumulative Zipf weights over ranks, for drawing a person. */
  cdf: Float64Array;
}

function makeWorld(): World {
  const rng = new Rng(hash32(0x776f726c /* 'worl' */, WORLD.seed));
  // Words that the templates use can never be names, so a name never reads as template text.
  const taken = new Set([
    'add',
    'born',
    'lives',
    'works',
    'knows',
    'the',
    'friend',
    'sum',
    'cpy',
    'rev',
  ]);
  const words = (n: number, length: number): string[] => {
    const out: string[] = [];
    while (out.length < n) {
      let w = '';
      for (let i = 0; i < length; i++) w += LETTERS[rng.int(26)];
      if (!taken.has(w)) (taken.add(w), out.push(w));
    }
    return out;
  };
  const names = words(WORLD.people, 4);
  const cities = words(WORLD.cities, 5);
  const jobs = words(WORLD.jobs, 5);
  const [y0, y1] = WORLD.years;
  const people = names.map((name) => ({
    name,
    year: String(y0 + rng.int(y1 - y0 + 1)),
    city: cities[rng.int(cities.length)]!,
    job: jobs[rng.int(jobs.length)]!,
    friend: '',
  }));
  for (const p of people) {
    let f = p;
    while (f === p) f = people[rng.int(people.length)]!; // nobody is their own friend
    p.friend = f.name;
  }
  const cdf = new Float64Array(people.length);
  let total = 0;
  for (let r = 0; r < people.length; r++) cdf[r] = total += 1 / (r + 1);
  for (let r = 0; r < people.length; r++) cdf[r]! /= total;
  return { people, cities, jobs, byName: new Map(people.map((p) => [p.name, p])), cdf };
}

let world: World | undefined;
/** The world (built once, on first use: ~2,800 words). */
export function getWorld(): World {
  return (world ??= makeWorld());
}

/** A person drawn by Zipf rank (binary search of the cumulative weights). */
export function drawPerson(rng: Rng): Person {
  const { people, cdf } = getWorld();
  const u = rng.next();
  let lo = 0,
    hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return people[lo]!;
}

/** How many values a format-aware guesser chooses among for each attribute. */
function attributeSpace(a: Attribute): number {
  const w = WORLD;
  if (a === 'year') return w.years[1] - w.years[0] + 1;
  return a === 'friend' ? w.people - 1 : a === 'city' ? w.cities : w.jobs;
}

// -------------------------------------------------------------------------------------------------- bio

const BIO_PROMPT =
  /^([a-z]{4}): ((?:(?:born [0-9]+|lives in [a-z]+|works as [a-z]+|knows [a-z]+)\. )*)(born |lives in |works as |knows )$/;

/**
 * Facts about one person, 1-4 sentences in random order; the last sentence's value is the answer.
 * Level = number of sentences; level 1 is plain recall ("gmih: lives in " -> "zrsou.").
 */
export const bio: Task = {
  name: 'bio',
  description:
    'facts about one of 2,000 people (Zipfian): "gmih: works as gpaiv. lives in " -> "zrsou."',
  inTraining: false,
  difficulty: {
    what: 'sentences about the person (the last is asked)',
    min: 1,
    max: 4,
    default: [1, 4],
  },
  example(rng, difficulty) {
    const n = drawLevel(bio, rng, difficulty);
    const p = drawPerson(rng);
    const order = [...ATTRIBUTES];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const said = order.slice(0, n - 1).map((a) => `${SENTENCE[a]}${p[a]}. `);
    const asked = order[n - 1]!;
    return { prompt: `${p.name}: ${said.join('')}${SENTENCE[asked]}`, answer: `${p[asked]}.` };
  },
  level(prompt) {
    const m = BIO_PROMPT.exec(prompt);
    return m ? (m[2]!.match(/\. /g) ?? []).length + 1 : NaN;
  },
  check(prompt, completion) {
    const m = BIO_PROMPT.exec(prompt);
    const person = m ? getWorld().byName.get(m[1]!) : undefined;
    if (!m || !person)
      throw badPrompt(
        'bio',
        prompt,
        '"<name>: <facts> <sentence start>" about a person of the world',
      );
    const asked = ATTRIBUTES.find((a) => SENTENCE[a] === m[3])!;
    return answerOf(completion).replace(/\.$/, '') === person[asked];
  },
  chance(prompt) {
    const m = BIO_PROMPT.exec(prompt);
    const asked = ATTRIBUTES.find((a) => SENTENCE[a] === m?.[3]) ?? 'city';
    return 1 / attributeSpace(asked);
  },
};

// -------------------------------------------------------------------------------------------------- hop

/**
 * Two lookups: the friend's name, then the friend's city ("the friend of gmih lives in " -> "pidg:
 * zrsou."). The friend is written first, so each step is a recall the model has practised, and a model
 * that knows part of the chain is partly right. Held out by person: a held-out person's hop document is
 * never written, though both facts it needs are.
 */
export const hop: Task = {
  name: 'hop',
  description: 'two lookups, the friend first: "the friend of gmih lives in " -> "pidg: zrsou."',
  inTraining: false,
  difficulty: { what: 'none: always two lookups', min: 0, max: 0, default: [0, 0] },
  example(rng, difficulty) {
    drawLevel(hop, rng, difficulty);
    const p = drawPerson(rng);
    const f = getWorld().byName.get(p.friend)!;
    return { prompt: `the friend of ${p.name} lives in `, answer: `${f.name}: ${f.city}.` };
  },
  check(prompt, completion) {
    const m = /^the friend of ([a-z]{4}) lives in $/.exec(prompt);
    const p = m ? getWorld().byName.get(m[1]!) : undefined;
    if (!p)
      throw badPrompt(
        'hop',
        prompt,
        '"the friend of <name> lives in " about a person of the world',
      );
    const f = getWorld().byName.get(p.friend)!;
    return answerOf(completion).replace(/\.$/, '') === `${f.name}: ${f.city}`;
  },
  chance() {
    return 1 / (attributeSpace('friend') * attributeSpace('city'));
  },
};

// -------------------------------------------------------------------------------------------------- sum

/** The written-out steps of a + b (both least significant digit first) and the sum, the same way. */
function sumSteps(a: string, b: string): string {
  const steps: string[] = [];
  let carry = 0,
    out = '';
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = Number(a[i] ?? 0),
      y = Number(b[i] ?? 0);
    const s = x + y + carry;
    steps.push(`${x}+${y}${carry ? '+1' : ''}=${s}`);
    out += String(s % 10);
    carry = s >= 10 ? 1 : 0;
  }
  if (carry) out += '1';
  return `${steps.join(',')};${out}`;
}

const SUM_PROMPT = /^sum (\d+)\+(\d+)=$/;

/**
 * Addition written out digit by digit, every number least significant digit first (as `add`): "sum
 * 743+58=" (347 + 85) -> "7+5=12,4+8+1=13,3+1=4;234" (432). Each step is a one-digit sum and a carry, so
 * the steps are learned separately and a long sum is right only if every step is: success per question
 * is graded by length. Graded on the final number (by value, as `add`).
 */
export const sum: Task = {
  name: 'sum',
  description:
    'addition written out step by step, LSB first: "sum 743+58=" -> "7+5=12,4+8+1=13,3+1=4;234"',
  inTraining: false,
  difficulty: {
    what: 'digits in the longer operand (the other has 1..level digits)',
    min: 1,
    max: 8,
    default: [1, 3],
  },
  splitKey(prompt) {
    const m = SUM_PROMPT.exec(prompt);
    return m ? `sum ${[m[1]!, m[2]!].sort().join('+')}=` : prompt;
  },
  example(rng, difficulty) {
    const d = drawLevel(sum, rng, difficulty);
    const long = reverse(randomDigits(rng, d));
    const short = reverse(randomDigits(rng, 1 + rng.int(d)));
    const [a, b] = rng.int(2) === 0 ? [long, short] : [short, long];
    return { prompt: `sum ${a}+${b}=`, answer: sumSteps(a, b) };
  },
  level: (prompt) => longerOperand(SUM_PROMPT.exec(prompt)),
  check(prompt, completion) {
    const m = SUM_PROMPT.exec(prompt);
    if (!m) throw badPrompt('sum', prompt, '"sum <digits>+<digits>="');
    const got = answerOf(completion);
    const final = got.slice(got.lastIndexOf(';') + 1);
    if (!INTEGER.test(final) || final.startsWith('-')) return false;
    const value = (s: string) => s.replace(/0+$/, '') || '0';
    const want = sumSteps(m[1]!, m[2]!);
    return value(final) === value(want.slice(want.lastIndexOf(';') + 1));
  },
  chance(_prompt, answer) {
    // A correct final number: an upper bound on guessing the exact written-out answer p_i measures.
    return digitsChance(answer.length - answer.lastIndexOf(';') - 1);
  },
};

// ------------------------------------------------------------------------------------------ cpy and rev

function stringTask(name: 'cpy' | 'rev'): Task {
  const op = name === 'cpy' ? (w: string) => w : reverse;
  const shape = new RegExp(`^${name} ([a-z]+)=$`);
  const task: Task = {
    name,
    description: `${name === 'cpy' ? 'copy' : 'reverse'} a random string: "${name} xkzqa=" -> "${op('xkzqa')}"`,
    inTraining: false,
    difficulty: { what: 'letters in the string', min: 1, max: 16, default: [3, 6] },
    example(rng, difficulty) {
      const n = drawLevel(task, rng, difficulty);
      let w = '';
      for (let i = 0; i < n; i++) w += LETTERS[rng.int(26)];
      return { prompt: `${name} ${w}=`, answer: op(w) };
    },
    level(prompt) {
      return shape.exec(prompt)?.[1]!.length ?? NaN;
    },
    check(prompt, completion) {
      const m = shape.exec(prompt);
      if (!m) throw badPrompt(name, prompt, `"${name} <letters>="`);
      return answerOf(completion) === op(m[1]!);
    },
    chance(_prompt, answer) {
      return 26 ** -answer.length;
    },
  };
  return task;
}

export const cpy = stringTask('cpy');
export const rev = stringTask('rev');

/** The corpus's document kinds, for the task registry (src/data/tasks.ts). */
export const CORPUS_TASKS = { bio, hop, sum, cpy, rev } as const;
