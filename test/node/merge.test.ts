// Issue 14: `t2lab merge` never drops a line. Before, it rewrote results.jsonl without the lines it could
// not read and said "see warnings" without printing any, and said nothing about a missing shard or
// shards of different counts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeCommand } from '../../src/node/commands/merge.ts';
import { syntheticRecords } from '../report/fixture.ts';

const records = syntheticRecords({
  sizes: [1e3, 4e3],
  budgets: [1e10, 4e10, 1.6e11],
  questions: 4,
});
const line = (r: unknown) => JSON.stringify(r) + '\n';

function capture() {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
  const text = (s: typeof warn) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { warn: () => text(warn), out: () => text(log) };
}

describe('t2lab merge', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps every unreadable line in a side file, prints each skip, and warns about missing and mixed shards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-merge-'));
    const torn = line(records[1]).slice(0, 40);
    const otherFormat = line({ ...records[2], format: 't2lab-run-0' });
    writeFileSync(
      join(dir, 'results.shard-0-of-3.jsonl'),
      line(records[0]) + torn + '\n' + line(records[3]),
    );
    writeFileSync(join(dir, 'results.shard-1-of-3.jsonl'), otherFormat + line(records[4]));
    // shard 2 of 3 is missing; a stray shard of another count is present
    writeFileSync(
      join(dir, 'results.shard-0-of-2.jsonl'),
      line(records[5]) + line({ ...records[0], eval_loss: 9.9 }),
    );
    const c = capture();
    expect(await mergeCommand([dir])).toBe(0);
    const warn = c.warn();
    expect(warn).toMatch(/shards of different counts .*of-2, of-3/);
    expect(warn).toMatch(/missing shard 2\/3 .*results\.shard-2-of-3\.jsonl not found/);
    expect(warn).toMatch(/missing shard 1\/2/);
    expect(warn).toMatch(/skipped .*results\.shard-0-of-3\.jsonl:2: not valid JSON/);
    expect(warn).toMatch(/skipped .*results\.shard-1-of-3\.jsonl:1: format is "t2lab-run-0"/);
    // Files are read in name order, so the edited copy in the of-2 shard came first and is the one kept.
    expect(warn).toMatch(
      /skipped .*results\.shard-0-of-3\.jsonl:1: a second, different record of run .* \(the first, from .*results\.shard-0-of-2\.jsonl:2, is kept\)/,
    );
    const merged = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(merged.map((l) => JSON.parse(l).id).sort()).toEqual(
      [records[0]!, records[3]!, records[4]!, records[5]!].map((r) => r.id).sort(),
    );
    const side = readFileSync(join(dir, 'merge-skipped.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(side.map((s) => s.text)).toEqual(expect.arrayContaining([torn, otherFormat.trimEnd()]));
    expect(side).toHaveLength(3);
    expect(c.out()).toMatch(
      /4 runs from 3 files \(3 lines not merged, each printed above and kept in .*merge-skipped\.jsonl; 3 warnings above\)/,
    );

    // Merging again adds nothing twice: the records are there once, the side file keeps one copy of each.
    expect(await mergeCommand([dir])).toBe(0);
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect(readFileSync(join(dir, 'merge-skipped.jsonl'), 'utf8').trim().split('\n')).toHaveLength(
      3,
    );
  });

  it('a torn line in the existing output is kept, not silently dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-merge-'));
    const torn = line(records[0]).slice(0, 30);
    writeFileSync(join(dir, 'results.jsonl'), line(records[1]) + torn);
    writeFileSync(join(dir, 'results.shard-0-of-1.jsonl'), line(records[2]));
    const c = capture();
    expect(await mergeCommand([dir])).toBe(0);
    expect(c.warn()).toMatch(/skipped .*results\.jsonl:2: not valid JSON/);
    expect(readFileSync(join(dir, 'merge-skipped.jsonl'), 'utf8')).toContain(JSON.stringify(torn));
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(existsSync(join(dir, 'results.jsonl.lock'))).toBe(false); // the lock is released
  });
});
