import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attentionCandidates,
  autotune,
  matmulCandidates,
  raceShapes,
  tallerTileWorthTrying,
  type MatmulCandidate,
} from '../../src/bench/autotune.ts';
import {
  describeChoices,
  KERNELS_STAMP,
  memoryStore,
  modelMatmulShapes,
  parseKernelChoices,
  shapeName,
  storedRecords,
  type MatmulShape,
} from '../../src/sweep/kernel-choice.ts';
import { matmul_v4_wide } from '../../kernels/matmul/matmul.ts';
import { adapterKey } from '../../src/gpu/adapter.ts';
import { fileChoiceStore, kernelOverrides } from '../../src/node/autotune-store.ts';
import type { ModelShape } from '../../src/config.ts';
import { describeGpu } from '../helpers.ts';
import { gpuOps } from '../../src/model/ops.gpu.ts';
import { GPT } from '../../src/model/gpt.ts';

const TINY: ModelShape = { vocab_size: 11, n_layer: 2, n_embd: 8, n_head: 2, block_size: 4 };

describe('modelMatmulShapes', () => {
  it("reads every matmul of a step off the model, and they add up to the model's FLOP count", () => {
    const B = 3,
      BT = B * TINY.block_size,
      { n_layer: L, n_embd: C, vocab_size: V } = TINY;
    const shapes = modelMatmulShapes(TINY, B);
    const calls = shapes.reduce((n, s) => n + s.count, 0);
    // forward: 4 per block + logits; backward: dx and dW per linear layer (db is matmul_backward_bias), dx and dW for logits.
    expect(calls).toBe(L * 4 + 1 + L * 4 * 2 + 2);
    expect(shapes.filter((s) => s.M === 1)).toEqual([]);
    const flops = shapes.reduce((f, s) => f + s.count * 2 * s.M * s.K * s.N, 0);
    expect(flops).toBe(3 * BT * (L * 2 * C * 12 * C + 2 * C * V));
    expect(shapes.find((s) => s.M === BT && s.K === C && s.N === 3 * C)).toMatchObject({
      transB: true,
      bias: true,
      count: L,
    });
    expect(shapes.find((s) => s.M === V && s.K === BT && s.N === C)).toMatchObject({
      transA: true,
      accumulate: true,
      count: 1,
    });
    // GELU in the fc matmuls' epilogues (the default path): the forward stores gelu(fch), the backward applies gelu'.
    expect(shapes.find((s) => s.M === BT && s.K === C && s.N === 4 * C && s.transB)).toMatchObject({
      bias: true,
      gelu: 'forward',
      count: L,
    });
    expect(shapes.find((s) => s.M === BT && s.K === C && s.N === 4 * C && !s.transB)).toMatchObject(
      { bias: false, gelu: 'backward', count: L },
    );
    expect(shapes.filter((s) => s.gelu).length).toBe(2);
  });
});

describe('kernel choice overrides', () => {
  const saved = process.env.T2LAB_KERNELS;
  afterEach(() => {
    if (saved === undefined) delete process.env.T2LAB_KERNELS;
    else process.env.T2LAB_KERNELS = saved;
  });

  it('parses name:number lists and refuses unknown matmul versions and tile settings', () => {
    expect(parseKernelChoices('matmul:4, matmul_rows:24')).toEqual({ matmul: 4, matmul_rows: 24 });
    expect(parseKernelChoices('')).toEqual({});
    expect(() => parseKernelChoices('matmul=2')).toThrow(/not name:number/);
    expect(() => parseKernelChoices('matmul:9')).toThrow(/no such version/);
    expect(() => parseKernelChoices('matmul_rows:12')).toThrow(/must be one of 8, 16, 24, 32/);
    expect(parseKernelChoices('matmul_gelu:0')).toEqual({ matmul_gelu: 0 });
    expect(() => parseKernelChoices('matmul_gelu:2')).toThrow(/must be 0 .* or 1/);
  });

  it('T2LAB_KERNELS applies, and --kernels wins over it', () => {
    process.env.T2LAB_KERNELS = 'matmul:2,attention:1';
    expect(kernelOverrides()).toEqual({ matmul: 2, attention: 1 });
    expect(kernelOverrides('matmul:3')).toEqual({ matmul: 3, attention: 1 });
  });

  it('the file store keeps values across instances', () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-store-'));
    try {
      const path = join(dir, 'sub', 'kernels.json');
      fileChoiceStore(path).set('k', 'v1');
      expect(fileChoiceStore(path).get('k')).toBe('v1');
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ k: 'v1' });
      expect(fileChoiceStore(join(dir, 'missing.json')).get('k')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('tallerTileWorthTrying', () => {
  it('lets a v4 tile taller than 16 rows race only after the step up before it paid', () => {
    expect(tallerTileWorthTrying(8, new Map())).toBe(true);
    expect(tallerTileWorthTrying(16, new Map())).toBe(true);
    expect(
      tallerTileWorthTrying(
        24,
        new Map([
          [8, 2],
          [16, 1],
        ]),
      ),
    ).toBe(true);
    expect(
      tallerTileWorthTrying(
        24,
        new Map([
          [8, 1],
          [16, 2],
        ]),
      ),
    ).toBe(false);
    expect(
      tallerTileWorthTrying(
        24,
        new Map([
          [8, 1],
          [16, 1],
        ]),
      ),
    ).toBe(false); // a tie did not pay
    expect(tallerTileWorthTrying(24, new Map([[8, 1]]))).toBe(false); // rows=16 not timed (rejected)
    const paid = (ms8: number) =>
      tallerTileWorthTrying(
        24,
        new Map([
          [8, ms8],
          [16, 1],
        ]),
        1.1,
      );
    expect([paid(1.05), paid(1.2)]).toEqual([false, true]); // with a margin the step up must pay by more
    expect(
      tallerTileWorthTrying(
        32,
        new Map([
          [8, 3],
          [16, 2],
          [24, 1],
        ]),
      ),
    ).toBe(true);
    expect(
      tallerTileWorthTrying(
        32,
        new Map([
          [8, 3],
          [16, 1],
          [24, 2],
        ]),
      ),
    ).toBe(false);
  });
});

describeGpu('autotune', (gpu) => {
  // Two candidates keep the test short: on a software adapter each v4 variant takes seconds to compile.
  const candidates: MatmulCandidate[] = [{ version: 2 }, { version: 4, rows: 8 }];
  const shapes = modelMatmulShapes(TINY, 2);

  it('measures once, keeps the fastest, and later runs read the stored choice', async () => {
    const store = memoryStore();
    const first = await autotune(gpu, shapes, { store, candidates });
    expect(first.source).toBe('measured');
    const timings = first.record!.timings;
    expect(timings.map((t) => t.candidate)).toEqual([
      'v2',
      'v4 rows=8',
      ...attentionCandidates(gpu).map((v) => `attention v${v}`),
    ]);
    const fastest = timings.slice(0, 2).reduce((a, b) => (b.ms < a.ms ? b : a));
    const fastestAttention = timings.slice(2).reduce((a, b) => (b.ms < a.ms ? b : a));
    expect(first.choices.attention).toBe(Number(fastestAttention.candidate.slice(-1)));
    expect(gpu.choices.attention).toBe(first.choices.attention);
    expect(fastest.ms).toBeGreaterThan(0);
    expect(first.choices.matmul).toBe(fastest.candidate === 'v2' ? 2 : 4);
    expect(gpu.choices.matmul).toBe(first.choices.matmul);
    expect(describeChoices(gpu)).toMatch(/^matmul v[24]/);

    const second = await autotune(gpu, shapes, { store, candidates });
    expect(second.source).toBe('cached');
    expect(second.choices).toEqual(first.choices);
    expect(Object.values(await storedRecords(gpu, store))).toHaveLength(1);

    const other = await autotune(gpu, modelMatmulShapes({ ...TINY, n_layer: 1 }, 2), {
      store,
      candidates: [{ version: 2 }],
    });
    expect(other.source).toBe('measured'); // different shapes: measured and stored beside the first
    expect(Object.values(await storedRecords(gpu, store))).toHaveLength(2);
  });

  it('a record measured with other kernel code is measured again', async () => {
    const store = memoryStore();
    const one: MatmulCandidate[] = [{ version: 2 }];
    expect((await autotune(gpu, shapes, { store, candidates: one })).source).toBe('measured');
    expect((await autotune(gpu, shapes, { store, candidates: one })).source).toBe('cached');
    const key = `t2lab.kernels|${adapterKey(gpu.adapter)}`;
    const records = JSON.parse((await store.get(key))!) as Record<string, { kernels: string }>;
    for (const r of Object.values(records)) r.kernels = 'an older build';
    await store.set(key, JSON.stringify(records));
    const again = await autotune(gpu, shapes, { store, candidates: one });
    expect(again.source).toBe('measured');
    expect(again.record!.kernels).toBe(KERNELS_STAMP);
    gpu.choices = {};
  });

  it('an override wins without timing anything; other choices stay', async () => {
    gpu.choices = { attention: 1 };
    // matmul shapes only (no .attention): nothing is left to measure
    const r = await autotune(gpu, [...shapes], { store: memoryStore(), overrides: { matmul: 1 } });
    expect(r).toMatchObject({ source: 'override', choices: { matmul: 1 } });
    expect(gpu.choices).toEqual({ attention: 1, matmul: 1 });
    gpu.choices = {};
  });

  it('reads the attention calls off the model, and an attention override is not measured', async () => {
    expect(shapes.attention).toEqual([
      { B: 2, T: TINY.block_size, C: TINY.n_embd, H: TINY.n_head, count: TINY.n_layer },
    ]);
    const r = await autotune(gpu, shapes, {
      store: memoryStore(),
      candidates: [{ version: 2 }],
      overrides: { attention: 1 },
    });
    expect(r.record!.timings.map((t) => t.candidate)).toEqual(['v2']);
    expect(gpu.choices).toMatchObject({ matmul: 2, attention: 1 });
    // matmul overridden, attention not: only attention is timed
    const a = await autotune(gpu, shapes, { store: memoryStore(), overrides: { matmul: 2 } });
    expect(a.record!.timings.map((t) => t.candidate)).toEqual(
      attentionCandidates(gpu).map((v) => `attention v${v}`),
    );
    expect(a.choices.matmul).toBe(2);
    gpu.choices = {};
  });

  it("checks and times candidates only on the step's own pipelines: tuning compiles nothing a step will not use", async () => {
    const keys = (run: () => unknown) => {
      const seen = new Set<string>();
      const pipeline = gpu.pipeline;
      gpu.pipeline = (src) => {
        if (src.name === 'matmul' || src.name.startsWith('attention'))
          seen.add(JSON.stringify([src.file, src.defines, src.overrides]));
        return pipeline.call(gpu, src);
      };
      return Promise.resolve(run()).then(
        () => ((gpu.pipeline = pipeline), seen),
        (e) => ((gpu.pipeline = pipeline), Promise.reject(e)),
      );
    };
    const tuned = await keys(() =>
      autotune(gpu, shapes, { candidates: [{ version: 4, rows: 8 }] }),
    );
    // A step with each attention version the race timed: together they use every pipeline the race may build.
    const stepped = new Set<string>();
    for (const attention of attentionCandidates(gpu)) {
      gpu.choices = { ...gpu.choices, attention };
      const ops = gpuOps(gpu);
      const model = new GPT(ops, TINY, 2);
      const used = await keys(() => {
        model.forward();
        model.backward();
        return gpu.sync();
      });
      ops.dispose();
      used.forEach((k) => stepped.add(k));
    }
    expect([...tuned].some((k) => k.includes('attention'))).toBe(true);
    expect([...tuned].filter((k) => !stepped.has(k))).toEqual([]);
    gpu.choices = {};
  });

  it('times v2 except where v4 runs its wide path on a CPU adapter, and every v4 tile height where v4 runs', () => {
    const names = matmulCandidates(gpu).map((c) =>
      c.rows ? `v4 rows=${c.rows}` : `v${c.version}`,
    );
    expect(names.includes('v2')).toBe(!(gpu.adapter.software && matmul_v4_wide(gpu)));
    expect(names.includes('v3')).toBe(!gpu.adapter.software);
    if (matmul_v4_wide(gpu))
      expect(names.filter((n) => n.startsWith('v4'))).toEqual(
        [8, 16, 24, 32].map((r) => `v4 rows=${r}`),
      );
  });

  // The race with made-up timings: the k-th gpu.time() of `f` returns ms[k] (then `rest`), running nothing.
  // The candidates' checks against the float64 reference still run for real.
  async function withTimes<R>(ms: number[], rest: number, f: () => Promise<R>): Promise<R> {
    const time = gpu.time;
    let k = 0;
    gpu.time = async () => {
      const t = (ms[k++] ?? rest) * 1e6;
      return { ns: t, clock: 'timestamp' as const, samples: [t] };
    };
    try {
      return await f();
    } finally {
      gpu.time = time;
      gpu.choices = {};
    }
  }
  const byCostDesc = (s: MatmulShape[]) =>
    [...s].sort((x, y) => y.count * y.M * y.K * y.N - x.count * x.M * x.K * x.N);
  const twoShapes = byCostDesc(modelMatmulShapes(TINY, 2)).slice(0, 2);
  const calls = twoShapes[0]!.count + twoShapes[1]!.count; // a step's total at 1 ms per call
  const rowsCandidates = [8, 16, 24, 32].map((rows) => ({ version: 4, rows }) as MatmulCandidate);

  it('a taller v4 tile races only when the step up before it paid on the costliest shape', async () => {
    if (!matmul_v4_wide(gpu)) return; // v4's tiles are raced where it runs
    // rows=16 slower than rows=8 on the costliest shape: neither 24 nor 32 is built or timed.
    const a = await withTimes([1.0, 1.1], 1, () =>
      autotune(gpu, twoShapes, { candidates: rowsCandidates, decide: 'all' }),
    );
    const [a8, a16, a24, a32] = a.record!.timings;
    expect(a8!.perShapeMs).toEqual([1, 1]);
    expect(a16!.perShapeMs).toEqual([1.1, 1]);
    expect(a24).toMatchObject({ ms: Infinity, perShapeMs: [] });
    expect(a24!.notTried).toBe('rows=16 was no faster than rows=8 on the costliest shape');
    expect(a32!.notTried).toBe('rows=24 was not timed');
    expect(a.choices.matmul_rows).toBe(8);
    // rows=16 faster: 24 enters; it is no faster than 16, so 32 does not.
    const b = await withTimes([1.1, 1.0, 1.05], 1, () =>
      autotune(gpu, twoShapes, { candidates: rowsCandidates, decide: 'all' }),
    );
    const [, b16, b24, b32] = b.record!.timings;
    expect(b24!.perShapeMs).toEqual([1.05, 1]);
    expect(b24!.notTried).toBeUndefined();
    expect(b32!.notTried).toBe('rows=24 was no faster than rows=16 on the costliest shape');
    expect(b16!.ms).toBe(calls);
    expect(b.choices.matmul_rows).toBe(16);
  });

  it('one slow burst does not drop a candidate: the shape is timed again before any drop', async () => {
    // Two copies of one candidate; the second's first timing 10x slow, as under a burst of load.
    const r = await withTimes([1, 10, 1, 1], 1, () =>
      autotune(gpu, twoShapes, {
        candidates: [
          { version: 4, rows: 8 },
          { version: 4, rows: 8 },
        ],
        decide: 'all',
      }),
    );
    const [first, second] = r.record!.timings;
    expect(first!.perShapeMs).toEqual([1, 1]);
    expect(second!.perShapeMs).toEqual([1, 1]); // timed again on the first shape, then on the second
    expect(second!.ms).toBe(calls);
  });

  // The costliest shape and one of another form (its own pipeline per candidate).
  const formOf = (x: MatmulShape) => shapeName({ ...x, M: 0, K: 0, N: 0 });
  const ordered = byCostDesc(modelMatmulShapes(TINY, 2));
  const twoForms = [ordered[0]!, ordered.find((x) => formOf(x) !== formOf(ordered[0]!))!];
  const builtRows = () => {
    const built: { rows: number; key: string }[] = [];
    const pipeline = gpu.pipeline;
    gpu.pipeline = (src) => {
      if (src.name === 'matmul')
        built.push({ rows: Number(src.defines?.ROWS), key: JSON.stringify(src.defines) });
      return pipeline.call(gpu, src);
    };
    return { built, restore: () => (gpu.pipeline = pipeline) };
  };

  it('on a software adapter the costliest shape decides, and only the winner is built for the other forms', async () => {
    expect(raceShapes(ordered, 'all').timed).toEqual(ordered);
    expect(raceShapes(ordered, 'costliest')).toEqual({
      timed: [ordered[0]],
      checkedOnly: ordered.slice(1),
    });
    const spy = builtRows();
    try {
      const r = await withTimes([1.1, 1.0], 5, () =>
        autotune(gpu, twoForms, {
          candidates: rowsCandidates.slice(0, 2),
          ...(gpu.adapter.software ? {} : { decide: 'costliest' as const }),
        }),
      );
      expect(r.choices.matmul_rows).toBe(16);
      const [t8, t16] = r.record!.timings;
      expect(t8!.perShapeMs).toEqual([1.1]); // timed once, on the costliest shape only
      expect(t16!.perShapeMs).toEqual([1.0]);
      expect(t16!.ms).toBe(twoForms[0]!.count * 1.0);
      expect(r.record!.decidedOn).toBe(shapeName(twoForms[0]!));
      const forms = (rows: number) =>
        new Set(spy.built.filter((b) => b.rows === rows).map((b) => b.key));
      expect(forms(8).size).toBe(1); // the loser: the costliest shape's pipeline only
      expect(forms(16).size).toBe(2); // the winner: checked on the other form too
    } finally {
      spy.restore();
    }
  });

  it('the deciding shape is timed in interleaved rounds, so one slow timing within the drop margin does not decide', async () => {
    // Round 1: rows=8 1.4 ms (slowed, yet inside 1.25x of rows=16's 1.2), rows=16 1.2; round 2: rows=8 1.0.
    const r = await withTimes([1.4, 1.2, 1.0], 5, () =>
      autotune(gpu, twoForms, { candidates: rowsCandidates.slice(0, 2), decide: 'costliest' }),
    );
    expect(r.record!.timings.map((t) => t.perShapeMs)).toEqual([[1.0], [1.2]]);
    expect(r.choices.matmul_rows).toBe(8);
  });

  it('a tie on the costliest shape keeps the tile already in use (its pipelines are built); a clear loss does not', async () => {
    const race = (ms: number[]) =>
      withTimes(ms, 5, () => {
        gpu.choices = { matmul: 4, matmul_rows: 8 }; // the previous model's choice
        return autotune(gpu, twoForms, {
          candidates: rowsCandidates.slice(0, 2),
          decide: 'costliest',
        });
      });
    const tie = await race([1.04, 1.0]);
    expect(tie.choices.matmul_rows).toBe(8);
    expect(tie.record!.keptOnTie).toBe(true);
    const loss = await race([1.2, 1.0]);
    expect(loss.choices.matmul_rows).toBe(16);
    expect(loss.record!.keptOnTie).toBeUndefined();
    const fastest = await race([1.0, 1.02]);
    expect(fastest.choices.matmul_rows).toBe(8);
    expect(fastest.record!.keptOnTie).toBeUndefined(); // the tile in use was the fastest anyway
  });

  it('a winner on the costliest shape that fails its check on another form gives way to the next fastest', async () => {
    const pipeline = gpu.pipeline;
    let first16: string | null = null;
    gpu.pipeline = (src) => {
      const key = JSON.stringify(src.defines);
      if (src.name === 'matmul' && src.defines?.ROWS === 16 && (first16 ??= key) !== key)
        throw new Error('a miscompiled form');
      return pipeline.call(gpu, src);
    };
    const spy = builtRows();
    try {
      const r = await withTimes([1.1, 1.0], 5, () =>
        autotune(gpu, twoForms, { candidates: rowsCandidates.slice(0, 2), decide: 'costliest' }),
      );
      expect(r.record!.rejected).toEqual([
        { candidate: 'v4 rows=16', reason: 'a miscompiled form' },
      ]);
      expect(r.choices.matmul_rows).toBe(8);
      const forms8 = new Set(spy.built.filter((b) => b.rows === 8).map((b) => b.key));
      expect(forms8.size).toBe(2); // the runner-up is checked on the other form before it is chosen
    } finally {
      spy.restore();
      gpu.pipeline = pipeline;
    }
  });

  it('a candidate that fails its check against the float64 reference is rejected, never chosen', async () => {
    const r = await autotune(gpu, shapes, { candidates: [{ version: 9 as 2 }, { version: 2 }] });
    expect(r.record!.rejected).toEqual([
      { candidate: 'v9', reason: expect.stringMatching(/no version 9/) },
    ]);
    expect(r.choices.matmul).toBe(2);
    gpu.choices = {};
  });
});
