// world-2e12: a fifth isoFLOP level for the world grid, decided before it ran and run as its own sweep.
// The world grid (experiments/world.ts, docs/results/world/) measured a shift at 1e11-5e11 and the same run
// for both optima at 1e12, its largest level, with a trend that shrank; T² predicts the shift grows with
// C_train as the loss optimum grows past the sizes that still have some competence. One more doubling
// tests that prediction on the same corpus, rates, sampling and sizes, by the grid's own rules:
// - the sizes with D/N between 1 and 5,000 at 2e12 (N 10,160 to 200,064: nine sizes);
// - two seeds at every size within two steps of either predicted optimum: the loss optimum from N* ∝ C^0.5
//   and the 1e12 one (38,176) is ~54k, between 50,880 and 78,960 (two steps each side: 25,472-113,184);
//   the T² optimum sat 1-2 steps below the loss's at the grid's lower levels (two steps below that reach
//   14,496): seeds 1 and 2 at 14,496-113,184 (L2C24-L4C48), seed 1 at 10,160 (L2C20) and 200,064 (L4C64);
// - no overtrained runs (the grid's four are held out of its laws already).
// Same run ids and numbers as the grid would give them: same base, rates and sampling; only the level is new.
import type { Experiment } from '../src/sweep/experiment.ts';
import world from './world.ts';

/** N 14,496-113,184: L2C24, L2C28, L2C32, L3C32, L4C32, L4C40, L4C48. */
const twoSeeds = (L: number, C: number) => (L === 2 ? C >= 24 : C <= 48);

export default {
  ...world,
  name: 'world-2e12',
  description:
    'A fifth level of the world grid at 2e12 FLOPs: 9 sizes (10k-200k), two seeds at 14.5k-113k; run as its own sweep.',
  models: world.models.map(({ seeds: _, ...m }) =>
    twoSeeds(m.n_layer, m.n_embd) ? { ...m, seeds: [2] } : m,
  ),
  budgets: { flops: [2e12] },
  overtrained: undefined,
} satisfies Experiment;
