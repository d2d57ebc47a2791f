// The one sweep driver: a changed experiment under the same sweep is refused with the list of what
// changed (once, "4 already done, 0 to run" reused stale results after lr and questions changed),
// before any device is opened; runs new to the grid simply run; the estimate's time model.
import { describe, expect, it } from 'vitest';
import { validateExperiment, expandRuns } from '../../src/sweep/experiment.ts';
import {
  ExperimentChangedError,
  changedSettings,
  driveSweep,
  runSettings,
  type DriverStore,
  type SweepManifest,
} from '../../src/sweep/driver.ts';
import {
  estimateSweep,
  packSeconds,
  packStepSeconds,
  runSeconds,
} from '../../src/sweep/estimate.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import { recordOf } from './fixture.ts';
import { SweepSession, dbChoiceStore } from '../../src/worker/session.ts';
import { memoryDb } from '../../src/worker/db.ts';
import { defaultKernels, describeChoices, storedRecords } from '../../src/sweep/kernel-choice.ts';
import { describeGpu } from '../helpers.ts';

const spec = {
  name: 'tiny',
  base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 8, lr: 1e-2 },
  models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
  budgets: { tokens_per_param: [1, 2] },
  seeds: [1],
  sampling: { questions: 4, n: 4, k: [1, 2, 4], max_new: 4 },
};

function store(
  records: RunRecord[],
  checkpoints: string[] = [],
  manifest: SweepManifest | null = null,
): DriverStore & { saved: SweepManifest | null } {
  return {
    saved: null,
    records: async () => records,
    append: async () => {},
    loadCheckpoint: async (id) => (checkpoints.includes(id) ? new Uint8Array(8) : null),
    saveCheckpoint: async () => {},
    deleteCheckpoint: async () => {},
    loadManifest: async () => manifest,
    async saveManifest(m) {
      this.saved = m;
    },
  };
}

describe('the sweep driver', () => {
  const before = validateExperiment(spec);
  const done = expandRuns(before).map((r) => recordOf(before, r));

  it('an unchanged experiment has no changes; new runs in the grid are not changes', async () => {
    expect(await changedSettings(before, store(done), null)).toEqual([]);
    const more = validateExperiment({
      ...spec,
      seeds: [1, 2],
      budgets: { tokens_per_param: [1, 2, 4] },
    });
    expect(await changedSettings(more, store(done), null)).toEqual([]);
  });

  it('another lr and other questions are refused, listing each change and its runs, before a device is opened', async () => {
    const after = validateExperiment({
      ...spec,
      base: { ...spec.base, lr: 3e-3 },
      sampling: { ...spec.sampling, questions: 8 },
    });
    const changes = await changedSettings(after, store(done), null);
    expect(changes.map((c) => [c.key, c.from, c.to, c.runs.length])).toEqual([
      ['lr', 0.01, 0.003, 2],
      ['sampling.questions', 4, 8, 2],
    ]);
    let opened = false;
    const host = {
      store: store(done),
      device: async () => ((opened = true), null as never),
      dropDevice: () => {},
    };
    const err = await driveSweep(host, after).catch((e) => e);
    expect(err).toBeInstanceOf(ExperimentChangedError);
    expect(err.message).toMatch(
      /the experiment "tiny" has changed since its 2 finished or started runs were made/,
    );
    expect(err.message).toMatch(
      / {2}lr: 0\.01 → 0\.003 \(2 runs: L1-C16-H2\/D\/N=1\/s1, L1-C16-H2\/D\/N=2\/s1\)/,
    );
    expect(err.message).toMatch(/ {2}sampling\.questions: 4 → 8/);
    expect(opened).toBe(false);
    expect(host.store.saved).toBeNull(); // the manifest is not overwritten by a refused experiment
  });

  it('a run with only a resume checkpoint is checked against the manifest', async () => {
    const [first] = expandRuns(before);
    const manifest: SweepManifest = {
      format: 't2lab-sweep-1',
      sweep: 'tiny',
      runs: { [first!.id]: runSettings(before, first!) },
      written_at: '',
    };
    const after = validateExperiment({ ...spec, sampling: { ...spec.sampling, max_new: 6 } });
    expect(
      (await changedSettings(after, store([], [first!.id], manifest), manifest)).map((c) => c.key),
    ).toEqual(['sampling.max_new']);
    // Without a checkpoint nothing would be reused, so nothing is refused.
    expect(await changedSettings(after, store([], [], manifest), manifest)).toEqual([]);
  });

  it('the time model: steps × step time + evaluations + sampling scaled by sequences', () => {
    const [run] = expandRuns(before);
    const t = {
      step_s: 0.01,
      first_step_s: 1,
      eval_s: 0.05,
      sample_s: 0.2,
      sample_seqs: 16,
      measured_at: '',
    };
    const steps = Math.ceil(run!.config.tokens / (8 * 32));
    const evals = Math.floor(steps / run!.config.eval_interval) + 2;
    const got = runSeconds(run!, before.sampling, t);
    expect(got.train_s).toBeCloseTo(steps * 0.01 + evals * 0.05, 12);
    expect(got.sample_s).toBeCloseTo((0.2 * (4 * 4)) / 16, 12);
  });

  it('a pack: one step of the runs left per step of the longest, each leaving at its own end', () => {
    const runs = expandRuns(before);
    const t = {
      step_s: 0.01,
      pack_step_s: 0.02,
      pack_runs: 3,
      first_step_s: 1,
      eval_s: 0,
      sample_s: 0.2,
      sample_seqs: 16,
      measured_at: '',
    };
    // Between one run (0.01) and three (0.02): two runs cost 0.015 a step; more than measured, in line.
    expect(packStepSeconds(t, 1)).toBe(0.01);
    expect(packStepSeconds(t, 2)).toBeCloseTo(0.015, 15);
    expect(packStepSeconds(t, 4)).toBeCloseTo(0.025, 15);
    expect(packStepSeconds({ ...t, pack_step_s: undefined }, 3)).toBeCloseTo(0.03, 15); // not timed: alone, 3×
    const withSteps = (steps: number) => ({
      ...runs[0]!,
      config: { ...runs[0]!.config, tokens: steps * 8 * 32, eval_interval: 1e9 },
    });
    // 100, 60 and 20 steps: 20 steps of three runs, 40 of two, 40 of one.
    const got = packSeconds([withSteps(20), withSteps(100), withSteps(60)], t);
    expect(got).toBeCloseTo(20 * 0.02 + 40 * 0.015 + 40 * 0.01, 12);
  });
});

describeGpu('the worker host of the driver', (gpu) => {
  it("runs on the adapter class's default kernels without measuring any, records them, and estimates from kept step times", async () => {
    const db = memoryDb();
    const session = new SweepSession(
      db,
      async () => gpu,
      () => {},
    );
    const exp = { ...spec, budgets: { tokens_per_param: [1] } };
    const logs: string[] = [];
    const result = await session.start(exp, {}, (e) => e.type === 'log' && logs.push(e.message));
    expect(result).toMatchObject({ ran: 1, paused: false });
    // No race on a run's path: nothing measured, nothing stored; the run says and records what it used.
    expect(await storedRecords(gpu, dbChoiceStore(db))).toEqual({});
    const [rec] = await db.records(exp.name);
    expect(rec!.kernels).toEqual(defaultKernels(gpu));
    expect(rec!.kernels_source).toBe('default');
    expect(describeChoices(gpu)).toContain(`v${rec!.kernels!.matmul}`);
    expect(logs.join('\n')).toMatch(/L1-C16-H2: kernels matmul v\d.*\(the default for /);
    // The estimate times the size once, keeps it, and a second call reads it back.
    const est = await session.estimate(exp);
    expect(est.measuredNow).toEqual(['L1-C16-H2']);
    expect(est.total_s).toBeGreaterThan(0);
    expect(est.runs[0]!.basis).toBe('measured');
    const again = await session.estimate(exp);
    expect(again.measuredNow).toEqual([]);
    expect(again.total_s).toBe(est.total_s);
    // Packed (the CLI's sweeps): the size is timed again, alone and two side by side, and both runs of the
    // pack share its time by their steps.
    const two = { ...exp, budgets: { tokens_per_param: [1, 2] } };
    const runs = expandRuns(validateExperiment(two));
    const packed = await estimateSweep(gpu, validateExperiment(two), runs, {
      store: dbChoiceStore(db),
      measure: true,
      pack: 2,
    });
    expect(packed.measuredNow).toEqual(['L1-C16-H2']);
    expect(packed.runs.map((r) => r.pack)).toEqual([2, 2]);
    const [short, long] = packed.runs;
    expect(long!.train_s / short!.train_s).toBeCloseTo(2, 1);
    // The browser refuses a changed preset as the CLI does, and says so in the sweep's state.
    const states: string[] = [];
    const changed = { ...exp, base: { ...exp.base, lr: 3e-3 } };
    await expect(
      session.start(
        changed,
        {},
        (e) => e.type === 'state' && states.push(`${e.state} ${e.error ?? ''}`),
      ),
    ).rejects.toThrow(/lr: 0\.01 → 0\.003 \(1 run: L1-C16-H2\/D\/N=1\/s1\)/);
    expect(states.at(-1)).toMatch(/^error the experiment "tiny" has changed/);
  });
});
