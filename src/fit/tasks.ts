// What each skill reached, per isoFLOP level and size: the mean pass@1 (from p_i) of each task's questions
// beside its chance, for grids whose questions come from several tasks (the world corpus: recall, hops,
// sums, copy, reverse). The direct answer's pass@k pools every question; this table says which skill
// carries it, and which was never learned. Seeds of one size are averaged.
import type { RunRecord } from '../sweep/record.ts';
import { passAtKFromP, passAtKTable } from '../stats/passk.ts';
import { levelOf } from './isoflop.ts';
import { TASKS, type Task } from '../data/tasks.ts';

export interface TaskCell {
  /** Mean over the task's questions (and the size's seeds) of p_i, and of c/n. */
  pass1: number;
  pass1_sampled: number;
  /** Mean chance baseline of the task's questions; null when the records carry none. */
  chance: number | null;
  questions: number;
}

export interface TaskRow {
  N: number;
  seeds: number;
  cells: Record<string, TaskCell>;
}

export interface TaskGroup {
  /** "C_train 1.0e+11", or the budget of runs on no level ("D/N=2000"). */
  label: string;
  rows: TaskRow[];
}

export interface TaskTable {
  tasks: string[];
  groups: TaskGroup[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The usable runs by isoFLOP level (or budget label), then by size, both in order; seeds of a size together. */
function bySizeAndLevel(records: RunRecord[]): { label: string; sizes: [number, RunRecord[]][] }[] {
  const groups = new Map<string, { order: number; bySize: Map<number, RunRecord[]> }>();
  for (const r of records) {
    const level = levelOf(r);
    const label =
      level !== null
        ? `C_train ${level.toExponential(1)}`
        : r.id.split('/').slice(1, -1).join('/') || 'other';
    const g =
      groups.get(label) ??
      groups.set(label, { order: level ?? Infinity, bySize: new Map() }).get(label)!;
    (g.bySize.get(r.N_nonemb) ?? g.bySize.set(r.N_nonemb, []).get(r.N_nonemb)!).push(r);
  }
  return [...groups]
    .sort(([a, x], [b, y]) => x.order - y.order || a.localeCompare(b))
    .map(([label, g]) => ({ label, sizes: [...g.bySize].sort(([a], [b]) => a - b) }));
}

/** The table, or null when the records' questions come from one task (the pooled answer says it all). */
export function taskTable(records: RunRecord[]): TaskTable | null {
  const usable = records.filter((r) => !r.diverged && r.questions.length);
  const tasks = [...new Set(usable.flatMap((r) => r.questions.map((q) => q.task)))].sort();
  if (tasks.length < 2) return null;
  const cellOf = (runs: RunRecord[], task: string): TaskCell => {
    const per = runs.map((r) => r.questions.filter((q) => q.task === task));
    const chances = per.flat().map((q) => q.chance);
    return {
      pass1: mean(per.map((qs) => mean(qs.map((q) => q.p)))),
      pass1_sampled: mean(per.map((qs) => mean(qs.map((q) => q.c / q.n)))),
      chance: chances.every((c) => typeof c === 'number') ? mean(chances as number[]) : null,
      questions: per[0]!.length,
    };
  };
  return {
    tasks,
    groups: bySizeAndLevel(usable).map(({ label, sizes }) => ({
      label,
      rows: sizes.map(([N, runs]) => ({
        N,
        seeds: runs.length,
        cells: Object.fromEntries(
          tasks
            .filter((t) => runs.every((r) => r.questions.some((q) => q.task === t)))
            .map((t) => [t, cellOf(runs, t)]),
        ),
      })),
    })),
  };
}

const pct = (x: number) =>
  x >= 0.1
    ? `${(100 * x).toFixed(0)}%`
    : x >= 0.001
      ? `${(100 * x).toFixed(1)}%`
      : x > 0
        ? '<0.1%'
        : '0';

export function formatTaskTable(t: TaskTable): string {
  const w = 16;
  const lines = [
    'per task: mean pass@1 from p_i over its questions (seeds averaged), by chance in brackets:',
  ];
  for (const g of t.groups) {
    lines.push(`  ${g.label}`);
    lines.push(`  ${'N'.padStart(9)}  seeds  ${t.tasks.map((x) => x.padEnd(w)).join('')}`);
    for (const r of g.rows)
      lines.push(
        `  ${r.N.toLocaleString('en-US').padStart(9)}  ${String(r.seeds).padStart(5)}  ${t.tasks
          .map((x) => {
            const c = r.cells[x];
            if (!c) return '-'.padEnd(w);
            return `${pct(c.pass1)}${c.chance !== null ? ` (${pct(c.chance)})` : ''}`.padEnd(w);
          })
          .join('')}`,
      );
  }
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** One column of the by-level table: a task at one level (or a task with no graded levels). */
export interface LevelColumn {
  task: string;
  /** null: the task has no level (every question of it in one column). */
  level: number | null;
}

export interface LevelRow {
  N: number;
  seeds: number;
  /** k = C_inf/(2N), the size's samples per question at the table's C_inf. */
  k: number;
  /** Per column (same order as `columns`): mean p_i and mean pass@k from p_i; null when the size has none. */
  cells: ({ pass1: number; passk: number; questions: number } | null)[];
}

export interface LevelTable {
  C_inf: number;
  columns: LevelColumn[];
  groups: { label: string; rows: LevelRow[] }[];
}

/** The level of a question of `task`, or null where the task has none (or is not one this build knows). */
function questionLevel(task: string, prompt: string): number | null {
  const t = (TASKS as Record<string, Task>)[task];
  const level = t?.level?.(prompt);
  return level === undefined || Number.isNaN(level) ? null : level;
}

/**
 * Where samples help and where they cannot (`t2lab fit --by_level`): per isoFLOP level and size, each task
 * split by difficulty level (string length, digits, sentences), with pass@1 and pass@k at the size's own
 * k = C_inf/(2N), both from p_i (pass@k = 1 - (1 - p)^k, fractional k exact). A column at 100% for every size
 * decides nothing; the T² comparison is decided where the columns differ. Null when no task is graded.
 */
export function levelTable(records: RunRecord[], C_inf: number): LevelTable | null {
  const usable = records.filter((r) => !r.diverged && r.questions.length);
  const key = (c: LevelColumn) => `${c.task}\u0000${c.level ?? ''}`;
  // Each question's column, read from its prompt once.
  const columnsOf = new Map(
    usable.map((r) => [
      r,
      r.questions.map((q) => ({ task: q.task, level: questionLevel(q.task, q.prompt) })),
    ]),
  );
  const columns = new Map<string, LevelColumn>();
  for (const cs of columnsOf.values()) for (const c of cs) columns.set(key(c), c);
  const sorted = [...columns.values()].sort(
    (a, b) => a.task.localeCompare(b.task) || (a.level ?? -1) - (b.level ?? -1),
  );
  if (!sorted.some((c) => c.level !== null)) return null;
  const index = new Map(sorted.map((c, i) => [key(c), i]));
  return {
    C_inf,
    columns: sorted,
    groups: bySizeAndLevel(usable).map(({ label, sizes }) => ({
      label,
      rows: sizes.map(([N, runs]) => {
        const k = C_inf / (2 * N);
        // Per run, then the runs' (seeds') mean, as the task table averages seeds.
        const perRun = runs.map((r) => {
          const sums = sorted.map(() => ({ p: 0, pk: 0, n: 0 }));
          const cs = columnsOf.get(r)!;
          r.questions.forEach((q, j) => {
            const s = sums[index.get(key(cs[j]!))!]!;
            const p = Math.min(Math.max(q.p, 0), 1);
            s.p += p;
            s.pk += passAtKFromP(p, k);
            s.n += 1;
          });
          return sums;
        });
        return {
          N,
          seeds: runs.length,
          k,
          cells: sorted.map((_, i) => {
            const have = perRun.map((s) => s[i]!).filter((s) => s.n > 0);
            if (have.length < runs.length) return null;
            return {
              pass1: mean(have.map((s) => s.p / s.n)),
              passk: mean(have.map((s) => s.pk / s.n)),
              questions: have[0]!.n,
            };
          }),
        };
      }),
    })),
  };
}

/** A column's name in every table: the task and its level ("cpy6"), or the task alone. */
export const levelName = (c: LevelColumn) => `${c.task}${c.level ?? ''}`;

/** A cell's text in every table: pass@1 / pass@k in whole percent ("82/99"). */
export const levelCellText = (c: { pass1: number; passk: number }) =>
  `${Math.round(100 * c.pass1)}/${Math.round(100 * c.passk)}`;

export function formatLevelTable(t: LevelTable): string {
  const names = t.columns.map(levelName);
  const w = Math.max(7, ...names.map((n) => n.length + 1));
  const lines = [
    `by difficulty level: pass@1 / pass@k at each size's own k = C_inf/(2N) (C_inf ${t.C_inf.toExponential(2)}), in %, from p_i, seeds averaged;`,
    '  a column alike for every size decides nothing: the T² comparison is decided where the columns differ',
  ];
  for (const g of t.groups) {
    lines.push(`  ${g.label}`);
    lines.push(
      `  ${'N'.padStart(9)}  ${'k'.padStart(5)}  ${names.map((n) => n.padStart(w)).join('')}`,
    );
    for (const r of g.rows)
      lines.push(
        `  ${r.N.toLocaleString('en-US').padStart(9)}  ${r.k.toPrecision(3).padStart(5)}  ${r.cells
          .map((c) => (c ? levelCellText(c) : '-').padStart(w))
          .join('')}`,
      );
  }
  return lines.map((l) => l.trimEnd()).join('\n');
}

/**
 * The records with only the questions of `tasks` (`t2lab fit --tasks`), each run's pass@k tables recomputed
 * from those questions as the sweep computed them (same k, same bootstrap seed), so every analysis (the
 * direct answer, the laws) reads the subset. A diagnostic, e.g. of how far never-learned tasks cap pass@k:
 * a subset chosen after seeing the results is not the experiment's answer. Throws naming the tasks the
 * file has when one is not among them.
 */
export function onlyTasks(records: RunRecord[], tasks: string[]): RunRecord[] {
  const have = new Set(records.flatMap((r) => r.questions.map((q) => q.task)));
  const missing = tasks.filter((t) => !have.has(t));
  if (!tasks.length || missing.length)
    throw new Error(
      `--tasks: ${missing.length ? `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not` : 'no task is'} among this file's tasks (${[...have].sort().join(', ') || 'none'})`,
    );
  const keep = new Set(tasks);
  return records.map((r) => {
    if (!r.questions.length) return r;
    const questions = r.questions.filter((q) => keep.has(q.task));
    if (!questions.length) return { ...r, questions };
    return {
      ...r,
      questions,
      pass_at_k: passAtKTable(questions, r.pass_at_k.likelihood.k, { seed: r.sampling.seed }),
    };
  });
}
