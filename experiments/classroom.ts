// classroom: a few minutes on a laptop GPU, big enough to show the effect: four sizes over ~0.9 decades
// of N (1.3e4 to 1e5), D/N of 4, 16 and 64, so the grid spans under- to over-trained around Chinchilla's
// ~20, with a second seed for the smallest models; pass@k out to 64 samples per question.
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 'classroom',
  description:
    'Four GPT sizes × three D/N ratios on addition of up to 3 digits; a few minutes on a laptop GPU.',
  base: {
    tasks: 'add:1',
    add_digits: 3,
    block_size: 32,
    batch_size: 64,
    lr: 3e-3,
    eval_interval: 100,
    eval_batches: 4,
    log_interval: 20,
  },
  models: [
    { n_layer: 1, n_embd: 32, n_head: 2 },
    { n_layer: 2, n_embd: 32, n_head: 2 },
    { n_layer: 2, n_embd: 48, n_head: 4 },
    { n_layer: 2, n_embd: 64, n_head: 4 },
  ],
  budgets: { tokens_per_param: [4, 16, 64] },
  seeds: [1],
  extra_seeds: { max_params: 20_000, seeds: [2] },
  max_tokens: 4_000_000,
  sampling: {
    questions: 48,
    n: 64,
    k: [1, 2, 4, 8, 16, 32, 64],
    temperature: 1,
    top_k: 0,
    top_p: 1,
    max_new: 6,
    seed: 0,
  },
  holdout_ratio: 16,
} satisfies Experiment;
