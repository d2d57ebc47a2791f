// world: the reproduction of the train-to-test tradeoff on a broad corpus (docs/corpus.md), designed from
// the science before it is run (T2.md, "Designing a toy grid that shows it"; never tuned to a result).
//
// - Corpus, not task: the `world` corpus (2,000 Zipfian people and their facts, two-lookup hops, addition
//   written out step by step, string copy and reverse), weighted so skills are ~60% of the tokens
//   (bio 31%, sum 31%, hop 16%, cpy 11%, rev 11%): string skills were learned at 3e11 FLOPs only when they
//   were ~40% of the tokens, not at 13-17% (research/toy-regime-2.md); facts at ~30% keep the loss regime
//   (with facts at 60%, and at this mix, the PyTorch twin put the loss optimum at L2C24, D/N ≈ 79 at 1e11:
//   docs/results/world-feasibility/).
// - Two losses apart: the held-out corpus loss (text never trained on) places the loss optimum; p_i and
//   pass@k come from the downstream questions, answer tokens only, each with its chance baseline. The
//   held-out loss reads 64 batches (32,768 tokens, as the twin's feasibility runs did), the same text for
//   every run: the gaps that place the optimum are ~0.02 nats, and 4,096 tokens would add noise of that size.
// - Enough steps: 512 tokens a step (8 × 64), so the largest size of every level gets hundreds of steps (with
//   2,048 the largest sizes got tens and pushed the optimum to the smallest sizes: research/toy-regime.md).
// - Learning rates: from the committed scan (experiments/calibrate-world.ts at 1e11 and 2.5e11,
//   docs/results/calibrate-world/table.txt) by the rule fixed before it ran: per scanned size the rate with
//   the lowest held-out loss averaged over both budgets (L2C12 0.024, L2C24 0.012, L4C40 0.012, none at the
//   scan's edge 0.006-0.048), log(lr) linear in log(n_embd) between them, the nearest beyond.
// - Sizes: 13 over 2.06 decades of non-embedding N (1.8k-200k), spaced ≤ 1.54× where the optima are
//   expected (L2, widths 12-32, and L3C32), then deeper.
// - Levels: four, 1e11 to 1e12 (T² predicts the shift grows with C_train: reach as high as the machine
//   allows; at ≤ 1e11 the twin learned no skill but recall, docs/results/world-feasibility/). A level holds
//   the sizes with D/N between 1 and 5,000.
// - Seeds: two at the sizes where the optima are expected (widths 12-32 at two layers and L3C32, L4C32: from
//   the twin's loss optimum at L2C24 for 1e11 and T2.md's N* ∝ C^0.5, N* ≈ 46k at 1e12, between L3C32 and
//   L4C32), one elsewhere.
// - Held out of every fit: four heavily overtrained runs (L2C8 and L2C12 at D/N 2,000 and 4,000).
// - C_inf = 2·N_max (the largest model gets k = 1); `t2lab fit` also reports C_inf/4 and C_inf/16.
import type { Experiment } from '../src/sweep/experiment.ts';

/** The scan's pick per scanned width (docs/results/calibrate-world/table.txt). */
const SCANNED: [n_embd: number, lr: number][] = [
  [12, 0.024],
  [24, 0.012],
  [40, 0.012],
];
const lr = (C: number) => {
  if (C <= SCANNED[0]![0]) return SCANNED[0]![1];
  for (let i = 1; i < SCANNED.length; i++) {
    const [c0, l0] = SCANNED[i - 1]!;
    const [c1, l1] = SCANNED[i]!;
    if (C <= c1)
      return Math.exp(Math.log(l0) + (Math.log(l1 / l0) * Math.log(C / c0)) / Math.log(c1 / c0));
  }
  return SCANNED[SCANNED.length - 1]![1];
};
const size = (n_layer: number, n_embd: number, seeds?: number[]) => ({
  n_layer,
  n_embd,
  n_head: n_embd < 24 ? 2 : 4,
  lr: Number(lr(n_embd).toPrecision(3)),
  ...(seeds ? { seeds } : {}),
});

export default {
  name: 'world',
  description:
    'The reproduction on the world corpus: 13 sizes (1.8k-200k) × four isoFLOP levels (1e11-1e12), two seeds near the optima, four overtrained runs held out.',
  base: {
    tasks: 'bio:2,hop:1,sum:3,cpy:2,rev:2',
    eval_tasks: 'bio,hop,sum,cpy,rev',
    block_size: 64,
    batch_size: 8,
    warmup_frac: 0.05,
    eval_interval: 1000,
    eval_batches: 64,
    log_interval: 100,
  },
  models: [
    size(2, 8),
    size(2, 12, [2]),
    size(2, 14, [2]),
    size(2, 16, [2]),
    size(2, 20, [2]),
    size(2, 24, [2]),
    size(2, 28, [2]),
    size(2, 32, [2]),
    size(3, 32, [2]),
    size(4, 32, [2]),
    size(4, 40),
    size(4, 48),
    size(4, 64),
  ],
  budgets: { flops: [1e11, 2.5e11, 5e11, 1e12] },
  min_tokens_per_param: 1,
  max_tokens_per_param: 5000,
  overtrained: { models: [0, 1], tokens_per_param: [2000, 4000] },
  seeds: [1],
  sampling: {
    questions: 64,
    n: 32,
    k: [1, 2, 4, 8, 16, 32],
    temperature: 1,
    top_k: 0,
    top_p: 1,
    max_new: 40,
    seed: 0,
  },
  holdout_ratio: 1000,
} satisfies Experiment;
