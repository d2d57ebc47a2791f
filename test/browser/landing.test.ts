// The landing view's picture, in Node (web/landing/landing-picture.ts): drawn from the committed analysis,
// one level of the isoFLOP grid, every pass@k line saying how it was measured.
import { describe, expect, it } from 'vitest';
import { committed } from '../../web/explore/committed.ts';
import { landingChart, landingPicture, pickLevel } from '../../web/landing/landing-picture.ts';

describe('the landing picture', () => {
  const pic = landingPicture(committed.records, committed.iso)!;

  it('shows the largest level whose loss optimum is bracketed by measured sizes', () => {
    expect(pic).not.toBeNull();
    expect(pic.level).toBe(pickLevel(committed.iso));
    expect(pic.level.loss?.inside).toBe(true);
    expect(pic.sizes.length).toBeGreaterThanOrEqual(3);
  });

  it('gives the biggest model one try and a smaller one N_big/N_small', () => {
    const big = pic.sizes[pic.sizes.length - 1]!,
      small = pic.sizes[0]!;
    expect(big.k).toBeCloseTo(pic.C_inf / (2 * big.N), 6);
    expect(small.k / big.k).toBeCloseTo(big.N / small.N, 6);
    for (const s of pic.sizes) expect(s.passK).toBeGreaterThanOrEqual(s.pass1 - 1e-12);
  });

  it('labels every pass@k with its method', () => {
    const labels = landingChart(pic).data.datasets.map((d) => String(d.label));
    for (const l of labels.filter((l) => /pass@|sampled/.test(l)))
      expect(l).toMatch(/from the likelihood|sampled \(n = \d+/);
  });

  it('shows a chance line only when every record carries `chance`', () => {
    const without = committed.records.map((r) => ({
      ...r,
      questions: r.questions.map(({ chance: _c, ...q }) => q),
    }));
    const p1 = landingPicture(without, committed.iso)!;
    expect(p1.sizes.every((s) => s.chanceK === null)).toBe(true);
    expect(landingChart(p1).data.datasets.some((d) => /guesser/.test(String(d.label)))).toBe(false);
    const withChance = committed.records.map((r) => ({
      ...r,
      questions: r.questions.map((q) => ({ ...q, chance: 0.01 })),
    }));
    const p2 = landingPicture(withChance, committed.iso)!;
    expect(p2.sizes[0]!.chance1).toBeCloseTo(0.01, 9);
    expect(p2.sizes[0]!.chanceK).toBeCloseTo(1 - 0.99 ** p2.sizes[0]!.k, 6);
    expect(landingChart(p2).data.datasets.some((d) => /guesser/.test(String(d.label)))).toBe(true);
  });
});
