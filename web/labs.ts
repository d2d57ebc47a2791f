// Classroom labs: each one is a question to predict, something to run (a sweep built on a preset with
// pinned seeds, or a kernel profile), and what to look for. A lab's whole configuration goes into the
// page's link, so a teacher can change it and share the link.
import type { Experiment } from '../src/sweep/experiment.ts';
import { presets } from '../experiments/index.ts';

export interface Lab {
  id: string;
  title: string;
  /** Minutes on a laptop GPU, roughly; software WebGPU takes far longer. */
  minutes: string;
  predict: string;
  run: string;
  lookFor: string[];
  /** A sweep lab's grid (seeds pinned), or the kernel a profile lab times. */
  grid?: Experiment;
  kernel?: string;
}

const classroom = presets.classroom ?? Object.values(presets)[0]!;

export const labs: Lab[] = [
  {
    id: 'naive-vs-tiled',
    title: 'Naive vs tiled matmul: where does the time go?',
    minutes: '1',
    predict: 'matmul comes in numbered versions: v1 naive (one output per thread), v2 register-blocked (4×4 outputs per thread, no barriers), v3 shared-memory tiles (64×64, with barriers), and later ones. Which is fastest on your GPU, and by how much over v1? Would the answer differ on a CPU (software) adapter?',
    run: 'Profile matmul: each version at several shapes, timed with GPU timestamp queries.',
    lookFor: [
      'GFLOP/s of each version and the "vs v1" column: how much does reusing loaded values buy?',
      '% of FMA peak: how close each version gets to the adapter\'s own ceiling, and what is left.',
      'On a software adapter (no GPU) barriers are expensive, so v2 beats v3; on a real GPU shared tiles usually win. Compare your result with a classmate on another machine.',
    ],
    kernel: 'matmul',
  },
  {
    id: 'bigger-model',
    title: 'Loss against tokens: does a bigger model always win?',
    minutes: '5–10',
    predict: 'Four model sizes each train on 4, 16 and 64 tokens per parameter. At the same number of training tokens, will the biggest model always have the lowest held-out loss? Sketch the four lines of loss against tokens before you run.',
    run: 'The classroom grid with one pinned seed and 8 samples per question (enough for this lab, and quicker).',
    lookFor: [
      '"Held-out loss against tokens, per model size": do the lines cross? Where a small model\'s line is below a big one\'s, the small model is the better use of those tokens.',
      'The loss curves: big models start slower per token but keep improving longer.',
      'Compute is 6·N·D: a big model on few tokens can cost the same as a small one on many. Which did better at equal compute?',
    ],
    grid: { ...classroom, name: 'lab-bigger-model', seeds: [1], extra_seeds: undefined, sampling: { ...classroom.sampling, questions: 24, n: 8, k: [1, 2, 4, 8] } },
  },
  {
    id: 'passk',
    title: 'pass@k: how many samples beat a bigger model?',
    minutes: '5–10',
    predict: 'The smallest model gets k tries per question, the largest gets one. How many samples k does the small model need for its pass@k to beat the large model\'s pass@1? 2? 8? never?',
    run: 'The classroom grid at its longest budget (64 tokens per parameter) with 64 samples per question, seeds pinned.',
    lookFor: [
      'pass@k against k: find k where the smallest model\'s line crosses the largest model\'s value at k = 1.',
      'Inference costs 2·N·k FLOPs per token: is the small model at that k cheaper or dearer to serve than the big one at k = 1?',
      'The Samples tab: which questions does the small model solve only by sampling many times (small p_i, c > 0)?',
    ],
    grid: { ...classroom, name: 'lab-passk', budgets: { tokens_per_param: [64] }, seeds: [1], extra_seeds: undefined },
  },
];

export const labById = (id: string | null): Lab | undefined => labs.find((l) => l.id === id);
