// Per-step overhead: the smallest models' step time split into GPU time and the rest, and its table.
import { expect, it } from 'vitest';
import { packWall, stepOverhead, stepProfile } from '../../src/train/train.bench.ts';
import { formatOverhead, formatPackWall, formatStepProfile } from '../../src/bench/run.ts';
import { describeGpu } from '../helpers.ts';

describeGpu('stepOverhead', (gpu) => {
  it('splits a step of the smallest models into GPU time and the rest', async () => {
    const rows = await stepOverhead(gpu, 2);
    expect(rows.map((r) => r.shape)).toEqual(['L=1 C=16 H=2 B=32 T=32', 'L=2 C=64 H=4 B=64 T=32']);
    for (const r of rows) {
      expect(r.stepMs).toBeGreaterThan(0);
      expect(r.hostMs).toBeGreaterThan(0);
      expect(r.hostMs).toBeLessThan(r.stepMs);
      expect(r.pipelinedMs).toBeGreaterThan(0);
      if (gpu.hasTimestamps) expect(r.gpuMs).toBeGreaterThan(0);
    }
    // a second block adds its forward and backward kernels
    expect(rows[0]!.dispatches).toBeGreaterThan(10);
    expect(rows[1]!.dispatches).toBeGreaterThan(rows[0]!.dispatches);
    const table = formatOverhead(rows);
    expect(table).toMatch(new RegExp(`L=1 C=16 H=2 B=32 T=32\\s+${rows[0]!.dispatches}\\s`));
    expect(table.split('\n')).toHaveLength(5);
  });

  it('profiles a step per kernel: every dispatch counted once, the sum their total', async () => {
    const profiles = await stepProfile(gpu, 1);
    if (!gpu.hasTimestamps) return expect(profiles).toEqual([]);
    const overhead = await stepOverhead(gpu, 1);
    // Each model alone, then in a pack of 8, whose step has the very dispatches of one run's.
    expect(profiles.map((p) => p.shape)).toEqual(
      overhead.flatMap((o) => [o.shape, `${o.shape}, 8 runs side by side`]),
    );
    profiles.forEach((p, i) => {
      const o = overhead[Math.floor(i / 2)]!;
      expect(p.rows.reduce((a, r) => a + r.dispatches, 0)).toBe(o.dispatches);
      expect(p.rows.reduce((a, r) => a + r.ms, 0)).toBeCloseTo(p.totalMs, 6);
      expect(p.rows.map((r) => r.kernel)).toContain('adamw_update.v1');
      expect(p.rows.every((r, j) => j === 0 || r.ms <= p.rows[j - 1]!.ms)).toBe(true);
    });
    const table = formatStepProfile(profiles);
    expect(table).toMatch(/^step profile/);
    expect(table).toMatch(/\nsum\s+\d+\s+[\d.]+\s+100\.0/);
  });

  it('times packed steps by the wall clock, tokens of every run counted, against the pack of one', async () => {
    const size = { n_layer: 1, n_embd: 8, n_head: 2, block_size: 16, batch_size: 4 };
    const rows = await packWall(gpu, 3, [size], [1, 2]);
    expect(rows.map((r) => [r.shape, r.R])).toEqual([
      ['L=1 C=8 H=2 B=4 T=16', 1],
      ['L=1 C=8 H=2 B=4 T=16', 2],
    ]);
    for (const r of rows) {
      expect(r.ms).toBeGreaterThan(0);
      expect(r.tokensPerSec).toBeCloseTo((r.R * 4 * 16) / (r.ms / 1000), 6);
    }
    const table = formatPackWall(rows);
    expect(table).toMatch(/\nL=1 C=8 H=2 B=4 T=16\s+1\s+[\d.]+\s+\d+\s+\d+\s+1\.00×/);
    const ratio = (rows[1]!.tokensPerSec / rows[0]!.tokensPerSec).toFixed(2);
    expect(table).toContain(`${ratio}×`);
  });
});
