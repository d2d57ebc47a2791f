// The browser app's host-free parts, in Node (Vitest; the *.spec.ts beside this file run in Chromium):
// the results store (in memory and in IndexedDB, one contract for both), results import/export, the
// capped grid of `limit=`, the trace export, and the worker's sweep session on the GPU: a lost device
// is recreated and the sweep finishes; a pause resumes; the worker API end to end.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { Gpu } from '../../src/gpu/context.ts';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import { RECORD_FORMAT, type RunRecord } from '../../src/sweep/record.ts';
import { memoryDb, sweepStore, type LabDb } from '../../src/worker/db.ts';
import { parseResultsJsonl, toCsv, toJsonl } from '../../src/worker/results.ts';
import { SweepSession, firstRuns, type SweepEvent } from '../../src/worker/session.ts';
import { createApi } from '../../src/worker/api.ts';
import { toTraceEvents, type ProfileRow } from '../../src/bench/trace.ts';
import { openIdb } from '../../web/shared/idb.ts';
import { presets } from '../../experiments/index.ts';
import { describeGpu } from '../helpers.ts';

function record(
  sweep: string,
  id: string,
  finished: string,
  extra: Partial<RunRecord> = {},
): RunRecord {
  const passk = { k: [1, 4], value: [0.25, 0.5], lo: [0.1, 0.3], hi: [0.4, 0.7] };
  return {
    format: RECORD_FORMAT,
    id,
    sweep,
    config: {
      ...presets.smoke!.base,
      n_layer: 1,
      n_embd: 16,
      n_head: 2,
      seed: 1,
      tokens: 1000,
    } as RunRecord['config'],
    N: 4000,
    N_nonemb: 3312,
    D: 1000,
    C_train: 6 * 3312 * 1000,
    C_train_exact: 7e7,
    curve: [{ tokens: 500, loss: 2 }],
    evals: [],
    eval_loss: 1.9,
    diverged: false,
    sampling: { n: 4, temperature: 1, top_k: 0, top_p: 1, questions: 1, seed: 0 },
    questions: [
      {
        task: 'add',
        prompt: '1+2=',
        answer: '3',
        n: 4,
        c: 1,
        p: 0.2,
        samples: ['3', '4', '5', '6'],
      },
    ],
    pass_at_k: { sampling: passk, likelihood: passk },
    device: 'test, with a comma',
    timings: { train_s: 1, sample_s: 1, tokens_per_s: 1000, samples_per_s: 4 },
    code_version: 'test',
    finished_at: finished,
    ...extra,
  };
}

let dbCount = 0;
const stores: [string, () => Promise<LabDb>][] = [
  ['memoryDb', async () => memoryDb()],
  ['IndexedDB (web/shared/idb.ts on fake-indexeddb)', () => openIdb(`t2lab-test-${dbCount++}`)],
];

for (const [name, open] of stores) {
  describe(`results store: ${name}`, () => {
    it('keeps records per sweep in the order they finished, and replaces a record with the same id', async () => {
      const db = await open();
      await db.putRecord(record('s', 'b', '2026-01-02T00:00:00Z'));
      await db.putRecord(record('s', 'a', '2026-01-03T00:00:00Z'));
      await db.putRecord(record('t', 'a', '2026-01-01T00:00:00Z'));
      expect((await db.records('s')).map((r) => r.id)).toEqual(['b', 'a']);
      expect((await db.records()).map((r) => `${r.sweep}/${r.id}`)).toEqual(['t/a', 's/b', 's/a']);
      await db.putRecord(record('s', 'b', '2026-01-04T00:00:00Z', { eval_loss: 1.5 }));
      const s = await db.records('s');
      expect(s.map((r) => [r.id, r.eval_loss])).toEqual([
        ['a', 1.9],
        ['b', 1.5],
      ]);
    });

    it('stores checkpoint bytes, lists them without the bytes, and deletes one sweep only', async () => {
      const db = await open();
      const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
      await db.putBlob('resume', 's', 'r1', bytes);
      await db.putBlob('final', 's', 'r1', bytes.subarray(0, 10), 'trained model');
      await db.putBlob('final', 't', 'r1', bytes.subarray(0, 20));
      expect(await db.getBlob('resume', 's', 'r1')).toEqual(bytes);
      expect(await db.getBlob('resume', 's', 'nope')).toBeNull();
      expect((await db.listBlobs('final', 's')).map((b) => [b.id, b.bytes, b.note])).toEqual([
        ['r1', 10, 'trained model'],
      ]);
      expect(await db.listBlobs('final')).toHaveLength(2);
      await db.putRecord(record('s', 'r1', '2026-01-01T00:00:00Z'));
      await db.putRecord(record('t', 'r1', '2026-01-01T00:00:00Z'));
      await db.deleteSweep('s');
      expect(await db.records('s')).toEqual([]);
      expect(await db.getBlob('resume', 's', 'r1')).toBeNull();
      expect(await db.listBlobs('final', 's')).toEqual([]);
      expect(await db.records('t')).toHaveLength(1);
      expect(await db.listBlobs('final', 't')).toHaveLength(1);
      await db.deleteBlob('final', 't', 'r1');
      expect(await db.listBlobs('final')).toEqual([]);
    });

    it('keeps settings', async () => {
      const db = await open();
      expect(await db.getMeta('active')).toBeUndefined();
      await db.putMeta('active', { name: 'smoke', state: 'running', limit: 2 });
      expect(await db.getMeta('active')).toEqual({ name: 'smoke', state: 'running', limit: 2 });
    });

    it('serves the runner as a SweepStore: resume checkpoints come and go, models stay', async () => {
      const db = await open();
      const store = sweepStore(db, 's');
      await store.saveCheckpoint('r', new Uint8Array([1, 2, 3]));
      expect(await store.loadCheckpoint('r')).toEqual(new Uint8Array([1, 2, 3]));
      await store.saveModel!('r', new Uint8Array([9]));
      await store.deleteCheckpoint('r');
      expect(await store.loadCheckpoint('r')).toBeNull();
      expect(await db.getBlob('final', 's', 'r')).toEqual(new Uint8Array([9]));
      await store.append(record('s', 'r', '2026-01-01T00:00:00Z'));
      expect((await store.records()).map((r) => r.id)).toEqual(['r']);
    });
  });
}

describe('results files', () => {
  it('imports the good lines of a JSONL and names the bad ones by line number', () => {
    const good = JSON.stringify(record('s', 'a', '2026-01-01T00:00:00Z'));
    const text = [
      good,
      '{"format":"t2lab-run-1", "id": oops',
      '',
      JSON.stringify({ format: 'other' }),
      good.replace('"a"', '"b"'),
    ].join('\n');
    const r = parseResultsJsonl(text);
    expect(r.records.map((x) => x.id)).toEqual(['a', 'b']);
    expect(r.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(r.errors[0]!.message).toMatch(/not valid JSON/);
    expect(r.errors[1]!.message).toMatch(/format/);
  });

  it('exports JSONL that imports back to the same records (NaN as null and back)', () => {
    const rs = [
      record('s', 'a', '2026-01-01T00:00:00Z'),
      record('s', 'b', '2026-01-02T00:00:00Z', { eval_loss: NaN, diverged: true }),
    ];
    const back = parseResultsJsonl(toJsonl(rs));
    expect(back.errors).toEqual([]);
    expect(back.records).toEqual(rs);
  });

  it('exports CSV with one row per run and a column per k and method', () => {
    const csv = toCsv([record('s', 'a', '2026-01-01T00:00:00Z')])
      .trim()
      .split('\n');
    expect(csv).toHaveLength(2);
    const head = csv[0]!.split(',');
    expect(head).toEqual(
      expect.arrayContaining([
        'pass@1_sampling',
        'pass@4_sampling',
        'pass@1_likelihood',
        'pass@4_likelihood',
        'D_per_N',
      ]),
    );
    expect(csv[1]).toContain('"test, with a comma"');
    expect(csv[1]!.split(',')[head.indexOf('pass@4_sampling')]).toBe('0.5');
  });
});

describe('firstRuns (the `limit=` link parameter)', () => {
  // A prefix of the levels × models × seeds is not always exactly n runs (smoke's first 4 runs are not a
  // sub-grid, so limit=4 runs all 6); it is always the grid's first runs, never others.
  for (const [name, n] of [
    ['smoke', 1],
    ['smoke', 2],
    ['smoke', 3],
    ['smoke', 4],
    ['classroom', 2],
    ['classroom', 5],
  ] as const) {
    it(`${name}, limit ${n}: the first runs of the full grid, at least ${n}`, () => {
      const full = expandRuns(validateExperiment(presets[name]!)).map((r) => r.id);
      const capped = expandRuns(
        validateExperiment(firstRuns(validateExperiment(presets[name]!), n)),
      ).map((r) => r.id);
      expect(capped.length).toBeGreaterThanOrEqual(n);
      expect(capped.length).toBeLessThanOrEqual(full.length);
      expect(capped).toEqual(full.slice(0, capped.length));
    });
  }

  it('is exact for the smoke preset, where each budget level holds whole models', () => {
    const smoke = validateExperiment(presets.smoke!);
    for (const n of [1, 2, 3]) expect(expandRuns(firstRuns(smoke, n))).toHaveLength(n);
  });
});

describe('trace export', () => {
  it('lays every repetition end to end as Chrome trace-event slices, one track per kernel version', () => {
    const row = (kernel: string, version: string, samplesMs: number[]): ProfileRow => ({
      kernel,
      version,
      shape: 's',
      ms: samplesMs[0]!,
      gflops: 2,
      gbs: 1,
      bytes: 8,
      peakFraction: 0.1,
      clock: 'timestamp',
      samplesMs,
    });
    const t = toTraceEvents(
      [row('matmul', 'v1', [2, 3]), row('matmul', 'v2', [1]), row('matmul', 'v1', [4])],
      'Test GPU',
    );
    const meta = t.traceEvents.filter((e) => e.ph === 'M');
    expect(meta.map((e) => e.args!.name)).toEqual(['GPU: Test GPU', 'matmul v1', 'matmul v2']);
    const x = t.traceEvents.filter((e) => e.ph === 'X');
    expect(x.map((e) => [e.tid, e.dur])).toEqual([
      [1, 2000],
      [1, 3000],
      [2, 1000],
      [1, 4000],
    ]);
    for (let i = 1; i < x.length; i++)
      expect(x[i]!.ts).toBeGreaterThanOrEqual(x[i - 1]!.ts + x[i - 1]!.dur!);
    expect(JSON.parse(JSON.stringify(t)).traceEvents).toHaveLength(7);
  });
});

describe('worker API without a GPU', () => {
  it('says what to do when the browser has no WebGPU, and keeps results in memory when storage fails', async () => {
    const api = createApi(undefined, {
      openDb: () => Promise.reject(new Error('private browsing')),
    });
    await expect(api.init()).rejects.toThrow(/no WebGPU[\s\S]*Chrome[\s\S]*swiftshader/);
    expect(await api.storage()).toEqual({ kind: 'memory', reason: 'private browsing' });
    expect(await api.sweeps()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------- on the GPU

const tiny = {
  name: 'tiny-app',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 32,
    batch_size: 8,
    lr: 1e-2,
    log_interval: 2,
    eval_interval: 8,
    eval_batches: 1,
  },
  models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
  budgets: { tokens_per_param: [0.4, 0.8] },
  seeds: [1],
  sampling: { questions: 4, n: 4, k: [1, 2, 4], max_new: 4 },
};

/** Dawn in Node standing in for the browser's navigator.gpu (lavapipe on machines without a GPU). */
const dawn = create(['disable-dawn-features=timestamp_quantization']);

describeGpu('sweep session in the worker', () => {
  it('recreates a lost device and finishes the sweep from the last checkpoint, with a notice', async () => {
    let made = 0;
    let current: Gpu | null = null;
    const device = async () =>
      (current ??= (made++, await Gpu.fromAdapter((await dawn.requestAdapter())!)));
    const session = new SweepSession(memoryDb(), device, () => {
      current?.destroy();
      current = null;
    });
    const events: SweepEvent[] = [];
    let lostAt = -1;
    await session.start(tiny, { checkpointSeconds: 0 }, (e) => {
      events.push(e);
      // Lose the device in the second run, once it has saved a checkpoint.
      if (e.type === 'checkpoint' && e.id.includes('0.8') && lostAt < 0 && e.tokens > 0) {
        lostAt = e.tokens;
        current!.device.destroy();
      }
    });
    expect(lostAt).toBeGreaterThan(0);
    expect(made).toBe(2);
    const notices = events
      .filter((e) => e.type === 'notice')
      .map((e) => (e as { message: string }).message);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/device was lost.*new device/);
    const resumed = events.find((e) => e.type === 'progress' && e.progress.resumedAt !== undefined);
    expect(
      resumed && resumed.type === 'progress' && resumed.progress.resumedAt,
    ).toBeGreaterThanOrEqual(lostAt - 8 * 32 * 2);
    const records = events
      .filter((e) => e.type === 'record')
      .map((e) => (e as { record: RunRecord }).record);
    expect(records.map((r) => r.id)).toEqual(expandRuns(validateExperiment(tiny)).map((r) => r.id));
    for (const r of records) expect(r.D).toBe(r.config.tokens);
    expect(events[events.length - 1]).toMatchObject({ type: 'state', state: 'done' });
    expect(await session.active()).toMatchObject({ name: 'tiny-app', state: 'done' });
  });

  it('pauses mid-run (remembered as paused, so a reload does not restart it) and resumes from the checkpoint', async () => {
    const gpu = await Gpu.fromAdapter((await dawn.requestAdapter())!);
    const db = memoryDb();
    const session = new SweepSession(
      db,
      async () => gpu,
      () => {},
    );
    let paused: Promise<void> | null = null;
    const logs: string[] = [];
    // The two runs share a shape, so they train side by side (as the CLI packs them); the shorter (6 steps)
    // ends and is recorded while the longer (11) goes on, and the pause comes at the longer one's step 8.
    const first = await session.start(tiny, { checkpointSeconds: 60 }, (e) => {
      if (e.type === 'log') logs.push(e.message);
      if (
        e.type === 'progress' &&
        e.progress.index === 1 &&
        e.progress.train &&
        e.progress.train.step >= 8 &&
        !paused
      )
        paused = session.pause();
    });
    await paused;
    expect(logs.join('\n')).toMatch(/D\/N=0\.8\/s1, .*D\/N=0\.4\/s1: 2 runs trained side by side/);
    expect(first).toMatchObject({ ran: 1, paused: true });
    expect(await session.active()).toMatchObject({ state: 'paused' });
    expect(await db.listBlobs('resume', 'tiny-app')).toHaveLength(1); // the pause saved one, though 60 s had not passed
    const events: SweepEvent[] = [];
    const second = await session.start(tiny, {}, (e) => events.push(e));
    expect(second).toMatchObject({ ran: 1, skipped: 1, paused: false });
    expect(events.some((e) => e.type === 'progress' && (e.progress.resumedAt ?? 0) > 0)).toBe(true);
    expect(await db.records('tiny-app')).toHaveLength(2);
    expect(await db.listBlobs('final', 'tiny-app')).toHaveLength(2);
    expect(await db.listBlobs('resume', 'tiny-app')).toEqual([]);
    gpu.destroy();
  });

  it('the worker API: sweep, results without samples, samples of a run, export and import, checkpoints, profile and trace', async () => {
    const api = createApi(dawn, { openDb: () => openIdb(`t2lab-api-${dbCount++}`) });
    expect((await api.storage()).kind).toBe('indexeddb');
    expect((await api.init()).vendor).toBeTruthy();
    await expect(api.sweepStart({ ...tiny, models: [] }, {}, () => {})).rejects.toThrow(
      /"models" must be a non-empty list/,
    );
    const events: SweepEvent[] = [];
    let tuneWhileRunning: Promise<string> | null = null;
    await api.sweepStart(tiny, { limit: 1 }, (e) => {
      events.push(e);
      if (e.type === 'progress' && !tuneWhileRunning)
        tuneWhileRunning = api.tuneKernels().then(
          () => 'measured',
          (err: Error) => err.message,
        );
    });
    expect(events.filter((e) => e.type === 'record')).toHaveLength(1);
    // Measuring while the sweep trains would time both at once: refused, saying why.
    expect(await tuneWhileRunning).toMatch(
      /a sweep is running on this GPU.*pause it or let it finish/,
    );
    // The sweep measured nothing (no race on a run's path): the Kernels page's table is empty and says,
    // in devices' words, what a run here uses; the record keeps the same versions.
    const choices = await api.kernelChoices();
    expect(choices.records).toEqual([]);
    expect(choices.current).toMatch(/^matmul v\d( rows=\d+)?, attention v\d \(the default for /);
    expect(await api.sweeps()).toEqual([expect.objectContaining({ name: 'tiny-app', runs: 1 })]);
    const [r] = await api.results('tiny-app');
    expect(r!.kernels_source).toBe('default');
    expect(choices.current).toContain(`attention v${r!.kernels!.attention}`);
    expect(r!.questions[0]!.samples).toBeUndefined();
    const qs = await api.samples('tiny-app', r!.id);
    expect(qs[0]!.samples).toHaveLength(4);
    expect((await api.checkpoints('tiny-app')).map((b) => b.id)).toEqual([r!.id]);
    expect((await api.checkpoint('tiny-app', r!.id))!.byteLength).toBeGreaterThan(1000);
    const jsonl = await api.exportResults('tiny-app', 'jsonl');
    expect((await api.exportResults('tiny-app', 'csv')).trim().split('\n')).toHaveLength(2);

    const other = createApi(dawn, {}); // no store: in memory, and says so
    expect(await other.storage()).toMatchObject({ kind: 'memory' });
    const imported = await other.importResults(`${jsonl}not json\n`);
    expect(imported).toMatchObject({ imported: 1, sweeps: ['tiny-app'], errors: [{ line: 2 }] });
    expect(await other.samples('tiny-app', r!.id)).toEqual(qs);

    const rows: ProfileRow[] = [];
    const report = await api.profile({ kernels: ['gelu_forward'], reps: 3 }, (row) =>
      rows.push(row),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.samplesMs).toHaveLength(3);
    const trace = JSON.parse(await api.traceJson(report));
    expect(trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X')).toHaveLength(
      3 * rows.length,
    );
  });
});
