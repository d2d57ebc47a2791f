// smoke: the whole pipeline (train → sample → fit → report) in under 3 minutes on a CPU-only machine with
// software WebGPU. Three tiny sizes × two token budgets, one seed: too small a grid for trustworthy fits,
// big enough that every plot and table of the report has something to draw. CI runs it.
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 'smoke',
  description: 'Three tiny GPTs × two budgets on 2-digit addition; finishes in minutes on software WebGPU.',
  base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 32, lr: 1e-2, eval_interval: 25, eval_batches: 2, log_interval: 5 },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 1, n_embd: 24, n_head: 2 },
    { n_layer: 1, n_embd: 32, n_head: 2 },
  ],
  budgets: { tokens_per_param: [2, 8] },
  seeds: [1],
  sampling: { questions: 24, n: 16, k: [1, 2, 4, 8, 16], temperature: 1, top_k: 0, top_p: 1, max_new: 5, seed: 0 },
  holdout_ratio: 4,
} satisfies Experiment;
