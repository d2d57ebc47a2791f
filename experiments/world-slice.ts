// world-slice: a slice of the world grid for timing a sweep one at a time, packed, and as shard processes
// back to back (docs/results/bench-pack/), and for checking that each gives the grid's own numbers: the
// five two-layer sizes near the 1e11 loss optimum (widths 16-32), two seeds each, at the 1e11 level. Same
// base, rates, seeds and sampling as experiments/world.ts, so every run's id and numbers are the grid's.
import type { Experiment } from '../src/sweep/experiment.ts';
import world from './world.ts';

export default {
  ...world,
  name: 'world-slice',
  description:
    "The world grid's 1e11 level at widths 16-32 (two layers), two seeds: 10 runs for timing.",
  models: world.models.filter((m) => m.n_layer === 2 && m.n_embd >= 16 && m.n_embd <= 32),
  budgets: { flops: [1e11] },
  overtrained: undefined,
} satisfies Experiment;
