// Experiment files: validation that names the field and says what to do, grid expansion, sharding, the
// shipped presets, and the results store's handling of damaged files.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  validateExperiment,
  expandRuns,
  inferenceBudget,
  ExperimentError,
} from '../../src/sweep/experiment.ts';
import { shardRuns } from '../../src/sweep/runner.ts';
import { shardFromEnv } from '../../src/node/commands/sweep.ts';
import { DirStore } from '../../src/node/store.ts';
import { RECORD_FORMAT, parseRecordLine, type RunRecord } from '../../src/sweep/record.ts';
import { presets } from '../../experiments/index.ts';
import { paramCount } from '../../src/model/gpt.ts';
import { makeConfig, modelShape } from '../../src/config.ts';
import { evaluationQuestions } from '../../src/sample/evaluate.ts';
import { evalQuestions } from '../../src/data/tasks.ts';
import { encode } from '../../src/data/tokenizer.ts';

const base = {
  name: 'tiny',
  base: { tasks: 'add:1', block_size: 32, batch_size: 4 },
  models: [
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 1, n_embd: 32, n_head: 2 },
  ],
  budgets: { tokens_per_param: [1, 4] },
  seeds: [1],
  sampling: { questions: 4, n: 4, k: [1, 2, 4] },
};

describe('evaluation questions', () => {
  it('skip questions longer than the context, and are the plain draw when all fit', () => {
    const c64 = makeConfig({ tasks: 'add:1,chain:1', block_size: 64 });
    const qs = evaluationQuestions(c64, 20, 3);
    expect(qs.filter((q) => q.task === 'chain')).toHaveLength(20);
    for (const q of qs)
      expect(encode(q.prompt).length + encode(q.answer).length + 1).toBeLessThanOrEqual(64);
    const plain = evalQuestions('chain', 20, 3);
    expect(plain.some((q) => q.prompt.length + q.answer.length + 1 > 64)).toBe(true); // the filter did something
    const c128 = makeConfig({ tasks: 'chain:1', block_size: 128 });
    expect(evaluationQuestions(c128, 20, 3).map((q) => q.prompt)).toEqual(
      plain.map((q) => q.prompt),
    );
  });
});

describe('experiments', () => {
  it('expands sizes × budgets × seeds into runs with exact D', () => {
    const e = validateExperiment(base);
    const runs = expandRuns(e);
    expect(runs.map((r) => r.id)).toEqual([
      'L1-C16-H2/D/N=1/s1',
      'L1-C32-H2/D/N=1/s1',
      'L1-C16-H2/D/N=4/s1',
      'L1-C32-H2/D/N=4/s1',
    ]);
    const N = paramCount(
      modelShape(makeConfig({ n_layer: 1, n_embd: 32, n_head: 2 })),
    ).nonEmbedding;
    expect(runs[3]!.config.tokens).toBe(4 * N);
    expect(runs[3]!.N_nonemb).toBe(N);
    expect(inferenceBudget(e)).toBe(2 * N);
  });

  it('isoFLOP levels give D = C/(6N) and extra seeds go to the small models only', () => {
    const e = validateExperiment({
      ...base,
      budgets: { flops: [1e9] },
      extra_seeds: { max_params: 5000, seeds: [7] },
    });
    const runs = expandRuns(e);
    for (const r of runs)
      expect(Math.abs(6 * r.N_nonemb * r.config.tokens - 1e9) / 1e9).toBeLessThan(1e-3);
    expect(runs.filter((r) => r.config.seed === 7).map((r) => r.model)).toEqual(['L1-C16-H2']);
  });

  it.each([
    [{ name: 'a b' }, /"name" must be a word/],
    [{ models: [] }, /"models" must be a non-empty list/],
    [{ models: [{ n_layer: 1, n_embd: 30, n_head: 4 }] }, /n_embd 30 is not divisible by n_head 4/],
    [
      { budgets: { ratio: [1] } },
      /unknown key budgets.ratio; known keys of budgets: tokens_per_param, flops/,
    ],
    [{ budgets: {} }, /"budgets" must be/],
    [{ budgets: { tokens_per_param: [-1] } }, /budgets: entry 0 must be a number > 0/],
    [{ sampling: { n: 4, k: [1, 8] } }, /k includes 8 but only n = 4.*raise sampling.n/],
    [{ sampling: { top_p: 0 } }, /top_p must be in \(0, 1\]/],
    [{ base: { tasks: 'nope:1' } }, /unknown task "nope"/],
    [{ base: { lr: -1 } }, /base: lr must be > 0/],
    [{ budgets: { tokens_per_param: [0.001] } }, /no runs/],
    [
      { base: { tasks: 'chain:1', block_size: 32 } },
      /task chain: fewer than 4 of its evaluation questions fit block_size 32/,
    ],
    // Issue 14: misspelled keys were silently ignored; duplicate entries trained one run id twice.
    [{ holdout_ratoi: 8 }, /unknown key holdout_ratoi \(did you mean holdout_ratio\?\)/],
    [{ max_token: 1e6 }, /unknown key max_token \(did you mean max_tokens/],
    [
      { sampling: { questions: 4, n: 4, k: [1, 2, 4], temprature: 0.5 } },
      /unknown key sampling.temprature \(did you mean temperature\?\)/,
    ],
    [
      { models: [{ n_layer: 1, n_embd: 16, n_head: 2, n_heads: 2 }] },
      /unknown key models\[0\].n_heads \(did you mean n_head\?\)/,
    ],
    [
      {
        models: [
          { n_layer: 1, n_embd: 16, n_head: 2 },
          { n_layer: 1, n_embd: 16, n_head: 2 },
        ],
      },
      /run ids would be trained more than once: L1-C16-H2\/D\/N=1\/s1 \(×2\).*models lists L1-C16-H2 more than once/,
    ],
    [{ seeds: [1, 1] }, /would be trained more than once.*seeds lists 1 more than once/],
    [{ seeds: [4294967296] }, /"seeds" must be a non-empty list of integers in \[0, 4294967295\]/],
    [
      { sampling: { questions: 4, n: 4, k: [2, 2, 1] } },
      /sampling.k must list each k once, in increasing order/,
    ],
  ])('refuses %j with a message naming the field', (patch, message) => {
    expect(() => validateExperiment({ ...base, ...patch }, 'experiments/x.ts')).toThrow(
      ExperimentError,
    );
    expect(() => validateExperiment({ ...base, ...patch }, 'experiments/x.ts')).toThrow(message);
  });

  it('shards partition the grid; --shard, SLURM and Kubernetes indexed Jobs all select one', () => {
    const runs = expandRuns(validateExperiment(base));
    const parts = [0, 1, 2].map((index) => shardRuns(runs, { index, count: 3 }).map((r) => r.id));
    expect(parts.flat().sort()).toEqual(runs.map((r) => r.id).sort());
    expect(() => shardRuns(runs, { index: 3, count: 3 })).toThrow(/invalid/);
    expect(shardFromEnv('1/4', {})).toEqual({ index: 1, count: 4 });
    expect(
      shardFromEnv(undefined, {
        SLURM_ARRAY_TASK_ID: '3',
        SLURM_ARRAY_TASK_COUNT: '4',
        SLURM_ARRAY_TASK_MIN: '1',
      }),
    ).toEqual({ index: 2, count: 4 });
    expect(shardFromEnv(undefined, { JOB_COMPLETION_INDEX: '2', T2LAB_SHARDS: '5' })).toEqual({
      index: 2,
      count: 5,
    });
    expect(() => shardFromEnv(undefined, { JOB_COMPLETION_INDEX: '2' })).toThrow(/T2LAB_SHARDS/);
    expect(() => shardFromEnv('4/4', {})).toThrow(/invalid/);
    expect(() => shardFromEnv('x', {})).toThrow(/i\/n/);
    expect(shardFromEnv(undefined, {})).toEqual({ index: 0, count: 1 });
  });

  it('the shipped presets are valid and sized as documented', () => {
    const sizes = (name: string) =>
      new Set(expandRuns(validateExperiment(presets[name], name)).map((r) => r.N_nonemb));
    const smoke = expandRuns(validateExperiment(presets.smoke, 'smoke'));
    expect(sizes('smoke').size).toBeGreaterThanOrEqual(3);
    expect(new Set(smoke.map((r) => r.budget)).size).toBeGreaterThanOrEqual(2);
    const t2 = [...sizes('t2')];
    expect(t2.length).toBeGreaterThanOrEqual(5);
    expect(Math.log10(Math.max(...t2) / Math.min(...t2))).toBeGreaterThanOrEqual(1.5);
    const ratios = expandRuns(presets.t2!).map((r) => r.config.tokens / r.N_nonemb);
    expect(Math.min(...ratios)).toBeLessThan(2);
    expect(Math.max(...ratios)).toBeGreaterThan(1000);
  });
});

const record = (id: string): RunRecord => {
  const pk = { k: [1], value: [0.5], lo: [0.4], hi: [0.6] };
  return {
    format: RECORD_FORMAT,
    id,
    sweep: 'tiny',
    config: makeConfig(),
    N: 1,
    N_nonemb: 1,
    D: 1,
    C_train: 6,
    C_train_exact: 6,
    curve: [],
    evals: [],
    eval_loss: 1,
    diverged: false,
    sampling: { n: 1, temperature: 1, top_k: 0, top_p: 1, questions: 0, seed: 0 },
    questions: [],
    pass_at_k: { sampling: pk, likelihood: pk },
    device: 'cpu',
    timings: { train_s: 0, sample_s: 0, tokens_per_s: 0, samples_per_s: 0 },
    code_version: 'test',
    finished_at: '',
  };
};

describe('results store', () => {
  it('keeps every good line of a damaged file, warning with file and line; appends past a torn line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-store-'));
    const warnings: string[] = [];
    const store = new DirStore(dir, { index: 0, count: 1 }, (m) => warnings.push(m));
    await store.append(record('a'));
    appendFileSync(store.results, '{"format":"t2lab-run-1","id":"torn'); // a crash mid-write
    await store.append(record('b'));
    writeFileSync(
      join(dir, 'results.other.jsonl'),
      'not json\n' + JSON.stringify({ ...record('c'), format: 'x' }) + '\n',
    );
    const got = await store.records();
    expect(got.map((r) => r.id)).toEqual(['a', 'b']);
    expect(warnings.join('\n')).toMatch(/results\.jsonl line 2: not valid JSON.*; line skipped/);
    expect(warnings.join('\n')).toMatch(
      /results\.other\.jsonl line 2: format is "x".*; line skipped/,
    );
    expect(readFileSync(store.results, 'utf8')).toContain('"id":"torn'); // nothing deleted
  });

  it("resume checkpoints are saved atomically and deleted; a diverged run's NaN loss survives as null, a finished run's may not", async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-store-'));
    const store = new DirStore(dir);
    expect(await store.loadCheckpoint('L1/x/s1')).toBeNull();
    await store.saveCheckpoint('L1/x/s1', new Uint8Array([1, 2, 3]));
    expect([...(await store.loadCheckpoint('L1/x/s1'))!]).toEqual([1, 2, 3]);
    await store.deleteCheckpoint('L1/x/s1');
    expect(await store.loadCheckpoint('L1/x/s1')).toBeNull();
    const r = parseRecordLine(JSON.stringify({ ...record('d'), diverged: true, eval_loss: NaN }));
    expect(r.eval_loss).toBeNaN();
    expect(() => parseRecordLine(JSON.stringify({ ...record('e'), eval_loss: NaN }))).toThrow(
      /eval_loss/,
    );
  });
});
