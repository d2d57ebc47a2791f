// smoke: the whole pipeline (train → sample → fit → report) in under 3 minutes on a CPU-only machine with
// software WebGPU. Three tiny sizes × three token budgets, one seed; the fits see D/N <= 8 and predict
// the D/N = 32 runs. Too small a grid for trustworthy fits, big enough that every plot and table of the
// report has something to draw. CI runs it (test/e2e/smoke.test.ts). Addition, not the world corpus: at a
// CPU's couple of minutes the corpus's skills stay at chance (docs/results/corpus-cpu/).
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 'smoke',
  description:
    'Three tiny GPTs × three budgets on 2-digit addition; a minute or two on software WebGPU.',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 32,
    batch_size: 32,
    lr: 1e-2,
    eval_interval: 25,
    eval_batches: 2,
    log_interval: 5,
  },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 1, n_embd: 24, n_head: 2 },
    { n_layer: 1, n_embd: 32, n_head: 2 },
  ],
  budgets: { tokens_per_param: [2, 8, 32] },
  seeds: [1],
  sampling: {
    questions: 24,
    n: 16,
    k: [1, 2, 4, 8, 16],
    temperature: 1,
    top_k: 0,
    top_p: 1,
    max_new: 5,
    seed: 0,
  },
  holdout_ratio: 8,
} satisfies Experiment;
