// The calibration table of a sweep with a `scan` (experiments/calibrate.ts, calibrate-world.ts): for each
// size, budget and scanned setting, the held-out loss and pass@1 (from p_i, and from the samples); then, per
// size and setting other than the learning rate, the rate with the lowest held-out loss averaged over the
// budgets every rate ran at (a scan at two budgets picks one rate for both, not the larger budget's best),
// beside each budget's own best, and whether the pick sits at the scan's edge (then the scan is widened,
// not its edge value taken). The grid's per-size rates are read off this table
// (`npx t2lab calibrate out/calibrate-world/results.jsonl`) and written into the experiment by hand with the
// table quoted beside them: calibration informs the design, it never tunes the grid to a result.
import type { RunRecord } from './record.ts';

export interface CalibrationRow {
  id: string;
  model: string;
  N: number;
  ratio: number;
  /** The run's budget as its id names it ("C=1.0e+11", "D/N=455.8"). */
  budget: string;
  C_train: number;
  /** The scanned settings other than lr, as the id names them ("add_digits=2"), "" when only lr is scanned. */
  setting: string;
  add_digits: number;
  lr: number;
  eval_loss: number;
  pass1_p: number;
  pass1_sampled: number;
}

export interface CalibrationBest {
  model: string;
  N: number;
  setting: string;
  add_digits: number;
  /** The rate with the lowest held-out loss averaged over `budgets`. */
  lr: number;
  /** That mean loss, and the mean pass@1 (p_i) over the same runs. */
  eval_loss: number;
  pass1_p: number;
  /** The budgets every scanned rate of this size ran at (the mean is over these). */
  budgets: string[];
  /** Each of those budgets' own best rate. */
  per_budget: { budget: string; lr: number; eval_loss: number }[];
  /** The scanned rates, low to high; `at_edge` when the pick is the lowest or the highest of them. */
  lrs: number[];
  at_edge: boolean;
}

export interface Calibration {
  rows: CalibrationRow[];
  /** Per (model, setting): the pick. */
  best: CalibrationBest[];
}

/** "L2-C12-H2/C=2.5e+11/lr=0.006,add_digits=2/s1" → its budget part and its scanned settings but lr. */
function idParts(id: string): { budget: string; setting: string } {
  const parts = id.split('/');
  // The budget is "C=..." or the two parts "D/N=...".
  const c = parts.findIndex((p) => p.startsWith('C='));
  const d = parts.findIndex((p, i) => p === 'D' && parts[i + 1]?.startsWith('N='));
  const budget = c >= 0 ? parts[c]! : d >= 0 ? `D/${parts[d + 1]!}` : '';
  const scan = parts.find((p) => /^[a-z_]+=/.test(p) && !p.startsWith('N=')) ?? '';
  const setting = scan
    .split(',')
    .filter((kv) => kv && !kv.startsWith('lr='))
    .join(',');
  return { budget, setting };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function calibrationTable(records: RunRecord[]): Calibration {
  const rows = records
    .filter((r) => !r.diverged && r.questions.length)
    .map((r) => ({
      id: r.id,
      model: r.id.split('/')[0]!,
      N: r.N_nonemb,
      ratio: r.D / r.N_nonemb,
      ...idParts(r.id),
      C_train: r.C_train,
      add_digits: r.config.add_digits,
      lr: r.config.lr,
      eval_loss: r.eval_loss,
      pass1_p: r.questions.reduce((s, q) => s + q.p, 0) / r.questions.length,
      pass1_sampled: r.questions.reduce((s, q) => s + q.c / q.n, 0) / r.questions.length,
    }))
    .sort(
      (a, b) =>
        a.N - b.N ||
        a.setting.localeCompare(b.setting) ||
        a.C_train - b.C_train ||
        a.ratio - b.ratio ||
        a.lr - b.lr,
    );
  const groups = new Map<string, CalibrationRow[]>();
  for (const r of rows) {
    const key = `${r.model}\u0000${r.setting}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  const best: CalibrationBest[] = [];
  for (const group of groups.values()) {
    const lrs = [...new Set(group.map((r) => r.lr))].sort((a, b) => a - b);
    const budgetsOf = (lr: number) =>
      new Set(group.filter((r) => r.lr === lr).map((r) => r.budget));
    const budgets = [...budgetsOf(lrs[0]!)].filter((b) => lrs.every((lr) => budgetsOf(lr).has(b)));
    if (!budgets.length) continue; // no budget that every rate ran at: nothing to compare on
    const at = (lr: number) => group.filter((r) => r.lr === lr && budgets.includes(r.budget));
    const scored = lrs.map((lr) => ({
      lr,
      eval_loss: mean(at(lr).map((r) => r.eval_loss)),
      pass1_p: mean(at(lr).map((r) => r.pass1_p)),
    }));
    const pick = scored.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
    const per_budget = budgets.map((budget) => {
      const b = group
        .filter((r) => r.budget === budget)
        .reduce((a, r) => (r.eval_loss < a.eval_loss ? r : a));
      return { budget, lr: b.lr, eval_loss: b.eval_loss };
    });
    const first = group[0]!;
    best.push({
      model: first.model,
      N: first.N,
      setting: first.setting,
      add_digits: first.add_digits,
      ...pick,
      budgets,
      per_budget,
      lrs,
      at_edge: lrs.length > 1 && (pick.lr === lrs[0] || pick.lr === lrs[lrs.length - 1]),
    });
  }
  return { rows, best };
}

export function formatCalibration(c: Calibration): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const settings = c.rows.some((r) => r.setting);
  const lines = [
    `model           N        D/N  budget        ${settings ? 'setting        ' : ''}lr      held-out loss  pass@1 (p_i)  pass@1 (samples)`,
  ];
  for (const r of c.rows) {
    lines.push(
      `${r.model.padEnd(12)} ${String(r.N).padStart(7)} ${r.ratio.toFixed(1).padStart(8)}  ${r.budget.padEnd(12)}  ${settings ? `${r.setting.padEnd(13)}  ` : ''}${String(r.lr).padEnd(6)}  ${r.eval_loss.toFixed(4).padStart(13)}  ${pct(r.pass1_p).padStart(12)}  ${pct(r.pass1_sampled).padStart(16)}`,
    );
  }
  lines.push(
    '',
    'best learning rate per size (lowest held-out loss, averaged over the budgets every rate ran at):',
  );
  for (const b of c.best) {
    const each = b.per_budget.map((p) => `${p.budget} → ${p.lr}`).join(', ');
    lines.push(
      `  ${b.model.padEnd(12)} N=${String(b.N).padStart(7)}${b.setting ? ` ${b.setting}` : ''}: lr ${b.lr} (mean loss ${b.eval_loss.toFixed(4)} over ${b.budgets.length} budget(s), pass@1 ${pct(b.pass1_p)}; each budget's best: ${each})${b.at_edge ? `  AT THE SCAN'S EDGE (${b.lrs.join(', ')}): widen the scan before taking it` : ''}`,
    );
  }
  return lines.join('\n');
}
