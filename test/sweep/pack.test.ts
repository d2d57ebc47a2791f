// A packed sweep against the same sweep one run at a time: the grid grouped by model shape into packs,
// each run's record (but its timings) and model bytes the same, its samples too where runs that end
// together sample side by side; a packed sweep paused mid-pack resumes to the same records. Then the
// grouping and the device bound, which need no GPU.
import { describe, expect, it } from 'vitest';
import { runSweep } from '../../src/sweep/runner.ts';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import { packCapacity, packRuns } from '../../src/sweep/pack.ts';
import { makeConfig } from '../../src/config.ts';
import { describeGpu } from '../helpers.ts';
import { MemoryStore } from './fixture.ts';

// Two sizes × three budgets, a second seed for the smaller: packs of 4, 2 and 3 at --pack 4, and of 2 at 2.
const experiment = validateExperiment({
  name: 'packed',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 16,
    batch_size: 3,
    lr: 1e-2,
    log_interval: 2,
    eval_interval: 3,
    eval_batches: 1,
  },
  models: [
    { n_layer: 1, n_embd: 12, n_head: 2 },
    { n_layer: 1, n_embd: 20, n_head: 2 },
  ],
  budgets: { tokens_per_param: [0.1, 0.2, 0.35] },
  seeds: [1],
  extra_seeds: { max_params: 3000, seeds: [2] },
  sampling: { questions: 3, n: 3, k: [1, 3], max_new: 4 },
});

/** A record without what depends on the clock. */
function numbers(r: RunRecord) {
  const { timings: _t, finished_at: _f, ...rest } = r;
  return rest;
}

const byId = (list: RunRecord[]) => new Map(list.map((r) => [r.id, numbers(r)]));

describeGpu('sweep --pack', (gpu) => {
  it('records and model bytes equal one run at a time, at packs of 4 and of 2; a paused pack resumes', async () => {
    const alone = new MemoryStore();
    await runSweep(gpu, experiment, alone);
    expect(alone.list).toHaveLength(9);
    for (const pack of [4, 2]) {
      const store = new MemoryStore();
      const logs: string[] = [];
      const r = await runSweep(gpu, experiment, store, { pack, onLog: (m) => logs.push(m) });
      expect(r).toMatchObject({ ran: 9, paused: false, remaining: 0 });
      expect(logs.join('\n')).toMatch(new RegExp(`${pack} runs trained side by side`));
      // Seeds 1 and 2 of the smaller size end together at each budget: they sample as one pack.
      expect(logs.filter((m) => /2 runs sampled side by side/.test(m))).toHaveLength(3);
      expect(byId(store.list)).toEqual(byId(alone.list));
      for (const [id, bytes] of alone.models) expect(store.models.get(id), id).toEqual(bytes);
      expect(store.checkpoints.size).toBe(0);
    }
    // Paused while the first pack (the smaller size's 6 runs, at most 4) trains, then run again.
    const store = new MemoryStore();
    const controller = new AbortController();
    const paused = await runSweep(gpu, experiment, store, {
      pack: 4,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'train' && (p.train?.step ?? 0) >= 3) controller.abort();
      },
    });
    expect(paused).toMatchObject({ paused: true });
    expect(store.checkpoints.size).toBeGreaterThan(0);
    const logs: string[] = [];
    const done = await runSweep(gpu, experiment, store, { pack: 4, onLog: (m) => logs.push(m) });
    expect(done).toMatchObject({ paused: false, remaining: 0 });
    expect(logs.join('\n')).toMatch(/resuming from its checkpoint/);
    expect(byId(store.list)).toEqual(byId(alone.list));
  });
});

describe('packRuns, packCapacity', () => {
  const runs = expandRuns(experiment);
  it('groups runs by model shape, at most N a pack, longest first; N = 1 is one at a time', () => {
    const ids = (n: number) => packRuns(runs, n).map((p) => p.map((r) => r.id));
    expect(ids(1)).toEqual(runs.map((r) => [r.id]));
    const four = packRuns(runs, 4);
    expect(four.map((p) => p.length)).toEqual([4, 2, 3]); // the smaller size has 6 runs (two seeds)
    for (const p of four) expect(new Set(p.map((r) => r.model)).size).toBe(1);
    // Most tokens first, so that a pack's runs end close together: D/N 0.35 (both seeds), 0.2 in the first.
    expect(four[0]!.map((r) => r.config.tokens)).toEqual(
      [...four[0]!.map((r) => r.config.tokens)].sort((a, b) => b - a),
    );
    expect(Math.min(...four[0]!.map((r) => r.config.tokens))).toBeGreaterThanOrEqual(
      Math.max(...four[1]!.map((r) => r.config.tokens)),
    );
    expect(
      four
        .flat()
        .map((r) => r.id)
        .sort(),
    ).toEqual(runs.map((r) => r.id).sort());
    expect(() => packRuns(runs, 0)).toThrow(/pack must be an integer >= 1/);
  });
  it("fits a pack in the adapter's buffers, at most the cap", () => {
    const c = makeConfig({ n_layer: 2, n_embd: 64, block_size: 32, batch_size: 64 });
    const big = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };
    expect(packCapacity(c, big)).toBe(8);
    expect(packCapacity(c, big, 3)).toBe(3);
    // The widest activation is 64·32·256 floats = 2 MiB: a 5 MiB buffer holds two runs' worth.
    const small = { maxStorageBufferBindingSize: 5 * 2 ** 20, maxBufferSize: 2 ** 30 };
    expect(packCapacity(c, small)).toBe(2);
    expect(packCapacity(c, { ...small, maxStorageBufferBindingSize: 2 ** 20 })).toBe(1);
  });
});
