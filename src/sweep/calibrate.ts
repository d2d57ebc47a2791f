// The calibration table (experiments/calibrate.ts): for each size and each scanned setting, the held-out
// loss and pass@1 (from p_i, and from the samples), and, per size and difficulty, the learning rate with
// the lowest held-out loss. The grid's per-size learning rates and its difficulty are read off this table
// (`npx t2lab calibrate out/calibrate/results.jsonl`), then written into experiments/t2.ts by hand with the
// table quoted beside them: calibration informs the design, it never tunes the grid to a result.
import type { RunRecord } from './record.ts';

export interface CalibrationRow {
  id: string;
  model: string;
  N: number;
  ratio: number;
  add_digits: number;
  lr: number;
  eval_loss: number;
  pass1_p: number;
  pass1_sampled: number;
}

export interface Calibration {
  rows: CalibrationRow[];
  /** Per (model, add_digits): the lr with the lowest held-out loss. */
  best: {
    model: string;
    N: number;
    add_digits: number;
    lr: number;
    eval_loss: number;
    pass1_p: number;
  }[];
}

export function calibrationTable(records: RunRecord[]): Calibration {
  const rows = records
    .filter((r) => !r.diverged && r.questions.length)
    .map((r) => ({
      id: r.id,
      model: r.id.split('/')[0]!,
      N: r.N_nonemb,
      ratio: r.D / r.N_nonemb,
      add_digits: r.config.add_digits,
      lr: r.config.lr,
      eval_loss: r.eval_loss,
      pass1_p: r.questions.reduce((s, q) => s + q.p, 0) / r.questions.length,
      pass1_sampled: r.questions.reduce((s, q) => s + q.c / q.n, 0) / r.questions.length,
    }))
    .sort((a, b) => a.N - b.N || a.add_digits - b.add_digits || a.lr - b.lr);
  const best: Calibration['best'] = [];
  for (const r of rows) {
    const b = best.find((x) => x.model === r.model && x.add_digits === r.add_digits);
    if (!b)
      best.push({
        model: r.model,
        N: r.N,
        add_digits: r.add_digits,
        lr: r.lr,
        eval_loss: r.eval_loss,
        pass1_p: r.pass1_p,
      });
    else if (r.eval_loss < b.eval_loss)
      Object.assign(b, { lr: r.lr, eval_loss: r.eval_loss, pass1_p: r.pass1_p });
  }
  return { rows, best };
}

export function formatCalibration(c: Calibration): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    'model          N        D/N  digits  lr      held-out loss  pass@1 (p_i)  pass@1 (samples)',
  ];
  for (const r of c.rows) {
    lines.push(
      `${r.model.padEnd(12)} ${String(r.N).padStart(7)} ${r.ratio.toFixed(1).padStart(8)}  ${String(r.add_digits).padStart(6)}  ${String(r.lr).padEnd(6)}  ${r.eval_loss.toFixed(4).padStart(13)}  ${pct(r.pass1_p).padStart(12)}  ${pct(r.pass1_sampled).padStart(16)}`,
    );
  }
  lines.push('', 'best learning rate per size and difficulty (lowest held-out loss):');
  for (const b of c.best)
    lines.push(
      `  ${b.model.padEnd(12)} N=${String(b.N).padStart(7)} digits=${b.add_digits}: lr ${b.lr} (loss ${b.eval_loss.toFixed(4)}, pass@1 ${pct(b.pass1_p)})`,
    );
  return lines.join('\n');
}
