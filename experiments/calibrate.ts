// calibrate: the measured step before the reproduction grid (T2.md, "Designing a toy grid").
// At one small isoFLOP level (C_train = 3e10, so D/N runs from ~460 at the smallest size to ~1.6 at the
// largest), three sizes × three peak learning rates × two difficulties of reversed addition. It answers
// two questions the grid's design needs, by measurement: which learning rate suits each size (the grid
// uses the scan's best per size, extrapolated to larger sizes by its trend), and which difficulty spreads
// pass@1 from near 0 to well above half across sizes and budgets. About 6 minutes on two CPU cores.
// `npx t2lab sweep experiments/calibrate.ts` then `npx t2lab calibrate out/calibrate/results.jsonl`.
import type { Experiment } from '../src/sweep/experiment.ts';

export default {
  name: 'calibrate',
  description:
    "3 sizes × lr {3e-3, 1e-2, 3e-2} × add digits {2, 3} at C_train = 3e10: picks the grid's lr per size and difficulty.",
  base: {
    tasks: 'add:1',
    block_size: 32,
    batch_size: 64,
    eval_interval: 100,
    eval_batches: 4,
    log_interval: 25,
  },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 1, n_embd: 32, n_head: 2 },
    { n_layer: 2, n_embd: 48, n_head: 4 },
  ],
  budgets: { flops: [3e10] },
  seeds: [1],
  scan: { add_digits: [2, 3], lr: [3e-3, 1e-2, 3e-2] },
  sampling: {
    questions: 64,
    n: 16,
    k: [1, 4, 16],
    temperature: 1,
    top_k: 0,
    top_p: 1,
    max_new: 6,
    seed: 0,
  },
} satisfies Experiment;
