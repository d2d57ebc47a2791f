// t2: the full toy reproduction of the train-to-test tradeoff (T2.md, "Designing a toy grid").
// Five sizes over ~2.4 decades of N (3.3e3 to 7.9e5 non-embedding parameters), seven isoFLOP levels that
// double, D/N from ~1 to ~1e3 and beyond (capped at 2e7 tokens a run), three seeds at the smallest sizes,
// and the overtrained runs (D/N > 100) held out from the fits to test their predictions. Hours on a GPU.
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 't2',
  description: 'Five sizes × seven doubling isoFLOP levels, D/N ~1 to 1e3+, pass@k to 256; hours on a GPU.',
  base: { tasks: 'add:2,arith:1', add_digits: 4, block_size: 64, batch_size: 32, lr: 3e-3, eval_interval: 200, eval_batches: 8, log_interval: 50 },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 2, n_embd: 32, n_head: 2 },
    { n_layer: 2, n_embd: 64, n_head: 4 },
    { n_layer: 3, n_embd: 96, n_head: 4 },
    { n_layer: 4, n_embd: 128, n_head: 4 },
  ],
  budgets: { flops: [6.25e10, 1.25e11, 2.5e11, 5e11, 1e12, 2e12, 4e12] },
  seeds: [1],
  extra_seeds: { max_params: 30_000, seeds: [2, 3] },
  max_tokens: 20_000_000,
  sampling: { questions: 64, n: 256, k: [1, 2, 4, 8, 16, 32, 64, 128, 256], temperature: 1, top_k: 0, top_p: 1, max_new: 8, seed: 0 },
  holdout_ratio: 100,
} satisfies Experiment;
