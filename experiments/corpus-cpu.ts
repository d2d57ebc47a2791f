// corpus-cpu: can a couple of minutes of two CPU cores teach the world corpus's skills? (issue 22, item 8:
// the smoke sweep and the CPU labs were to move to the corpus.) The world grid's own mix, with every graded
// skill at its easiest levels (sums of 1-2 digits, strings of 1-3 letters: `levels`, docs/corpus.md), four
// sizes around the twin's 1e11 loss optimum (L2C24), at 3e10 (what the smoke sweep could afford) and 1e11
// (the most a couple of minutes could). The question is only whether any skill rises above its chance
// baseline; the answer is in docs/results/corpus-cpu/.
import type { Experiment } from '../src/sweep/experiment.ts';
import world from './world.ts';

const rate = (n_embd: number) => world.models.find((m) => m.n_embd === n_embd)!.lr!;

export default {
  name: 'corpus-cpu',
  description:
    "The world corpus at its easiest levels and a CPU's budget (3e10, 1e11): is any skill learned above chance?",
  base: { ...world.base, levels: 'sum:1-2,cpy:1-3,rev:1-3', eval_batches: 16 },
  models: [12, 16, 24, 32].map((n_embd) => ({
    n_layer: 2,
    n_embd,
    n_head: n_embd < 24 ? 2 : 4,
    lr: rate(n_embd),
  })),
  budgets: { flops: [3e10, 1e11] },
  seeds: [1],
  sampling: { ...world.sampling, questions: 32, n: 16, k: [1, 2, 4, 8, 16], max_new: 24 },
} satisfies Experiment;
