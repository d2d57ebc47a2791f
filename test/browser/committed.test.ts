// The analysis the app paints from at load (web/explore/committed-analysis.json) is the analysis of the
// committed results files that web/explore/committed-source.ts names, byte for byte: a new results file
// or a changed path fails here until `npx tsx web/explore/precompute.ts` is run again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMITTED_EXTRA_LEVELS, COMMITTED_SOURCE } from '../../web/explore/committed-source.ts';
import { committed } from '../../web/explore/committed.ts';

describe('the committed analysis', () => {
  it('is of the file COMMITTED_SOURCE names, as it is now', () => {
    const sha = createHash('sha256').update(readFileSync(COMMITTED_SOURCE)).digest('hex');
    const hint =
      'run `npx tsx web/explore/precompute.ts` and commit web/explore/committed-analysis.json';
    expect(committed.source, hint).toBe(COMMITTED_SOURCE);
    expect(committed.sha256, hint).toBe(sha);
    // The further levels too: each file COMMITTED_EXTRA_LEVELS names, as it is now.
    expect(
      committed.extra?.map((x) => x.source),
      hint,
    ).toEqual(COMMITTED_EXTRA_LEVELS);
    for (const x of committed.extra ?? []) {
      const bytes = readFileSync(x.source);
      expect(x.sha256, `${x.source}: ${hint}`).toBe(
        createHash('sha256').update(bytes).digest('hex'),
      );
      expect(x.levels.length).toBeGreaterThan(0);
    }
  });

  it('keeps what the app draws and drops the sample text', () => {
    expect(committed.records.length).toBeGreaterThan(0);
    for (const r of committed.records) {
      expect(r.questions.length).toBeGreaterThan(0);
      expect(r.questions[0]).not.toHaveProperty('samples');
      expect(typeof r.questions[0]!.p).toBe('number');
    }
    expect(committed.iso.levels.length).toBeGreaterThan(0);
  });
});
