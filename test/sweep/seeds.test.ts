// Per-size seeds (ModelSize.seeds): more seeds where the optima are expected, beside the experiment's.
import { describe, expect, it } from 'vitest';
import { expandRuns, validateExperiment, type Experiment } from '../../src/sweep/experiment.ts';
import { SAMPLING_DEFAULTS } from '../../src/config.ts';

const base: Experiment = {
  name: 'seeds',
  description: 'per-size seeds',
  base: { tasks: 'cpy:1', block_size: 16, batch_size: 2 },
  models: [
    { n_layer: 1, n_embd: 8, n_head: 2 },
    { n_layer: 1, n_embd: 16, n_head: 2, seeds: [2, 3] },
  ],
  budgets: { flops: [1e8] },
  seeds: [1],
  sampling: SAMPLING_DEFAULTS,
};

describe('per-size seeds', () => {
  it('run the listed sizes with their extra seeds, the others with the experiment’s only', () => {
    const ids = expandRuns(validateExperiment(base)).map((r) => r.id);
    expect(ids.filter((id) => id.startsWith('L1-C8-'))).toEqual(['L1-C8-H2/C=1.0e+8/s1']);
    expect(ids.filter((id) => id.startsWith('L1-C16-')).map((id) => id.split('/')[2])).toEqual([
      's1',
      's2',
      's3',
    ]);
  });

  it('a seed listed in both places runs once; overtrained runs keep the experiment’s seeds', () => {
    const e = validateExperiment({
      ...base,
      models: [base.models[0]!, { ...base.models[1]!, seeds: [1, 2] }],
      overtrained: { models: [1], tokens_per_param: [100] },
    });
    const ids = expandRuns(e).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.includes('D/N=100'))).toEqual(['L1-C16-H2/D/N=100/s1']);
  });

  it('refuses a bad seed list, naming the model', () => {
    expect(() =>
      validateExperiment({ ...base, models: [{ n_layer: 1, n_embd: 8, n_head: 2, seeds: [-1] }] }),
    ).toThrow(/models\[0\]\.seeds must be a non-empty list of integers/);
  });
});
