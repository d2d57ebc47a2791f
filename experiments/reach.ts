// reach: calibration, part 2 (after experiments/calibrate.ts). The isoFLOP scan at C_train = 3e10 shows
// every size below 3% pass@1, so the question for the grid's design is how far long budgets take the
// sizes that will hold the grid's best runs: the small ones at D/N in the hundreds to thousands (the grid's
// largest level gives ~10k-parameter models D/N ≈ 500-700). Three runs at the difficulty and learning
// rates the scan chose; about 10 minutes on two CPU cores.
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 'reach',
  description: 'How far long budgets take small models: 3.3k at D/N = 2000, 7.3k and 12.8k at D/N = 500.',
  base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 64, eval_interval: 200, eval_batches: 4, log_interval: 50 },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 24, n_head: 2, lr: 1e-2 },
    { n_layer: 1, n_embd: 32, n_head: 2, lr: 1e-2 },
  ],
  budgets: { tokens_per_param: [500] },
  overtrained: { models: [0], tokens_per_param: [2000] },
  seeds: [1],
  sampling: { questions: 64, n: 16, k: [1, 4, 16], temperature: 1, top_k: 0, top_p: 1, max_new: 6, seed: 0 },
} satisfies Experiment;
