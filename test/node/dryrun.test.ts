// `t2lab sweep --dry_run` on a folder that already holds runs: finished runs are marked done, and an
// experiment whose settings changed is flagged before the real sweep would refuse it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import { recordOf } from '../sweep/fixture.ts';

const spec = {
  name: 'tiny',
  base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 8, lr: 1e-2 },
  models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
  budgets: { tokens_per_param: [1, 2] },
  seeds: [1],
  sampling: { questions: 4, n: 4, k: [1, 2, 4], max_new: 4 },
};

describe('sweep --dry_run on an existing folder', () => {
  afterEach(() => vi.restoreAllMocks());

  it('marks finished runs done, and warns that a changed experiment would be refused', async () => {
    const root = mkdtempSync(join(tmpdir(), 't2lab-dry-'));
    const dir = join(root, 'out');
    mkdirSync(dir);
    const e = validateExperiment(spec);
    writeFileSync(
      join(dir, 'results.jsonl'),
      expandRuns(e)
        .map((r) => JSON.stringify(recordOf(e, r)) + '\n')
        .join(''),
    );
    const file = join(root, 'tiny.json');
    writeFileSync(file, JSON.stringify({ ...spec, base: { ...spec.base, lr: 3e-3 } }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['sweep', file, '--dry-run', '--out', dir])).toBe(0);
    const out = log.mock.calls.flat().join('\n');
    expect(out).toMatch(/tiny: 2 runs, 2 already done in .*, 0 to run/);
    expect(out).toMatch(/L1-C16-H2\/D\/N=1\/s1 .* done/);
    expect(out).toMatch(/`t2lab sweep` would refuse: .*\n {2}lr: 0\.01 → 0\.003 \(2 runs/);
    // and the real sweep refuses, before a device is opened
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['sweep', file, '--out', dir, '--adapter', 'null'])).toBe(2);
  });
});
