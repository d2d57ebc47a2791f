// t2: one narrow task (2-digit addition) as the whole training text: the first toy reproduction, kept as a
// contrast to experiments/world.ts. Its committed results (docs/results/t2/) show what a narrow task does:
// the loss optimum already sits deep in overtraining (D/N ≈ 1,700-2,000), so a T² shift has no room, the
// shift it reports is inside the grid's resolution, and the smallest models' pass@k is close to guessing
// (T2.md, "Designing a toy grid that shows it"). Sized for about an hour on two CPU cores.
//
// Design, decided from the science and the calibration before running (never tuned to a result):
// - Nine sizes over 2.05 decades of non-embedding N (888 to 100k), spaced 1.4-2.2x.
// - Four isoFLOP levels, each 2x the last (C_train = 6ND = 2e10 ... 1.6e11). A level holds every size
//   whose D/N = C/(6N²) lies in [0.45, 10000]: 8-9 sizes per level, D/N from ~1 to > 900.
// - Why so far toward small, long-trained models: a first design (sizes 3.3k-336k, levels 4e10-3.2e11,
//   D/N capped at 1000; commit e129399) was stopped after its first level, where the held-out loss still
//   fell at the smallest size (3.3k, D/N 608) and pass@k at k = C_inf/(2N) rose all the way to it: both
//   optima sat at the level's edge. On these tasks small models learn only with many tokens, so T2.md's
//   rule applies: widen the level toward small N (sizes down to 888) and lift the D/N cap.
// - Three seeds for the smallest size (seed noise is largest there; the calibration's seeds of the 3.3k
//   model agreed to 0.001 in loss, so one seed elsewhere keeps the grid inside its time budget).
// - Held out of every fit: four heavily overtrained runs beside the levels (1.9k and 3.3k at D/N = 1500
//   and 3000); the laws are fitted on D/N ≤ 50 (holdout_ratio) and predict everything above.
// - Task and learning rates from the calibration (experiments/calibrate.ts; the README quotes its table):
//   reversed addition with operands of 1-2 digits (pass@1 was higher than with 1-3 digits at every size);
//   each size takes the best learning rate of the nearest calibrated size in log N (3.3k: 3e-2; 12.8k and
//   56.6k: 1e-2).
// - C_inf = 2·N_max (the largest model gets k = 1); the README also reports C_inf/4 and C_inf/16.
// - Every run is graded on the same 96 held-out questions with n = 128 samples (k up to 128 from the
//   samples; any k, fractional included, from p_i).
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 't2',
  description:
    'One narrow task (2-digit addition): the loss optimum already sits deep in overtraining. Nine sizes (888-100k) × four isoFLOP levels (2e10-1.6e11); ~1 hour on 2 CPU cores.',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 32,
    batch_size: 64,
    eval_interval: 200,
    eval_batches: 8,
    log_interval: 50,
  },
  models: [
    { n_layer: 1, n_embd: 8, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 12, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 16, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 20, n_head: 2, lr: 3e-2 },
    { n_layer: 1, n_embd: 24, n_head: 2, lr: 1e-2 },
    { n_layer: 1, n_embd: 32, n_head: 2, lr: 1e-2 },
    { n_layer: 2, n_embd: 32, n_head: 2, lr: 1e-2 },
    { n_layer: 2, n_embd: 48, n_head: 4, lr: 1e-2 },
    { n_layer: 2, n_embd: 64, n_head: 4, lr: 1e-2 },
  ],
  budgets: { flops: [2e10, 4e10, 8e10, 1.6e11] },
  min_tokens_per_param: 0.45,
  max_tokens_per_param: 10000,
  overtrained: { models: [1, 2], tokens_per_param: [1500, 3000] },
  seeds: [1],
  extra_seeds: { max_params: 1000, seeds: [2, 3] },
  sampling: {
    questions: 96,
    n: 128,
    k: [1, 2, 4, 8, 16, 32, 64, 128],
    temperature: 1,
    top_k: 0,
    top_p: 1,
    max_new: 6,
    seed: 0,
  },
  holdout_ratio: 50,
} satisfies Experiment;
