// experiments/: the shipped sweeps, one file each. Imports sweep, config; imported by node, web
// (layers: test/structure.test.ts).
//
// The shipped experiments, by name (the browser's preset picker and `t2lab sweep` both use these files).
import type { Experiment } from '../src/sweep/experiment.ts';
import smoke from './smoke.ts';
import classroom from './classroom.ts';
import t2 from './t2.ts';
import world from './world.ts';

export const presets: Record<string, Experiment> = { smoke, classroom, t2, world };

/**
 * The held-out cut a shipped experiment states (`holdout_ratio`), by the sweep name its records carry: the
 * fallback of every fit (CLI, report, app) when no isoFLOP level brackets its loss minimum, so all three
 * give the same numbers for one results file.
 */
export const statedHoldout = (sweep: string | undefined): number | undefined =>
  sweep === undefined ? undefined : presets[sweep]?.holdout_ratio;
