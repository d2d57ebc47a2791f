// The peer benchmark: our kernels against the same operation in jax-js and TensorFlow.js, in the same
// process on the same adapter. Every row first checks that the implementations agree (tolerances
// below), then times each one with the same wall clock (run, then wait for the device), repetitions
// interleaved so machine load hits all alike, and reports medians and the ratio peer/ours (how many
// times faster ours is). Host-agnostic: the host makes the global WebGPU entry point (navigator's gpu) give the adapter our Gpu runs on
// (src/node/peers.ts in Node; in a browser worker it already does) and passes our Gpu in.
import type { Gpu } from '../../gpu/context.ts';
import { median } from '../../gpu/context.ts';
import type { ChoiceStore } from '../../sweep/kernel-choice.ts';
import { GPT, trainingFlopsPerToken } from '../../model/gpt.ts';
import type { Ops } from '../../model/ops.ts';
import { VOCAB_SIZE } from '../../data/tokenizer.ts';
import { seededArray } from '../../gpu/cases.ts';
import { Rng } from '../../util/rng.ts';
import type { AttentionCase, Implementation, MatmulCase, Runner, TrainCase } from './types.ts';
import { ours } from './ours.ts';
import { jaxjs } from './jax.ts';
import { tfjs } from './tfjs.ts';

export type PeerName = 'jax-js' | 'tfjs';
export const PEER_NAMES: readonly PeerName[] = ['jax-js', 'tfjs'];
export type PeerRowKind = 'matmul' | 'attention' | 'train_step';

// The issue's rows. Transformer shapes: B·T = 2048 and the widths of the classroom sweep, V = the
// tokenizer's 52; weights stored (out,in) as the model stores them, so the forward is x·Wᵀ.
const SQUARE = [128, 256, 512, 1024];
const BT = 2048;
const WIDTHS = [64, 128, 256];
const ATTENTION = { B: 8, C: 128, H: 4, T: [64, 128, 256] };
const TRAIN = { L: 2, C: 64, H: 4, T: 64, B: 16 };

/** Agreement before timing: matmul relative to the output's largest magnitude, attention absolute, loss relative. */
const TOL = { matmul: 1e-4, attention: 1e-4, train_step: 2e-3 };

export interface PeerResult {
  name: string;
  ms: number | null; // median; null when it disagreed or failed
  maxDiff: number; // largest |ours - peer| (relative for matmul and loss, see TOL)
  tolerance: number;
  agree: boolean;
  speedup: number | null; // peer ms / ours ms: > 1 means ours is faster
  error?: string;
}

export interface PeerRow {
  kind: PeerRowKind;
  shape: string;
  flops: number;
  ours: { ms: number; gflops: number; label?: string };
  peers: PeerResult[];
}

export interface PeerReport {
  adapter: Gpu['adapter'];
  versions: Record<string, string>;
  reps: number;
  rows: PeerRow[];
}

export interface PeerBenchOptions {
  reps?: number; // timed repetitions per implementation and row (default 5)
  warmup?: number; // untimed runs first, compiling included (default 2)
  kinds?: PeerRowKind[]; // default all
  peers?: PeerName[]; // default both
  store?: ChoiceStore; // where our autotuned kernel choices are kept
  /** Small shapes only (128², one transformer width, T=64, the train step): a quick look. */
  quick?: boolean;
  /** The model of the train_step row (default L=2 C=64 H=4 T=64 B=16); tests pass a tiny one. */
  train?: { L: number; C: number; H: number; T: number; B: number };
  log?: (line: string) => void;
}

export async function runPeerBench(
  gpu: Gpu,
  opts: PeerBenchOptions,
  onRow?: (r: PeerRow) => void,
): Promise<PeerReport> {
  // The peers wait for their devices as their host lets them (dawn.node: by polling); ours waits the same
  // way here, without the pacer (src/gpu/pace.ts), so the rows compare kernels, not waits.
  return gpu.unpaced(() => runRows(gpu, opts, onRow));
}

async function runRows(
  gpu: Gpu,
  opts: PeerBenchOptions,
  onRow?: (r: PeerRow) => void,
): Promise<PeerReport> {
  const reps = opts.reps ?? 5,
    warmup = opts.warmup ?? 2;
  const kinds = opts.kinds ?? ['matmul', 'attention', 'train_step'];
  const log = opts.log ?? (() => {});
  const us = ours(gpu, opts.store);
  const peers: Implementation[] = [];
  for (const name of opts.peers ?? PEER_NAMES)
    peers.push(name === 'jax-js' ? await jaxjs() : await tfjs());
  const report: PeerReport = {
    adapter: gpu.adapter,
    versions: Object.fromEntries(peers.map((p) => [p.name, p.version])),
    reps,
    rows: [],
  };

  const row = async (
    kind: PeerRowKind,
    shape: string,
    flops: number,
    make: (impl: Implementation) => Promise<Runner>,
    compare: (ours: Float32Array[], peer: Float32Array[]) => number,
    runsToCompare = 1,
  ) => {
    log(`peers: ${kind} ${shape}`);
    const mine = await make(us);
    const outputs = async (r: Runner) => {
      const out: Float32Array[] = [];
      for (let i = 0; i < runsToCompare; i++) {
        r.run();
        out.push(await r.result());
      }
      return out;
    };
    const want = await outputs(mine);
    const timed: { runner: Runner; samples: number[]; result: PeerResult | null }[] = [
      { runner: mine, samples: [], result: null },
    ];
    const results: PeerResult[] = [];
    for (const p of peers) {
      const res: PeerResult = {
        name: p.name,
        ms: null,
        maxDiff: NaN,
        tolerance: TOL[kind],
        agree: false,
        speedup: null,
      };
      results.push(res);
      try {
        const r = await make(p);
        res.maxDiff = compare(want, await outputs(r));
        res.agree = res.maxDiff <= res.tolerance;
        if (res.agree) timed.push({ runner: r, samples: [], result: res });
        else r.dispose();
      } catch (e) {
        res.error = (e as Error).message.split('\n')[0];
      }
    }
    for (const t of timed) {
      for (let i = 0; i < warmup; i++) t.runner.run();
      await t.runner.sync();
    }
    for (let i = 0; i < reps; i++) {
      for (const t of timed) {
        const t0 = performance.now();
        t.runner.run();
        await t.runner.sync();
        t.samples.push(performance.now() - t0);
      }
    }
    const oursMs = median(timed[0]!.samples);
    for (const t of timed.slice(1)) {
      t.result!.ms = median(t.samples);
      t.result!.speedup = t.result!.ms / oursMs;
    }
    for (const t of timed) t.runner.dispose();
    const r: PeerRow = {
      kind,
      shape,
      flops,
      ours: { ms: oursMs, gflops: flops / oursMs / 1e6, label: mine.label },
      peers: results,
    };
    report.rows.push(r);
    onRow?.(r);
  };

  if (kinds.includes('matmul')) {
    const cases: MatmulCase[] = [];
    for (const S of opts.quick ? [128] : SQUARE) cases.push(matmulCase(S, S, S, false));
    for (const C of opts.quick ? [64] : WIDTHS) {
      cases.push(
        matmulCase(BT, C, 4 * C, true),
        matmulCase(BT, 4 * C, C, true),
        matmulCase(BT, C, VOCAB_SIZE, true),
      );
    }
    for (const c of cases) {
      const what = c.transB
        ? c.N === VOCAB_SIZE
          ? 'x·Wᵀ unembedding'
          : c.N > c.K
            ? 'x·Wᵀ fc'
            : 'x·Wᵀ proj'
        : 'A·B';
      await row(
        'matmul',
        `${c.M}x${c.K}x${c.N} ${what}`,
        2 * c.M * c.K * c.N,
        (impl) => impl.matmul(c),
        (a, b) => relDiff(a[0]!, b[0]!),
      );
    }
  }
  if (kinds.includes('attention')) {
    for (const T of opts.quick ? [64] : ATTENTION.T) {
      const { B, C, H } = ATTENTION;
      const c: AttentionCase = {
        B,
        T,
        C,
        H,
        qkv: Float32Array.from(seededArray(B * T * 3 * C, 11)),
      };
      // q·k and p·v over the causal triangle: 2·2·C·T(T+1)/2 per sequence
      await row(
        'attention',
        `B=${B} T=${T} C=${C} H=${H} causal fwd`,
        B * 2 * C * T * (T + 1),
        (impl) => impl.attention(c),
        (a, b) => absDiff(a[0]!, b[0]!),
      );
    }
  }
  if (kinds.includes('train_step')) {
    const m = opts.train ?? TRAIN;
    const c = trainCase(m.L, m.C, m.H, m.T, m.B);
    const flops =
      trainingFlopsPerToken({
        vocab_size: c.V,
        n_layer: c.L,
        n_embd: c.C,
        n_head: c.H,
        block_size: c.T,
      }) *
      c.B *
      c.T;
    // The loss of the first step and of the second (after one AdamW update) must agree: forward, backward and optimizer.
    await row(
      'train_step',
      `L=${c.L} C=${c.C} H=${c.H} T=${c.T} B=${c.B} V=${c.V} fwd+bwd+AdamW`,
      flops,
      (impl) => impl.trainStep(c),
      (a, b) => Math.max(...a.map((x, i) => Math.abs(x[0]! - b[i]![0]!) / Math.abs(x[0]!))),
      2,
    );
  }
  for (const p of peers) p.dispose();
  return report;
}

export function matmulCase(M: number, K: number, N: number, transB: boolean): MatmulCase {
  return {
    M,
    K,
    N,
    transB,
    a: Float32Array.from(seededArray(M * K, 1)),
    b: Float32Array.from(seededArray(K * N, 2)),
  };
}

/** The small GPT at its GPT-2 initialisation (from src/model/gpt.ts itself) and a fixed batch. */
export function trainCase(L: number, C: number, H: number, T: number, B: number): TrainCase {
  const shape = { vocab_size: VOCAB_SIZE, n_layer: L, n_embd: C, n_head: H, block_size: T };
  const nothing = () => {};
  const base: Partial<Ops<{ length: number }>> = {
    align: 1,
    alloc: (_n, length) => ({ length }),
    view: (_t, _s, length) => ({ length }),
  };
  const ops = new Proxy(base, {
    get: (t, k) => (k in t ? t[k as keyof typeof t] : nothing),
  }) as Ops<{ length: number }>;
  const model = new GPT(ops, shape, B);
  const flat = model.init(1337);
  const params = model.specs.map((s) => ({
    name: s.name,
    shape: s.shape,
    decay: s.decay,
    data: flat.slice(s.offset, s.offset + s.length),
  }));
  const rng = new Rng(7);
  const ids = Int32Array.from({ length: B * T + 1 }, () => Math.floor(rng.next() * VOCAB_SIZE));
  return {
    L,
    C,
    H,
    T,
    B,
    V: VOCAB_SIZE,
    params,
    tokens: ids.slice(0, B * T),
    targets: ids.slice(1),
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    maxNorm: 1,
  };
}

function absDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i]! - b[i]!) || (a[i] === b[i] ? 0 : Infinity));
  return m;
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const x of a) scale = Math.max(scale, Math.abs(x));
  return absDiff(a, b) / Math.max(scale, 1e-30);
}

/** The report as a text table, one line per row, with the peer goals checked underneath. */
export function formatPeerBench(r: PeerReport): string {
  const names = [...new Set(r.rows.flatMap((x) => x.peers.map((p) => p.name)))];
  const head = [
    'row',
    'shape',
    't2lab ms',
    'GFLOP/s',
    'kernel',
    ...names.flatMap((n) => [`${n} ms`, `×${n}`]),
    'agree (max diff)',
  ];
  const body = r.rows.map((x) => [
    x.kind,
    x.shape,
    x.ours.ms.toFixed(2),
    x.ours.gflops.toFixed(2),
    x.ours.label ?? '-',
    ...names.flatMap((n) => {
      const p = x.peers.find((q) => q.name === n);
      if (!p) return ['-', '-'];
      if (p.ms === null) return [p.error ? 'failed' : 'DISAGREE', '-'];
      return [p.ms.toFixed(2), p.speedup!.toFixed(2)];
    }),
    x.peers
      .map((p) =>
        p.error
          ? `${p.name}: ${p.error}`
          : `${p.name} ${p.agree ? 'ok' : 'NO'} ${p.maxDiff.toExponential(1)}`,
      )
      .join(', '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i >= 2 && i < head.length - 1 && i !== 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
      )
      .join('  ');
  return [
    `peers: ${Object.entries(r.versions)
      .map(([n, v]) => `${n} ${v}`.trim())
      .join(
        ', ',
      )}; median of ${r.reps} wall-clock runs each (run, then wait for the device); ×peer = peer ms / t2lab ms (> 1: t2lab faster)`,
    `tolerances: matmul max|Δ| / max|out| ≤ ${TOL.matmul}, attention max|Δ| ≤ ${TOL.attention}, train_step |Δloss|/loss ≤ ${TOL.train_step} on steps 1 and 2`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...goals(r),
  ].join('\n');
}

/** Issue 7's targets against this report's rows. */
function goals(r: PeerReport): string[] {
  const check = (what: string, rows: PeerRow[], peer: string, want: number) => {
    const got = rows
      .map((x) => x.peers.find((p) => p.name === peer)?.speedup)
      .filter((s): s is number => s != null);
    if (!got.length) return null;
    const worst = Math.min(...got);
    return `goal ${what} ≥ ${want}× ${peer}: ${worst >= want ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)}× over ${got.length} rows)`;
  };
  const mm = r.rows.filter(
    (x) => x.kind === 'matmul' && (x.shape.startsWith('512x512x512') || x.shape.includes('x·Wᵀ')),
  );
  const step = r.rows.filter((x) => x.kind === 'train_step');
  return [
    check('matmul at 512³ and transformer shapes', mm, 'jax-js', 1.2),
    check('matmul at 512³ and transformer shapes', mm, 'tfjs', 2),
    check('train step', step, 'jax-js', 2),
    check('train step', step, 'tfjs', 3),
  ].filter((s): s is string => s !== null);
}
