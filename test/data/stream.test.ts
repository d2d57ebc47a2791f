import { describe, expect, it } from 'vitest';
import { IGNORE, TrainStream, type TrainStreamOptions } from '../../src/data/stream.ts';
import { TASKS, isEvalPrompt, makeRecallTask } from '../../src/data/tasks.ts';
import { EOS, decode, encode } from '../../src/data/tokenizer.ts';

const MIX: TrainStreamOptions = { seed: 42, mix: { add: 1, arith: 1, chain: 1, recall: 1 } };

function concat(parts: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

describe('TrainStream', () => {
  it('is deterministic: same seed, same batches byte for byte; another seed differs', () => {
    const a = new TrainStream(MIX),
      b = new TrainStream(MIX),
      c = new TrainStream({ ...MIX, seed: 43 });
    for (let i = 0; i < 5; i++) {
      const [x, y, z] = [a.nextBatch(4, 64), b.nextBatch(4, 64), c.nextBatch(4, 64)];
      expect(x.inputs).toEqual(y.inputs);
      expect(x.targets).toEqual(y.targets);
      expect(x.inputs).not.toEqual(z.inputs);
    }
    expect(a.tokensConsumed).toBe(5 * 4 * 64);
  });

  it('does not depend on the order of the mix keys', () => {
    const a = new TrainStream({ seed: 1, mix: { add: 1, chain: 2 } }),
      b = new TrainStream({ seed: 1, mix: { chain: 2, add: 1 } });
    expect(a.nextBatch(2, 100).inputs).toEqual(b.nextBatch(2, 100).inputs);
  });

  it('targets are the inputs shifted by one, across rows and across batches', () => {
    const s = new TrainStream(MIX);
    let prev = s.nextBatch(3, 17);
    for (let k = 0; k < 4; k++) {
      const next = s.nextBatch(3, 17);
      expect(prev.targets.subarray(0, -1)).toEqual(prev.inputs.subarray(1));
      expect(prev.targets[prev.targets.length - 1]).toBe(next.inputs[0]);
      prev = next;
    }
  });

  it('packs "prompt answer <eos>" examples back to back, independent of the batch shape', () => {
    const a = new TrainStream(MIX),
      b = new TrainStream(MIX);
    const flatA = concat(Array.from({ length: 8 }, () => a.nextBatch(2, 16).inputs));
    const flatB = concat([b.nextBatch(4, 32).inputs, b.nextBatch(1, 128).inputs]);
    expect(flatA).toEqual(flatB);
    const text = decode(flatA);
    const expected = Array.from({ length: 40 }, (_, i) => a.exampleAt(i))
      .map((e) => `${e.prompt}${e.answer}<eos>`)
      .join('');
    expect(expected.startsWith(text)).toBe(true);
    expect(flatA.includes(EOS)).toBe(true);
  });

  it('draws tasks in the configured proportions', () => {
    const s = new TrainStream({ seed: 5, mix: { add: 1, chain: 3, arith: 0, recall: 1 } });
    const counts: Record<string, number> = { add: 0, chain: 0, arith: 0, recall: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[s.exampleAt(i).task]!++;
    expect(counts.arith).toBe(0);
    expect(Math.abs(counts.add! / n - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(counts.chain! / n - 0.6)).toBeLessThan(0.02);
    expect(Math.abs(counts.recall! / n - 0.2)).toBeLessThan(0.02);
  });

  it('uses the per-task difficulty and custom tasks', () => {
    const big = makeRecallTask({ size: 1000, tableSeed: 2 });
    const s = new TrainStream({
      seed: 3,
      mix: { add: 1, recall: 1 },
      difficulty: { add: 7 },
      tasks: { ...TASKS, recall: big },
    });
    for (let i = 0; i < 200; i++) {
      const e = s.exampleAt(i);
      if (e.task === 'add')
        expect(
          Math.max(
            ...e.prompt
              .slice(4, -1)
              .split('+')
              .map((x) => x.length),
          ),
        ).toBe(7);
      else expect(big.table.has(e.prompt.slice(7, -1))).toBe(true);
      if (e.task === 'add') expect(isEvalPrompt(TASKS.add, e.prompt)).toBe(false);
    }
  });

  it('maskPrompt: only answer tokens and their EOS are targets; the inputs are unchanged', () => {
    const plain = new TrainStream(MIX),
      masked = new TrainStream({ ...MIX, maskPrompt: true });
    const p = plain.nextBatch(2, 200),
      m = masked.nextBatch(2, 200);
    expect(m.inputs).toEqual(p.inputs);
    // Rebuild the answer mask from the examples themselves.
    let want = '';
    for (let i = 0; want.length < 401; i++) {
      const e = plain.exampleAt(i);
      want += '_'.repeat(e.prompt.length) + e.answer + '$';
    }
    const got = Array.from(m.targets, (t, i) =>
      t === IGNORE ? '_' : t === EOS ? '$' : decode([p.targets[i]!]),
    ).join('');
    expect(got).toBe(want.slice(1, 401));
    for (let i = 0; i < m.targets.length; i++)
      if (m.targets[i] !== IGNORE) expect(m.targets[i]).toBe(p.targets[i]);
  });

  it('resumes exactly from state()', () => {
    const a = new TrainStream(MIX);
    a.nextBatch(3, 50);
    a.nextBatch(1, 7);
    const state = a.state();
    const b = new TrainStream(MIX, JSON.parse(JSON.stringify(state)));
    expect(b.tokensConsumed).toBe(157);
    for (let i = 0; i < 3; i++) expect(b.nextBatch(2, 33)).toEqual(a.nextBatch(2, 33));
    expect(b.state()).toEqual(a.state());
    expect(() => new TrainStream(MIX, { example: 0, offset: 10_000, tokensConsumed: 0 })).toThrow(
      /past the end of example 0/,
    );
  });

  it('grows its buffer for long examples', () => {
    const s = new TrainStream({ seed: 9, mix: { chain: 1 }, difficulty: { chain: 12 } });
    const { inputs } = s.nextBatch(8, 1024);
    let want = '';
    for (let i = 0; want.length < inputs.length; i++)
      want += `${s.exampleAt(i).prompt}${s.exampleAt(i).answer}<eos>`;
    expect(inputs).toEqual(encode(want).subarray(0, inputs.length));
    expect(s.tokensConsumed).toBe(8192);
  });

  it('refuses bad options with a clear message', () => {
    expect(() => new TrainStream({ seed: 1, mix: { sub: 1 } })).toThrow(
      /unknown task "sub" in mix; known tasks: add, arith, chain, recall/,
    );
    expect(() => new TrainStream({ seed: 1, mix: { add: 0 } })).toThrow(
      /at least one task with a weight > 0/,
    );
    expect(() => new TrainStream({ seed: 1, mix: { add: -1 } })).toThrow(/weight of "add"/);
    expect(() => new TrainStream({ seed: 1.5, mix: { add: 1 } })).toThrow(
      /seed must be an integer/,
    );
    expect(() => new TrainStream({ seed: 1, mix: { add: 1 }, difficulty: { add: 99 } })).toThrow(
      /task add: difficulty 99 is invalid/,
    );
    expect(() => new TrainStream({ seed: 1, mix: { add: 1 }, difficulty: { chain: 2 } })).toThrow(
      /not in the mix/,
    );
    expect(() => new TrainStream(MIX).nextBatch(0, 4)).toThrow(/B and T must be integers >= 1/);
  });
});
