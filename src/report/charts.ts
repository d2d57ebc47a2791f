// Chart.js configurations for the sweep report, one function per plot, each taking the runs and the fit.
// Host-free and JSON (the few callbacks Chart.js needs live in chartRuntime, applied where the chart is
// drawn), so the same configs serve the static HTML report and the browser app. A plot that cannot be
// drawn returns config = null and says why; a plot whose fit failed still shows the observations and
// says which fit is missing.
//
// One chart language, here and in the app (web/shared/view-charts.ts builds on these): a run has one colour on every
// plot (a hue per model size, a shade per budget and seed), a method has one line style (sampled: solid
// with points; from the likelihood p_i: dashed; a fitted law or parabola: dotted), every legend is shown,
// and log axes are labelled at 1, 2 and 5 × 10ⁿ only.
//
// This file gathers them (one import for the app and the CLI) and lists the report's plots in order; each
// role lives in its own file: style.ts (the chart language), runs.ts, run-charts.ts (observations),
// law-charts.ts (fitted laws), isoflop-charts.ts (the direct answer), tables.ts, laws.ts (trust).
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import type { IsoflopAnalysis } from '../fit/isoflop.ts';
import type { ChartSpec, RunLike } from './style.ts';
import { isoflopChart, lossCurvesChart, passAtKChart } from './run-charts.ts';
import {
  accuracyFitChart,
  frontierNChart,
  frontierRatioChart,
  heldOutChart,
  lossFitChart,
} from './law-charts.ts';

export * from './style.ts';
export * from './runs.ts';
export * from './run-charts.ts';
export * from './law-charts.ts';
export * from './isoflop-charts.ts';
export * from './tables.ts';
export { fitWarnings } from './laws.ts';

/**
 * Every plot of the report, in page order (the frontier plots also show the direct isoFLOP optima, when
 * given). `grid`: the sweep's planned runs, when known, so a run's colour does not depend on which runs
 * have finished.
 */
export function allCharts(
  records: RunRecord[],
  fit: FitReport | null,
  iso?: IsoflopAnalysis | null,
  grid?: RunLike[],
): ChartSpec[] {
  return [
    lossCurvesChart,
    isoflopChart,
    passAtKChart,
    lossFitChart,
    accuracyFitChart,
    frontierNChart,
    frontierRatioChart,
    heldOutChart,
  ].map((f) => f(records, fit, iso, grid));
}
