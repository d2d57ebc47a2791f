// Plots of the observations themselves: loss curves, held-out loss per isoFLOP budget, pass@k against k
// (both methods, each in its line style, each legend naming its method).
import type { ChartDataset } from 'chart.js';
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import { fmt } from '../fit/fit.ts';
import { chinchillaLoss } from '../fit/chinchilla.ts';
import type { IsoflopAnalysis } from '../fit/isoflop.ts';
import {
  color,
  lineConfig,
  linAxis,
  logAxis,
  METHOD_STYLE,
  methodKey,
  runColours,
  decodeRunId,
  type ChartSpec,
  type RunLike,
  type Xy,
} from './style.ts';
import { finished, groupByBudget, nOf } from './runs.ts';

// ---------------------------------------------------------------- observations

/** Colours over the planned grid when it is known (so a partial sweep colours its runs as the Sweep view does), else over the records. */
const coloursOf = (records: RunRecord[], grid?: RunLike[]) =>
  runColours(
    grid?.length ? [...grid, ...records.filter((r) => !grid.some((g) => g.id === r.id))] : records,
  );

export function lossCurvesChart(
  records: RunRecord[],
  _fit: FitReport | null,
  _iso?: IsoflopAnalysis | null,
  grid?: RunLike[],
): ChartSpec {
  const spec = {
    id: 'loss-curves',
    title: 'Training loss against tokens',
    caption:
      'Training loss at each logged step, one line per run (diverged runs dashed); the colour of a run is the same on every plot.',
  };
  const runs = records.filter((r) => r.curve?.length);
  if (runs.length === 0)
    return { ...spec, config: null, message: 'No run has a logged loss curve.' };
  const colours = coloursOf(records, grid);
  const datasets = runs.map((r) => ({
    label: r.id,
    t2title: decodeRunId(r.id),
    data: r.curve
      .filter((c) => c.tokens > 0 && Number.isFinite(c.loss))
      .map((c) => ({ x: c.tokens, y: c.loss })),
    borderColor: colours.get(r.id),
    backgroundColor: colours.get(r.id),
    borderDash: r.diverged ? [6, 4] : undefined,
    pointRadius: 0,
    borderWidth: 1.5,
  }));
  return {
    ...spec,
    config: lineConfig(datasets, logAxis('training tokens'), linAxis('training loss (nats/token)')),
  };
}

export function isoflopChart(records: RunRecord[], fit: FitReport | null): ChartSpec {
  const spec = {
    id: 'isoflop',
    title: 'isoFLOP curves',
    caption: `Final held-out loss against N (${fit?.n_kind === 'total' ? 'total' : 'non-embedding'}), one curve per training budget C_train (runs within 10% grouped); dotted: the Chinchilla fit along each budget.`,
  };
  const groups = groupByBudget(finished(records));
  if (groups.length === 0) return { ...spec, config: null, message: 'No finished run to plot.' };
  const datasets: ChartDataset<'line', Xy[]>[] = [];
  const chin = fit?.chinchilla?.params;
  groups.forEach((g, i) => {
    const pts = g.runs.map((r) => ({ x: nOf(r, fit), y: r.eval_loss })).sort((a, b) => a.x - b.x);
    datasets.push({
      label: `C ≈ ${fmt(g.C)}`,
      data: pts,
      borderColor: color(i),
      backgroundColor: color(i),
      pointRadius: 4,
    });
    if (chin) {
      const lo = pts[0]!.x / 1.5,
        hi = pts.at(-1)!.x * 1.5;
      // C_train in the records is 6·N_nonemb·D; along the curve D = C/(6N) in the fit's own N.
      const curve = Array.from({ length: 40 }, (_, j) => {
        const N = lo * (hi / lo) ** (j / 39);
        return { x: N, y: chinchillaLoss(chin, N, g.C / (6 * N)) };
      });
      datasets.push({
        label: `fit, C ≈ ${fmt(g.C)}`,
        t2legend: false,
        data: curve,
        borderColor: color(i, 0.7),
        ...fitStyle,
      } as ChartDataset<'line', Xy[]>);
    }
  });
  if (chin) datasets.push(methodKey('fit', 'Chinchilla fit (Approach 3)'));
  return {
    ...spec,
    config: lineConfig(datasets, logAxis('N (parameters)'), linAxis('held-out loss')),
    message: chin ? undefined : `No Chinchilla fit: ${fit?.skipped.chinchilla ?? 'not run'}.`,
  };
}

export const fitStyle = {
  borderDash: METHOD_STYLE.fit.borderDash,
  pointRadius: METHOD_STYLE.fit.pointRadius,
  borderWidth: METHOD_STYLE.fit.borderWidth,
};

/**
 * pass@k against k, one colour per run, both methods in their line styles (legend: one entry per run,
 * plus the two method keys). Shared by the report and the app's Sweep view.
 */
export function passAtKDatasets(
  records: RunRecord[],
  colours: Map<string, string>,
  methods: ('sampling' | 'likelihood')[] = ['sampling', 'likelihood'],
  logY = true,
): ChartDataset<'line', Xy[]>[] {
  const datasets: ChartDataset<'line', Xy[]>[] = [];
  const names = methodNames(records);
  for (const r of records) {
    methods.forEach((m, j) => {
      const t = r.pass_at_k[m];
      const s = METHOD_STYLE[m];
      datasets.push({
        label: r.id,
        t2title: `${decodeRunId(r.id)} · pass@k ${names[m]}`,
        t2legend: j === 0,
        data: t.k
          .map((k, i) => ({ x: k, y: t.value[i]! }))
          .filter((p) => p.y !== null && Number.isFinite(p.y) && (!logY || p.y > 0)),
        borderColor: colours.get(r.id),
        backgroundColor: colours.get(r.id),
        borderDash: s.borderDash,
        pointRadius: s.pointRadius,
        borderWidth: s.borderWidth,
      } as ChartDataset<'line', Xy[]>);
    });
  }
  if (methods.length > 1) for (const m of methods) datasets.push(methodKey(m, names[m]));
  return datasets;
}

/**
 * How each pass@k was measured, in words every legend and tooltip uses: "sampled, n = 16 (unbiased
 * estimator)" (n: the fewest samples any question had) and "from the likelihood p_i (exact)".
 */
export function methodNames(records: RunRecord[]): Record<'sampling' | 'likelihood', string> {
  const ns = records.flatMap((r) => (r.questions ?? []).map((q) => q.n));
  const n = ns.length ? Math.min(...ns) : null;
  return {
    sampling: n === null ? METHOD_STYLE.sampling.name : `sampled, n = ${n} (unbiased estimator)`,
    likelihood: METHOD_STYLE.likelihood.name,
  };
}

export function passAtKChart(
  records: RunRecord[],
  _fit: FitReport | null,
  _iso?: IsoflopAnalysis | null,
  grid?: RunLike[],
): ChartSpec {
  const spec = {
    id: 'pass-at-k',
    title: 'pass@k against k',
    caption:
      'Per run, log-log: solid with points from sampling (unbiased estimator), dashed from the likelihood p_i (exact); points at pass@k = 0 are not drawable on a log axis.',
  };
  const runs = finished(records).filter((r) => r.pass_at_k);
  if (runs.length === 0) return { ...spec, config: null, message: 'No run has a pass@k table.' };
  return {
    ...spec,
    config: lineConfig(
      passAtKDatasets(runs, coloursOf(records, grid)),
      logAxis('k (samples per question)'),
      logAxis('pass@k'),
    ),
  };
}
