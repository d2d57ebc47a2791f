// Each lab's time on this adapter, for its card, before the lab is chosen. Sweep labs ask the sweep
// driver for its estimate (each model size timed here for a few steps and a small sampling pass, kept in
// IndexedDB; the first lab pays ~20 s on a software adapter, the others reuse its sizes); the figure is
// also kept in localStorage per adapter and grid, so a reload shows it at once. A kernel lab quotes its
// one measurement on a software adapter and says so. One queue for all cards: estimates never run at once.
import { api } from '../shared/gpu-client.ts';
import { formatSeconds } from '../shared/state.ts';
import { defaultSize, labGrid, labs, type Lab, type LabSize } from './labs.ts';
import { adapterKey, type AdapterSummary } from '../../src/gpu/adapter.ts';

export interface LabTime {
  /** "about 1m 05s", or what is happening ("timing on this adapter…"). */
  text: string;
  /** Where a figure is not measured here, where it comes from. */
  note?: string;
  seconds: number | null;
  /** How the figure was had: measured here, quoted from a measurement elsewhere, or not yet. */
  basis: 'measured' | 'quoted' | 'pending' | 'failed';
  size: LabSize;
}

class LabTimes extends EventTarget {
  private times = new Map<string, LabTime>();
  private adapter: AdapterSummary | null = null;
  private started = false;

  /** The time of `lab` at `size` on this adapter (pending until measured). */
  get(lab: Lab, size?: LabSize): LabTime {
    const s = size ?? defaultSize(lab, this.adapter?.software ?? false);
    return (
      this.times.get(this.key(lab, s)) ?? {
        text: this.adapter ? 'timing on this adapter…' : 'waiting for the GPU…',
        seconds: null,
        basis: 'pending',
        size: s,
      }
    );
  }

  get software(): boolean | null {
    return this.adapter ? this.adapter.software : null;
  }

  private key(lab: Lab, size: LabSize): string {
    return `${lab.id}|${size}`;
  }

  private set(lab: Lab, size: LabSize, t: Omit<LabTime, 'size'>): void {
    this.times.set(this.key(lab, size), { ...t, size });
    this.dispatchEvent(new Event('change'));
  }

  /** Start timing every lab at its default size (once per page); cards listen for 'change'. */
  async measureAll(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      this.adapter = await api.init();
    } catch {
      for (const lab of labs)
        this.set(lab, defaultSize(lab, false), {
          text: 'no GPU here',
          seconds: null,
          basis: 'failed',
        });
      return;
    }
    this.dispatchEvent(new Event('change'));
    const software = this.adapter.software;
    // Cheapest first, so most cards fill quickly; the kernel lab needs no measurement.
    for (const lab of labs.filter((l) => l.kernel)) this.quoteKernel(lab, software);
    for (const lab of labs.filter((l) => l.grid))
      await this.measure(lab, defaultSize(lab, software));
  }

  /** Time one lab at one size (the card's other size, or an edited grid, asks again). */
  async measure(lab: Lab, size: LabSize): Promise<void> {
    const grid = labGrid(lab, size);
    if (!grid || !this.adapter) return;
    const cacheKey = `t2lab.labtime|${adapterKey(this.adapter)}|${JSON.stringify(grid)}`;
    const kept = safeStorage()?.getItem(cacheKey);
    if (kept) {
      const s = Number(kept);
      this.set(lab, size, { text: `about ${formatSeconds(s)}`, seconds: s, basis: 'measured' });
      return;
    }
    this.set(lab, size, { text: 'timing on this adapter…', seconds: null, basis: 'pending' });
    try {
      const est = await api.sweepEstimate(grid);
      safeStorage()?.setItem(cacheKey, String(est.total_s));
      this.set(lab, size, {
        text: `about ${formatSeconds(est.total_s)}`,
        seconds: est.total_s,
        basis: 'measured',
      });
    } catch (e) {
      const message = (e as Error).message;
      // Timing beside a running sweep would disturb both: wait for the sweep, then time the lab.
      if (/a sweep is running/.test(message)) {
        this.set(lab, size, {
          text: 'timed once the running sweep stops',
          seconds: null,
          basis: 'pending',
        });
        setTimeout(() => void this.measure(lab, size), 30_000);
        return;
      }
      this.set(lab, size, {
        text: `could not time it: ${message}`,
        seconds: null,
        basis: 'failed',
      });
    }
  }

  private quoteKernel(lab: Lab, software: boolean): void {
    const size = defaultSize(lab, software);
    const reps = lab.reps ?? { full: 5, cpu: 5 };
    // The profile's time is mostly its repetitions: scale the one software measurement by them.
    const s = software ? (7.6 * 60 * (size === 'cpu' ? reps.cpu : reps.full)) / 5 : 60;
    const note = software
      ? `scaled from one run on SwiftShader: 7.6 min at 5 repetitions; this size does ${size === 'cpu' ? reps.cpu : reps.full}`
      : 'not measured on this GPU';
    this.set(lab, size, {
      text: `about ${formatSeconds(s)}`,
      note,
      seconds: s,
      basis: 'quoted',
    });
  }
}

function safeStorage(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

/** The page's one queue of lab times. */
export const labTimes = new LabTimes();
