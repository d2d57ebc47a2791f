import { describe, expect, it } from 'vitest';
import {
  sample,
  sample_check_params,
  sample_params,
  sample_versions,
  sample_write_params,
  type SampleParams,
  type SampleVersion,
} from '../../kernels/sample/sample.ts';
import * as cpu from '../../kernels/sample/sample.cpu.ts';
import { checks, OPEN, onCpu, onGpu, rows } from '../../kernels/sample/sample.cases.ts';
import { SEQ, SEQ_STRIDE, seqs_parse, seqs_table, type SeqRow } from '../../kernels/sample/seqs.ts';
import { hash32 } from '../../src/util/rng.ts';
import { chiSquareSf } from '../../src/stats/special.ts';
import { describeGpu, itChecks, randArray } from '../helpers.ts';

const V = 52;

/**
 * The exact (truncated) distribution, computed here independently of sample.cpu.ts: softmax of logits/temperature
 * over the top_k highest (ties to the lower index), then the shortest rank-ordered prefix whose mass reaches top_p.
 */
function exactProbs(
  logits: ArrayLike<number>,
  temperature: number,
  topK: number,
  topP: number,
): number[] {
  const order = Array.from({ length: logits.length }, (_, j) => j).sort(
    (a, b) => logits[b]! - logits[a]! || a - b,
  );
  const max = logits[order[0]!]!;
  let keep = order.slice(0, topK > 0 ? topK : order.length);
  const w = (j: number) => Math.exp((logits[j]! - max) / temperature);
  const total = keep.reduce((a, j) => a + w(j), 0);
  let before = 0;
  keep = keep.filter((j) => {
    const ok = before < topP * total;
    before += w(j);
    return ok;
  });
  const z = keep.reduce((a, j) => a + w(j), 0);
  const p = new Array<number>(logits.length).fill(0);
  for (const j of keep) p[j] = w(j) / z;
  return p;
}

/** Pearson chi-square of `counts` against `probs`, cells with expected < 5 pooled; [statistic, dof]. Infinity if a zero-probability cell was hit. */
function chiSquare(counts: number[], probs: number[]): [number, number] {
  const n = counts.reduce((a, b) => a + b, 0);
  let x = 0,
    cells = 0,
    poolO = 0,
    poolE = 0;
  for (let j = 0; j < counts.length; j++) {
    const e = n * probs[j]!;
    if (e === 0) {
      if (counts[j]! > 0) return [Infinity, 1];
      continue;
    }
    if (e < 5) {
      poolO += counts[j]!;
      poolE += e;
      continue;
    }
    x += (counts[j]! - e) ** 2 / e;
    cells++;
  }
  if (poolE > 0) {
    x += (poolO - poolE) ** 2 / poolE;
    cells++;
  }
  return [x, cells - 1];
}

describe('sample CPU reference', () => {
  it('sample_u is hash32 of (seed, question, sample, position) scaled to 24 bits', () => {
    expect(cpu.sample_u(3, 4, 5, 6)).toBe((hash32(3, 4, 5, 6) >>> 8) / 2 ** 24);
    const us = Array.from({ length: 1000 }, (_, i) => cpu.sample_u(1, 0, i, 1));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...us)).toBeLessThan(1);
    expect(new Set(us).size).toBeGreaterThan(990);
  });

  it('the rule by hand: greedy ties, top_k ranks ties by index, top_p keeps the top set reaching p, the draw walks in index order', () => {
    const l = [1, 3, 3, 0, 2];
    const p = (q: Partial<SampleParams>) => ({ ...OPEN, ...q });
    expect(cpu.sample_choose(l, 0, 5, 0.5, p({ temperature: 0 })).token).toBe(1); // tie between 1 and 2: lowest index
    // top_k = 1 keeps only index 1 (tied with 2, smaller index ranks first): every draw gives 1.
    for (const u of [0, 0.5, 0.999])
      expect(cpu.sample_choose(l, 0, 5, u, p({ topK: 1 })).token).toBe(1);
    // top_k = 3 keeps 1, 2 and 4 (logit 2); weights e^0, e^0, e^-1 in index order 1, 2, 4.
    const w = [1, 1, Math.exp(-1)],
      tot = w[0]! + w[1]! + w[2]!;
    expect(cpu.sample_choose(l, 0, 5, 0.99 / tot, p({ topK: 3 })).token).toBe(1);
    expect(cpu.sample_choose(l, 0, 5, 1.01 / tot, p({ topK: 3 })).token).toBe(2);
    expect(cpu.sample_choose(l, 0, 5, 2.01 / tot, p({ topK: 3 })).token).toBe(4);
    // top_p: index 1 has mass 0 above it (kept); index 2 has e^0 above it out of the total Σ e^(l-3).
    const all = l.reduce((a, x) => a + Math.exp(x - 3), 0);
    const p2 = 1 / all; // the mass above index 2, as a fraction
    expect(cpu.sample_choose(l, 0, 5, 0.999, p({ topP: p2 * 0.99 })).token).toBe(1); // only index 1 survives
    expect(cpu.sample_choose(l, 0, 5, 0.999, p({ topP: p2 * 1.01 })).token).toBe(2); // index 2 survives and is the last kept
    // At a tiny temperature only the two tied maxima keep any weight (half each), with no NaN.
    expect(cpu.sample_choose(l, 0, 5, 0.49, p({ temperature: 1e-30 })).token).toBe(1);
    expect(cpu.sample_choose(l, 0, 5, 0.51, p({ temperature: 1e-30 })).token).toBe(2);
    expect(cpu.sample_choose(l, 0, 5, 0.999, p({ temperature: 1e-30 })).token).toBe(2);
  });

  it('refuses knobs it cannot use', () => {
    const bad = (q: Partial<SampleParams>) => () => sample_check_params({ ...OPEN, ...q });
    expect(bad({ temperature: -1 })).toThrow(/temperature must be a finite number >= 0/);
    expect(bad({ topP: 0 })).toThrow(/topP must be in \(0, 1\]/);
    expect(bad({ topK: 1.5 })).toThrow(/topK must be an integer >= 0/);
    expect(bad({ seed: -1 })).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(bad({ maxNew: 0 })).toThrow(/maxNew must be an integer >= 1/);
    expect(bad({ T: 0 })).toThrow(/T must be an integer >= 1/);
  });
});

describeGpu('sample', (gpu) => {
  const versions = Object.keys(sample_versions).map(Number) as SampleVersion[];
  // Every version against the float64 reference: the table in kernels/sample/sample.cases.ts.
  itChecks(gpu, checks);

  for (const version of versions) {
    it(`v${version} is deterministic: the same seed gives the same tokens, another seed others`, async () => {
      const S = 256,
        logits = randArray(S * V, 23, -1, 1),
        table = seqs_table(rows(S));
      const a = await onGpu(gpu, table, logits, { ...OPEN, seed: 11 }, V, 1, { version });
      const b = await onGpu(gpu, table, logits, { ...OPEN, seed: 11 }, V, 1, { version });
      const c = await onGpu(gpu, table, logits, { ...OPEN, seed: 12 }, V, 1, { version });
      expect(b.tokens).toEqual(a.tokens);
      const differ = a.tokens.filter((t, s) => t !== c.tokens[s]).length;
      expect(differ).toBeGreaterThan(S / 2); // near-uniform logits: another seed changes most draws
    });

    it(`v${version} a draw depends only on (seed, question, sample, position): permuting or shrinking the batch changes no token`, async () => {
      // Prefill mode: logits are read by prompt row, so they follow the sequence wherever it sits in the batch.
      const Q = 6,
        Tp = 5,
        S = 90;
      const logits = randArray(Q * Tp * V, 24, -2, 2);
      const base = rows(S, (s) => ({
        prefix_row: s % Q,
        question: 40 + (s % Q),
        sample: Math.floor(s / Q),
        prefix_len: 1 + ((s % Q) % Tp),
        pos: (s % Q) % Tp,
      }));
      const key = (r: SeqRow) => `${r.question}/${r.sample}`;
      const tokensByKey = async (rs: SeqRow[]) => {
        const got = await onGpu(gpu, seqs_table(rs), logits, { ...OPEN, seed: 3 }, V, 1, {
          prefillT: Tp,
          version,
        });
        return new Map(rs.map((r, s) => [key(r), got.tokens[s]!]));
      };
      const ref = await tokensByKey(base);
      const perm = Array.from(randArray(S, 25), (x, i) => [x, i] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, i]) => base[i]!);
      const shuffled = await tokensByKey(perm);
      const subset = await tokensByKey(perm.slice(7, 40));
      for (const [k, t] of shuffled) expect(t, k).toBe(ref.get(k));
      for (const [k, t] of subset) expect(t, k).toBe(ref.get(k));
      expect(new Set(ref.values()).size).toBeGreaterThan(10); // and the draws are not all alike
    });

    it(`v${version} different sample indices (and questions) give different streams`, async () => {
      // Uniform logits: every token equally likely, so a stream is the hash's output alone. 16 samples of question 0
      // and sample 0 of 8 other questions, 12 steps each, fed through the bookkeeping of each step.
      const S = 24,
        steps = 12;
      const logits = new Float64Array(S * V);
      let table: Uint32Array = seqs_table(
        rows(S, (s) => (s < 16 ? { question: 0, sample: s } : { question: s, sample: 0 })),
      );
      let generated: Uint32Array = new Uint32Array(S * steps);
      for (let k = 0; k < steps; k++) {
        const got = await onGpu(gpu, table, logits, OPEN, V, steps, { version, generated });
        table = got.seqs;
        generated = got.generated;
      }
      const streams = Array.from({ length: S }, (_, s) =>
        Array.from(generated.subarray(s * steps, (s + 1) * steps)).join(','),
      );
      expect(new Set(streams).size).toBe(S);
      for (const st of streams) expect(new Set(st.split(',')).size).toBeGreaterThan(4); // not stuck on one token
      // The 12th token fills each row's slice of generated (stride 12), which ends it.
      expect(
        seqs_parse(table).every((r) => r.n_gen === steps && r.pos === 5 + steps && r.done === 1),
      ).toBe(true);
    });

    it(`v${version} bookkeeping: eos, max_new, a full context and the generated stride end a row; finished rows are untouched`, async () => {
      // Greedy, so the token is known: row s's logits peak at token peak[s].
      const maxNew = 6,
        T = 30,
        eos = 9;
      const peak = [9, 4, 4, 4, 4, 4, 4];
      const logits = new Float64Array(peak.length * V);
      peak.forEach((t, s) => (logits[s * V + t] = 1));
      const start: SeqRow[] = [
        { prefix_row: 0, question: 0, sample: 0, prefix_len: 3, pos: 10, done: 0, n_gen: 2 }, // samples eos: done
        { prefix_row: 0, question: 1, sample: 0, prefix_len: 3, pos: 10, done: 0, n_gen: 2 }, // keeps going
        { prefix_row: 0, question: 2, sample: 0, prefix_len: 3, pos: 10, done: 0, n_gen: 4 }, // its 5th token = params.maxNew: done
        { prefix_row: 0, question: 3, sample: 0, prefix_len: 3, pos: T - 1, done: 0, n_gen: 1 }, // pos reaches T: done
        { prefix_row: 0, question: 4, sample: 0, prefix_len: 3, pos: T - 2, done: 0, n_gen: 1 }, // pos T-1: still room
        { prefix_row: 0, question: 5, sample: 0, prefix_len: 3, pos: 12, done: 1, n_gen: 3 }, // finished: untouched
        { prefix_row: 0, question: 6, sample: 0, prefix_len: 3, pos: 12, done: 0, n_gen: 0 }, // first token
      ];
      const p: SampleParams = { ...OPEN, temperature: 0, eos, T, maxNew: 5 };
      const tokens0 = new Uint32Array(peak.length).fill(777),
        generated0 = new Uint32Array(peak.length * maxNew).fill(555);
      const expectRow = (s: number, r: Partial<SeqRow>) => ({ ...start[s]!, ...r });
      const want = {
        tokens: [9, 4, 4, 4, 4, 777, 4],
        seqs: [
          expectRow(0, { pos: 11, n_gen: 3, done: 1 }),
          expectRow(1, { pos: 11, n_gen: 3 }),
          expectRow(2, { pos: 11, n_gen: 5, done: 1 }),
          expectRow(3, { pos: T, n_gen: 2, done: 1 }),
          expectRow(4, { pos: T - 1, n_gen: 2 }),
          expectRow(5, {}),
          expectRow(6, { pos: 13, n_gen: 1 }),
        ],
        generated: Array.from(generated0),
      };
      start.forEach((r, s) => {
        if (!r.done) want.generated[s * maxNew + r.n_gen] = peak[s]!;
      });
      const table = seqs_table(start);
      for (const [who, got] of [
        ['cpu', onCpu(table, logits, p, V, maxNew, { tokens: tokens0, generated: generated0 })],
        [
          'gpu',
          await onGpu(gpu, table, logits, p, V, maxNew, {
            version,
            tokens: tokens0,
            generated: generated0,
          }),
        ],
      ] as const) {
        expect(Array.from(got.tokens), `${who} tokens`).toEqual(want.tokens);
        expect(seqs_parse(got.seqs), `${who} seqs`).toEqual(want.seqs);
        expect(Array.from(got.generated), `${who} generated`).toEqual(want.generated);
      }
      // The generated stride caps a row even when params.maxNew is larger: no write past its slice.
      const capped = seqs_table([
        { prefix_row: 0, question: 0, sample: 0, prefix_len: 1, pos: 3, done: 0, n_gen: 1 },
      ]);
      const g2 = await onGpu(gpu, capped, logits.subarray(V, 2 * V), { ...p, maxNew: 100 }, V, 2, {
        version,
        generated: Uint32Array.of(555, 555, 555),
      });
      expect(seqs_parse(g2.seqs)[0]).toMatchObject({ n_gen: 2, done: 1 });
      expect(Array.from(g2.generated)).toEqual([555, 4, 555]);
    });

    it(`v${version} with prefillT reads logits row prefix_row·prefillT + pos; without, row s`, async () => {
      const Q = 3,
        Tp = 7,
        S = 8;
      const peakOf = (q: number, t: number) => (q * 7 + t * 3) % V;
      const logits = new Float64Array(Q * Tp * V);
      for (let q = 0; q < Q; q++)
        for (let t = 0; t < Tp; t++) logits[(q * Tp + t) * V + peakOf(q, t)] = 1;
      const start = rows(S, (s) => ({
        prefix_row: (s * 2) % Q,
        prefix_len: 1 + (s % Tp),
        pos: s % Tp,
      }));
      const p = { ...OPEN, temperature: 0 };
      const got = await onGpu(gpu, seqs_table(start), logits, p, V, 1, { prefillT: Tp, version });
      expect(Array.from(got.tokens)).toEqual(start.map((r) => peakOf(r.prefix_row, r.pos)));
      const step = await onGpu(gpu, seqs_table(start), logits, p, V, 1, { version }); // decode mode: row s of (S,V)
      expect(Array.from(step.tokens)).toEqual(
        start.map((_, s) => peakOf(Math.floor(s / Tp), s % Tp)),
      );
    });

    it(`v${version} draws follow the exact softmax: chi-square over 20,480 samples, and a wrong distribution is rejected`, async () => {
      const logits = randArray(V, 26, -2, 2);
      const S = 4096,
        rounds = 5;
      // Every row reads the one logits row (prefill mode, prompt row 0, pos 0); sample indices are all distinct.
      const cases: [string, Partial<SampleParams>][] = [
        ['temperature 0.7', {}],
        ['top_k 10', { topK: 10 }],
        ['top_p 0.8', { topP: 0.8 }],
      ];
      for (const [what, q] of cases) {
        const p = { ...OPEN, seed: 2024, temperature: 0.7, ...q };
        const counts = new Array<number>(V).fill(0);
        for (let k = 0; k < rounds; k++) {
          const got = await onGpu(
            gpu,
            seqs_table(rows(S, (s) => ({ question: 77, sample: k * S + s, pos: 0 }))),
            logits,
            p,
            V,
            1,
            { prefillT: 1, version },
          );
          for (const t of got.tokens) counts[t]!++;
        }
        const probs = exactProbs(logits, 0.7, p.topK, p.topP);
        counts.forEach((c, j) => {
          if (probs[j] === 0) expect(c, `${what}: token ${j} is truncated away`).toBe(0);
        });
        const [x, dof] = chiSquare(counts, probs);
        const pValue = chiSquareSf(x, dof);
        expect(pValue, `${what}: chi-square ${x.toFixed(1)} on ${dof} dof`).toBeGreaterThan(1e-3);
        // The same counts against temperature 1 (same truncation): must be rejected, or the test could not fail.
        const [xw, dofw] = chiSquare(counts, exactProbs(logits, 1, p.topK, p.topP));
        expect(
          chiSquareSf(xw, dofw),
          `${what}: wrong distribution, chi-square ${xw.toFixed(1)} on ${dofw} dof`,
        ).toBeLessThan(1e-6);
        if (q.topK) expect(probs.filter((x) => x > 0).length).toBe(10);
        if (q.topP) expect(probs.filter((x) => x > 0).length).toBeLessThan(V / 2); // the cut does bite
      }
    });
  }

  it('refuses bad arguments with clear errors', () => {
    const t = (n: number, label = 't') => gpu.tensor(label, n),
      buf = sample_params(gpu);
    const seqs = gpu.tensorU32('seqs', new Uint32Array(2 * SEQ_STRIDE));
    expect(() => sample(gpu, t(2), t(8), seqs, t(104), buf, 0, V, 4)).toThrow(
      /S, V, maxNew must be integers >= 1 \(got S=0/,
    );
    expect(() => sample(gpu, t(2), t(7), seqs, t(104), buf, 2, V, 4)).toThrow(
      /generated "t" has 7 elements, needs 8 for S=2 V=52 maxNew=4 prefillT=0/,
    );
    expect(() => sample(gpu, t(2), t(8), seqs, t(103), buf, 2, V, 4)).toThrow(
      /logits "t" has 103 elements, needs 104/,
    );
    expect(() => sample(gpu, t(3), t(12), seqs, t(156), buf, 3, V, 4)).toThrow(
      /seqs "seqs" has 16 elements, needs 24/,
    );
    expect(() => sample(gpu, t(2), t(8), seqs, t(104), buf, 2, V, 4, { prefillT: 1.5 })).toThrow(
      /prefillT must be an integer >= 0/,
    );
    expect(() => sample(gpu, t(2), t(8), seqs, t(4000), buf, 2, 2000, 4)).toThrow(
      /V=2000 exceeds v1's maximum of 1024/,
    );
    expect(() => sample(gpu, t(2), t(8), seqs, t(104), gpu.uniform('small', 16), 2, V, 4)).toThrow(
      /params "small" has 16 bytes, needs 32/,
    );
    expect(() => sample_write_params(gpu, buf, { ...OPEN, topP: 1.5 })).toThrow(
      /topP must be in \(0, 1\]/,
    );
    expect(() => sample_write_params(gpu, gpu.uniform('small', 16), OPEN)).toThrow(/needs 32/);
    expect(SEQ.done).toBe(5);
  });
});
