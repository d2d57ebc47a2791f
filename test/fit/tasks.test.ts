// The per-task table (src/fit/tasks.ts): each task's mean pass@1 per level and size, seeds averaged, chance
// beside it; null for a one-task grid. onlyTasks (`t2lab fit --tasks`): the subset, pass@k recomputed.
import { describe, expect, it } from 'vitest';
import {
  formatLevelTable,
  formatTaskTable,
  levelTable,
  onlyTasks,
  taskTable,
} from '../../src/fit/tasks.ts';
import { passAtKTable } from '../../src/stats/passk.ts';
import { makeConfig } from '../../src/config.ts';
import { recordOf } from '../sweep/fixture.ts';
import world from '../../experiments/world.ts';
import type { RunRecord } from '../../src/sweep/record.ts';

const q = (task: string, p: number, c: number, chance?: number) => ({
  task,
  prompt: `${task}?`,
  answer: 'a',
  n: 4,
  c,
  p,
  ...(chance === undefined ? {} : { chance }),
});

function run(id: string, N: number, questions: ReturnType<typeof q>[]): RunRecord {
  const r = recordOf(world, { id, config: makeConfig({}), N, N_nonemb: N } as Parameters<
    typeof recordOf
  >[1]);
  return { ...r, questions: questions as RunRecord['questions'] };
}

describe('taskTable', () => {
  const records = [
    // Two seeds of one size: sum's pass@1 is the mean of the seeds' means, (0.5 + 0.3)/2.
    run('L2-C24-H4/C=1.0e+12/s1', 14496, [
      q('sum', 0.6, 2, 0.01),
      q('sum', 0.4, 2, 0.01),
      q('hop', 0, 0, 0.001),
    ]),
    run('L2-C24-H4/C=1.0e+12/s2', 14496, [
      q('sum', 0.3, 1, 0.01),
      q('sum', 0.3, 1, 0.01),
      q('hop', 0, 0, 0.001),
    ]),
    run('L2-C16-H2/C=1.0e+12/s1', 6592, [
      q('sum', 0.02, 0, 0.01),
      q('sum', 0, 0, 0.01),
      q('hop', 0, 0, 0.001),
    ]),
    run('L2-C16-H2/C=1.0e+11/s1', 6592, [
      q('sum', 0, 0, 0.01),
      q('sum', 0, 0, 0.01),
      q('hop', 0, 0),
    ]),
    run('L2-C8-H2/D/N=2000/s1', 1760, [
      q('sum', 0.1, 1, 0.01),
      q('sum', 0.1, 0, 0.01),
      q('hop', 0, 0, 0.001),
    ]),
  ];

  it('groups by level (low to high, then runs on no level), sizes small to large, seeds averaged', () => {
    const t = taskTable(records)!;
    expect(t.tasks).toEqual(['hop', 'sum']);
    expect(t.groups.map((g) => g.label)).toEqual([
      'C_train 1.0e+11',
      'C_train 1.0e+12',
      'D/N=2000',
    ]);
    const [small, big] = t.groups[1]!.rows;
    expect(small!.N).toBe(6592);
    expect(big).toMatchObject({ N: 14496, seeds: 2 });
    expect(big!.cells.sum!.pass1).toBeCloseTo(0.4, 12);
    expect(big!.cells.sum!.pass1_sampled).toBeCloseTo((0.5 + 0.25) / 2, 12);
    expect(big!.cells.sum!.chance).toBeCloseTo(0.01, 12);
    // A question without its chance leaves the cell's chance unknown, not 0.
    expect(t.groups[0]!.rows[0]!.cells.hop!.chance).toBeNull();
    const text = formatTaskTable(t);
    expect(text).toMatch(
      /C_train 1\.0e\+12\n.*hop +sum\n +6,592 +1 +0 \(0\.1%\) +1\.0% \(1\.0%\)\n +14,496 +2 +0 \(0\.1%\) +40% \(1\.0%\)/,
    );
  });

  it('is null for questions of one task', () => {
    expect(
      taskTable(
        records.map((r) => ({ ...r, questions: r.questions.filter((x) => x.task === 'sum') })),
      ),
    ).toBeNull();
  });
});

describe('onlyTasks', () => {
  const records = [
    run('L2-C24-H4/C=1.0e+12/s1', 14496, [q('sum', 0.6, 3), q('hop', 0, 0), q('sum', 0.2, 1)]),
    { ...run('L2-C16-H2/C=1.0e+12/s1', 6592, []), diverged: true },
  ];

  it("keeps the tasks' questions and recomputes pass@k from them as the sweep did", () => {
    const [r, diverged] = onlyTasks(records, ['sum']);
    expect(r!.questions.map((x) => x.p)).toEqual([0.6, 0.2]);
    const k = records[0]!.pass_at_k.likelihood.k;
    expect(r!.pass_at_k).toEqual(
      passAtKTable(r!.questions, k, { seed: records[0]!.sampling.seed }),
    );
    // pass@1 from p: the mean of 0.6 and 0.2, where all three questions gave 0.8 / 3.
    expect(r!.pass_at_k.likelihood.value[0]).toBeCloseTo(0.4, 12);
    expect(diverged).toBe(records[1]); // no questions: left as it was
    expect(records[0]!.questions).toHaveLength(3); // the input is not changed
  });

  it('refuses a task the file does not have, naming the ones it has', () => {
    expect(() => onlyTasks(records, ['sum', 'cpy'])).toThrow(
      "--tasks: cpy is not among this file's tasks (hop, sum)",
    );
    expect(() => onlyTasks(records, [])).toThrow(/no task is among/);
  });
});

describe('levelTable (t2lab fit --by_level)', () => {
  const at = (task: string, prompt: string, p: number) => ({ ...q(task, p, 0), prompt });
  const records = [
    run('L2-C24-H4/C=1.0e+12/s1', 1000, [
      at('cpy', 'cpy ab=', 0.5),
      at('cpy', 'cpy abcd=', 0.1),
      at('cpy', 'cpy wxyz=', 0.3),
      at('hop', 'the friend of gmih lives in ', 0),
    ]),
    run('L2-C24-H4/C=1.0e+12/s2', 1000, [
      at('cpy', 'cpy ab=', 0.7),
      at('cpy', 'cpy abcd=', 0.2),
      at('hop', 'the friend of gmih lives in ', 0.01),
    ]),
    run('L2-C16-H2/C=1.0e+12/s1', 250, [
      at('cpy', 'cpy ab=', 1),
      at('hop', 'the friend of gmih lives in ', 0),
    ]),
  ];

  it("splits a task by the level read from each prompt; pass@k at the size's own k, seeds averaged", () => {
    const t = levelTable(records, 8000)!;
    expect(t.columns).toEqual([
      { task: 'cpy', level: 2 },
      { task: 'cpy', level: 4 },
      { task: 'hop', level: null },
    ]);
    const [small, big] = t.groups[0]!.rows;
    expect(big!.N).toBe(1000);
    expect(big!.k).toBe(4); // 8000 / (2 · 1000)
    expect(small!.k).toBe(16);
    const passk = (p: number, k: number) => 1 - (1 - p) ** k;
    // cpy2: seeds 0.5 and 0.7; cpy4: seed 1 has two questions (0.1, 0.3), seed 2 one (0.2).
    expect(big!.cells[0]!.pass1).toBeCloseTo(0.6, 12);
    expect(big!.cells[0]!.passk).toBeCloseTo((passk(0.5, 4) + passk(0.7, 4)) / 2, 12);
    expect(big!.cells[1]!.pass1).toBeCloseTo((0.2 + 0.2) / 2, 12);
    expect(big!.cells[1]!.passk).toBeCloseTo(
      ((passk(0.1, 4) + passk(0.3, 4)) / 2 + passk(0.2, 4)) / 2,
      12,
    );
    expect(big!.cells[2]!.passk).toBeCloseTo(passk(0.01, 4) / 2, 12);
    // p = 1 stays 1; a level the size was never asked is null, not 0.
    expect(small!.cells[0]!).toMatchObject({ pass1: 1, passk: 1 });
    expect(small!.cells[1]).toBeNull();
    const text = formatLevelTable(t);
    expect(text).toContain('cpy2');
    expect(text).toMatch(/1,000\s+4\.00\s+60\/\d+\s+20\/\d+/);
  });

  it('is null when no question has a level', () => {
    expect(
      levelTable(
        [run('L2-C16-H2/C=1.0e+12/s1', 250, [at('hop', 'the friend of gmih lives in ', 0)])],
        1e4,
      ),
    ).toBeNull();
  });
});
