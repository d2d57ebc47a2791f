// A second, GPU-free worker for the page's statistics: the laws' fits and the per-level isoFLOP bootstrap
// take seconds of CPU, which the page's main thread must not spend, and they need no device, so they run
// here on records the page already holds (committed results, a file the user picked), not in the GPU worker.
import { expose } from 'comlink';
import { fitAll, type FitOptions, type FitReport } from '../../src/fit/fit.ts';
import { pointsFromRecords } from '../../src/fit/points.ts';
import {
  isoflopAnalysis,
  type IsoflopAnalysis,
  type IsoflopOptions,
} from '../../src/fit/isoflop.ts';
import type { RunRecord } from '../../src/sweep/record.ts';

export interface AnalysisApi {
  fit(records: RunRecord[], opts?: FitOptions): FitReport | null;
  isoflop(records: RunRecord[], opts?: IsoflopOptions): IsoflopAnalysis;
}

const analysis: AnalysisApi = {
  fit(records, opts) {
    const { points } = pointsFromRecords(records);
    return points.length ? fitAll(points, opts) : null;
  },
  isoflop: (records, opts) => isoflopAnalysis(records, opts),
};

expose(analysis);
