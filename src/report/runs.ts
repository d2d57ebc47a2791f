// What the plots and tables ask of a results file: finished runs, runs grouped by budget, N as the fit
// counts it (non-embedding or total), the fit's points.
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import { pointsFromRecords, type FitPoint } from '../fit/points.ts';

export function nOf(r: RunRecord, fit: FitReport | null): number {
  return fit?.n_kind === 'total' ? r.N : r.N_nonemb;
}

export const finished = (records: RunRecord[]) =>
  records.filter((r) => !r.diverged && Number.isFinite(r.eval_loss));

/** Runs grouped by training budget: sorted by C_train, a new group when C exceeds the group's first by 10%. */
export function groupByBudget(records: RunRecord[]): { C: number; runs: RunRecord[] }[] {
  const sorted = [...records].sort((a, b) => a.C_train - b.C_train);
  const groups: { C: number; runs: RunRecord[] }[] = [];
  for (const r of sorted) {
    const g = groups.at(-1);
    if (g && r.C_train <= g.runs[0]!.C_train * 1.1) g.runs.push(r);
    else groups.push({ C: r.C_train, runs: [r] });
  }
  for (const g of groups)
    g.C = Math.exp(g.runs.reduce((s, r) => s + Math.log(r.C_train), 0) / g.runs.length);
  return groups;
}

export function fitPoints(records: RunRecord[], fit: FitReport | null): FitPoint[] {
  return pointsFromRecords(records, {
    n: fit?.n_kind === 'total' ? 'total' : 'nonemb',
    method: fit?.pass_method ?? 'likelihood',
  }).points;
}
