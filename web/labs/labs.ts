// Classroom labs: each one is a question to predict, something to run (a sweep built on a preset with
// pinned seeds, or a kernel profile), and what to look for. A lab's whole configuration goes into the
// page's link, so a teacher can change it and share the link.
import type { Experiment } from '../../src/sweep/experiment.ts';
import { presets } from '../../experiments/index.ts';

export interface Lab {
  id: string;
  title: string;
  /** One line for the lab's card: the question. */
  question: string;
  predict: string;
  run: string;
  lookFor: string[];
  /** A sweep lab's grid (seeds pinned), or the kernel a profile lab times. */
  grid?: Experiment;
  /**
   * The "CPU" size, chosen by default on a software adapter (SwiftShader, lavapipe: 100–10,000× slower
   * than a GPU): the same question on fewer and smaller runs, sized to finish well inside a class period.
   */
  cpu?: Experiment;
  kernel?: string;
  /** A kernel lab's repetitions per case, full size and CPU size. */
  reps?: { full: number; cpu: number };
  /** Show the train-to-test comparison of the lab's finished runs (each at k = C_inf/(2N)) beside the steps. */
  compare?: boolean;
}

const classroom = presets.classroom ?? Object.values(presets)[0]!;

/**
 * Train-to-test for the right reason, as the world grid measured it at C_train = 5e11
 * (docs/results/world/): that level's loss-optimal size (L2C28, N ≈ 19.6k, D/N ≈ 217) against a smaller
 * one (L2C20, N ≈ 10.2k) trained on 3.7× more tokens per parameter, both at the same training compute, on
 * the world corpus with the grid's rates; the default C_inf (2·N of the bigger model) gives the big one one
 * try and the small one ~1.9. In the grid (two seeds) the big one was better at one try (pass@1 9.1%
 * against 6.9%), and the small one's pass@k at its own k is what the lab finds out. Minutes on a GPU.
 */
const trainToTest: Experiment = {
  name: 'lab-train-to-test',
  description:
    'The loss-optimal model with one try against a smaller, longer-trained one with its k tries, at the same training compute (the world corpus, 5e11 FLOPs).',
  base: { ...presets.world!.base },
  models: presets
    .world!.models.filter((m) => m.n_layer === 2 && (m.n_embd === 20 || m.n_embd === 28))
    .map(({ seeds: _s, ...m }) => m),
  budgets: { flops: [5e11] },
  seeds: [1],
  sampling: { ...structuredClone(presets.world!.sampling), questions: 32 },
};

/**
 * Its CPU size: the same comparison on the `t2` grid's 4e10 level (2-digit addition, the one narrow task), about
 * a minute on a software adapter: that level's loss-optimal size, resolved beyond seed noise (L1C12,
 * N = 1,908, D/N ≈ 1,830: docs/results/t2/fit.txt), against the next smaller one (L1C8, N = 888) on 4.6×
 * the tokens per parameter, the grid's own runs (ids, rates, sampling). The world corpus teaches no skill
 * at a CPU's budget (docs/results/corpus-cpu/). Run at commit 33cc178 on lavapipe (`t2lab sweep` of this
 * grid: 30 s and 19 s of training), the big model is better at one try (pass@1 6.8% against 2.3%) and stays
 * ahead of the small one's k ≈ 2.1 tries (4.8%, a guesser's 2.8%): at the default C_inf the samples do not
 * pay here, and a class can raise C_inf to find where they would (and where a guesser would too). The
 * grid's own records, from older code, say the same (8.4% against 2.2%, 4.6% at k ≈ 2.1).
 */
const t2 = presets.t2!;
const trainToTestCpu: Experiment = {
  name: 'lab-train-to-test-cpu',
  description:
    "The loss-optimal model with one try against a smaller, longer-trained one with its k tries, at the same training compute (the t2 grid's addition task, 4e10 FLOPs).",
  base: { ...t2.base }, // the t2 grid's task and settings, copied: a lab's link may edit its own
  models: t2.models.filter((m) => m.n_layer === 1 && (m.n_embd === 8 || m.n_embd === 12)),
  budgets: { flops: [4e10] },
  seeds: [1],
  sampling: structuredClone(t2.sampling), // the grid's, copied like base
};

/**
 * The classroom grid cut down for a software adapter: three sizes up to N ≈ 12.8k (the full grid's smallest
 * is 25k), one seed, 2-digit addition (learnable in the few tokens a CPU can afford).
 */
const cpuClassroom: Experiment = {
  ...classroom,
  base: { ...classroom.base, add_digits: 2 },
  models: [
    { n_layer: 1, n_embd: 8, n_head: 2 },
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 1, n_embd: 32, n_head: 2 },
  ],
  seeds: [1],
  extra_seeds: undefined,
};

export const labs: Lab[] = [
  {
    id: 'train-to-test',
    title: 'Train-to-test: a small model with k samples against a big one with one',
    question:
      'Same training and serving compute: does a small model with k tries beat a big one with one?',
    predict:
      "Both models cost the same to train: C_train = 6·N·D is fixed, so the small model reads more tokens per parameter than the big one. Serving costs the same too: with C_inf = 2·N of the big model, the big one answers each question once and the small one k = C_inf/(2N) times. At one try, which is better? With the small one's k tries, which solves more questions? By how much?",
    run: 'Train both at the same C_train, then sample each question k = C_inf/(2N) times from each model (pass@k from the likelihood p_i gives every k exactly).',
    lookFor: [
      "The comparison beside the steps: pass@1 of each model, then pass@k at its own k. Is the big model as good or better at one try, and does the small one overtake it with its samples? Only then is the win the samples'.",
      "D/N: the small model trains on more tokens per parameter at the same cost. If it is already better at one try, the big model is undertrained (Chinchilla's lesson), not beaten by samples.",
      "pass@k against k: where does the small model's line reach the big model's pass@1? That k is the price, in samples, of being small.",
      'A guesser at the same k: a win below twice its pass@k is mostly guessing.',
    ],
    grid: trainToTest,
    // C_train 4e10: the small model at D/N ≈ 8,450, the big one ≈ 1,830 (the loss optimum of that level).
    cpu: trainToTestCpu,
    compare: true,
  },
  {
    id: 'naive-vs-tiled',
    title: 'Naive vs tiled matmul: where does the time go?',
    question:
      'Naive, register-blocked, shared-memory tiles: which matmul is fastest here, and by how much?',
    predict:
      'matmul comes in numbered versions: v1 naive (one output per thread), v2 register-blocked (4×4 outputs per thread, no barriers), v3 shared-memory tiles (64×64, with barriers), and later ones. Which is fastest on your GPU, and by how much over v1? Would the answer differ on a CPU (software) adapter?',
    run: 'Profile matmul: each version at several shapes, timed with GPU timestamp queries.',
    lookFor: [
      'GFLOP/s of each version and the "vs v1" column: how much does reusing loaded values buy?',
      "% of FMA peak: how close each version gets to the adapter's own ceiling, and what is left.",
      'On a software adapter (no GPU) barriers are expensive, so v2 beats v3; on a real GPU shared tiles usually win. Compare your result with a classmate on another machine.',
    ],
    kernel: 'matmul',
    reps: { full: 5, cpu: 2 },
  },
  {
    id: 'bigger-model',
    title: 'Loss against tokens: does a bigger model always win?',
    question:
      'At the same number of training tokens, does the biggest model always have the lowest loss?',
    predict:
      'Four model sizes each train on 4, 16 and 64 tokens per parameter. At the same number of training tokens, will the biggest model always have the lowest held-out loss? Sketch the four lines of loss against tokens before you run.',
    run: 'The classroom grid with one pinned seed and 8 samples per question (enough for this lab, and quicker).',
    lookFor: [
      '"Held-out loss against tokens, per model size": do the lines cross? Where a small model\'s line is below a big one\'s, the small model is the better use of those tokens.',
      'The loss curves: big models start slower per token but keep improving longer.',
      'Compute is 6·N·D: a big model on few tokens can cost the same as a small one on many. Which did better at equal compute?',
    ],
    grid: {
      ...classroom,
      name: 'lab-bigger-model',
      seeds: [1],
      extra_seeds: undefined,
      sampling: { ...classroom.sampling, questions: 24, n: 8, k: [1, 2, 4, 8] },
    },
    cpu: {
      ...cpuClassroom,
      name: 'lab-bigger-model-cpu',
      description: 'Three small sizes × three D/N ratios: the CPU size of the bigger-model lab.',
      budgets: { tokens_per_param: [2, 8, 32] },
      sampling: { ...classroom.sampling, questions: 16, n: 4, k: [1, 2, 4] },
    },
  },
  {
    id: 'passk',
    title: 'pass@k: how many samples beat a bigger model?',
    question: "How many samples does the smallest model need to beat the largest one's single try?",
    predict:
      "The smallest model gets k tries per question, the largest gets one. How many samples k does the small model need for its pass@k to beat the large model's pass@1? 2? 8? never?",
    run: 'The classroom grid at its longest budget (64 tokens per parameter) with 64 samples per question, seeds pinned.',
    lookFor: [
      "pass@k against k: find k where the smallest model's line crosses the largest model's value at k = 1.",
      'Inference costs 2·N·k FLOPs per token: is the small model at that k cheaper or dearer to serve than the big one at k = 1?',
      'The Samples tab: which questions does the small model solve only by sampling many times (small p_i, c > 0)?',
    ],
    grid: {
      ...classroom,
      name: 'lab-passk',
      budgets: { tokens_per_param: [64] },
      seeds: [1],
      extra_seeds: undefined,
    },
    cpu: {
      ...cpuClassroom,
      name: 'lab-passk-cpu',
      description:
        'Three small sizes at 32 tokens per parameter, 32 samples: the CPU size of the pass@k lab.',
      budgets: { tokens_per_param: [32] },
      sampling: { ...classroom.sampling, questions: 24, n: 32, k: [1, 2, 4, 8, 16, 32] },
    },
  },
];

export const labById = (id: string | null): Lab | undefined => labs.find((l) => l.id === id);

/** Which size a lab runs at: the link's `size=`, else "cpu" on a software adapter where the lab has one. */
export type LabSize = 'full' | 'cpu';
export const defaultSize = (lab: Lab, software: boolean): LabSize =>
  software && (lab.cpu || lab.reps) ? 'cpu' : 'full';
export const labGrid = (lab: Lab, size: LabSize): Experiment | undefined =>
  size === 'cpu' ? (lab.cpu ?? lab.grid) : lab.grid;
