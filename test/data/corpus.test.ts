// The `world` corpus (src/data/corpus.ts, docs/corpus.md): its facts, its documents checked against
// independent solvers, its held-out split in both directions, its Zipfian frequencies, its chance baselines.
import { describe, expect, it } from 'vitest';
import { WORLD, bio, cpy, drawPerson, getWorld, hop, rev, sum } from '../../src/data/corpus.ts';
import { evalQuestions, isEvalPrompt, trainingExample, type Task } from '../../src/data/tasks.ts';
import { TrainStream, documentStats, heldOutTokens } from '../../src/data/stream.ts';
import { decode } from '../../src/data/tokenizer.ts';
import { ConfigError, makeConfig, parseLevels } from '../../src/config.ts';
import { evaluationQuestions } from '../../src/sample/evaluate.ts';
import { streamOptions } from '../../src/train/trainer.ts';
import { evalBatches } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const draw = (task: Task, seed: number, n: number, difficulty?: number | [number, number]) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => task.example(rng, difficulty));
};
const reversed = (s: string) => s.split('').reverse().join('');

describe('corpus: the world', () => {
  it('has the documented sizes, unique names and no one befriends themself', () => {
    const w = getWorld();
    expect(w.people.length).toBe(WORLD.people);
    expect(new Set(w.people.map((p) => p.name)).size).toBe(WORLD.people);
    expect(new Set(w.cities).size).toBe(WORLD.cities);
    expect(new Set(w.jobs).size).toBe(WORLD.jobs);
    const words = new Set([...w.people.map((p) => p.name), ...w.cities, ...w.jobs]);
    expect(words.size).toBe(WORLD.people + WORLD.cities + WORLD.jobs); // no word is two things
    for (const p of w.people) {
      expect(p.friend).not.toBe(p.name);
      expect(w.byName.has(p.friend)).toBe(true);
      expect(Number(p.year)).toBeGreaterThanOrEqual(WORLD.years[0]);
      expect(Number(p.year)).toBeLessThanOrEqual(WORLD.years[1]);
    }
  });

  it('draws people by Zipf rank: rank 1 about twice as often as rank 2, ten times rank 10', () => {
    const rng = new Rng(3);
    const rank = new Map(getWorld().people.map((p, i) => [p.name, i + 1]));
    const counts = new Map<number, number>();
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const r = rank.get(drawPerson(rng).name)!;
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const H = Array.from({ length: WORLD.people }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b);
    for (const r of [1, 2, 10, 100]) {
      const want = n / (r * H);
      // 5 standard deviations of a binomial count: fails only if the law is wrong.
      expect(Math.abs(counts.get(r)! - want)).toBeLessThan(5 * Math.sqrt(want));
    }
  });
});

describe('corpus: documents against independent solvers', () => {
  const w = getWorld();
  it('bio: every sentence is a true fact of the named person, the answer too; level = sentences', () => {
    for (const level of [1, 2, 3, 4])
      for (const { prompt, answer } of draw(bio, 1, 300, level)) {
        const text = prompt + answer;
        const [name, rest] = text.split(': ');
        const p = w.byName.get(name!)!;
        const facts = rest!.split('. ').map((s) => s.replace(/\.$/, ''));
        expect(facts.length).toBe(level);
        const truth = new Set([
          `born ${p.year}`,
          `lives in ${p.city}`,
          `works as ${p.job}`,
          `knows ${p.friend}`,
        ]);
        for (const f of facts) expect(truth.has(f), text).toBe(true);
        expect(new Set(facts).size).toBe(level); // no fact said twice
        expect(bio.check(prompt, answer.slice(0, -1))).toBe(true); // the final '.' is optional
      }
    const { prompt } = draw(bio, 2, 1, 1)[0]!;
    expect(bio.check(prompt, 'zzzzz.')).toBe(false);
    expect(() => bio.check('zzzz: lives in ', 'x')).toThrow(/cannot grade/);
  });

  it('hop: the answer is the friend, then the friend’s city', () => {
    for (const { prompt, answer } of draw(hop, 1, 300)) {
      const p = w.byName.get(/of ([a-z]+) lives/.exec(prompt)![1]!)!;
      const f = w.byName.get(p.friend)!;
      expect(answer).toBe(`${f.name}: ${f.city}.`);
      expect(hop.check(prompt, `${f.name}: ${w.cities.find((c) => c !== f.city)}.`)).toBe(false);
    }
  });

  it('sum: the steps are one-digit sums with their carries, and the final number is the sum', () => {
    expect(sum.check('sum 743+58=', '7+5=12,4+8+1=13,3+1=4;234')).toBe(true);
    for (const { prompt, answer } of draw(sum, 1, 500, [1, 6])) {
      const [, a, b] = /^sum (\d+)\+(\d+)=$/.exec(prompt)!;
      const [steps, final] = answer.split(';');
      expect(BigInt(reversed(final!))).toBe(BigInt(reversed(a!)) + BigInt(reversed(b!)));
      let carry = 0;
      steps!.split(',').forEach((step, i) => {
        const m = /^(\d)\+(\d)(\+1)?=(\d+)$/.exec(step)!;
        expect(Number(m[1])).toBe(Number(a![i] ?? 0));
        expect(Number(m[2])).toBe(Number(b![i] ?? 0));
        expect(m[3] ? 1 : 0).toBe(carry);
        expect(Number(m[4])).toBe(Number(m[1]) + Number(m[2]) + carry);
        carry = Number(m[4]) >= 10 ? 1 : 0;
      });
      expect(sum.check(prompt, final!)).toBe(true); // graded on the final number
      expect(sum.check(prompt, `${final}1`)).toBe(false);
    }
  });

  it('cpy and rev: copy and reverse', () => {
    for (const { prompt, answer } of draw(cpy, 1, 100)) expect(answer).toBe(prompt.slice(4, -1));
    for (const { prompt, answer } of draw(rev, 1, 100))
      expect(answer).toBe(reversed(prompt.slice(4, -1)));
    expect(rev.check('rev abc=', 'cba')).toBe(true);
    expect(rev.check('rev abc=', 'abc')).toBe(false);
  });

  it('chance: the uniform guesser of the answer format', () => {
    expect(cpy.chance('cpy abcd=', 'abcd')).toBeCloseTo(26 ** -4, 15);
    expect(sum.chance('sum 743+58=', '7+5=12,4+8+1=13,3+1=4;234')).toBeCloseTo(1 / 900, 12);
    expect(bio.chance('gmih: lives in ', 'x.')).toBe(1 / WORLD.cities);
    expect(bio.chance('gmih: born ', '123.')).toBe(1 / 900);
    expect(hop.chance('', '')).toBe(1 / ((WORLD.people - 1) * WORLD.cities));
  });
});

describe('corpus: held out', () => {
  const mix = { bio: 5, hop: 1, sum: 2, cpy: 1, rev: 1 };
  it('the training stream never emits an evaluation document; the held-out text is only those', () => {
    const stream = new TrainStream({ seed: 1, mix });
    for (let i = 0; i < 5000; i++) {
      const ex = stream.exampleAt(i);
      expect(isEvalPrompt((TASKS_BY_NAME as Record<string, Task>)[ex.task]!, ex.prompt)).toBe(
        false,
      );
    }
    const text = decode([...heldOutTokens({ seed: 1, mix }, 20_000)]);
    const docs = text.split('<eos>').slice(0, -1); // the last one is cut
    expect(docs.length).toBeGreaterThan(500);
    for (const doc of docs) {
      const task = (Object.values(TASKS_BY_NAME) as Task[]).find((t) =>
        t.name === 'bio'
          ? /^[a-z]{4}: /.test(doc)
          : doc.startsWith(t.name === 'hop' ? 'the friend' : `${t.name} `),
      )!;
      const ex = splitDoc(task, doc);
      expect(isEvalPrompt(task, ex), doc).toBe(true);
    }
  });

  it('evaluation questions are distinct, held out, and deterministic', () => {
    for (const task of [bio, hop, sum, cpy, rev]) {
      const qs = evalQuestions(task, 64, 0);
      expect(new Set(qs.map((q) => q.prompt)).size).toBe(64);
      for (const q of qs) expect(isEvalPrompt(task, q.prompt)).toBe(true);
      expect(evalQuestions(task, 64, 0)).toEqual(qs);
      for (const ex of Array.from({ length: 200 }, (_, i) => trainingExample(task, new Rng(i))))
        expect(isEvalPrompt(task, ex.prompt)).toBe(false);
    }
  });

  it("every run of a mix is measured on one held-out text, whatever its seed; another mix's differs", () => {
    const config = makeConfig({
      tasks: 'bio:2,hop:1,sum:3,cpy:2,rev:2',
      batch_size: 4,
      block_size: 32,
    });
    const one = evalBatches({ ...config, seed: 1 });
    const two = evalBatches({ ...config, seed: 2 });
    expect(one.length).toBe(config.eval_batches);
    expect(two).toEqual(one);
    // ...while the training streams of the two seeds differ, and another mix gives another text.
    expect(new TrainStream({ seed: 1, mix }).exampleAt(0)).not.toEqual(
      new TrainStream({ seed: 2, mix }).exampleAt(0),
    );
    expect(evalBatches({ ...config, tasks: 'cpy:1' })[0]!.inputs).not.toEqual(one[0]!.inputs);
  });
});

describe('levels: the corpus tasks’ difficulty from the config', () => {
  it('parses task:lo-hi and task:level, and refuses what it cannot mean, naming the fix', () => {
    expect(parseLevels('')).toEqual({});
    expect(parseLevels(' cpy:1-3, sum:2 ')).toEqual({ cpy: [1, 3], sum: [2, 2] });
    const refused = (levels: string, says: RegExp) => {
      expect(() => makeConfig({ levels })).toThrow(ConfigError);
      expect(() => makeConfig({ levels })).toThrow(says);
    };
    refused('cpy:0-3', /1 <= lo <= hi <= 16/);
    refused('cpy:4-3', /1 <= lo <= hi <= 16/);
    refused('sum:1-9', /1 <= lo <= hi <= 8/);
    refused('cpy:1-3,cpy:2', /given twice/);
    refused('nope:1', /unknown task "nope"/);
    refused('add:2', /add_digits/);
    refused('cpy=3', /task:lo-hi/);
  });

  it('the training text, the held-out text and the questions all follow it', () => {
    const config = makeConfig({
      tasks: 'sum:1,cpy:1,rev:1',
      levels: 'cpy:7-9,rev:2,sum:5-5',
      batch_size: 4,
      block_size: 64,
    });
    const letters = (p: string) => p.slice(4, -1).length;
    const digits = (p: string) =>
      Math.max(
        ...p
          .slice(4, -1)
          .split('+')
          .map((x) => x.length),
      );
    const stream = new TrainStream(streamOptions(config));
    const levelOf = (p: string) =>
      p.startsWith('sum') ? digits(p) : p.startsWith('cpy') ? letters(p) : letters(p) + 100;
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(levelOf(stream.exampleAt(i).prompt));
    expect([...seen].sort((a, b) => a - b)).toEqual([5, 7, 8, 9, 102]);
    for (const q of evaluationQuestions(config, 16, 0)) seen.delete(levelOf(q.prompt));
    expect(seen.size).toBe(0); // every level the stream trains is asked too...
    for (const q of evaluationQuestions(config, 16, 0))
      expect([5, 7, 8, 9, 102]).toContain(levelOf(q.prompt)); // ...and no other
    const heldOut = decode(Array.from(evalBatches(config)[0]!.inputs));
    expect(heldOut).toMatch(/cpy [a-z]{7,9}=/);
    expect(heldOut).not.toMatch(/cpy [a-z]{1,6}=/);
    // The default levels differ: the same mix without `levels` trains 3-6 letters.
    const plain = new TrainStream(streamOptions(makeConfig({ tasks: 'cpy:1' })));
    for (let i = 0; i < 50; i++) expect(letters(plain.exampleAt(i).prompt)).toBeLessThanOrEqual(6);
  });
});

const TASKS_BY_NAME = { bio, hop, sum, cpy, rev };

/** The prompt of a document of `task`: where its answer starts. */
function splitDoc(task: Task, doc: string): string {
  if (task.name === 'bio') return doc.slice(0, doc.lastIndexOf(' ') + 1);
  if (task.name === 'hop') return doc.slice(0, doc.indexOf(' in ') + 4);
  return doc.slice(0, doc.indexOf('=') + 1);
}

describe('documentStats', () => {
  it('counts the documents a run read, distinct ones and the most repeated, against a direct count', () => {
    const options = { seed: 3, mix: { add: 1 }, difficulty: { add: 1 as const } };
    const stream = new TrainStream(options);
    const counts = new Map<string, number>();
    let tokens = 0;
    for (let i = 0; i < 500; i++) {
      const ex = stream.exampleAt(i);
      counts.set(ex.prompt, (counts.get(ex.prompt) ?? 0) + 1);
      tokens += ex.prompt.length + ex.answer.length + 1; // one token per character, and EOS
    }
    const stats = documentStats(options, tokens);
    expect(stats.documents).toBe(500);
    expect(stats.distinct).toBe(counts.size); // one-digit sums: few distinct prompts, many repeats
    expect(stats.distinct).toBeLessThan(100);
    expect(stats.max_repeats).toBe(Math.max(...counts.values()));
    // One token into the next document counts it as read.
    expect(documentStats(options, tokens + 1).documents).toBe(501);
    expect(documentStats(options, 0).documents).toBe(0);
  });
});
