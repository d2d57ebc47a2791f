// Node script, not part of the page: analyse COMMITTED_SOURCE once, so the app paints from it at load.
//   npx tsx web/explore/precompute.ts
// Writes web/explore/committed-analysis.json: records without their sample text (p, n, c per question
// stay; pass@k of every k follows from them), the laws' fits with Explore's options, and the isoFLOP
// analysis at the default C_inf; COMMITTED_EXTRA_LEVELS' levels' measured shifts. test/browser/committed.test.ts
// checks it matches the sources' bytes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fitAll } from '../../src/fit/fit.ts';
import { pointsFromRecords } from '../../src/fit/points.ts';
import { isoflopAnalysis } from '../../src/fit/isoflop.ts';
import { parseRecordsJsonl, type RunRecord } from '../../src/sweep/record.ts';
import { statedHoldout } from '../../experiments/index.ts';
import { COMMITTED_EXTRA_LEVELS, COMMITTED_SOURCE } from './committed-source.ts';
import type { CommittedAnalysis } from './committed.ts';

/**
 * A record as the app needs it: per question its task, p, n, c (and chance, where a record has it); no
 * samples, and no question text (81 runs × 320 questions of text made the file 7 MB).
 */
export function slim(r: RunRecord): RunRecord {
  return {
    ...r,
    curve: [],
    questions: r.questions.map(
      ({ samples: _s, correct: _c, prompt: _p, answer: _a, c_verifier: _v, ...q }) =>
        ({ ...q, prompt: '', answer: '' }) as RunRecord['questions'][number],
    ),
  };
}

const root = new URL('../../', import.meta.url);
const bytes = readFileSync(new URL(COMMITTED_SOURCE, root));
const { records, errors } = parseRecordsJsonl(bytes.toString('utf8'));
if (errors.length) console.warn(`${errors.length} unreadable lines skipped`);
const sweep = records[0]?.sweep ?? '';
const options = { bootstrap: 50, fallbackHeldOutRatio: statedHoldout(sweep) ?? null, seed: 1 };
const t0 = performance.now();
const { points } = pointsFromRecords(records);
const fit = points.length
  ? fitAll(points, {
      bootstrap: options.bootstrap,
      fallbackHeldOutRatio: options.fallbackHeldOutRatio ?? undefined,
      seed: 1,
    })
  : null;
const iso = isoflopAnalysis(records, { bootstrap: 200, seed: 1 });
// Further levels, each its own run: analysed alone, at the main file's C_inf, the shift's words kept.
const extra = COMMITTED_EXTRA_LEVELS.map((source) => {
  const b = readFileSync(new URL(source, root));
  const more = isoflopAnalysis(parseRecordsJsonl(b.toString('utf8')).records, {
    C_inf: iso.C_inf,
    bootstrap: 200,
    seed: 1,
  });
  return {
    source,
    sha256: createHash('sha256').update(b).digest('hex'),
    levels: more.levels.map((l) => ({
      C_train: l.C_train,
      shift: l.shift?.text ?? 'not measured',
    })),
  };
});
const out: CommittedAnalysis = {
  source: COMMITTED_SOURCE,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  options,
  records: records.map(slim),
  fit,
  iso,
  extra,
};
const file = new URL('./committed-analysis.json', import.meta.url);
// Compact, one record a line (the file is listed in .prettierignore: data, not code).
writeFileSync(
  file,
  `{${Object.entries(out)
    .map(([k, v]) =>
      k === 'records'
        ? `"records":[\n${(v as RunRecord[]).map((r) => JSON.stringify(r)).join(',\n')}\n]`
        : `${JSON.stringify(k)}:${JSON.stringify(v)}`,
    )
    .join(',\n')}}\n`,
);
console.log(
  `${records.length} runs of ${COMMITTED_SOURCE} analysed in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${file.pathname}`,
);
