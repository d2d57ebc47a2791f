// The Sweep view's own Chart.js configurations: live loss curves while a sweep trains, held-out loss
// against tokens per model, and pass@k against k as runs finish. They speak the report's chart language
// (src/report/charts.ts): a run has the same colour here, in Results and in `t2lab report` (pass every
// planned run, so colours do not move as runs finish), a method has one line style, legends always show.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../../src/sweep/record.ts';
import {
  axes,
  decodeRunId,
  lineConfig,
  modelColours,
  methodNames,
  modelOf,
  passAtKDatasets,
  runColours,
  type RunLike,
} from '../../src/report/charts.ts';

export { modelColours, modelOf };

export interface CurveSeries {
  id: string;
  config: { n_layer: number; n_embd: number; n_head: number; tokens: number; seed?: number };
  points: { tokens: number; loss: number }[];
  /** Still training: drawn thicker. */
  live?: boolean;
}

/** Training loss against tokens seen, one line per run (log tokens, so short and long runs both show). */
export function lossCurvesChart(
  series: CurveSeries[],
  grid: RunLike[] = series,
): ChartConfiguration<'line'> {
  const colours = runColours(grid.length ? grid : series);
  const datasets = series.map((s) => ({
    label: s.id,
    t2title: decodeRunId(s.id),
    data: s.points
      .filter((p) => p.tokens > 0 && Number.isFinite(p.loss))
      .map((p) => ({ x: p.tokens, y: p.loss })),
    borderColor: colours.get(s.id),
    backgroundColor: colours.get(s.id),
    borderWidth: s.live ? 3 : 1.5,
    pointRadius: s.points.length < 3 ? 3 : 0, // a curve of one point is still visible
  }));
  return lineConfig(
    datasets,
    axes.log('training tokens'),
    axes.lin('training loss (nats/token)'),
    'Loss curves (thick: training now)',
  ) as ChartConfiguration<'line'>;
}

/** Final held-out loss against training tokens D, one line per model size: where do the lines cross? */
export function lossVsTokensChart(records: RunRecord[]): ChartConfiguration<'line'> {
  const colours = modelColours(records.map((r) => r.config));
  const byModel = new Map<string, RunRecord[]>();
  for (const r of records)
    if (Number.isFinite(r.eval_loss))
      byModel.set(modelOf(r.config), [...(byModel.get(modelOf(r.config)) ?? []), r]);
  const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = [...colours.keys()]
    .filter((m) => byModel.has(m))
    .map((m) => ({
      label: `${m} (N=${byModel.get(m)![0]!.N_nonemb.toLocaleString()})`,
      data: byModel
        .get(m)!
        .sort((a, b) => a.D - b.D)
        .map((r) => ({ x: r.D, y: r.eval_loss })),
      borderColor: colours.get(m),
      backgroundColor: colours.get(m),
      pointRadius: 5,
    }));
  return lineConfig(
    datasets,
    axes.log('training tokens D'),
    axes.lin('held-out loss'),
    'Held-out loss against tokens, one line per model size',
  ) as ChartConfiguration<'line'>;
}

/** pass@k against k per run, both methods in the report's line styles (solid with points: sampled; dashed: from p_i). */
export function passAtKChart(
  records: RunRecord[],
  grid: RunLike[] = records,
): ChartConfiguration<'line'> {
  const colours = runColours(grid.length ? grid : records);
  return lineConfig(
    passAtKDatasets(records, colours, ['sampling', 'likelihood'], false),
    axes.log('k (samples per question)'),
    axes.lin('pass@k', { min: 0, max: 1 }),
    `pass@k: solid = ${methodNames(records).sampling}, dashed = from the likelihood p_i`,
  ) as ChartConfiguration<'line'>;
}
