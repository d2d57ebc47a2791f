// The world grid keeps T2.md's design rules ("Designing a toy grid that shows it"), checked on its runs; so does
// its fifth level (world-2e12), with the grid's own configs, and that level with harder questions (world-2e12-hard).
import { describe, expect, it } from 'vitest';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import world from '../../experiments/world.ts';
import calibrateWorld from '../../experiments/calibrate-world.ts';
import world2e12 from '../../experiments/world-2e12.ts';
import world2e12hard from '../../experiments/world-2e12-hard.ts';
import { parseLevels } from '../../src/config.ts';
import { TASKS } from '../../src/data/tasks.ts';

describe('experiments/world.ts', () => {
  const runs = expandRuns(validateExperiment(world, 'world'));
  const levels = [...new Set(runs.filter((r) => r.budget.startsWith('C=')).map((r) => r.budget))];

  it('>= 7 sizes over >= 2 decades of N, spaced <= 1.55x where the optima are expected', () => {
    const Ns = [...new Set(runs.map((r) => r.N_nonemb))].sort((a, b) => a - b);
    expect(Ns.length).toBeGreaterThanOrEqual(7);
    expect(Math.log10(Ns.at(-1)! / Ns[0]!)).toBeGreaterThanOrEqual(2);
    const twoLayer = Ns.filter((N) => N >= 3000 && N <= 40_000); // L2C12 .. L3C32
    for (let i = 1; i < twoLayer.length; i++)
      expect(twoLayer[i]! / twoLayer[i - 1]!).toBeLessThanOrEqual(1.55);
  });

  it('>= 4 isoFLOP levels, each with >= 6 sizes, D/N from ~1 to >= 1,000', () => {
    expect(levels.length).toBeGreaterThanOrEqual(4);
    for (const level of levels) {
      const sizes = new Set(runs.filter((r) => r.budget === level).map((r) => r.N_nonemb));
      expect(sizes.size, level).toBeGreaterThanOrEqual(6);
    }
    const ratios = runs.map((r) => r.config.tokens / r.N_nonemb);
    expect(Math.min(...ratios)).toBeLessThan(3);
    expect(Math.max(...ratios)).toBeGreaterThanOrEqual(1000);
  });

  it('two seeds at the sizes near the expected optima; >= 4 overtrained runs held out of the fits', () => {
    for (const level of levels) {
      const near = runs.filter((r) => r.budget === level && r.model.startsWith('L2-C24'));
      expect(near.map((r) => r.config.seed).sort()).toEqual([1, 2]);
    }
    const over = runs.filter((r) => r.budget.startsWith('D/N='));
    expect(over.length).toBeGreaterThanOrEqual(4);
    for (const r of over)
      expect(r.config.tokens / r.N_nonemb).toBeGreaterThan(world.holdout_ratio!);
  });

  it('512 tokens a step: the largest size of every level gets hundreds of steps', () => {
    for (const level of levels) {
      const largest = runs
        .filter((r) => r.budget === level)
        .reduce((a, b) => (a.N_nonemb > b.N_nonemb ? a : b));
      const steps = largest.config.tokens / (largest.config.batch_size * largest.config.block_size);
      expect(steps, level).toBeGreaterThanOrEqual(100);
    }
  });

  it('its learning-rate scan covers every scanned size by a factor >= 2 on both sides of the rule', () => {
    const e = validateExperiment(calibrateWorld, 'calibrate-world');
    const lrs = e.scan!.lr as number[];
    for (const m of e.models) {
      const rule = Math.min(0.03, Math.max(0.005, 0.02 * Math.sqrt(16 / m.n_embd)));
      expect(Math.min(...lrs)).toBeLessThanOrEqual(rule / 2);
      expect(Math.max(...lrs)).toBeGreaterThanOrEqual(rule * 2);
    }
    expect(e.budgets).toEqual({ flops: [1e11, 2.5e11] });
  });

  it("takes each size's rate from the committed scan: the scanned widths' picks, log-linear between", () => {
    const rate = (C: number) => world.models.find((m) => m.n_embd === C)!.lr;
    expect([8, 12, 24, 32, 40, 64].map(rate)).toEqual([0.024, 0.024, 0.012, 0.012, 0.012, 0.012]);
    expect(rate(16)).toBeCloseTo(0.018, 12); // 0.024 · (12/16): between 12 and 24 the rate halves as C doubles
    expect(rate(20)).toBeCloseTo(0.0144, 12);
  });
});

describe('experiments/world-2e12.ts', () => {
  const runs = expandRuns(validateExperiment(world2e12, 'world-2e12'));
  const grid = new Map(
    expandRuns(validateExperiment({ ...world, budgets: { flops: [2e12] } }, 'world')).map((r) => [
      r.id,
      r,
    ]),
  );

  it("is the world grid's rules at 2e12: its sizes with 1 <= D/N <= 5,000, the same configs and ids", () => {
    expect(runs.every((r) => r.budget === 'C=2.0e+12')).toBe(true);
    const Ns = [...new Set(runs.map((r) => r.N_nonemb))].sort((a, b) => a - b);
    expect(Ns).toHaveLength(9);
    expect([Ns[0], Ns.at(-1)]).toEqual([10_160, 200_064]);
    // Seed 1 of each size is the grid's run at 2e12 (same id and config); a second seed differs only by it.
    for (const r of runs) {
      const s1 = grid.get(r.id.replace(/\/s\d+$/, '/s1'));
      expect(s1, r.id).toBeDefined();
      expect({ ...r.config, seed: 1 }, r.id).toEqual(s1!.config);
    }
    expect(world2e12.sampling).toEqual(world.sampling);
  });

  it('two seeds within two steps of either predicted optimum (14,496-113,184), one elsewhere', () => {
    for (const N of new Set(runs.map((r) => r.N_nonemb))) {
      const seeds = runs.filter((r) => r.N_nonemb === N).map((r) => r.config.seed);
      expect(seeds.sort(), `N ${N}`).toEqual(N >= 14_000 && N <= 120_000 ? [1, 2] : [1]);
    }
    expect(runs).toHaveLength(16);
  });
});

describe('experiments/world-2e12-hard.ts', () => {
  it('is the 2e12 level with one change, harder questions: same runs and settings but `levels`', () => {
    const level = expandRuns(validateExperiment(world2e12, 'world-2e12'));
    const hard = expandRuns(validateExperiment(world2e12hard, 'world-2e12-hard'));
    expect(hard.map((r) => r.id)).toEqual(level.map((r) => r.id));
    hard.forEach((r, i) => {
      expect(r.config.levels).toBe('cpy:3-9,rev:3-9,sum:1-4');
      expect({ ...r.config, levels: '' }).toEqual(level[i]!.config);
    });
    expect(world2e12hard.sampling).toEqual(world2e12.sampling);
    // Each graded skill keeps its default easy end and gains harder levels.
    expect(parseLevels(hard[0]!.config.levels)).toEqual({ cpy: [3, 9], rev: [3, 9], sum: [1, 4] });
    for (const t of ['cpy', 'rev', 'sum'] as const)
      expect(TASKS[t].difficulty.default[0]).toBe(parseLevels(hard[0]!.config.levels)[t]![0]);
  });
});
