// The kernel tuner, in the measurement wing: times every candidate matmul version and tile setting, and
// every attention version, at a model's own shapes (each first checked against the float64 reference),
// and stores the fastest per adapter and shapes in a ChoiceStore (Node: ~/.cache/t2lab/kernels.json,
// browser: IndexedDB). Runs read that stored result through src/choice/ and never call this: only
// `t2lab tune`, `t2lab devices --tune`, `t2lab bench` and the app's Kernels page (Measure now) do.
// Host-agnostic: the store is passed in.
import type { Gpu, Tensor } from '../gpu/context.ts';
import { adapterKey } from '../gpu/adapter.ts';
import {
  KERNELS_STAMP,
  STORE_PREFIX,
  matmulName,
  shapeName,
  shapesKey,
  storedRecords,
  type AttentionShape,
  type ChoiceStore,
  type KernelShapes,
  type MatmulShape,
  type TuneRecord,
  type TuneTiming,
} from '../sweep/kernel-choice.ts';
import {
  matmul,
  matmul_unsupported,
  matmul_v4_wide,
  MATMUL_V4_ROWS,
  type MatmulRows,
  type MatmulVersion,
} from '../../kernels/matmul/matmul.ts';
import * as matmul_cpu from '../../kernels/matmul/matmul.cpu.ts';
import {
  attention_backward,
  attention_forward,
  attention_unsupported,
  attention_versions,
  attention_wide,
  type AttentionVersion,
} from '../../kernels/attention/attention.ts';
import * as attention_cpu from '../../kernels/attention/attention.cpu.ts';
import { maxAbsDiff, seededArray } from '../gpu/cases.ts';

export interface MatmulCandidate {
  version: MatmulVersion;
  rows?: MatmulRows; // v4's tile setting
}

export interface TuneResult {
  key: string; // the store key: the adapter
  choices: Record<string, number>; // what gpu.choices now holds for matmul
  source: 'measured' | 'cached' | 'override';
  record?: TuneRecord;
}

export interface AutotuneOptions {
  store?: ChoiceStore;
  /** Choices that win over any measurement, e.g. parseKernelChoices('matmul:2'); an overridden kernel is not timed. */
  overrides?: Record<string, number>;
  /** Measure even when the store has a record for these shapes. */
  retune?: boolean;
  /** Timed repetitions per shape and candidate (the fastest counts); default 3. */
  reps?: number;
  candidates?: MatmulCandidate[];
  /**
   * Which shapes the matmul race times: 'all' (every shape; a candidate 25% behind is dropped on the way),
   * or 'costliest' (the costliest shape decides; the winner is then only checked on the other forms).
   * Default: 'costliest' on software adapters, where each (candidate, form) pipeline costs seconds of
   * compile at its first dispatch, else 'all'. See raceShapes.
   */
  decide?: 'all' | 'costliest';
  log?: (line: string) => void;
}

/**
 * A candidate whose running total passes this multiple of the best is dropped. On a software adapter a
 * matmul variant's first dispatch is its compile (lavapipe JIT-compiles there, seconds per variant), so
 * every candidate kept past the first shape costs a compile per remaining variant: the costliest shape
 * goes first and decides most of the total, and a candidate 25% behind on it no longer gets built for the
 * rest. (Timings of one shape repeat within a few % here; 25% is well outside that.)
 */
const GIVE_UP = 1.25;

/**
 * Where the costliest shape decides: within this multiple of the fastest, the tile already in use is kept,
 * and a taller tile enters only after the step up before it paid by more (see measure): cold races on
 * lavapipe timed one tile further apart across processes than the tiles were from each other
 * (docs/results/bench/coldrace.txt), so a gap that small is noise there.
 */
const TIE = 1.1;
/** Interleaved timing rounds of the costliest shape when it alone decides (see measure). */
const ROUNDS = 3;

/**
 * The shapes the matmul race times, by `decide` (AutotuneOptions). A model's matmuls come in ~7 forms
 * (transposes, bias, accumulate, GELU epilogue), each a pipeline of its own per candidate, and on a
 * software adapter each is seconds of JIT at its first dispatch: racing every v4 tile over every form
 * cost about twice what deciding on the costliest shape does (docs/results/bench/coldrace.txt), and where
 * the full race timed every shape the costliest shape alone picked the same tile or one within a few % on
 * the total. So there the costliest shape decides: each candidate
 * builds one pipeline to race, and only the winner builds the other forms (which its steps need anyway).
 * On a GPU a compile is milliseconds and every shape is timed.
 */
export function raceShapes(
  shapes: MatmulShape[],
  decide: 'all' | 'costliest',
): { timed: MatmulShape[]; checkedOnly: MatmulShape[] } {
  const order = byCost(shapes);
  return decide === 'all'
    ? { timed: order, checkedOnly: [] }
    : { timed: order.slice(0, 1), checkedOnly: order.slice(1) };
}

/**
 * Whether v4's tile of `rows` rows should enter the race, from the times (`ms`, by rows) of the shorter
 * tiles on the costliest shape: only when the tile 8 rows shorter beat the one 16 rows shorter. A taller
 * tile reuses each loaded B value over more rows but keeps more accumulators per lane, and past the
 * registers they spill, so the time falls with height and then rises: once a step up did not pay, a
 * taller tile would only cost its compile (the longest of all: ROWS unrolls). rows 8 and 16 always race.
 * `margin`: how much faster the step up must have been (TIE where compiles cost seconds: a step up inside
 * the timing noise is no sign the next one pays).
 */
export function tallerTileWorthTrying(
  rows: number,
  ms: ReadonlyMap<number, number>,
  margin = 1,
): boolean {
  if (rows <= 16) return true;
  const shorter = ms.get(rows - 8),
    shorter2 = ms.get(rows - 16);
  return shorter !== undefined && shorter2 !== undefined && shorter * margin < shorter2;
}

export const candidateName = (c: MatmulCandidate): string => matmulName(c.version, c.rows);

function candidateChoices(c: MatmulCandidate): Record<string, number> {
  return c.rows ? { matmul: c.version, matmul_rows: c.rows } : { matmul: c.version };
}

/**
 * The versions worth timing here: v1 (naive) never wins; v3's barriers make it slow and seconds-long to
 * compile on CPU adapters; and where v4 runs its subgroup-broadcast path on a CPU adapter (lavapipe), v2
 * lost to it at every shape of every stored lavapipe race, so it would only cost compiles there.
 */
export function matmulCandidates(gpu: Gpu): MatmulCandidate[] {
  const out: MatmulCandidate[] = [];
  if (!(gpu.adapter.software && matmul_v4_wide(gpu))) out.push({ version: 2 });
  if (!gpu.adapter.software) out.push({ version: 3 });
  if (matmul_unsupported(gpu, 4) === null)
    out.push(...MATMUL_V4_ROWS.map((rows) => ({ version: 4 as const, rows })));
  return out;
}

/**
 * Pick the matmul version (and v4 tile setting) for `shapes` on this adapter and put it in gpu.choices:
 * from `overrides`, else the store, else by timing every candidate (each first checked against the
 * float64 reference; a wrong one is never chosen). Call once when a run starts, before the first step.
 */
export async function autotune(
  gpu: Gpu,
  shapes: KernelShapes,
  opts: AutotuneOptions = {},
): Promise<TuneResult> {
  const key = adapterKey(gpu.adapter);
  const overrides = opts.overrides ?? {};
  const tuneAttention = (shapes.attention?.length ?? 0) > 0;
  const apply = (choices: Record<string, number>) => {
    const next = { ...gpu.choices };
    delete next.matmul;
    delete next.matmul_rows;
    if (tuneAttention) delete next.attention;
    gpu.choices = { ...next, ...choices, ...overrides };
    const c = gpu.choices;
    return {
      matmul: c.matmul!,
      ...(c.matmul_rows !== undefined ? { matmul_rows: c.matmul_rows } : {}),
      ...(c.attention !== undefined ? { attention: c.attention } : {}),
    };
  };
  if (overrides.matmul !== undefined && (!tuneAttention || overrides.attention !== undefined))
    return { key, choices: apply({}), source: 'override' };

  const sk = shapesKey(shapes);
  const records = opts.store ? await storedRecords(gpu, opts.store) : {};
  const cached = records[sk];
  if (cached && cached.kernels === KERNELS_STAMP && !opts.retune)
    return { key, choices: apply(cached.choices), source: 'cached', record: cached };

  // matmul overridden: only attention is measured (the record keeps the override's matmul, not a measurement).
  const record =
    overrides.matmul !== undefined
      ? {
          choices: {},
          shapes: sk,
          timings: [],
          rejected: [],
          clock: 'wall' as const,
          measuredAt: new Date().toISOString(),
          kernels: KERNELS_STAMP,
        }
      : await measure(gpu, shapes, opts);
  if (tuneAttention && overrides.attention === undefined) {
    const a = await measureAttention(gpu, shapes.attention!, opts);
    record.choices.attention = a.choice;
    record.timings.push(...a.timings);
    record.rejected.push(...a.rejected);
  }
  if (opts.store && overrides.matmul === undefined) {
    records[sk] = record;
    await opts.store.set(STORE_PREFIX + key, JSON.stringify(records));
  }
  return { key, choices: apply(record.choices), source: 'measured', record };
}

async function measure(
  gpu: Gpu,
  shapes: MatmulShape[],
  opts: AutotuneOptions,
): Promise<TuneRecord> {
  const log = opts.log ?? (() => {});
  const reps = opts.reps ?? 3;
  const candidates = opts.candidates ?? matmulCandidates(gpu);
  const decide = opts.decide ?? (gpu.adapter.software ? 'costliest' : 'all');
  const race = raceShapes(shapes, decide);
  const margin = decide === 'costliest' ? TIE : 1; // a switch or a taller tile must beat the noise
  const rejected: TuneRecord['rejected'] = [];
  let clock: 'timestamp' | 'wall' = 'wall';
  type Entry = { c: MatmulCandidate; t: TuneTiming };
  let decided: Entry | null = null,
    keptOnTie = false;
  const entries: Entry[] = candidates.map((c) => ({
    c,
    t: { candidate: candidateName(c), ms: 0, perShapeMs: [] },
  }));
  const timings = entries.map((x) => x.t);
  // v4's taller tiles wait: each enters on the costliest shape only if the step up before it paid
  // there (tallerTileWorthTrying), when the two shorter tiles are in the race to tell.
  const hasRows = (rows: number) => candidates.some((c) => c.version === 4 && c.rows === rows);
  const tall = (c: MatmulCandidate) =>
    c.version === 4 && c.rows! > 16 && hasRows(c.rows! - 8) && hasRows(c.rows! - 16);
  const alive = entries.filter((x) => !tall(x.c));
  const waiting = entries.filter((x) => tall(x.c)).sort((x, y) => x.c.rows! - y.c.rows!);
  const max = (f: (s: MatmulShape) => number) => Math.max(1, ...shapes.map(f));
  const out = gpu.tensor(
    'autotune out',
    max((s) => s.M * s.N),
  );
  const a = gpu.tensor(
    'autotune a',
    max((s) => s.M * s.K),
    seededArray(
      max((s) => s.M * s.K),
      1,
    ),
  );
  const b = gpu.tensor(
    'autotune b',
    max((s) => s.K * s.N),
    seededArray(
      max((s) => s.K * s.N),
      2,
    ),
  );
  const bias = gpu.tensor(
    'autotune bias',
    max((s) => s.N),
    seededArray(
      max((s) => s.N),
      3,
    ),
  );
  const gelu = gpu.tensor(
    'autotune gelu',
    max((s) => (s.gelu ? s.M * s.N : 1)),
    seededArray(
      max((s) => (s.gelu ? s.M * s.N : 1)),
      4,
    ),
  );
  try {
    // Shape by shape, every candidate still in the race, so a burst of load on a shared machine hits
    // them alike; the fastest of `reps` runs, the figure least disturbed by other work. A candidate
    // whose running total passes GIVE_UP × the best is dropped; one that disagrees with the float64
    // reference on a shape's form is rejected before it is timed there, and never chosen.
    const passes = async (x: Entry, s: MatmulShape): Promise<boolean> => {
      const wrong = await checkCandidate(gpu, x.c, s);
      if (!wrong) return true;
      rejected.push({ candidate: x.t.candidate, reason: wrong });
      log(`autotune matmul ${x.t.candidate}: rejected (${wrong})`);
      x.t.ms = Infinity;
      return false;
    };
    // Times x on s and adds it to x's total; `again`: a second timing of the shape just timed, whose
    // faster sample replaces the first.
    const time = async (x: Entry, s: MatmulShape, again = false): Promise<void> => {
      const r = await gpu.time(
        () =>
          matmul(gpu, out, a, b, s.bias ? bias : null, s.M, s.K, s.N, {
            ...s,
            ...x.c,
            ...epilogueOf(s, gelu),
          }),
        reps,
        1,
      );
      clock = r.clock;
      const ms = Math.min(...r.samples) / 1e6;
      if (again) {
        const first = x.t.perShapeMs[x.t.perShapeMs.length - 1]!;
        if (ms < first) {
          x.t.perShapeMs[x.t.perShapeMs.length - 1] = ms;
          x.t.ms -= s.count * (first - ms);
        }
        return;
      }
      x.t.perShapeMs.push(ms);
      x.t.ms += s.count * ms;
    };
    // When one shape decides, it is timed in ROUNDS interleaved rounds (the fastest counts): a ~1 ms
    // dispatch of a small model times within 10% only now and then here, and a pipeline is cheap to time
    // again once it is built.
    const moreRounds = async (xs: Entry[], s: MatmulShape): Promise<void> => {
      if (decide === 'costliest')
        for (let r = 1; r < ROUNDS; r++) for (const x of xs) await time(x, s, true);
    };
    for (const [i, s] of race.timed.entries()) {
      for (const x of [...alive]) if (!(await passes(x, s))) alive.splice(alive.indexOf(x), 1);
      for (const x of alive) await time(x, s);
      await moreRounds(alive, s);
      // One burst of load can slow a timing 2x on a shared CPU, and a dropped candidate is never timed
      // again: while any is behind, each candidate not yet timed twice on this shape times it once more
      // (its faster timing counts). The pipelines are built, so this costs milliseconds, not compiles.
      const behind = () => {
        const best = Math.min(...alive.map((x) => x.t.ms));
        return alive.filter((x) => x.t.ms > GIVE_UP * best);
      };
      const twice = new Set<Entry>();
      const settle = async () => {
        if (!behind().some((x) => !twice.has(x))) return;
        for (const x of alive) {
          if (twice.has(x)) continue;
          await time(x, s, true);
          twice.add(x);
        }
      };
      await settle();
      if (i === 0) {
        const v4ms = () =>
          new Map<number, number>(
            alive.filter((x) => x.c.version === 4).map((x) => [x.c.rows!, x.t.ms]),
          );
        while (waiting.length && tallerTileWorthTrying(waiting[0]!.c.rows!, v4ms(), margin)) {
          const x = waiting.shift()!;
          if (!(await passes(x, s))) continue;
          await time(x, s);
          await moreRounds([x], s);
          alive.push(x);
          await settle();
        }
        const timed = v4ms();
        for (const x of waiting.splice(0)) {
          const r = x.c.rows!;
          x.t.ms = Infinity;
          x.t.notTried = timed.has(r - 8)
            ? margin > 1
              ? `rows=${r - 8} was not over ${Math.round((margin - 1) * 100)}% faster than rows=${r - 16} on the costliest shape`
              : `rows=${r - 8} was no faster than rows=${r - 16} on the costliest shape`
            : `rows=${r - 8} was not timed`;
        }
      }
      if (!alive.length) break;
      for (const x of behind()) {
        x.t.ms = Infinity;
        alive.splice(alive.indexOf(x), 1);
      }
    }
    // Decided on the costliest shape: the fastest candidate that also passes its check on every other
    // form wins (a rejected one's time becomes Infinity, and the next fastest is checked). A tie (within
    // TIE of the fastest) goes to the tile already in use, the previous model's choice: its pipelines for
    // every form are built, and a switch would compile them all again for a difference inside the noise.
    if (decide === 'costliest') {
      const ranked = [...alive].sort((p, q) => p.t.ms - q.t.ms);
      const c = gpu.choices;
      const inUse = ranked.findIndex((x) => x.c.version === c.matmul && x.c.rows === c.matmul_rows);
      const moved = inUse > 0 && ranked[inUse]!.t.ms <= TIE * ranked[0]!.t.ms;
      if (moved) ranked.unshift(...ranked.splice(inUse, 1));
      for (const [i, x] of ranked.entries()) {
        let ok = true;
        for (const s of race.checkedOnly) if (!(ok = await passes(x, s))) break;
        if (!ok) continue;
        decided = x;
        keptOnTie = moved && i === 0;
        break;
      }
    }
  } finally {
    for (const t of [out, a, b, bias, gelu]) t.buffer.destroy();
  }
  const timed = timings.filter((t) => !rejected.some((r) => r.candidate === t.candidate));
  const decidedOn = race.checkedOnly.length ? shapeName(race.timed[0]!) : undefined;
  const per = decidedOn
    ? `on ${decidedOn} ×${race.timed[0]!.count}, the costliest shape`
    : 'per step';
  for (const t of timed)
    log(
      `autotune matmul ${t.candidate}: ${Number.isFinite(t.ms) ? `${t.ms.toFixed(2)} ms ${per}` : t.notTried ? `not tried (${t.notTried})` : `dropped, over ${GIVE_UP}x the best`}`,
    );
  const winner = decided
    ? decided.t
    : timed.reduce<TuneTiming | null>((w, t) => (!w || t.ms < w.ms ? t : w), null);
  if (keptOnTie)
    log(
      `autotune matmul ${winner!.candidate}: kept, the tile already in use (within ${Math.round((TIE - 1) * 100)}% of the fastest; its pipelines are built)`,
    );
  if (!winner || !Number.isFinite(winner.ms))
    throw new Error(
      `autotune: no matmul candidate ran correctly (${rejected.map((r) => `${r.candidate}: ${r.reason}`).join('; ')})`,
    );
  const chosen = candidates.find((c) => candidateName(c) === winner.candidate)!;
  return {
    choices: candidateChoices(chosen),
    shapes: shapesKey(shapes),
    timings: timed,
    rejected,
    clock,
    measuredAt: new Date().toISOString(),
    kernels: KERNELS_STAMP,
    ...(decidedOn ? { decidedOn } : {}),
    ...(keptOnTie ? { keptOnTie } : {}),
  };
}

/** The matmul options of a form's GELU epilogue with `t` as its tensor: gelu_out (forward), gelu_inp (backward), none. */
function epilogueOf<T>(s: MatmulShape, t: T): { gelu_out?: T; gelu_inp?: T } {
  return s.gelu === 'forward' ? { gelu_out: t } : s.gelu === 'backward' ? { gelu_inp: t } : {};
}

/** The shapes, costliest per step (count × M·K·N) first: the order the race times them in. */
const byCost = (shapes: MatmulShape[]): MatmulShape[] =>
  [...shapes].sort((x, y) => y.count * y.M * y.K * y.N - x.count * x.M * x.K * x.N);

/**
 * Null when candidate `c` matches the float64 reference on form `s`, else why not. The check runs the very
 * pipeline the race then times (the form's transposes, bias, accumulate, epilogue, and its K and N, which
 * decide the vec4 paths), at M = 37 rows (past one tile, ragged), so checking costs no compile of its own:
 * on lavapipe a variant's first dispatch is seconds of compiling. Awkward shapes of every variant are the
 * kernel tests' business (test/kernels/matmul.test.ts); this guards against a driver that miscompiles one.
 */
async function checkCandidate(
  gpu: Gpu,
  c: MatmulCandidate,
  s: MatmulShape,
): Promise<string | null> {
  const { K, N } = s;
  const M = 37;
  const made: Tensor[] = [];
  const tensor = (label: string, data: Float64Array) => {
    const t = gpu.tensor(label, data.length, data);
    made.push(t);
    return t;
  };
  try {
    const a = seededArray(M * K, 4),
      b = seededArray(K * N, 5),
      bias = seededArray(N, 6),
      prior = seededArray(M * N, 7),
      pre = seededArray(M * N, 8, -4, 4);
    const want = s.accumulate ? Float64Array.from(prior) : new Float64Array(M * N);
    const wantGelu = new Float64Array(M * N);
    matmul_cpu.matmul(want, a, b, s.bias ? bias : null, M, K, N, {
      ...s,
      ...epilogueOf(s, s.gelu === 'forward' ? wantGelu : pre),
    });
    const out = tensor('autotune check out', s.accumulate ? prior : new Float64Array(M * N));
    const gelu = tensor(
      'autotune check gelu',
      s.gelu === 'backward' ? pre : new Float64Array(M * N),
    );
    const epilogue = epilogueOf(s, gelu);
    matmul(
      gpu,
      out,
      tensor('a', a),
      tensor('b', b),
      s.bias ? tensor('bias', bias) : null,
      M,
      K,
      N,
      { ...s, ...c, ...epilogue },
    );
    // Each product sums K terms of |x| < 1 rounded in float32: the bound grows with K.
    const tol = 1e-4 * Math.max(1, Math.sqrt(K / 32));
    let err = maxAbsDiff(await gpu.read(out), want);
    if (s.gelu === 'forward') err = Math.max(err, maxAbsDiff(await gpu.read(gelu), wantGelu));
    return err <= tol
      ? null
      : `${shapeName({ ...s, M })}: max |error| ${err.toExponential(2)} > ${tol.toExponential(1)}`;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  } finally {
    for (const t of made) t.buffer.destroy();
  }
}

/**
 * The attention versions worth timing here: those the device runs (v3 needs the subgroups feature), less these
 * on software adapters: v1, which lost to v2 at every bench shape there (each row loads every key itself); v4,
 * whose workgroup barriers a CPU adapter runs slowly (as matmul v3's, which matmulCandidates skips there too);
 * and v2 where v3 shares its loads by broadcast (8-lane subgroups, lavapipe): v3 won or tied every stored
 * lavapipe race that timed both (docs/results/bench/bench-attention.txt for the kernels alone), so timing
 * v2 there would only cost its compiles, one per head size and pass.
 */
export function attentionCandidates(gpu: Gpu): AttentionVersion[] {
  const all = Object.keys(attention_versions).map(Number) as AttentionVersion[];
  const v3Wide = attention_unsupported(gpu, 3) === null && attention_wide(gpu);
  return all.filter(
    (v) =>
      attention_unsupported(gpu, v) === null &&
      !(gpu.adapter.software && (v === 1 || v === 4 || (v === 2 && v3Wide))),
  );
}

/**
 * Pick the attention version for these calls: each version checked against the float64 reference (forward
 * and backward) at each head size before it is timed there, then forward + backward timed at each shape, interleaved, the
 * fastest of `reps` counting; the smallest Σ count × time wins.
 */
async function measureAttention(
  gpu: Gpu,
  shapes: AttentionShape[],
  opts: AutotuneOptions,
): Promise<{ choice: AttentionVersion; timings: TuneTiming[]; rejected: TuneRecord['rejected'] }> {
  const log = opts.log ?? (() => {});
  const reps = opts.reps ?? 3;
  const rejected: TuneRecord['rejected'] = [];
  const alive: { v: AttentionVersion; t: TuneTiming }[] = attentionCandidates(gpu).map((v) => ({
    v,
    t: { candidate: `attention v${v}`, ms: 0, perShapeMs: [] },
  }));
  const checked = new Set<string>();
  for (const { B, T, C, H, count } of shapes) {
    for (const x of [...alive]) {
      const key = `${x.v} ${C / H}`; // a version's pipelines differ only by head size
      if (checked.has(key)) continue;
      checked.add(key);
      const wrong = await checkAttention(gpu, x.v, C, H);
      if (!wrong) continue;
      rejected.push({ candidate: x.t.candidate, reason: wrong });
      log(`autotune ${x.t.candidate}: rejected (${wrong})`);
      alive.splice(alive.indexOf(x), 1);
    }
    const pass = attentionPass(
      gpu,
      'autotune',
      B,
      T,
      C,
      H,
      seededArray(B * T * 3 * C, 1),
      seededArray(B * T * C, 2),
    );
    try {
      for (const { v, t } of alive) {
        const r = await gpu.time(() => pass.run(v), reps, 1);
        const ms = Math.min(...r.samples) / 1e6;
        t.perShapeMs.push(ms);
        t.ms += count * ms;
      }
    } finally {
      pass.destroy();
    }
  }
  const timings = alive.map((x) => x.t);
  for (const t of timings)
    log(`autotune ${t.candidate}: ${t.ms.toFixed(2)} ms per step (forward + backward)`);
  const winner = alive.reduce<(typeof alive)[number] | null>(
    (w, x) => (!w || x.t.ms < w.t.ms ? x : w),
    null,
  );
  if (!winner)
    throw new Error(
      `autotune: no attention version ran correctly (${rejected.map((r) => `${r.candidate}: ${r.reason}`).join('; ')})`,
    );
  return { choice: winner.v, timings, rejected };
}

/**
 * Null when attention `version` matches the float64 reference forward and backward at the run's head size
 * (C, H), else why not. The head size is all that tells a version's pipelines apart, so this checks the very
 * pipelines the race then times, and compiles none of its own (seconds each on lavapipe); T = 37 runs past
 * a block of rows, ragged. Awkward head sizes are the kernel tests' business (test/kernels/attention.test.ts).
 */
async function checkAttention(
  gpu: Gpu,
  version: AttentionVersion,
  C: number,
  H: number,
): Promise<string | null> {
  const [B, T] = [2, 37];
  const qkvData = seededArray(B * T * 3 * C, 8),
    doutData = seededArray(B * T * C, 9);
  const want = {
    out: new Float64Array(B * T * C),
    lse: new Float64Array(B * H * T),
    dqkv: new Float64Array(B * T * 3 * C),
    delta: new Float64Array(B * H * T),
  };
  attention_cpu.attention_forward(want.out, want.lse, qkvData, B, T, C, H);
  attention_cpu.attention_backward(
    want.dqkv,
    want.delta,
    doutData,
    qkvData,
    want.out,
    want.lse,
    B,
    T,
    C,
    H,
  );
  const pass = attentionPass(gpu, 'check', B, T, C, H, qkvData, doutData);
  try {
    pass.run(version);
    const err = Math.max(
      maxAbsDiff(await gpu.read(pass.out), want.out),
      maxAbsDiff(await gpu.read(pass.dqkv), want.dqkv),
    );
    return err <= 1e-4
      ? null
      : `B=${B} T=${T} C=${C} H=${H}: max |error| ${err.toExponential(2)} > 1e-4`;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  } finally {
    pass.destroy();
  }
}

/** The tensors of one attention forward + backward at (B,T,C,H), with `run(version)` recording both passes. */
function attentionPass(
  gpu: Gpu,
  label: string,
  B: number,
  T: number,
  C: number,
  H: number,
  qkvData: Float64Array,
  doutData: Float64Array,
) {
  const t = {
    qkv: gpu.tensor(`${label} qkv`, B * T * 3 * C, qkvData),
    dout: gpu.tensor(`${label} dout`, B * T * C, doutData),
    out: gpu.tensor(`${label} out`, B * T * C),
    lse: gpu.tensor(`${label} lse`, B * H * T),
    dqkv: gpu.tensor(`${label} dqkv`, B * T * 3 * C),
    delta: gpu.tensor(`${label} delta`, B * H * T),
  };
  return {
    ...t,
    run(version: AttentionVersion) {
      attention_forward(gpu, t.out, t.lse, t.qkv, B, T, C, H, { version });
      attention_backward(gpu, t.dqkv, t.delta, t.dout, t.qkv, t.out, t.lse, B, T, C, H, {
        version,
      });
    },
    destroy: () => Object.values(t).forEach((x) => x.buffer.destroy()),
  };
}
