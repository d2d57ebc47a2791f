import { describe, expect, it } from 'vitest';
import { EOS, PAD, VOCAB, VOCAB_SIZE, decode, encode } from '../../src/data/tokenizer.ts';
import { TASKS, evalQuestions, makeRecallTask, taskNames } from '../../src/data/tasks.ts';
import { Rng } from '../../src/util/rng.ts';

describe('tokenizer', () => {
  it('has a small fixed vocabulary of distinct single characters after the two specials', () => {
    expect(VOCAB_SIZE).toBe(VOCAB.length);
    expect(VOCAB_SIZE).toBeLessThanOrEqual(64);
    expect([VOCAB[PAD], VOCAB[EOS]]).toEqual(['<pad>', '<eos>']);
    expect(new Set(VOCAB).size).toBe(VOCAB_SIZE);
    for (const t of VOCAB.slice(2)) expect(t).toHaveLength(1);
  });

  it('round-trips every character the tasks emit, over thousands of examples at every difficulty', () => {
    const seen = new Set<string>();
    const tasks = [...taskNames.map((n) => TASKS[n]), makeRecallTask({ size: 2000, tableSeed: 5 })];
    for (const task of tasks) {
      const rng = new Rng(11);
      const { min, max } = task.difficulty;
      for (let i = 0; i < 1500; i++) {
        const { prompt, answer } = task.example(rng, [min, max]);
        const text = `${prompt}${answer}<eos>\n`;
        const ids = encode(text);
        expect(ids.length).toBe(prompt.length + answer.length + 2);
        expect(ids[ids.length - 2]).toBe(EOS);
        expect(decode(ids)).toBe(text);
        for (const c of prompt + answer) seen.add(c);
      }
      for (const q of evalQuestions(task, 20, 3))
        expect(decode(encode(q.prompt + q.answer))).toBe(q.prompt + q.answer);
    }
    // The tasks really do use digits, letters and the punctuation, so the round trip above covers them.
    for (const c of '0123456789abcdefghijklmnopqrstuvwxyz +-*=().:')
      expect(seen, `task text uses ${JSON.stringify(c)}`).toContain(c);
  });

  it('round-trips every id, specials included', () => {
    const ids = Uint32Array.from({ length: VOCAB_SIZE }, (_, i) => i);
    expect(encode(decode(ids))).toEqual(ids);
  });

  it('refuses unknown characters, naming the character and its position', () => {
    expect(() => encode('add 1+2=X')).toThrow(
      /character "X" \(U\+0058\) at position 8 is not in the vocabulary/,
    );
    expect(() => encode('ab\tc')).toThrow(/"\\t" \(U\+0009\) at position 2/);
    expect(() => encode('1<eo')).toThrow(/"<" .* at position 1/);
    expect(() => encode('é')).toThrow(/U\+00E9/);
    expect(() => decode([VOCAB_SIZE])).toThrow(
      new RegExp(`token id ${VOCAB_SIZE} at position 0 is outside`),
    );
  });
});
