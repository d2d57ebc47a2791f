import { describe, expect, it } from 'vitest';
import {
  EVAL_PERCENT,
  TASKS,
  add,
  answerOf,
  arith,
  chain,
  evalQuestions,
  evaluateArith,
  isEvalPrompt,
  makeRecallTask,
  recall,
  taskNames,
  trainingExample,
  type Example,
  type Task,
} from '../../src/data/tasks.ts';
import { TrainStream } from '../../src/data/stream.ts';
import { Rng } from '../../src/util/rng.ts';

const examples = (
  task: Task,
  seed: number,
  n: number,
  difficulty?: number | [number, number],
): Example[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => task.example(rng, difficulty));
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// Independent solvers, written differently from the ones in tasks.ts.
const rev = (s: string) => s.split('').reverse().join('');
function solveAdd(prompt: string): bigint {
  const [, a, b] = /^add (\d+)\+(\d+)=$/.exec(prompt)!;
  return BigInt(rev(a!)) + BigInt(rev(b!));
}
// "+ 0" turns -0 (e.g. from -5*0) into 0, as String() does in the gold answer.
const solveArith = (prompt: string): number =>
  (Function(`"use strict"; return (${prompt.slice(0, -1)});`)() as number) + 0;
function solveChain(prompt: string): string {
  const pairs = [...prompt.matchAll(/(\w) is in (\w)\./g)].map((m) => [m[1]!, m[2]!] as const);
  let x = /so (\w) is in $/.exec(prompt)![1]!;
  for (let found = true; found;) {
    found = false;
    for (const [inner, outer] of pairs) if (inner === x) [x, found] = [outer, true];
  }
  return x;
}

describe('tasks', () => {
  it('registry: every task has a name matching its key, a description and a sane difficulty spec', () => {
    expect(taskNames).toEqual([
      'add',
      'arith',
      'chain',
      'recall',
      'bio',
      'hop',
      'sum',
      'cpy',
      'rev',
    ]);
    for (const name of taskNames) {
      const t = TASKS[name];
      expect(t.name).toBe(name);
      expect(t.description.length).toBeGreaterThan(10);
      expect(t.difficulty.min).toBeLessThanOrEqual(t.difficulty.default[0]);
      expect(t.difficulty.default[1]).toBeLessThanOrEqual(t.difficulty.max);
      expect(t.inTraining).toBe(name === 'recall');
      // The chance baseline is a probability of one guess, below certainty for every question.
      for (const { prompt, answer } of examples(t, 5, 50)) {
        const c = t.chance(prompt, answer);
        expect(c, `${name} ${prompt}`).toBeGreaterThan(0);
        expect(c).toBeLessThanOrEqual(0.5);
      }
    }
  });

  for (const name of taskNames) {
    const task: Task = TASKS[name];
    const { min, max } = task.difficulty;
    it(`${name}: gold answers pass check, with surrounding whitespace and a trailing <eos> too`, () => {
      for (const { prompt, answer } of examples(task, 1, 2000, [min, max])) {
        expect(task.check(prompt, answer), `${prompt}${answer}`).toBe(true);
        expect(task.check(prompt, `  ${answer} \n`)).toBe(true);
        expect(task.check(prompt, `${answer}<eos>junk after eos`)).toBe(true);
      }
    });
    it(`${name}: examples are deterministic per seed`, () => {
      expect(examples(task, 7, 200)).toEqual(examples(task, 7, 200));
      expect(examples(task, 7, 200)).not.toEqual(examples(task, 8, 200));
    });
    it(`${name}: refuses difficulties it cannot make`, () => {
      expect(() => task.example(new Rng(1), max + 1)).toThrow(
        new RegExp(`task ${name}: difficulty ${max + 1} is invalid`),
      );
      expect(() => task.example(new Rng(1), [min - 1, max])).toThrow(/is invalid/);
      if (max > min) expect(() => task.example(new Rng(1), [max, min])).toThrow(/is invalid/);
      expect(() => task.example(new Rng(1), 0.5)).toThrow(/is invalid/);
    });
  }

  it('add: answers are the reversed-digit sum; numerically equal spellings pass, wrong ones fail', () => {
    expect(add.check('add 12+9=', '03')).toBe(true); // 21 + 9 = 30
    expect(add.check('add 12+9=', '030')).toBe(true); // 0030 = 30: compared by value
    expect(add.check('add 12+9=', '30')).toBe(false); // not reversed
    for (const { prompt, answer } of examples(add, 2, 1000, [1, 12])) {
      const value = solveAdd(prompt);
      expect(BigInt(rev(answer))).toBe(value);
      expect(answer.endsWith('0') && answer !== '0').toBe(false); // no leading zeros in the gold answer
      const wrong = [
        rev(String(value + 1n)),
        rev(String(value > 0n ? value - 1n : 10n)),
        String(value === BigInt(rev(String(value))) ? value + 10n : value),
        '',
        '-' + answer,
        answer + 'a',
        'x',
        `${answer} ${answer}`,
        `${answer}.5`,
      ];
      for (const w of wrong)
        expect(add.check(prompt, w), `${prompt} ${JSON.stringify(w)}`).toBe(false);
    }
  });

  it('add: difficulty sets the digit count of the longer operand', () => {
    for (const d of [1, 3, 8]) {
      for (const { prompt } of examples(add, 3, 200, d)) {
        const [, a, b] = /^add (\d+)\+(\d+)=$/.exec(prompt)!;
        expect(Math.max(a!.length, b!.length)).toBe(d);
      }
    }
    const avgLen = (d: [number, number]) =>
      mean(examples(add, 4, 500, d).map((e) => e.prompt.length));
    expect(avgLen([1, 2])).toBeLessThan(avgLen([5, 6]));
  });

  it('arith: answers are correct (recomputed by JS itself) and stay within range', () => {
    for (const { prompt, answer } of examples(arith, 5, 2000, [1, 8])) {
      expect(Number(answer), prompt).toBe(solveArith(prompt));
      expect(evaluateArith(prompt.slice(0, -1)) + 0).toBe(solveArith(prompt));
      expect(Math.abs(Number(answer))).toBeLessThanOrEqual(999);
      const v = Number(answer);
      const wrong = [
        String(v + 1),
        String(v - 1),
        String(-v || 1),
        '',
        '--' + answer,
        answer + '+',
        'abc',
        `${answer}1`,
      ];
      for (const w of wrong)
        expect(arith.check(prompt, w), `${prompt} ${JSON.stringify(w)}`).toBe(false);
    }
    expect(arith.check('(3+4)*2-5=', '9')).toBe(true);
    expect(arith.check('(3+4)*2-5=', '009')).toBe(true);
    expect(arith.check('2-9=', '-7')).toBe(true);
    expect(arith.check('2-9=', '7')).toBe(false);
    expect(examples(arith, 5, 2000).some((e) => e.answer.startsWith('-'))).toBe(true);
    expect(examples(arith, 5, 2000, [2, 4]).some((e) => e.prompt.includes('('))).toBe(true);
  });

  it('arith: difficulty is the number of operators', () => {
    for (const ops of [1, 4, 8]) {
      for (const { prompt } of examples(arith, 6, 200, ops))
        expect(prompt.replace(/[^-+*]/g, '').length).toBe(ops);
    }
  });

  it('chain: the answer is the outermost container of the asked chain; other names fail', () => {
    expect(chain.check('a is in b. x is in y. b is in c. so a is in ', 'c')).toBe(true);
    expect(chain.check('a is in b. x is in y. b is in c. so a is in ', 'c.')).toBe(true);
    for (const { prompt, answer } of examples(chain, 7, 1000, [1, 12])) {
      expect(answer).toBe(solveChain(prompt));
      const names = new Set(prompt.match(/\b[a-z]\b/g));
      for (const other of names)
        if (other !== answer) expect(chain.check(prompt, other), `${prompt} ${other}`).toBe(false);
      for (const w of ['', `${answer}${answer}`, `${answer} is`, '1', `${answer}..`])
        expect(chain.check(prompt, w)).toBe(false);
    }
  });

  it('chain: difficulty is the hop count (two chains of that length, shuffled)', () => {
    for (const hops of [1, 5, 12]) {
      for (const { prompt } of examples(chain, 8, 100, hops)) {
        const statements = prompt.match(/ is in [a-z]\./g)!;
        expect(statements.length).toBe(2 * hops);
        expect(new Set(prompt.match(/\b[a-z]\b/g)).size).toBe(2 * (hops + 1));
      }
    }
    // Shuffled: the asked name's statement is not always first.
    const firsts = examples(chain, 9, 200, 4).map(
      (e) => e.prompt[0] === /so (\w)/.exec(e.prompt)![1],
    );
    expect(mean(firsts.map(Number))).toBeLessThan(0.5);
  });

  it('recall: a fixed table from (tableSeed, size); the answer is the stored value', () => {
    const t = makeRecallTask({ tableSeed: 3, size: 50 });
    expect(t.keys).toHaveLength(50);
    expect(new Set(t.keys).size).toBe(50);
    expect(makeRecallTask({ tableSeed: 3, size: 50 }).keys).toEqual(t.keys);
    expect(makeRecallTask({ tableSeed: 4, size: 50 }).keys).not.toEqual(t.keys);
    expect(makeRecallTask({ size: 1000 }).keys[0]).toHaveLength(3);
    expect(recall.keys[0]).toHaveLength(2);
    for (const { prompt, answer } of examples(t, 1, 500)) {
      const key = /^recall ([a-z]+):$/.exec(prompt)![1]!;
      expect(answer).toBe(t.table.get(key));
      expect(answer).toMatch(/^[1-9]\d\d$/);
      const v = Number(answer);
      const otherValue = [...t.table.values()].find((x) => x !== answer)!;
      for (const w of [String(v + 1), String(v - 1), otherValue, '', 'abc', key])
        expect(t.check(prompt, w)).toBe(false);
    }
    expect(() => t.check('recall zzz:', '123')).toThrow(/cannot grade/);
    expect(() => makeRecallTask({ size: 0 })).toThrow(/table size 0 is invalid/);
  });

  it('check refuses prompts it cannot parse', () => {
    expect(() => add.check('add 1+=', '1')).toThrow(/task add: cannot grade/);
    expect(() => arith.check('1+x=', '1')).toThrow(/task arith: cannot grade/);
    expect(() => chain.check('so a is in ', 'a')).toThrow(/task chain: cannot grade/);
    expect(answerOf(' 42 <eos>7')).toBe('42');
  });
});

describe('held-out evaluation split', () => {
  it('evaluation questions are distinct, deterministic, on the evaluation side, and correct', () => {
    for (const name of taskNames) {
      const qs = evalQuestions(name, 200, 1);
      expect(qs).toEqual(evalQuestions(name, 200, 1));
      expect(new Set(qs.map((q) => q.prompt)).size).toBe(200);
      for (const q of qs) {
        expect(TASKS[name].check(q.prompt, q.answer)).toBe(true);
        if (name !== 'recall') expect(isEvalPrompt(TASKS[name], q.prompt)).toBe(true);
      }
    }
    expect(() => evalQuestions('add', 50, 1, 1)).toThrow(/only \d+ distinct evaluation questions/);
    expect(() => evalQuestions('recall', recall.keys.length + 1, 1)).toThrow(
      /only 256 distinct evaluation questions/,
    );
    expect(() => evalQuestions('nope' as 'add', 1, 1)).toThrow(/unknown task "nope"/);
  });

  it('add splits by the unordered operand pair: a question and its swapped form fall on one side', () => {
    const rng = new Rng(5);
    let swappedDiffer = 0,
      evalSide = 0;
    for (let i = 0; i < 4000; i++) {
      const { prompt } = add.example(rng, [1, 3]);
      const swapped = prompt.replace(/^add (\d+)\+(\d+)=$/, 'add $2+$1=');
      expect(isEvalPrompt(add, swapped)).toBe(isEvalPrompt(add, prompt));
      if (isEvalPrompt(add, prompt)) evalSide++;
      // Hashing the prompt text alone (the old split) separates most swapped pairs.
      if (isEvalPrompt({}, swapped) !== isEvalPrompt({}, prompt)) swappedDiffer++;
    }
    expect(evalSide).toBeGreaterThan(0);
    expect(swappedDiffer).toBeGreaterThan(100);
  });

  it('the split is not vacuous: about EVAL_PERCENT% of raw questions hash to the evaluation side', () => {
    for (const task of [add, arith, chain]) {
      const frac = mean(examples(task, 10, 4000).map((e) => Number(isEvalPrompt(task, e.prompt))));
      expect(frac).toBeGreaterThan(EVAL_PERCENT / 100 - 0.03);
      expect(frac).toBeLessThan(EVAL_PERCENT / 100 + 0.03);
    }
  });

  it('no evaluation question appears among the first 20k training examples (non-recall tasks)', () => {
    const stream = new TrainStream({
      seed: 123,
      mix: { add: 1, arith: 1, chain: 1 },
      difficulty: { add: [1, 3], arith: [1, 2], chain: [1, 2] },
    });
    const held = new Set<string>();
    for (const [name, d] of [
      ['add', [1, 3]],
      ['arith', [1, 2]],
      ['chain', [1, 2]],
    ] as const) {
      for (const q of evalQuestions(name, 300, 9, d)) held.add(q.prompt);
    }
    let overlapIfUnfiltered = 0;
    for (let i = 0; i < 20_000; i++) {
      const { task, prompt } = stream.exampleAt(i);
      expect(isEvalPrompt(TASKS[task as keyof typeof TASKS], prompt)).toBe(false);
      expect(held.has(prompt)).toBe(false);
      // Nor in another form: add's operands swapped are the same question.
      if (task === 'add')
        expect(held.has(prompt.replace(/^add (\d+)\+(\d+)=$/, 'add $2+$1='))).toBe(false);
    }
    // Small question spaces mean the raw generator would hit the held-out questions quickly.
    const rng = new Rng(77);
    for (let i = 0; i < 5000; i++)
      if (held.has(add.example(rng, [1, 3]).prompt)) overlapIfUnfiltered++;
    expect(overlapIfUnfiltered).toBeGreaterThan(0);
    // trainingExample keeps recall questions whatever their hash: they are necessarily trained on.
    const rr = new Rng(1);
    expect(
      Array.from({ length: 2000 }, () => trainingExample('recall', rr)).some((e) =>
        isEvalPrompt(recall, e.prompt),
      ),
    ).toBe(true);
  });
});

describe('level: a question’s difficulty read back from its prompt', () => {
  it('gives back the level every graded task drew, at every level it can draw', () => {
    const graded = taskNames.filter((n) => TASKS[n].level);
    expect(graded.sort()).toEqual(['add', 'arith', 'bio', 'chain', 'cpy', 'rev', 'sum']);
    for (const name of graded) {
      const task: Task = TASKS[name];
      const rng = new Rng(7);
      for (let L = task.difficulty.min; L <= task.difficulty.max; L++)
        for (let i = 0; i < 20; i++) {
          const { prompt } = task.example(rng, L);
          expect(task.level!(prompt), `${name} at level ${L}: ${prompt}`).toBe(L);
        }
      // A prompt of another shape has no level, rather than a wrong one.
      for (const foreign of ['q1', '', 'cpy ab=', 'add 1+2=', 'x is in y. so x is in '])
        if (!(foreign.startsWith(name) || (name === 'chain' && foreign.includes(' is in '))))
          expect(task.level!(foreign), `${name}: "${foreign}"`).toBeNaN();
    }
  });
});
