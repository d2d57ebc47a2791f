// Which kernel versions a run uses. Choosing is a small explicit step before a run's first dispatch,
// and it times nothing. In order, the first that says something wins: the experiment's (or a shared
// link's) pins; overrides (--kernels, T2LAB_KERNELS); a measurement stored for this adapter and these
// shapes (written by `t2lab tune` or the app's Kernels page, src/bench/autotune.ts); else the default
// for the adapter class, each kernel's own `fallback`. Measuring lives in src/bench/, where nothing on a
// training run's path imports it: on the CPU-only machines the candidates tie in whole steps while a
// race costs seconds of compiles per model (docs/results/README.md), and a race that picks among ties
// made the same link train to different bits in two browsers. A run records what it used (`kernels`,
// `kernels_source` in its record). The store's format is defined here, on the reading side;
// src/bench/autotune.ts writes it.
import type { Gpu } from '../gpu/context.ts';
import { adapterKey } from '../gpu/adapter.ts';
import { makeConfig, modelShape, type ModelShape } from '../config.ts';
import type { Ops } from '../model/ops.ts';
import { GPT } from '../model/gpt.ts';
import {
  matmul_default_version,
  matmul_versions,
  MATMUL_V4_ROWS,
  type MatmulRows,
} from '../../kernels/matmul/matmul.ts';
import { GELU_WGSL } from '../../kernels/gelu/gelu.ts'; // appended to every matmul version
import {
  attention_default_version,
  attention_versions,
} from '../../kernels/attention/attention.ts';

/** One matmul call of a run: shape, form, and how many times a step makes it. */
export interface MatmulShape {
  M: number;
  K: number;
  N: number;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  accumulate: boolean;
  gelu?: 'forward' | 'backward'; // a GELU epilogue (matmul's gelu_out / gelu_inp)
  count: number;
}

/** One attention call of a run (forward and backward): shape, and how many times a step makes it (layers). */
export interface AttentionShape {
  B: number;
  T: number;
  C: number;
  H: number;
  count: number;
}

/** A model's kernel shapes: its matmul calls (the array) and its attention calls (`attention`, when known). */
export type KernelShapes = MatmulShape[] & { attention?: AttentionShape[] };

/** A string key-value store: the page's local storage, a JSON file in Node, a Map in tests. */
export interface ChoiceStore {
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
}

export interface TuneTiming {
  candidate: string; // "v4 rows=16"
  ms: number; // Σ count × time over the shapes timed (see TuneRecord.decidedOn); Infinity when dropped as too slow, or not tried
  perShapeMs: number[]; // fastest of the repetitions, per call, in the order timed: costliest shape first (cut short when dropped)
  notTried?: string; // why a taller v4 tile never entered the race (tallerTileWorthTrying)
}

/** What the store keeps per adapter and set of shapes. */
export interface TuneRecord {
  choices: Record<string, number>;
  shapes: string; // shapesKey(shapes)
  timings: TuneTiming[];
  rejected: { candidate: string; reason: string }[];
  clock: 'timestamp' | 'wall';
  measuredAt: string; // ISO time
  kernels: string; // KERNELS_STAMP when measured: a record from other kernel code is measured again
  /** The matmul race timed only this shape (the costliest; `decide: 'costliest'`), and checked the winner on the rest. */
  decidedOn?: string;
  /** The choice was the tile already in use, within TIE of the fastest on that shape (not the fastest itself). */
  keptOnTie?: boolean;
}

export const STORE_PREFIX = 't2lab.kernels|';

/** A fingerprint of every matmul version's WGSL (with the GELU it appends) and attention's: editing a kernel invalidates the stored choices. */
export const KERNELS_STAMP = (() => {
  let h = 2166136261;
  const codes = [
    ...Object.values(matmul_versions).map((v) => v.code),
    GELU_WGSL,
    ...Object.values(attention_versions).flatMap((v) => [v.forward, v.backward]),
  ];
  for (const code of codes)
    for (let i = 0; i < code.length; i++) h = Math.imul(h ^ code.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16);
})();

/**
 * Every matmul one training step of this model makes (forward, backward), with multiplicities, and its
 * attention calls (`.attention`): read off the model itself by running its forward and backward against
 * ops that only record those calls.
 */
export function modelMatmulShapes(shape: ModelShape, B: number): KernelShapes {
  type Fake = { length: number };
  const seen = new Map<string, MatmulShape>();
  const attention = new Map<string, AttentionShape>();
  const nothing = () => {};
  // Every op but matmul does nothing (a Proxy, so ops added to the interface later need no change here).
  const recorder: Partial<Ops<Fake>> = {
    align: 1,
    fuse_gelu: true, // the model's default path on the GPU
    alloc: (_name, length) => ({ length }),
    view: (_t, _start, length) => ({ length }),
    matmul: (_out, _a, _b, bias, M, K, N, flags = {}) => {
      const gelu = flags.gelu_out
        ? ('forward' as const)
        : flags.gelu_inp
          ? ('backward' as const)
          : undefined;
      const s = {
        M,
        K,
        N,
        transA: !!flags.transA,
        transB: !!flags.transB,
        bias: bias !== null,
        accumulate: !!flags.accumulate,
        ...(gelu ? { gelu } : {}),
        count: 1,
      };
      const key = shapeName(s);
      const had = seen.get(key);
      if (had) had.count++;
      else seen.set(key, s);
    },
    attention_forward: (_out, _lse, _qkv, B, T, C, H) => {
      const key = `${B},${T},${C},${H}`;
      const had = attention.get(key);
      if (had) had.count++;
      else attention.set(key, { B, T, C, H, count: 1 });
    },
  };
  const ops = new Proxy(recorder, {
    get: (t, p) => (p in t ? t[p as keyof Ops<Fake>] : nothing),
  }) as Ops<Fake>;
  const model = new GPT(ops, shape, B);
  model.forward();
  model.backward();
  return Object.assign([...seen.values()], { attention: [...attention.values()] });
}

/**
 * The model `t2lab train` runs with no options: the shapes `t2lab devices --tune`, `t2lab bench` and the
 * app's Kernels page (Measure now) tune for.
 */
export function defaultModelShapes(): KernelShapes {
  const c = makeConfig();
  return modelMatmulShapes(modelShape(c), c.batch_size);
}

/** "1024x64x192 A·Bᵀ+bias", "2048x64x256 A·Bᵀ+bias gelu" (forward epilogue), "... gelu'" (backward) */
export function shapeName(s: Omit<MatmulShape, 'count'>): string {
  const gelu = s.gelu === 'forward' ? ' gelu' : s.gelu === 'backward' ? " gelu'" : '';
  return `${s.M}x${s.K}x${s.N} ${s.transA ? 'Aᵀ' : 'A'}·${s.transB ? 'Bᵀ' : 'B'}${s.bias ? '+bias' : ''}${s.accumulate ? ' acc' : ''}${gelu}`;
}

export function shapesKey(shapes: KernelShapes): string {
  const att = (shapes.attention ?? []).map(
    (a) => `attention B=${a.B} T=${a.T} C=${a.C} H=${a.H} ×${a.count}`,
  );
  return [...shapes.map((s) => `${shapeName(s)} ×${s.count}`).sort(), ...att].join('; ');
}

/** 'matmul:4,matmul_rows:24' -> { matmul: 4, matmul_rows: 24 }; the form of T2LAB_KERNELS and --kernels. */
export function parseKernelChoices(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z_][a-z0-9_]*):(\d+)$/.exec(part);
    if (!m)
      throw new Error(`kernel choice "${part}" is not name:number (e.g. matmul:2, matmul_rows:24)`);
    out[m[1]!] = Number(m[2]);
  }
  if (out.matmul !== undefined && !(out.matmul in matmul_versions))
    throw new Error(
      `matmul:${out.matmul}: no such version (have ${Object.keys(matmul_versions).join(', ')})`,
    );
  if (out.matmul_rows !== undefined && !MATMUL_V4_ROWS.includes(out.matmul_rows as MatmulRows))
    throw new Error(`matmul_rows:${out.matmul_rows}: must be one of ${MATMUL_V4_ROWS.join(', ')}`);
  if (out.matmul_gelu !== undefined && out.matmul_gelu !== 0 && out.matmul_gelu !== 1)
    throw new Error(
      `matmul_gelu:${out.matmul_gelu}: must be 0 (GELU as its own kernels) or 1 (in the matmul epilogues)`,
    );
  if (out.attention !== undefined && !(out.attention in attention_versions))
    throw new Error(
      `attention:${out.attention}: no such version (have ${Object.keys(attention_versions).join(', ')})`,
    );
  return out;
}

/** Where a run's kernel versions came from, strongest first. */
export type ChoiceSource = 'pinned' | 'override' | 'stored' | 'default';

/** What chooseKernels decided: the versions now in gpu.choices and where they came from. */
export interface KernelChoice {
  /** matmul, matmul_rows (v4), attention, and any other pinned or overridden kernel. */
  choices: Record<string, number>;
  source: ChoiceSource;
  /** The stored measurement used (source 'stored'). */
  record?: TuneRecord;
}

/** "matmul v4 rows=16", "matmul v3" */
export const matmulName = (version: number, rows?: number): string =>
  version === 4 && rows ? `v${version} rows=${rows}` : `v${version}`;

/**
 * The versions a run uses on this adapter when nothing is pinned, overridden or measured: each kernel's
 * `fallback` (a GPU: matmul v3, attention v1; lavapipe's 8-lane subgroups: matmul v4 rows=16, attention v3;
 * other software adapters: matmul v2, attention v2). It depends on the adapter class only, so a fresh
 * browser profile or a clean cache gives the same versions, and the same bits.
 */
export function defaultKernels(gpu: Gpu): Record<string, number> {
  const held = gpu.choices;
  gpu.choices = {};
  try {
    const matmul = matmul_default_version(gpu);
    return {
      matmul,
      ...(matmul === 4 ? { matmul_rows: 16 } : {}),
      attention: attention_default_version(gpu),
    };
  } finally {
    gpu.choices = held;
  }
}

/** The adapter class in words, for "default for ...". */
export function adapterClass(gpu: Gpu): string {
  const a = gpu.adapter;
  return a.software
    ? `a software adapter (${a.vendor}, subgroups ${a.subgroupSize})`
    : `a GPU (${a.vendor})`;
}

/**
 * An experiment's `kernels`: versions by name ({ matmul: 4, attention: 3 }), or 'default', the adapter
 * class's defaults whatever this machine measured: a link that works on every adapter class and gives the
 * same bits on the same class.
 */
export type KernelPins = Record<string, number> | 'default';

/** What a run's choice is made from, strongest first (see the file's opening comment). */
export interface ChoiceInputs {
  /** Versions to use whatever else says; 'default': the adapter class's defaults, ignoring overrides and the store. */
  pins?: KernelPins;
  overrides?: Record<string, number>;
  store?: ChoiceStore;
}

/**
 * This run's kernel versions, from (first wins) `pins`, `overrides`, a measurement in `store` for exactly
 * these shapes and this adapter's kernel code, else the adapter class's defaults; gpu.choices is left
 * as it is. Kernels not named by a pin or an override keep the lower sources' versions, so pinning
 * `attention` alone leaves the matmul to the store or the default. Never times anything.
 */
export async function resolveKernelVersions(
  gpu: Gpu,
  shapes: KernelShapes,
  opts: ChoiceInputs = {},
): Promise<KernelChoice> {
  if (opts.pins === 'default') return { choices: defaultKernels(gpu), source: 'pinned' };
  const pins = opts.pins ?? {};
  const overrides = opts.overrides ?? {};
  const record = opts.store ? (await storedRecords(gpu, opts.store))[shapesKey(shapes)] : undefined;
  const stored = record && record.kernels === KERNELS_STAMP ? record : undefined;
  const choices = {
    ...defaultKernels(gpu),
    ...(stored?.choices ?? {}),
    ...overrides,
    ...pins,
  };
  // A matmul named without its tile (matmul:4) gets v4's default tile; a tile without v4 means nothing.
  if (choices.matmul === 4) choices.matmul_rows ??= 16;
  else delete choices.matmul_rows;
  const named = (o: Record<string, number>) => Object.keys(o).length > 0;
  const source: ChoiceSource = named(pins)
    ? 'pinned'
    : named(overrides)
      ? 'override'
      : stored
        ? 'stored'
        : 'default';
  return { choices, source, ...(stored ? { record: stored } : {}) };
}

/**
 * resolveKernelVersions, as the whole of gpu.choices: the step before a run's first dispatch. Nothing an
 * earlier run on the same device chose or pinned survives into this one.
 */
export async function chooseKernelVersions(
  gpu: Gpu,
  shapes: KernelShapes,
  opts: ChoiceInputs = {},
): Promise<KernelChoice> {
  const c = await resolveKernelVersions(gpu, shapes, opts);
  gpu.choices = { ...c.choices };
  return c;
}

const same = (a: Record<string, number>, b: Record<string, number>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Where a choice came from, in words: "pinned by the experiment", "measured 2026-12-01T…", ... */
export function describeSource(c: KernelChoice, gpu: Gpu): string {
  switch (c.source) {
    case 'pinned':
      return c.record || !same(c.choices, defaultKernels(gpu))
        ? 'pinned by the experiment'
        : `pinned by the experiment: the default for ${adapterClass(gpu)}`;
    case 'override':
      return 'override (--kernels / T2LAB_KERNELS)';
    case 'stored':
      return `measured ${c.record!.measuredAt} (t2lab tune)`;
    default:
      return `the default for ${adapterClass(gpu)}`;
  }
}

/** A run's versions and their source in words: "matmul v4 rows=16, attention v3 (the default for ...)". */
export function describeKernelChoice(c: KernelChoice, gpu: Gpu): string {
  const v = c.choices;
  return `${choicesInWords(v, v.matmul!, v.matmul_rows)} (${describeSource(c, gpu)})`;
}

/** gpu.choices in words: "matmul v4 rows=16, attention v3". */
export function describeChoices(gpu: Gpu): string {
  const version = matmul_default_version(gpu);
  return choicesInWords(
    gpu.choices,
    version,
    version === 4 ? (gpu.choices.matmul_rows ?? 16) : undefined,
  );
}

/** Kernel choices in words, the matmul named as `version` (and v4's `rows`): "matmul v4 rows=8, attention v3". */
export function choicesInWords(
  choices: Record<string, number | undefined>,
  version: number,
  rows?: number,
): string {
  const rest = Object.entries(choices)
    .filter(([k]) => k !== 'matmul' && k !== 'matmul_rows' && k !== 'matmul_gelu')
    .map(([k, v]) => `${k} v${v}`);
  const gelu = choices.matmul_gelu === 0 ? ['GELU as its own kernels (matmul_gelu:0)'] : [];
  return [`matmul ${matmulName(version, rows)}`, ...rest, ...gelu].join(', ');
}

/** A stored record in words: the same text in `t2lab devices` and on the app's Kernels page. */
export function describeRecord(r: TuneRecord): {
  choice: string; // "matmul v4 rows=8, attention v3"
  shapes: string; // the one shape, or "16 shapes"
  measured: string; // when, with which clock, and what the times below are
  timings: string; // "v4 rows=8 3.86 | v4 rows=16 dropped | attention v3 0.64"
} {
  const shapes = r.shapes.split('; ');
  const matmul = matmulName(r.choices.matmul!, r.choices.matmul_rows);
  const times = r.timings.map(
    (t) =>
      `${t.candidate} ${Number.isFinite(t.ms) ? t.ms.toFixed(2) : t.notTried ? 'not tried' : 'dropped'}`,
  );
  if (r.rejected.length) times.push(`rejected: ${r.rejected.map((x) => x.candidate).join(', ')}`);
  if (r.keptOnTie) times.push(`kept on a tie: matmul ${matmul}, the tile already in use`);
  return {
    choice: choicesInWords(r.choices, r.choices.matmul!, r.choices.matmul_rows),
    shapes: shapes.length === 1 ? shapes[0]! : `${shapes.length} shapes`,
    measured: `measured ${r.measuredAt} (${r.clock} clock), ms ${r.decidedOn ? `on the costliest shape, ${r.decidedOn}` : 'per step'}`,
    timings: times.join(' | '),
  };
}

/** Every record the store holds for this adapter, by shapes key. */
export async function storedRecords(
  gpu: Gpu,
  store: ChoiceStore,
): Promise<Record<string, TuneRecord>> {
  const raw = await store.get(STORE_PREFIX + adapterKey(gpu.adapter));
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, TuneRecord>;
  } catch {
    return {}; // a corrupt entry is measured again and overwritten
  }
}

/** A store that lives as long as the page or the Node process does. */
export function memoryStore(): ChoiceStore {
  const m = new Map<string, string>();
  return { get: (k) => m.get(k) ?? null, set: (k, v) => void m.set(k, v) };
}

/** A store over anything shaped like the Web Storage API (getItem, setItem): the page passes its own; src/ never touches it. */
export function storageStore(s: {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}): ChoiceStore {
  return { get: (k) => s.getItem(k), set: (k, v) => s.setItem(k, v) };
}
