// The profiler's data: every timed repetition of every benchmark case (not only the median), and the same
// timings as a Chrome/Perfetto trace-event file (chrome://tracing, ui.perfetto.dev): one track per kernel
// version, one slice per repetition. Timestamp queries give durations, not a shared clock, so slices are
// laid end to end in the order they ran.
import type { Gpu } from '../gpu/context.ts';
import type { BenchCase } from '../gpu/cases.ts';
import { timeCase, type BenchRow } from './run.ts';

export interface ProfileRow extends BenchRow {
  /** Every timed repetition, in milliseconds, in the order they ran. */
  samplesMs: number[];
}

/** Time one case like benchKernel does, keeping every repetition. */
export async function profileCase(
  gpu: Gpu,
  c: BenchCase,
  peakGflops: number,
  reps: number,
): Promise<ProfileRow> {
  const { row, samples } = await timeCase(gpu, c, peakGflops, reps);
  return { ...row, samplesMs: samples.map((ns) => ns / 1e6) };
}

/** One event of the trace-event format: 'X' a complete slice, 'M' metadata (track names). */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'M';
  ts: number; // microseconds
  dur?: number; // microseconds
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

/** The trace of a profile: pid 1 is the adapter, one thread (track) per kernel version. */
export function toTraceEvents(rows: readonly ProfileRow[], adapter: string): TraceFile {
  const tracks = [...new Set(rows.map((r) => `${r.kernel} ${r.version}`))];
  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: `GPU: ${adapter}` } },
    ...tracks.map((t, i): TraceEvent => ({
      name: 'thread_name',
      ph: 'M',
      ts: 0,
      pid: 1,
      tid: i + 1,
      args: { name: t },
    })),
  ];
  let now = 0;
  const gap = 10; // µs between slices, so neighbours stay distinguishable
  for (const r of rows) {
    const tid = tracks.indexOf(`${r.kernel} ${r.version}`) + 1;
    r.samplesMs.forEach((ms, rep) => {
      const dur = ms * 1000;
      events.push({
        name: `${r.kernel} ${r.version}`,
        cat: r.kernel,
        ph: 'X',
        ts: now,
        dur,
        pid: 1,
        tid,
        args: { shape: r.shape, rep, gflops: (r.gflops * r.ms) / ms, clock: r.clock },
      });
      now += dur + gap;
    });
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { adapter, generator: 't2lab profiler' },
  };
}
