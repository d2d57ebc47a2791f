import { describe, expect, it } from 'vitest';
import { Trainer, lrAt } from '../../src/train/trainer.ts';
import { makeConfig, ConfigError, parseMix } from '../../src/config.ts';
import { saveCheckpoint, loadCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { CheckpointError } from '../../src/checkpoint/safetensors.ts';
import { describeGpu } from '../helpers.ts';

// Tiny: a few steps on the software adapter.
const tiny = {
  n_layer: 1,
  n_embd: 32,
  n_head: 2,
  block_size: 32,
  batch_size: 4,
  log_interval: 1,
  eval_interval: 4,
  eval_batches: 1,
};

describeGpu('Trainer', (gpu) => {
  it('consumes exactly D tokens, even when D is not a multiple of B·T, and the loss falls', async () => {
    const t = new Trainer(gpu, makeConfig({ ...tiny, tokens: 4 * 32 * 12 + 77, lr: 1e-2 }));
    const r = await t.run();
    t.dispose();
    expect(r.steps).toBe(13);
    expect(r.tokens).toBe(4 * 32 * 12 + 77);
    expect(r.diverged).toBeNull();
    expect(r.evals[r.evals.length - 1]!.loss).toBeLessThan(r.evals[0]!.loss - 0.8);
  });

  it('same config and seed give bit-identical loss curves; another seed differs', async () => {
    const run = async (seed: number) => {
      const t = new Trainer(gpu, makeConfig({ ...tiny, tokens: 4 * 32 * 5, seed }));
      const r = await t.run();
      t.dispose();
      return r.curve.map((p) => p.loss);
    };
    const a = await run(1),
      b = await run(1),
      c = await run(2);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('a paused run resumed from its snapshot ends exactly where an uninterrupted run does', async () => {
    const config = makeConfig({ ...tiny, tokens: 4 * 32 * 9 + 5, lr: 1e-2 });
    const whole = new Trainer(gpu, config);
    const want = await whole.run();
    const wantParams = await whole.parameters();
    whole.dispose();

    const first = new Trainer(gpu, config);
    const controller = new AbortController();
    let saved: Uint8Array | null = null;
    const paused = await first.run(
      (p) => {
        if (p.step === 4) controller.abort();
      },
      {
        signal: controller.signal,
        checkpoint: async () => {
          saved = await first.snapshot();
        },
      },
    );
    first.dispose();
    expect(paused.paused).toBe(true);
    expect(paused.steps).toBe(4);
    expect(saved).not.toBeNull();

    const second = new Trainer(gpu, config);
    second.restore(saved!);
    const got = await second.run();
    const gotParams = await second.parameters();
    second.dispose();
    expect(got.paused).toBe(false);
    expect(got.tokens).toBe(want.tokens);
    expect(got.curve.map((p) => p.loss)).toEqual(want.curve.map((p) => p.loss));
    expect(got.finalEvalLoss).toBe(want.finalEvalLoss);
    for (const name of Object.keys(wantParams))
      expect(gotParams[name]!.data, name).toEqual(wantParams[name]!.data);
  });

  it('refuses a snapshot of another config or a final checkpoint, saying why', async () => {
    const a = new Trainer(gpu, makeConfig({ ...tiny, tokens: 4 * 32 * 2 }));
    const snap = await a.snapshot();
    a.dispose();
    const b = new Trainer(gpu, makeConfig({ ...tiny, tokens: 4 * 32 * 3 }));
    expect(() => b.restore(snap)).toThrow(/another config/);
    const final = saveCheckpoint({
      config: b.config,
      params: await b.parameters(),
      state: { step: 0, tokens: 0, finalEvalLoss: NaN },
    });
    expect(() => b.restore(final)).toThrow(/no optimizer state/);
    b.dispose();
  });

  it('a NaN loss ends the run, marked diverged at that step', async () => {
    const t = new Trainer(gpu, makeConfig({ ...tiny, tokens: 4 * 32 * 6 }));
    gpu.write(t.model.params.lnfw!, new Float32Array(32).fill(NaN));
    const r = await t.run();
    t.dispose();
    expect(r.diverged).toEqual({ step: 1, loss: NaN });
    expect(r.steps).toBe(1);
  });

  it('overfits one repeated batch far below the untrained loss', async () => {
    const t = new Trainer(
      gpu,
      makeConfig({ ...tiny, tokens: 4 * 32 * 40, lr: 1e-2, weight_decay: 0, warmup_frac: 0 }),
    );
    const { inputs, targets } = t.stream.nextBatch(4, 32);
    t.stream.nextBatch = () => ({ inputs: inputs.slice(), targets: targets.slice() });
    const r = await t.run();
    t.dispose();
    expect(r.curve[r.curve.length - 1]!.loss).toBeLessThan(0.25 * r.curve[0]!.loss);
  });

  it('releases its buffers: consecutive runs do not grow memory', async () => {
    // ~20 MiB of activations and optimizer state per run; on a software adapter GPU buffers are
    // process memory, so a leak would add that much per run.
    const config = makeConfig({
      n_layer: 2,
      n_embd: 128,
      n_head: 4,
      block_size: 64,
      batch_size: 16,
      tokens: 16 * 64,
      eval_batches: 1,
    });
    const rss: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = new Trainer(gpu, config);
      await t.run();
      t.dispose();
      await gpu.sync();
      rss.push(process.memoryUsage().rss);
    }
    // Runs 1-3 warm caches (pipelines, allocator pools); a leak of >= 20 MiB a run would add >= 60 MiB over
    // runs 4-6. Without one the allocator still drifts over them (3, 13, 16 and 22 MiB in four full runs),
    // so the bound sits between the two: 40 MiB, two runs' worth of leaked buffers.
    const growth = (rss[5]! - rss[2]!) / 2 ** 20;
    console.log(
      `RSS after each of 6 consecutive runs (MiB): ${rss.map((x) => (x / 2 ** 20).toFixed(0)).join(', ')}`,
    );
    expect(growth).toBeLessThan(40);
  });

  it('a checkpoint round-trips, and damaged copies are refused with clear messages', async () => {
    const config = makeConfig({ ...tiny, tokens: 4 * 32 * 2 });
    const t = new Trainer(gpu, config);
    const r = await t.run();
    const params = await t.parameters();
    t.dispose();
    const bytes = saveCheckpoint({
      config,
      params,
      state: { step: r.steps, tokens: r.tokens, finalEvalLoss: r.finalEvalLoss },
    });
    const back = loadCheckpoint(bytes);
    expect(back.config).toEqual(config);
    expect(back.state.tokens).toBe(r.tokens);
    for (const [name, p] of Object.entries(params)) expect(back.params[name]!.data).toEqual(p.data);

    expect(() => loadCheckpoint(bytes.slice(0, bytes.length - 10))).toThrow(CheckpointError);
    const flipped = bytes.slice();
    new DataView(flipped.buffer).setUint32(0, 0xffffff, true);
    expect(() => loadCheckpoint(flipped)).toThrow(CheckpointError);
    const wrongShape = saveCheckpoint({
      config: { ...config, n_embd: 64, n_head: 2 },
      params,
      state: back.state,
    });
    expect(() => loadCheckpoint(wrongShape)).toThrow(/tensors do not match its config/);
    const nan = structuredClone(params);
    nan.wte!.data[3] = NaN;
    expect(() =>
      loadCheckpoint(saveCheckpoint({ config, params: nan, state: back.state })),
    ).toThrow(/non-finite/);
  });
});

describe('schedule and config', () => {
  it('warms up linearly, then decays by cosine to zero exactly at the budget', () => {
    const c = { lr: 1, warmup_frac: 0.1 };
    expect(lrAt(0, 100, c)).toBeCloseTo(0.1);
    expect(lrAt(9, 100, c)).toBeCloseTo(1);
    expect(lrAt(10, 100, c)).toBeCloseTo(1);
    expect(lrAt(55, 100, c)).toBeCloseTo(0.5);
    expect(lrAt(99, 100, c)).toBeGreaterThan(0);
    expect(lrAt(100, 100, c)).toBeCloseTo(0);
    for (let s = 10; s < 99; s++) expect(lrAt(s + 1, 100, c)).toBeLessThan(lrAt(s, 100, c));
  });

  it('refuses bad configs naming the key', () => {
    expect(() => makeConfig({ n_embd: 30, n_head: 4 })).toThrow(
      /n_embd \(30\) must be divisible by n_head \(4\)/,
    );
    expect(() => makeConfig({ n_layr: 2 })).toThrow(/unknown config key "n_layr"/);
    expect(() => makeConfig({ lr: 'fast' })).toThrow(/"lr" must be a number/);
    expect(() => makeConfig({ n_layer: 0 })).toThrow(
      /"n_layer" must be an integer in \[1, 64\], got 0/,
    );
    expect(() => makeConfig({ block_size: 4096 })).toThrow(
      /"block_size" 4,096 is above the bound 1,024/,
    );
    expect(() => makeConfig({ n_embd: 512, n_head: 2 })).toThrow(/head size/);
    expect(() => parseMix('add:1,nope:2')).toThrow(ConfigError);
    expect(makeConfig({ tokens: '1_000_000' }).tokens).toBe(1_000_000);
  });
});
