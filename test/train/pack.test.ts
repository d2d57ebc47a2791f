// The pack's twin test: runs trained side by side (PackTrainer) against each trained alone (Trainer). Every
// number a run records, its losses, held-out losses, steps, tokens and its model's checkpoint bytes, must be
// the same bits, on awkward settings: odd B, T and C, three runs with their own seeds, learning rates and
// budgets (so the pack loses its top run twice), logs and evaluations at steps that differ between runs,
// and a pack paused mid-way whose runs resume, one alone and two in a new pack.
import { expect, it } from 'vitest';
import { makeConfig, type Config } from '../../src/config.ts';
import { Trainer, type TrainResult } from '../../src/train/trainer.ts';
import { PackTrainer, packKey } from '../../src/train/pack.ts';
import { describeGpu } from '../helpers.ts';

const tiny = {
  n_layer: 2,
  n_embd: 18,
  n_head: 3,
  block_size: 11,
  batch_size: 3,
  eval_batches: 2,
};
const BT = 3 * 11;
const configs: Config[] = [
  makeConfig({ ...tiny, seed: 1, lr: 1e-2, tokens: BT * 5 + 7, log_interval: 2, eval_interval: 3 }),
  makeConfig({ ...tiny, seed: 2, lr: 3e-3, tokens: BT * 9, log_interval: 1, eval_interval: 4 }),
  makeConfig({ ...tiny, seed: 3, lr: 2e-2, tokens: BT * 3 - 5, log_interval: 3, eval_interval: 2 }),
];

/** What a run records: everything but its timings. */
function numbers(r: TrainResult) {
  const { seconds: _s, adapter: _a, ...rest } = r;
  return rest;
}

describeGpu('PackTrainer: each run packed is the same bits as alone', (gpu) => {
  async function alone(c: Config): Promise<{ result: TrainResult; model: Uint8Array }> {
    const t = new Trainer(gpu, c);
    const result = await t.run();
    const model = await t.checkpoint(result);
    t.dispose();
    return { result, model };
  }

  it('refuses runs of other shapes in one pack, naming what differs', () => {
    expect(packKey(configs[0]!)).toBe(packKey(configs[1]!));
    const wide = makeConfig({ ...tiny, n_embd: 24 });
    expect(() => new PackTrainer(gpu, [configs[0]!, wide])).toThrow(/must share the model shape/);
  });

  it('three runs (other seeds, lr, D; one leaves early, then another): records and model bytes', async () => {
    const want = [];
    for (const c of configs) want.push(await alone(c));
    const pack = new PackTrainer(gpu, configs);
    const got: { result: TrainResult; model: Uint8Array }[] = [];
    const order: number[] = [];
    await pack.run({
      onFinished: async (ended) => {
        for (const { index: i, result } of ended) {
          order.push(i);
          got[i] = { result, model: await pack.checkpoint(i, result) };
        }
      },
    });
    pack.dispose();
    expect(order).toEqual([2, 0, 1]); // fewest steps first
    for (let i = 0; i < configs.length; i++) {
      expect(numbers(got[i]!.result), `run ${i}`).toEqual(numbers(want[i]!.result));
      expect(got[i]!.model, `run ${i} model bytes`).toEqual(want[i]!.model);
    }
  });

  it('a pack paused mid-way resumes, one run alone and two in a new pack, to the same bits', async () => {
    const want = [];
    for (const c of configs) want.push(await alone(c));
    const controller = new AbortController();
    const first = new PackTrainer(gpu, configs);
    const saved: (Uint8Array | null)[] = [null, null, null];
    const finished: TrainResult[] = [];
    const { paused } = await first.run({
      signal: controller.signal,
      onProgress: (i, p) => {
        if (i === 1 && p.step === 4) controller.abort();
      },
      onFinished: async (ended) => ended.forEach(({ index, result }) => (finished[index] = result)),
      checkpoint: async () => {
        if (!controller.signal.aborted) return;
        for (const i of first.running()) saved[i] = await first.snapshot(i);
      },
    });
    first.dispose();
    expect(paused).toBe(true);
    // Run 2 (3 steps) ended before the pause; runs 0 and 1 were saved at step 4.
    expect(numbers(finished[2]!)).toEqual(numbers(want[2]!.result));
    expect(saved[0] && saved[1]).toBeTruthy();
    // Run 0 resumes alone (the snapshot is a Trainer's), run 1 in a new pack with a fresh run 2.
    const t = new Trainer(gpu, configs[0]!);
    t.restore(saved[0]!);
    const r0 = await t.run();
    expect(numbers(r0)).toEqual(numbers(want[0]!.result));
    expect(await t.checkpoint(r0)).toEqual(want[0]!.model);
    t.dispose();
    const second = new PackTrainer(gpu, [configs[1]!, configs[2]!], [saved[1]!, null]);
    expect(second.unusable).toEqual([]);
    const got: TrainResult[] = [];
    await second.run({
      onFinished: async (ended) => ended.forEach(({ index, result }) => (got[index] = result)),
    });
    expect(numbers(got[0]!)).toEqual(numbers(want[1]!.result));
    expect(numbers(got[1]!)).toEqual(numbers(want[2]!.result));
    expect(await second.checkpoint(0, got[0]!)).toEqual(want[1]!.model);
    second.dispose();
  });
});
