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
