// The kernel benchmark, host-agnostic: the CLI prints its rows, the Kernels page draws them.
import type { Gpu } from '../gpu/context.ts';
import type { BenchCase } from '../gpu/cases.ts';
import type { PackWall, StepOverhead, StepProfile } from '../train/train.bench.ts';
import type { SweepCompile } from './compile.ts';

export interface BenchRow {
  kernel: string;
  version: string;
  shape: string;
  ms: number; // median time per run
  gflops: number; // achieved, from the kernel's exact FLOP count
  gbs: number; // achieved, from the kernel's minimum bytes moved
  peakFraction: number; // gflops / the adapter's FMA ceiling measured in this process
  tokensPerSec?: number;
  clock: 'timestamp' | 'wall';
  bytes: number;
}

export interface BenchReport {
  adapter: Gpu['adapter'];
  peakGflops: number; // FMA-only ceiling measured on the spot
  peakClock: string;
  kernelChoices?: string; // the kernel versions default-version rows (train_step) ran with, and why
  rows: BenchRow[];
  overhead?: StepOverhead[]; // the smallest models' step time, GPU against the rest
  profile?: StepProfile[]; // the same models' step, GPU time per kernel
  packWall?: PackWall[]; // packed training steps by the wall clock, submitted back to back as a sweep does
  compile?: SweepCompile; // pipelines the smoke grid builds, and their time
}

export async function benchKernel(
  gpu: Gpu,
  c: BenchCase,
  peakGflops: number,
  reps: number,
): Promise<BenchRow> {
  return (await timeCase(gpu, c, peakGflops, reps)).row;
}

/** Set up, time (median of `reps`) and dispose of one case: its row, and every repetition's ns. */
export async function timeCase(
  gpu: Gpu,
  c: BenchCase,
  peakGflops: number,
  reps: number,
): Promise<{ row: BenchRow; samples: number[] }> {
  const { record, dispose } = c.setup(gpu);
  try {
    const t = await gpu.time(record, reps, 1);
    const s = t.ns / 1e9;
    const gflops = c.flops / s / 1e9;
    const row: BenchRow = {
      kernel: c.kernel,
      version: c.version,
      shape: c.shape,
      ms: t.ns / 1e6,
      gflops,
      gbs: c.bytes / s / 1e9,
      bytes: c.bytes,
      peakFraction: peakGflops > 0 ? gflops / peakGflops : NaN,
      clock: t.clock,
      ...(c.tokens ? { tokensPerSec: c.tokens / s } : {}),
    };
    return { row, samples: t.samples };
  } finally {
    dispose();
  }
}

/**
 * Rows aligned in columns under a head and a rule: the first `left` columns padded on the right (names), the
 * rest on the left (numbers).
 */
function columns(head: string[], body: string[][], left = 1): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= left ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** Column-aligned text table of a report, with the clock and ceiling it was measured against. */
export function formatBench(r: BenchReport): string {
  const head = [
    'kernel',
    'version',
    'shape',
    'median ms',
    'GFLOP/s',
    'GB/s',
    '% of FMA peak',
    'tokens/s',
  ];
  const body = r.rows.map((x) => [
    x.kernel,
    x.version,
    x.shape,
    x.ms.toFixed(3),
    x.gflops.toFixed(2),
    x.bytes === 0 ? '-' : x.gbs.toFixed(2),
    (100 * x.peakFraction).toFixed(1),
    x.tokensPerSec ? x.tokensPerSec.toFixed(0) : '-',
  ]);
  const clocks = [...new Set(r.rows.map((x) => x.clock))].join('+') || 'none';
  return [
    `FMA ceiling: ${r.peakGflops.toFixed(2)} GFLOP/s (fma_peak, ${r.peakClock} clock); kernel clock: ${clocks === 'timestamp' ? 'GPU timestamp queries' : clocks === 'wall' ? 'wall clock around submit (no timestamp-query)' : clocks}`,
    ...(r.kernelChoices ? [`kernel choices: ${r.kernelChoices}`] : []),
    ...columns(head, body, 3),
    ...(r.overhead?.length ? ['', formatOverhead(r.overhead)] : []),
    ...(r.packWall?.length ? ['', formatPackWall(r.packWall)] : []),
    ...(r.profile?.length ? ['', formatStepProfile(r.profile)] : []),
  ].join('\n');
}

/** Packed steps by the wall clock: per shape and R, ms a pack step, tokens/s in all and a run, and ÷ R = 1. */
export function formatPackWall(rows: PackWall[]): string {
  const head = [
    'packed train step (wall clock)',
    'R',
    'ms/step',
    'tokens/s',
    'a run',
    'total ÷ R=1',
  ];
  const body = rows.map((w) => {
    const one = rows.find((x) => x.shape === w.shape && x.R === 1);
    return [
      w.shape,
      String(w.R),
      w.ms.toFixed(2),
      w.tokensPerSec.toFixed(0),
      (w.tokensPerSec / w.R).toFixed(0),
      one ? `${(w.tokensPerSec / one.tokensPerSec).toFixed(2)}×` : '–',
    ];
  });
  return [
    "packed training steps by the wall clock (steps recorded and submitted back to back, one wait at the end, as a sweep runs them; the fastest of 3 rounds): what a sweep's wall time follows, where the rows above count GPU time only",
    ...columns(head, body),
  ].join('\n');
}

/** The step profile: per model, each kernel version's dispatches, GPU ms per step and share of the step. */
export function formatStepProfile(profiles: StepProfile[]): string {
  const lines = [
    'step profile, median of the repetitions (each dispatch timed in its own pass by timestamp queries; % of the sum over dispatches):',
  ];
  for (const p of profiles) {
    const head = [p.shape, 'dispatches', 'GPU ms', '%'];
    const body = p.rows.map((x) => [
      x.kernel,
      String(x.dispatches),
      x.ms.toFixed(3),
      ((100 * x.ms) / p.totalMs).toFixed(1),
    ]);
    body.push([
      'sum',
      String(p.rows.reduce((a, x) => a + x.dispatches, 0)),
      p.totalMs.toFixed(3),
      '100.0',
    ]);
    lines.push(...columns(head, body));
  }
  return lines.join('\n');
}

/** Per-step overhead: step time split into the GPU's time (timestamp queries) and the rest. */
export function formatOverhead(rows: StepOverhead[]): string {
  const head = [
    'train step',
    'dispatches',
    'step ms',
    'GPU ms',
    'GPU %',
    'else ms',
    'host record ms',
    'pipelined ms/step',
  ];
  const body = rows.map((o) => [
    o.shape,
    o.dispatches.toFixed(0),
    o.stepMs.toFixed(2),
    Number.isNaN(o.gpuMs) ? 'n/a' : o.gpuMs.toFixed(2),
    Number.isNaN(o.gpuMs) ? 'n/a' : ((100 * o.gpuMs) / o.stepMs).toFixed(0),
    Number.isNaN(o.gpuMs) ? 'n/a' : (o.stepMs - o.gpuMs).toFixed(2),
    o.hostMs.toFixed(2),
    o.pipelinedMs.toFixed(2),
  ]);
  return [
    'per-step overhead, fastest of the repetitions (step = one step recorded, submitted and waited for; GPU = first pass begin to last pass end by timestamp queries; else = the rest: recording, submission, waiting):',
    ...columns(head, body),
  ].join('\n');
}
