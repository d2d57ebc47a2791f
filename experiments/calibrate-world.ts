// calibrate-world: the learning-rate scan the world grid takes its rates from (T2.md: "the learning rate
// per size from a scan whose best is not at the scan's edge"), at two budgets so the choice is not one
// budget's accident. Three sizes spanning the grid's (L2C12, L2C24, L4C40) × four peak learning rates a
// factor 2 apart (covering ×0.26 to ×3.8 of the twin's rule for each size) × two isoFLOP levels (1e11 and
// 2.5e11), on the world grid's corpus, batch and sampling. A size whose best rate is at the scan's edge
// gets the scan widened, not its edge value. `npx t2lab sweep experiments/calibrate-world.ts`, then
// `npx t2lab calibrate out/calibrate-world/results.jsonl`.
//
// The rule that turns the scan into the grid's rates, fixed before the scan ran: per scanned size, the rate
// with the lowest held-out loss averaged over the two budgets; between scanned widths, log(lr) linear in
// log(n_embd); beyond them, the nearest scanned size's rate.
import type { Experiment } from '../src/sweep/experiment.ts';
import world from './world.ts';

export default {
  name: 'calibrate-world',
  description:
    "3 sizes × lr {6e-3, 1.2e-2, 2.4e-2, 4.8e-2} × C_train {1e11, 2.5e11} on the world corpus: the world grid's lr per size.",
  base: world.base,
  models: [
    { n_layer: 2, n_embd: 12, n_head: 2 },
    { n_layer: 2, n_embd: 24, n_head: 4 },
    { n_layer: 4, n_embd: 40, n_head: 4 },
  ],
  budgets: { flops: [1e11, 2.5e11] },
  seeds: [1],
  scan: { lr: [6e-3, 1.2e-2, 2.4e-2, 4.8e-2] },
  sampling: world.sampling,
} satisfies Experiment;
