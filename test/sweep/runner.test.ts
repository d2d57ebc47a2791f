// The sweep runner end to end on the GPU, with an in-memory store: every run trained, sampled and
// recorded; a second call skips finished runs; a pause mid-run resumes to the same record; runs another
// process claimed (SweepOptions.claim, `--jobs`) are left to it and counted as skipped.
import { expect, it } from 'vitest';
import { runSweep } from '../../src/sweep/runner.ts';
import { validateExperiment } from '../../src/sweep/experiment.ts';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { describeGpu } from '../helpers.ts';
import { MemoryStore } from './fixture.ts';

const experiment = validateExperiment({
  name: 'tiny',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 32,
    batch_size: 8,
    lr: 1e-2,
    log_interval: 2,
    eval_interval: 4,
    eval_batches: 1,
  },
  models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
  budgets: { tokens_per_param: [0.4, 0.8] },
  seeds: [1],
  sampling: { questions: 4, n: 4, k: [1, 2, 4], max_new: 4 },
});

describeGpu('sweep runner', (gpu) => {
  it('records every run, skips finished ones, and resumes a paused run to the same record', async () => {
    const store = new MemoryStore();
    const phases = new Set<string>();
    const r1 = await runSweep(gpu, experiment, store, { onProgress: (p) => phases.add(p.phase) });
    expect(r1).toMatchObject({ ran: 2, skipped: 0, remaining: 0, paused: false });
    expect(phases).toEqual(new Set(['train', 'sample']));
    expect(store.list.map((r) => r.id)).toEqual(['L1-C16-H2/D/N=0.4/s1', 'L1-C16-H2/D/N=0.8/s1']);
    for (const r of store.list) {
      expect(r.D).toBe(r.config.tokens);
      expect(r.questions).toHaveLength(4);
      for (const q of r.questions) {
        expect(q.n).toBe(4);
        expect(q.samples).toHaveLength(4);
        expect(q.p).toBeGreaterThan(0);
        expect(q.p).toBeLessThanOrEqual(1);
      }
      expect(r.pass_at_k.sampling.k).toEqual([1, 2, 4]);
      expect(r.pass_at_k.likelihood.value.every((v, i, a) => i === 0 || v >= a[i - 1]!)).toBe(true);
      expect(loadCheckpoint(store.models.get(r.id)!).state.tokens).toBe(r.D);
    }
    expect(store.checkpoints.size).toBe(0);

    const again = await runSweep(gpu, experiment, store);
    expect(again).toMatchObject({ ran: 0, skipped: 2 });

    // Pause the second run partway, then resume it in a fresh store holding only the first record.
    const resumed = new MemoryStore();
    resumed.list = [store.list[0]!];
    const controller = new AbortController();
    const paused = await runSweep(gpu, experiment, resumed, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'train' && (p.train?.step ?? 0) >= 4) controller.abort();
      },
    });
    expect(paused).toMatchObject({ ran: 0, paused: true, remaining: 1 });
    expect(resumed.checkpoints.size).toBe(1);
    const logs: string[] = [];
    const done = await runSweep(gpu, experiment, resumed, { onLog: (m) => logs.push(m) });
    expect(done).toMatchObject({ ran: 1, paused: false });
    expect(logs.join('\n')).toMatch(/resuming from its checkpoint/);
    const [a, b] = [store.list[1]!, resumed.list[1]!];
    expect(b.curve).toEqual(a.curve);
    expect(b.eval_loss).toBe(a.eval_loss);
    expect(b.questions.map((q) => [q.c, q.p])).toEqual(a.questions.map((q) => [q.c, q.p]));
  });

  it('trains only the runs its claim gets, leaving the rest to whoever claimed them', async () => {
    const store = new MemoryStore();
    const asked: string[][] = [];
    const r = await runSweep(gpu, experiment, store, {
      claim: async (runs) => {
        asked.push(runs.map((x) => x.id));
        return runs.filter((x) => x.id.includes('0.8'));
      },
    });
    expect(asked).toEqual([['L1-C16-H2/D/N=0.4/s1'], ['L1-C16-H2/D/N=0.8/s1']]);
    expect(r).toMatchObject({ ran: 1, skipped: 1, remaining: 0, paused: false });
    expect(store.list.map((x) => x.id)).toEqual(['L1-C16-H2/D/N=0.8/s1']);
  });

  it('a corrupt resume checkpoint is reported and the run starts over', async () => {
    const store = new MemoryStore();
    store.checkpoints.set('L1-C16-H2/D/N=0.4/s1', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const logs: string[] = [];
    const r = await runSweep(gpu, { ...experiment, budgets: { tokens_per_param: [0.4] } }, store, {
      onLog: (m) => logs.push(m),
    });
    expect(r.ran).toBe(1);
    expect(logs.join('\n')).toMatch(/resume checkpoint is unusable .*starting the run over/);
  });
});
