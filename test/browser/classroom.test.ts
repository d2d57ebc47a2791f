// The classroom features' logic in Node (web/shared/classroom-logic.ts): progress that never goes backwards and an ETA
// that waits for a measurement; the grid controls' parsing and where a grid error sits; the train-to-test
// comparison at k = C_inf/(2N); the reversed-digit reading.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  ProgressDisplay,
  lineOf,
  locateError,
  parseList,
  parseModels,
  formatModels,
  ordinaryAnswer,
  ordinaryReading,
  tradeoffRows,
  tradeoffReading,
  biggerModelVerdict,
  passKVerdict,
  kernelVerdict,
} from '../../web/shared/classroom-logic.ts';
import { passAtKFromP, passAtKUnbiased } from '../../src/stats/passk.ts';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import { defaultSize, labGrid, labs } from '../../web/labs/labs.ts';
import { syntheticRecords } from '../report/fixture.ts';

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

describe('progress display', () => {
  it('counts finished runs by their cost, never goes backwards (not across a reload), and waits to estimate the time', () => {
    const store = memoryStorage();
    const p = new ProgressDisplay('k', store);
    p.start(30, 100, 0); // 30% of the cost finished before this start
    expect(p.update(0, 0)).toEqual({ fraction: 0.3, eta: null });
    expect(p.update(0.5, 5_000)).toEqual({ fraction: 0.65, eta: null }); // under 10 s: no ETA yet
    const a = p.update(0.6, 20_000); // 0.72 after 20 s from 0.3: 0.42 per 20 s → 0.28 left ≈ 13.3 s
    expect(a.fraction).toBeCloseTo(0.72, 12);
    expect(a.eta).toBeCloseTo((20 * 0.28) / 0.42, 9);
    // The driver's fraction drops (a resumed run restarting its count): the display does not.
    expect(p.update(0.1, 21_000).fraction).toBeCloseTo(0.72, 12);
    // A reload: a new display for the same sweep starts from the best fraction kept.
    const q = new ProgressDisplay('k', store);
    q.start(30, 100, 0);
    expect(q.update(0, 1_000).fraction).toBeCloseTo(0.72, 12);
    q.reset();
    expect(new ProgressDisplay('k', store).best).toBe(0);
  });

  it('the ETA counts down between measurements and rises only when clearly longer', () => {
    const p = new ProgressDisplay('k', null);
    p.start(0, 100, 0);
    const first = p.update(0.5, 20_000).eta!; // 20 s for half: 20 s left
    expect(first).toBeCloseTo(20, 9);
    const next = p.update(0.55, 22_000).eta!; // measured 22·0.45/0.55 = 18 s; ticking 18 s
    expect(next).toBeLessThanOrEqual(first - 2 + 1e-9);
    const slow = p.update(0.56, 40_000).eta!; // a slowdown: measured 31.4 s, ticking 0: it may rise, blended
    expect(slow).toBeGreaterThan(0);
    expect(slow).toBeLessThan((40 * 0.44) / 0.56);
  });
});

describe('grid controls and errors', () => {
  it('reads sizes and lists, and says what is wrong with a bad one', () => {
    expect(parseModels('1x16x2, 2×32×4')).toEqual([
      { n_layer: 1, n_embd: 16, n_head: 2 },
      { n_layer: 2, n_embd: 32, n_head: 4 },
    ]);
    expect(formatModels(parseModels('1x16x2,2x32x4'))).toBe('1x16x2, 2x32x4');
    expect(() => parseModels('3x16')).toThrow('"3x16" is not layers x width x heads');
    expect(() => parseModels(' ')).toThrow('at least one size');
    expect(parseList('2, 8,32', 'budget')).toEqual([2, 8, 32]);
    expect(() => parseList('1, 1.5', 'seed', true)).toThrow('"1.5" is not a whole number above 0');
    expect(() => parseList('2, -1', 'budget')).toThrow('"-1" is not a number above 0');
  });

  it('places a validation error on its key: the line, and the field for the control beside it', () => {
    const text = '{\n  "name": "x",\n  "sampling": {\n    "temprature": 1\n  }\n}';
    const at = locateError(
      text,
      'grid: unknown key sampling.temprature (did you mean temperature?); known keys of sampling: ...',
    );
    expect(at.field).toBe('sampling.temprature');
    expect(lineOf(text, at.at)).toBe(4);
    expect(locateError(text, 'grid: "models" must be a non-empty list').field).toBe('models');
    expect(locateError(text, 'something else entirely')).toEqual({ at: -1, field: '' });
  });
});

describe('the train-to-test lab', () => {
  const lab = labs.find((l) => l.id === 'train-to-test')!;
  const runs = expandRuns(validateExperiment(lab.grid!));

  it("trains both at one C_train: a grid's loss-optimal size and a smaller one on more tokens per parameter (world at 5e11; t2 at 4e10 on a CPU)", () => {
    expect(runs).toHaveLength(2);
    const [small, big] = runs;
    expect(
      (6 * small!.N_nonemb * small!.config.tokens) / (6 * big!.N_nonemb * big!.config.tokens),
    ).toBeCloseTo(1, 2);
    expect(
      small!.config.tokens / small!.N_nonemb / (big!.config.tokens / big!.N_nonemb),
    ).toBeCloseTo((19_600 / 10_160) ** 2, 6);
    // The same runs as the grid's (ids, rates, corpus), so the grid's records say what to expect.
    expect(runs.map((r) => r.id)).toEqual(['L2-C20-H2/C=5.0e+11/s1', 'L2-C28-H4/C=5.0e+11/s1']);
    expect(runs.map((r) => r.config.lr)).toEqual([0.0144, 0.012]);
    expect(small!.config.tasks).toBe('bio:2,hop:1,sum:3,cpy:2,rev:2');
    // Its CPU size: the t2 grid's own runs at 4e10, that level's loss optimum (L1C12) and the next smaller,
    // so the committed records say what a class should see.
    const cpu = expandRuns(validateExperiment(lab.cpu!));
    expect(cpu.map((r) => r.id)).toEqual(['L1-C8-H2/C=4.0e+10/s1', 'L1-C12-H2/C=4.0e+10/s1']);
    const committed = readFileSync('docs/results/t2/results.jsonl', 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunRecord)
      .filter((r) => cpu.some((c) => c.id === r.id));
    expect(committed).toHaveLength(2);
    for (const r of committed) {
      const c = cpu.find((x) => x.id === r.id)!;
      // The same run, setting for setting (keys added since the grid ran are at their defaults).
      const settings = c.config as unknown as Record<string, unknown>;
      expect(Object.fromEntries(Object.keys(r.config).map((k) => [k, settings[k]]))).toEqual(
        r.config,
      );
      expect(lab.cpu!.sampling).toMatchObject(r.sampling);
    }
    expect(readFileSync('docs/results/t2/fit.txt', 'utf8')).toMatch(
      /C_train 4\.0e\+10[\s\S]*?loss {3}best N 1,908 .*: resolved/,
    );
  });

  it('compares each finished run at its own k = C_inf/(2N): exact from p_i, and from samples at floor(k)', () => {
    const records = syntheticRecords({
      sizes: [3312, 25472],
      budgets: [6.6e9],
      questions: 12,
      n: 16,
    });
    const { C_inf, rows } = tradeoffRows(records);
    expect(C_inf).toBe(2 * 25472);
    const [small, big] = rows;
    expect(small!.k).toBeCloseTo(25472 / 3312, 12);
    expect(big!.k).toBe(1);
    const r0 = records.find((r) => r.N_nonemb === 3312)!;
    expect(small!.passK).toBeCloseTo(
      r0.questions.reduce((s, q) => s + passAtKFromP(q.p, 25472 / 3312), 0) / 12,
      12,
    );
    expect(small!.k_sampled).toBe(7);
    expect(small!.passK_sampled).toBeCloseTo(
      r0.questions.reduce((s, q) => s + passAtKUnbiased(q.n, q.c, 7), 0) / 12,
      12,
    );
    expect(big!.passK).toBeCloseTo(big!.pass1, 12); // k = 1
    // No `chance` on the records: no guess floor. With it: the guesser's pass@k at the same k.
    expect(small!.chanceK).toBeNull();
    const guessed = records.map((r) => ({
      ...r,
      questions: r.questions.map((q) => ({ ...q, chance: 0.05 })),
    }));
    const g = tradeoffRows(guessed).rows[0]!;
    expect(g.chanceK).toBeCloseTo(1 - 0.95 ** (25472 / 3312), 12);
  });
});

describe('lab sizes and verdicts', () => {
  it('every sweep lab has a CPU size with fewer or smaller runs, chosen on a software adapter only', () => {
    for (const lab of labs) {
      if (!lab.grid) {
        expect(lab.reps!.cpu).toBeLessThan(lab.reps!.full);
        continue;
      }
      expect(defaultSize(lab, true)).toBe('cpu');
      expect(defaultSize(lab, false)).toBe('full');
      const cost = (size: 'cpu' | 'full') =>
        expandRuns(validateExperiment(labGrid(lab, size)!)).reduce(
          (a, r) => a + 6 * r.N * r.config.tokens,
          0,
        );
      expect(cost('cpu'), lab.id).toBeLessThan(cost('full'));
      expect(labGrid(lab, 'cpu')!.name).not.toBe(lab.grid.name); // its records are its own
    }
  });

  const records = syntheticRecords({
    sizes: [1e3, 4e3, 1.6e4],
    budgets: [1e10, 4e10, 1.6e11],
    questions: 12,
    n: 16,
  });

  it('the loss lab names a crossing, or says the bigger model always won, or that no tokens overlap', () => {
    const v = biggerModelVerdict(records)!;
    expect(v).toMatch(/^(No: at D ≈ [\d,]+ tokens the smaller model|Yes, in these runs)/);
    // Two sizes whose token ranges do not overlap.
    const at = (N: number, C: string) =>
      records.filter((r) => r.N_nonemb === N && r.id.includes(`/C=${C}/`));
    const [apart, far] = [at(1e3, '1.6e+11'), at(1.6e4, '1.0e+10')];
    expect(apart.length * far.length).toBe(1);
    expect(biggerModelVerdict([...apart, ...far])).toMatch(/do not overlap/);
    expect(biggerModelVerdict(records.slice(0, 1))).toBeNull();
  });

  it('the pass@k lab gives the k that beats the big model by both methods, with n and the serving cost', () => {
    const level = records.filter((r) => r.id.includes('/C=1.6e+11/'));
    expect(level).toHaveLength(3);
    const v = passKVerdict(level)!;
    expect(v).toContain('Counted from samples (n = 16 per question)');
    expect(v).toContain('From the likelihood p_i');
  });

  it("the train-to-test lab says whose lesson its result is: the samples', Chinchilla's, or a guesser's", () => {
    const row = (N: number, pass1: number, passK: number, chanceK: number | null = 0.001) => ({
      id: `L-${N}`,
      N,
      D: 1e6,
      ratio: 1e6 / N,
      k: 25_000 / N,
      loss: 1 + N / 1e5,
      pass1,
      passK,
      passK_sampled: null,
      k_sampled: null,
      chanceK,
    });
    // The big model is at least as good at one try; the small one wins with its samples.
    expect(tradeoffReading([row(2000, 0.1, 0.4), row(25_000, 0.2, 0.2)])).toMatch(
      /^At one try the big model is as good or better \(pass@1 20\.0% against 10\.0%\); the small model gets ahead only with its 12\.5 samples: the samples' win/,
    );
    // The small model is already ahead at one try: the big one is undertrained.
    expect(tradeoffReading([row(2000, 0.018, 0.1), row(25_000, 0.004, 0.004)])).toMatch(
      /^Even at one try the small model is ahead \(pass@1 1\.8% against 0\.4%.*at D\/N = 40\.0 the big model is undertrained\. That is Chinchilla's lesson/,
    );
    // The winner barely clears a guesser.
    expect(tradeoffReading([row(2000, 0.1, 0.4, 0.3), row(25_000, 0.2, 0.2)])).toMatch(
      /less than twice a guesser's at the same k \(30\.0%\): its win is mostly guessing\.$/,
    );
    expect(tradeoffReading([row(2000, 0.01, 0.02), row(25_000, 0.2, 0.2)])).toMatch(
      /^The big model stays ahead/,
    );
    expect(tradeoffReading([row(2000, 0.1, 0.4)])).toBeNull();
  });

  it('the matmul lab names the fastest version at the largest shape and its speed over v1', () => {
    const rows = [
      { version: 'v1', shape: '64x64x64', gflops: 1, ms: 1 },
      { version: 'v2', shape: '64x64x64', gflops: 3, ms: 1 },
      { version: 'v1', shape: '256x256x256', gflops: 2, ms: 1 },
      { version: 'v2', shape: '256x256x256', gflops: 9, ms: 1 },
      { version: 'v3', shape: '256x256x256', gflops: 5, ms: 1 },
    ];
    expect(kernelVerdict(rows)).toBe(
      'At the largest shape (256x256x256) v2 is fastest: 9.0 GFLOP/s, 4.5× v1.',
    );
  });
});

describe('reversed digits', () => {
  it('reads an add question the ordinary way, and leaves other tasks alone', () => {
    expect(ordinaryReading('add', 'add 39+8=', '101')).toEqual({
      text: '39+8=101',
      ordinary: '93 + 8 = 101',
    });
    expect(ordinaryReading('add', 'add 89+98=', '781')).toEqual({
      text: '89+98=781',
      ordinary: '98 + 89 = 187',
    });
    expect(ordinaryAnswer('add', '0301')).toBe('1030');
    expect(ordinaryReading('arith', '(3+4)*2-5=', '9')).toBeNull();
    expect(ordinaryAnswer('chain', 'c')).toBeNull();
  });
});
