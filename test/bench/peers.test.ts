// The peer benchmark end to end on the test adapter, at its smallest: jax-js and TF.js must agree with
// our kernels on a matmul, an attention forward and two training steps of a tiny GPT, and every row
// must come back timed. (The figures themselves come from `npm run bench -- --peers`, not from here.)
// On a software adapter with a cold Mesa shader cache, compiling jax-js's and TF.js's kernels for the
// training step takes about two minutes; with the cache warm the whole test takes seconds.
import { describe, expect, it } from 'vitest';
import { formatPeerBench, trainCase } from '../../src/bench/peers/peer-bench.ts';
import { runPeerBenchNode } from '../../src/node/peers.ts';
import { memoryStore } from '../../src/sweep/kernel-choice.ts';
import { describeGpu } from '../helpers.ts';

describe('trainCase', () => {
  it("holds the model's own parameters at initialisation and a next-token batch", () => {
    const c = trainCase(1, 16, 2, 8, 2);
    expect(c.params.map((p) => p.name)).toContain('h0.qkvw');
    expect(c.params.find((p) => p.name === 'h0.qkvw')).toMatchObject({
      shape: [48, 16],
      decay: true,
    });
    expect(c.params.find((p) => p.name === 'lnfw')!.data.every((x) => x === 1)).toBe(true);
    expect(c.params.find((p) => p.name === 'h0.fcb')).toMatchObject({ decay: false });
    expect(c.tokens.length).toBe(16);
    expect(c.targets.slice(0, 15)).toEqual(c.tokens.slice(1));
  });
});

describeGpu('peer benchmark', (gpu) => {
  it('jax-js and TF.js agree with t2lab on every kind of row, and each row is timed', async () => {
    const report = await runPeerBenchNode(gpu, {
      quick: true,
      reps: 1,
      warmup: 1,
      train: { L: 1, C: 16, H: 2, T: 8, B: 2 },
      store: memoryStore(),
    });
    expect(report.rows.map((r) => r.kind)).toEqual([
      'matmul',
      'matmul',
      'matmul',
      'matmul',
      'attention',
      'train_step',
    ]);
    for (const r of report.rows) {
      expect(r.ours.ms, `${r.kind} ${r.shape}`).toBeGreaterThan(0);
      expect(r.peers.map((p) => p.name)).toEqual(['jax-js', 'tfjs']);
      for (const p of r.peers) {
        expect(p.error, `${p.name} ${r.kind} ${r.shape}`).toBeUndefined();
        expect(p.agree, `${p.name} ${r.kind} ${r.shape}: max diff ${p.maxDiff}`).toBe(true);
        expect(p.speedup).toBeCloseTo(p.ms! / r.ours.ms, 6);
      }
    }
    const table = formatPeerBench(report);
    expect(table).toMatch(/train_step\s+L=1 C=16 H=2 T=8 B=2/);
    expect(table).toMatch(/×jax-js/);
  }, 400_000);
});
