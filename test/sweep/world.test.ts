// The world grid keeps T2.md's design rules ("Designing a toy grid that shows it"), checked on its runs.
import { describe, expect, it } from 'vitest';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import world from '../../experiments/world.ts';
import calibrateWorld from '../../experiments/calibrate-world.ts';

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
