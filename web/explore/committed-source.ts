// Which committed results the app opens with: the landing view's picture and Explore's first choice.
// A new reproduction lands by changing this one path and running
//   npx tsx web/explore/precompute.ts
// which writes the analysis the app paints from at load (web/explore/committed-analysis.json);
// test/browser/committed.test.ts fails, naming that command, while the two disagree.
export const COMMITTED_SOURCE = 'docs/results/world/results.jsonl';

/**
 * Further levels of the same reproduction, each its own run and results file (one file holds one
 * experiment): the landing lists their measured per-level answers after COMMITTED_SOURCE's.
 */
export const COMMITTED_EXTRA_LEVELS = ['docs/results/world-2e12/results.jsonl'];

/** "docs/results/t2/results.jsonl" → "t2": the name Explore's picker and its link (explore=repo:t2) use. */
export const committedName = (path: string) =>
  /results\/([^/]+)\/results\.jsonl$/.exec(path)?.[1] ?? path;
