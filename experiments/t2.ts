// t2: the toy reproduction of the train-to-test tradeoff (issue 11; T2.md "Designing a toy grid" and
// "Measuring the shift directly"), sized to finish in about an hour on two CPU cores (software WebGPU).
//
// Design, decided from the science before running (never tuned to a result):
// - Ten sizes over 2.0 decades of non-embedding N (3.3k to 336k), spaced ~1.4x at the small end so every
//   level has a run with D/N in [500, 1000], ~2x above.
// - Four isoFLOP levels, each 2x the last (C_train = 6ND = 4e10 ... 3.2e11). A level holds every size
//   whose D/N = C/(6N²) lies in [0.45, 1000]: 7-8 sizes per level, D/N from < 1 to > 500, so both the
//   loss minimum and the sampling-aware maximum can fall inside the level, not at its edge.
// - Three seeds for the two smallest sizes (seed noise is largest there).
// - Held out of every fit: four heavily overtrained runs beside the levels (3.3k and 7.3k at D/N = 1000
//   and 2000; 7.3k at 2000 sees more tokens than the 12.8k run T2.md measured at p_i ≈ 0.93, so the grid
//   reaches the top of the pass@1 range); the laws are fitted on D/N ≤ 50 (holdout_ratio) and predict
//   everything above.
// - Task and learning rates from the calibration (experiments/calibrate.ts; the README quotes its
//   table): reversed addition with operands of 1-2 digits (pass@1 was higher than with 1-3 digits at
//   every size); each size takes the best learning rate of the nearest calibrated size in log N (3.3k:
//   3e-2; 12.8k and 56.6k: 1e-2).
// - C_inf = 2·N_max (the largest model gets k = 1); `t2lab fit --isoflop` also reports 4x and 16x that.
// - Every run is graded on the same 96 held-out questions with n = 128 samples (k up to 128 from the
//   samples; any k, fractional included, from p_i).
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 't2',
  description: 'Ten sizes (3.3k-336k) × four doubling isoFLOP levels (4e10-3.2e11), D/N 0.5 to 600, four overtrained runs at D/N 1000-2000; ~1 hour on 2 CPU cores.',
  base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 64, eval_interval: 200, eval_batches: 8, log_interval: 50 },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 20, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 24, n_head: 2, lr: 1e-2 },
    { n_layer: 1, n_embd: 28, n_head: 2, lr: 1e-2 },
    { n_layer: 1, n_embd: 32, n_head: 2, lr: 1e-2 },
    { n_layer: 2, n_embd: 32, n_head: 2, lr: 1e-2 },
    { n_layer: 2, n_embd: 48, n_head: 4, lr: 1e-2 },
    { n_layer: 2, n_embd: 64, n_head: 4, lr: 1e-2 },
    { n_layer: 3, n_embd: 80, n_head: 4, lr: 1e-2 },
    { n_layer: 3, n_embd: 96, n_head: 4, lr: 1e-2 },
  ],
  budgets: { flops: [4e10, 8e10, 1.6e11, 3.2e11] },
  min_tokens_per_param: 0.45,
  max_tokens_per_param: 1000,
  overtrained: { models: [0, 2], tokens_per_param: [1000, 2000] },
  seeds: [1],
  extra_seeds: { max_params: 5200, seeds: [2, 3] },
  sampling: { questions: 96, n: 128, k: [1, 2, 4, 8, 16, 32, 64, 128], temperature: 1, top_k: 0, top_p: 1, max_new: 6, seed: 0 },
  holdout_ratio: 50,
} satisfies Experiment;
