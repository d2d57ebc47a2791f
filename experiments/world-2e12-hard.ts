// world-2e12-hard: the world grid's 2e12 level again, one thing changed: harder questions. A test of what
// the by-level table of world-2e12 (`t2lab fit … --by_level`, docs/results/world-2e12/fit-by-level.txt)
// predicts, written into docs/guide/reproduction.md before this ran: the sizes near the optima differ only
// on the hardest levels, where a smaller model's per-step errors compound with the length faster than its
// extra samples help, so harder questions should push the T² optimum *up* (toward the loss optimum), not
// down. If instead the T² optimum moves smaller, harder graded questions are the lever after all.
// - The one change: `levels` (docs/corpus.md) widened past each graded skill's default upward by the same
//   step, so its easy end (which every size near the optima solves) stays and a harder end is added: copy and
//   reverse 3-9 letters (default 3-6), sums 1-4 digits (default 1-3; 5 would not fit the sampling's 40 new
//   tokens, so 4). At 2e12 the loss-optimal model's hardest default level was at 75-82% pass@1, falling
//   ~4-10 points a level: three more letters should bring it to ~50%, graded, not at 0.
// - Everything else as world-2e12.ts: sizes, seeds, rates, sampling, run ids (the records' configs differ in
//   `levels`, and the sweep's name).
import type { Experiment } from '../src/sweep/experiment.ts';
import level from './world-2e12.ts';

export default {
  ...level,
  name: 'world-2e12-hard',
  description:
    "The world grid's 2e12 level with harder questions (strings of 3-9 letters, sums of 1-4 digits): does the T² optimum move up, as the by-level table predicts, or down?",
  base: { ...level.base, levels: 'cpy:3-9,rev:3-9,sum:1-4' },
} satisfies Experiment;
