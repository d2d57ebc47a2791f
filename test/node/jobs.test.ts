// `t2lab sweep --jobs N`: N processes side by side, each taking whole packs from one list (claims), merged
// at the end, give the records one process gives (the numbers; timings and finishing times aside), each
// run trained once and each pack kept in one process; refused beside --shard. claimRuns: one run, one owner.
import { afterEach, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import { claimRuns } from '../../src/node/store.ts';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import { describeGpu } from '../helpers.ts';

const spec = {
  name: 'tiny-jobs',
  description: 'four tiny runs',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 32,
    batch_size: 8,
    lr: 1e-2,
    eval_interval: 4,
  },
  models: [
    { n_layer: 1, n_embd: 8, n_head: 2 },
    { n_layer: 1, n_embd: 16, n_head: 2 },
  ],
  budgets: { tokens_per_param: [1, 2] },
  seeds: [1],
  sampling: { questions: 4, n: 4, k: [1, 2, 4], max_new: 4 },
};

const numbers = (dir: string) =>
  Object.fromEntries(
    readFileSync(join(dir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const { timings: _t, finished_at: _f, ...r } = JSON.parse(l);
        return [r.id, r];
      }),
  );

describeGpu('sweep --jobs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('two shard processes, merged, give the records of one process', async () => {
    const root = mkdtempSync(join(tmpdir(), 't2lab-jobs-'));
    const file = join(root, 'tiny.json');
    writeFileSync(file, JSON.stringify(spec));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['sweep', file, '--out', join(root, 'one'), '--no_report'])).toBe(0);
    expect(
      await main(['sweep', file, '--out', join(root, 'two'), '--jobs', '2', '--no_report']),
    ).toBe(0);
    expect(log.mock.calls.flat().join('\n')).toMatch(/in 2 processes taking packs from one list/);
    const [one, two] = [numbers(join(root, 'one')), numbers(join(root, 'two'))];
    expect(Object.keys(two).sort()).toEqual(Object.keys(one).sort());
    expect(Object.keys(one)).toHaveLength(4);
    for (const id of Object.keys(one)) expect(two[id], id).toEqual(one[id]);
    // Each run in one shard file; a pack (one model shape: two budgets) in one process.
    const shards = [0, 1].map((i) =>
      readFileSync(join(root, 'two', `results.shard-${i}-of-2.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).id as string),
    );
    expect(shards.flat().sort()).toEqual(Object.keys(one).sort());
    for (const ids of shards)
      expect(new Set(ids.map((id) => id.split('/')[0])).size, ids.join(' ')).toBeLessThanOrEqual(1);
    expect(existsSync(join(root, 'two', 'claims'))).toBe(false);
  }, 300_000);

  it('--jobs beside a shard is refused, naming both', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['sweep', 'experiments/smoke.ts', '--jobs', '2', '--shard', '0/2'])).toBe(2);
    expect(err.mock.calls.flat().join('\n')).toMatch(/--jobs 2 runs its own shards; .*\(0\/2\)/);
    expect(await main(['sweep', 'experiments/smoke.ts', '--jobs', 'two'])).toBe(2);
  });
});

it('claimRuns: two processes claiming the same runs each get a run once, and together every run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 't2lab-claims-'));
  mkdirSync(join(dir, 'claims'));
  const runs = expandRuns(validateExperiment(spec));
  const [a, b] = [claimRuns(join(dir, 'claims')), claimRuns(join(dir, 'claims'))];
  const first = await a(runs.slice(0, 3));
  const second = await b(runs);
  expect(first.map((r) => r.id)).toEqual(runs.slice(0, 3).map((r) => r.id));
  expect(second.map((r) => r.id)).toEqual(runs.slice(3).map((r) => r.id));
  expect(await a(runs)).toEqual([]);
  // A folder that is not there is an error, not a claim.
  await expect(claimRuns(join(dir, 'missing'))(runs)).rejects.toThrow(/ENOENT/);
});
