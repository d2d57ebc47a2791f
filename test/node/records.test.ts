// Issue 25, class 5: one record validator, the same words from every command. Before, merge and export
// passed duplicate ids, p > 1, c > n, negative losses and records of two experiments without a word, and
// fit refused some of them and fitted two experiments as one law.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import {
  parseRecordLine,
  recordProblems,
  recordSetProblems,
  type RunRecord,
} from '../../src/sweep/record.ts';
import { syntheticRecords } from '../report/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 't2lab-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const records = syntheticRecords({ sizes: [1e3, 4e3], budgets: [1e10, 4e10], questions: 4 });
const jsonl = (rs: unknown[]) => rs.map((r) => JSON.stringify(r) + '\n').join('');
const copy = (r: RunRecord): RunRecord => JSON.parse(JSON.stringify(r));

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => `${text(err)}\n${text(warn)}` };
}

/** Garbage no finished run can hold, one kind per record. */
function garbage(): RunRecord[] {
  const pOver = copy(records[0]!);
  pOver.questions[0]!.p = 1.5;
  const cOver = copy(records[1]!);
  cOver.questions[1]!.c = cOver.questions[1]!.n + 3;
  const negative = copy(records[2]!);
  negative.eval_loss = -0.5;
  const curve = copy(records[3]!);
  curve.curve[0]!.loss = -1;
  return [pOver, cOver, negative, curve];
}

describe('the record validator', () => {
  it('names p > 1, c > n and negative losses with their values', () => {
    const [pOver, cOver, negative, curve] = garbage().map(recordProblems);
    expect(pOver!.join()).toMatch(/questions with p outside \[0, 1\]: questions\[0\] p=1\.5/);
    expect(cOver!.join()).toMatch(/counts that are not counts .*questions\[1\] c=\d+ n=\d+/);
    expect(negative!.join()).toMatch(/eval_loss = -0\.5 is not a loss/);
    expect(curve!.join()).toMatch(/curve holds losses that are not numbers >= 0: -1/);
    for (const r of records) expect(recordProblems(r)).toEqual([]);
  });

  it('parseRecordLine refuses such a line, so every reader skips it with the same words', () => {
    const [pOver] = garbage();
    expect(() => parseRecordLine(JSON.stringify(pOver))).toThrow(
      /^run .*: questions with p outside \[0, 1\]/,
    );
  });

  it('names duplicate ids with their lines, and records of several experiments', () => {
    const other = { ...copy(records[1]!), sweep: 'other' };
    const problems = recordSetProblems([records[0]!, records[0]!, other], (i) => `line ${i + 1}`);
    expect(problems[0]).toMatch(/run recorded more than once: fixture\/.* \(line 1, line 2\)/);
    expect(problems[1]).toMatch(/records of 2 experiments \(fixture: 2 runs, other: 1 runs\)/);
  });
});

describe('merge, export, fit, report and calibrate apply it alike', () => {
  afterEach(() => vi.restoreAllMocks());

  it('garbage lines are skipped by each, naming the line and what is wrong, in the same words', async () => {
    const file = join(dir, 'garbage.jsonl');
    writeFileSync(file, jsonl([...records, ...garbage()]));
    const words =
      /garbage\.jsonl line 5: run .*: questions with p outside \[0, 1\]: questions\[0\] p=1\.5; line skipped/;
    for (const cmd of [
      ['export', '--format', 'csv', file, '--out', join(dir, 'csv')],
      ['fit', file, '--bootstrap', '0'],
      ['report', file, '--bootstrap', '0', '--out', join(dir, 'r.html')],
      ['calibrate', file],
    ]) {
      const c = capture();
      await main(cmd);
      expect(c.err(), cmd[0]).toMatch(words);
      vi.restoreAllMocks();
    }
    const c = capture();
    const merged = join(dir, 'merged.jsonl');
    expect(await main(['merge', file, '--out', merged])).toBe(0);
    expect(c.err()).toMatch(/skipped .*garbage\.jsonl:5: run .*: questions with p outside/);
    expect(c.err()).toMatch(/skipped .*garbage\.jsonl:6: run .*counts that are not counts/);
    expect(c.err()).toMatch(/skipped .*garbage\.jsonl:7: run .*eval_loss = -0\.5/);
    expect(readFileSync(merged, 'utf8').trim().split('\n')).toHaveLength(records.length);
    expect(readFileSync(join(dir, 'merge-skipped.jsonl'), 'utf8').trim().split('\n')).toHaveLength(
      4,
    );
  });

  it('a file with one run twice, or runs of two experiments, is refused by each reader', async () => {
    const twice = join(dir, 'twice.jsonl');
    writeFileSync(twice, jsonl([...records, records[0]]));
    const mixed = join(dir, 'mixed.jsonl');
    writeFileSync(mixed, jsonl([...records, { ...copy(records[0]!), sweep: 'other' }]));
    for (const cmd of [
      ['export', '--format', 'csv', '--out', join(dir, 'csv2')],
      ['fit'],
      ['report', '--out', join(dir, 'r2.html')],
      ['calibrate'],
    ]) {
      const c = capture();
      const [name, ...rest] = cmd;
      expect(await main([name!, twice, ...rest]), name).toBeGreaterThan(0);
      expect(await main([name!, mixed, ...rest]), name).toBeGreaterThan(0);
      expect(c.err(), name).toMatch(
        /twice\.jsonl: run recorded more than once: fixture\/.*line 1, line 5/,
      );
      expect(c.err(), name).toMatch(
        /mixed\.jsonl: records of 2 experiments \(fixture: 4 runs, other: 1 runs\)/,
      );
      vi.restoreAllMocks();
    }
    expect(existsSync(join(dir, 'csv2'))).toBe(false);
    expect(existsSync(join(dir, 'r2.html'))).toBe(false);
  });

  it('merge refuses to unite two experiments, writing nothing', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    writeFileSync(a, jsonl(records));
    writeFileSync(b, jsonl([{ ...copy(records[0]!), sweep: 'other' }]));
    const out = join(dir, 'ab.jsonl');
    const c = capture();
    expect(await main(['merge', a, b, '--out', out])).toBe(2);
    expect(c.err()).toMatch(/records of 2 experiments .*nothing was written/);
    expect(existsSync(out)).toBe(false);
  });
});
