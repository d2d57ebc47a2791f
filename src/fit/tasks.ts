// What each skill reached, per isoFLOP level and size: the mean pass@1 (from p_i) of each task's questions
// beside its chance, for grids whose questions come from several tasks (the world corpus: recall, hops,
// sums, copy, reverse). The direct answer's pass@k pools every question; this table says which skill
// carries it, and which was never learned. Seeds of one size are averaged.
import type { RunRecord } from '../sweep/record.ts';
import { passAtKTable } from '../stats/passk.ts';
import { levelOf } from './isoflop.ts';

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

/** The table, or null when the records' questions come from one task (the pooled answer says it all). */
export function taskTable(records: RunRecord[]): TaskTable | null {
  const usable = records.filter((r) => !r.diverged && r.questions.length);
  const tasks = [...new Set(usable.flatMap((r) => r.questions.map((q) => q.task)))].sort();
  if (tasks.length < 2) return null;
  const groups = new Map<string, { order: number; bySize: Map<number, RunRecord[]> }>();
  for (const r of usable) {
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
    groups: [...groups]
      .sort(([a, x], [b, y]) => x.order - y.order || a.localeCompare(b))
      .map(([label, g]) => ({
        label,
        rows: [...g.bySize]
          .sort(([a], [b]) => a - b)
          .map(([N, runs]) => ({
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
