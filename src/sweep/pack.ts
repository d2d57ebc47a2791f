// Which runs of a sweep train together: runs that share a model shape (and batch, clipping and evaluation
// batches: packKey) go into packs of at most `max` runs, trained side by side (src/train/pack.ts) and
// recorded exactly as if trained one at a time. How many fit is the adapter's buffer limits' say.
import { modelShape, type Config } from '../config.ts';
import { paramLayout } from '../model/gpt.ts';
import { packKey } from '../train/pack.ts';
import type { BufferLimits } from './limits.ts';
import type { RunSpec } from './experiment.ts';

/** Runs per pack when nothing else is asked and the adapter allows it: past 8 a tiny model's step is already full. */
export const DEFAULT_PACK = 8;

/**
 * The runs in packs of at most `max` (a number, or one per run's config, e.g. what its adapter holds), each
 * pack runs of one packKey. Within a key the runs go by steps, most first, so that a pack's runs end close
 * together (a pack computes as long as its longest run, fewer runs as they end); keys in the order of their
 * first run in `runs`. max = 1: one run at a time, in the order of `runs`.
 */
export function packRuns(runs: RunSpec[], max: number | ((c: Config) => number)): RunSpec[][] {
  const byKey = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const key = packKey(run.config);
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(run);
  }
  const limitOf = (run: RunSpec) => {
    const limit = typeof max === 'number' ? max : max(run.config);
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new Error(`pack must be an integer >= 1 (got ${limit})`);
    return limit;
  };
  if (runs.every((r) => limitOf(r) === 1)) return runs.map((r) => [r]);
  const steps = (r: RunSpec) => r.config.tokens / (r.config.batch_size * r.config.block_size);
  const packs: RunSpec[][] = [];
  for (const group of byKey.values()) {
    const limit = limitOf(group[0]!);
    const sorted = [...group].sort((a, b) => steps(b) - steps(a));
    for (let i = 0; i < sorted.length; i += limit) packs.push(sorted.slice(i, i + limit));
  }
  return packs;
}

/**
 * The most runs of `c`'s shape that one pack holds on an adapter with `limits`, at most `cap`: a pack's
 * parameters, gradients and AdamW moments are R times one run's, one buffer each, and so is its widest
 * activation (as src/sweep/limits.ts counts them for one run).
 */
export function packCapacity(c: Config, limits: BufferLimits, cap = DEFAULT_PACK): number {
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const shape = modelShape(c);
  // The GPU's binding alignment (256 bytes) pads each tensor of the flat buffer to 64 floats.
  const params = 4 * paramLayout(shape, 64).total;
  const width = Math.max(4 * shape.n_embd, shape.vocab_size);
  const activation = 4 * c.batch_size * shape.block_size * width;
  return Math.max(1, Math.min(cap, Math.floor(max / Math.max(params, activation))));
}
