// The page's handle on its statistics worker (web/shared/analysis-worker.ts).
import { wrap, type Remote } from 'comlink';
import type { AnalysisApi } from './analysis-worker.ts';

export const analysis: Remote<AnalysisApi> = wrap<AnalysisApi>(
  new Worker(new URL('./analysis-worker.ts', import.meta.url), { type: 'module' }),
);
