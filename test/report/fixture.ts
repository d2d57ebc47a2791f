// Synthetic RunRecords from known laws: the loss from a Chinchilla law, per-question p_i from the T²
// Approach-2 Beta at that loss, c_i ~ Binomial(n, p_i), pass@k tables by src/stats/passk.ts. Budgets are
// isoFLOP levels, named as a sweep names them (…/C=1.0e+10/s1), so the runs group into C_train curves and
// into the direct per-level analysis (src/fit/isoflop.ts) like a real sweep's.
import { DEFAULTS } from '../../src/config.ts';
import { RECORD_FORMAT, type RunRecord } from '../../src/sweep/record.ts';
import { chinchillaLoss, type ChinchillaParams } from '../../src/fit/chinchilla.ts';
import { t2BetaShape, type T2AccuracyParams } from '../../src/fit/t2.ts';
import { passAtKTable } from '../../src/stats/passk.ts';
import { Rng } from '../../src/util/rng.ts';
import { betaSample, TRUE_CHINCHILLA } from '../fit/synthetic.ts';

export const TRUE_ACCURACY: T2AccuracyParams = {
  theta0: 2.5,
  theta1: 2,
  theta2: 0.95,
  theta3: 1.5,
  theta4: -0.2,
};

export interface FixtureOptions {
  /** Non-embedding parameter counts. */
  sizes?: number[];
  /** C_train levels (6·N·D); every size is trained at every level. */
  budgets?: number[];
  questions?: number;
  /** Samples per question. */
  n?: number;
  seed?: number;
  law?: ChinchillaParams;
  /** Seeds per (size, level): each one its own run with its own noise (default 1). */
  seeds?: number;
  /** Replaces the law's held-out loss (before noise): e.g. a known parabola in ln N per level. */
  lossOf?: (N: number, D: number, C: number) => number;
}

export function syntheticRecords(opts: FixtureOptions = {}): RunRecord[] {
  const sizes = opts.sizes ?? [1e3, 4e3, 1.6e4, 6.4e4];
  const budgets = opts.budgets ?? [1e10, 4e10, 1.6e11];
  const Q = opts.questions ?? 40;
  const n = opts.n ?? 16;
  const law = opts.law ?? TRUE_CHINCHILLA;
  const rng = new Rng(opts.seed ?? 3);
  const ks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
  const records: RunRecord[] = [];
  for (const C of budgets) {
    for (const N of sizes)
      for (let seed = 1; seed <= (opts.seeds ?? 1); seed++) {
        const D = Math.round(C / (6 * N));
        const loss =
          (opts.lossOf ? opts.lossOf(N, D, C) : chinchillaLoss(law, N, D)) *
          Math.exp(0.01 * rng.normal());
        const { a, b } = t2BetaShape(TRUE_ACCURACY, loss);
        const questions = Array.from({ length: Q }, (_, i) => {
          const p = betaSample(rng, a, b);
          let c = 0;
          for (let s = 0; s < n; s++) if (rng.next() < p) c++;
          return { task: i % 2 ? 'add' : 'chain', prompt: `q${i}`, answer: `a${i}`, n, c, p };
        });
        const curve = Array.from({ length: 8 }, (_, i) => ({
          tokens: Math.round((D * (i + 1)) / 8),
          loss: loss * (1 + 2 / (i + 1)),
        }));
        records.push({
          format: RECORD_FORMAT,
          id: `N${N}/C=${C.toExponential(1)}/s${seed}`,
          sweep: 'fixture',
          config: { ...DEFAULTS, tokens: D, seed },
          N: Math.round(N * 1.25),
          N_nonemb: N,
          D,
          C_train: 6 * N * D,
          C_train_exact: 7 * N * D,
          curve,
          evals: curve
            .filter((_, i) => i % 2 === 1)
            .map((c) => ({ tokens: c.tokens, loss: c.loss * 1.02 })),
          eval_loss: loss,
          diverged: false,
          sampling: { n, temperature: 1, top_k: 0, top_p: 1, questions: Q, seed: 1 },
          questions,
          pass_at_k: passAtKTable(questions, ks, { resamples: 100, seed: 1 }),
          device: 'fixture',
          timings: { train_s: 1, sample_s: 1, tokens_per_s: 1, samples_per_s: 1 },
          code_version: 'test',
          finished_at: '2026-01-01T00:00:00Z',
        });
      }
  }
  return records;
}
