// The committed results' analysis, ready at load: the slimmed records (no sample text), the laws' fits
// with their held-out errors, and the isoFLOP levels' direct optima, all computed once by
// web/explore/precompute.ts from COMMITTED_SOURCE. The landing view and Explore paint from this without
// a fetch, a worker or a fit; sliders then recompute only the milliseconds-cheap parts.
import type { FitReport } from '../../src/fit/fit.ts';
import type { IsoflopAnalysis } from '../../src/fit/isoflop.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import data from './committed-analysis.json';

export interface CommittedAnalysis {
  /** The results file, relative to the repository root, and the SHA-256 of its bytes when analysed. */
  source: string;
  sha256: string;
  /** What was fitted and how (the same options Explore uses for a file it fits itself). */
  options: { bootstrap: number; fallbackHeldOutRatio: number | null; seed: number };
  records: RunRecord[];
  fit: FitReport | null;
  /** Direct per-level optima at the default C_inf (2·largest N), with their bootstrap intervals. */
  iso: IsoflopAnalysis;
  /** COMMITTED_EXTRA_LEVELS: each file's levels, C_train and measured shift, at COMMITTED_SOURCE's C_inf. */
  extra?: { source: string; sha256: string; levels: { C_train: number; shift: string }[] }[];
}

export const committed = data as unknown as CommittedAnalysis;
