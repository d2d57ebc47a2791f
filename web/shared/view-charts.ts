// The Sweep view's own Chart.js configurations: live loss curves while a sweep trains, held-out loss
// against tokens per model, and pass@k against k as runs finish. They speak the report's chart language
// (src/report/charts.ts): a run has the same colour here, in Results and in `t2lab report` (pass every
// planned run, so colours do not move as runs finish), a method has one line style, legends always show.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../../src/sweep/record.ts';
import {
  axes,
  decodeRunId,
  LAW_COLOUR,
  lineConfig,
  modelColours,
  modelOf,
  passAtKDatasets,
  runColours,
  type RunLike,
} from '../../src/report/charts.ts';
import type { OptimumRow } from '../../src/fit/optimum.ts';
import type { IsoflopAnalysis } from '../../src/fit/isoflop.ts';

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
    'pass@k: solid = sampled, dashed = from the likelihood p_i',
  ) as ChartConfiguration<'line'>;
}

/**
 * The explorer's picture: N* (or D:N*) against C_train for Chinchilla and the T² laws at the chosen C_inf,
 * the measured runs as points, each isoFLOP level's direct optima as triangles, and the chosen C_train as
 * a vertical line.
 */
export function explorerChart(opts: {
  field: 'N' | 'ratio';
  rows: OptimumRow[];
  records: RunRecord[];
  iso: IsoflopAnalysis | null;
  C_train: number;
}): ChartConfiguration<'line'> {
  const { field, rows, records } = opts;
  const y = (p: { N: number; ratio: number } | null | undefined) =>
    p && p[field] > 0 ? p[field] : NaN;
  const laws: [string, (r: OptimumRow) => number][] = [
    ['Chinchilla', (r) => y(r.chinchilla)],
    ['T² loss law (Approach 1)', (r) => y(r.t2_loss)],
    ['T² accuracy law (Approach 2)', (r) => y(r.t2_accuracy)],
  ];
  const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = laws
    .map(([label, f]) => ({
      label,
      data: rows.map((r) => ({ x: r.C_train, y: f(r) })).filter((p) => Number.isFinite(p.y)),
      borderColor: LAW_COLOUR[label],
      backgroundColor: LAW_COLOUR[label],
      pointRadius: 0,
      borderWidth: 2.5,
    }))
    .filter((d) => d.data.length > 0);
  const colours = runColours(records);
  const done = records.filter((r) => !r.diverged && Number.isFinite(r.eval_loss));
  datasets.push({
    label: 'measured runs',
    data: done.map((r) => ({ x: r.C_train, y: field === 'N' ? r.N_nonemb : r.D / r.N_nonemb })),
    showLine: false,
    pointRadius: 4,
    borderColor: done.map((r) => colours.get(r.id)!),
    backgroundColor: done.map((r) => colours.get(r.id)!),
  } as unknown as ChartDataset<'line', { x: number; y: number }[]>);
  for (const which of ['loss', 't2'] as const) {
    const label = which === 'loss' ? 'loss optimum (direct)' : 'T² optimum (direct)';
    const pts = (opts.iso?.levels ?? []).flatMap((lv) =>
      lv[which]?.inside
        ? [{ x: lv.C_train, y: field === 'N' ? lv[which]!.N : lv[which]!.D_over_N }]
        : [],
    );
    if (pts.length)
      datasets.push({
        label,
        data: pts,
        showLine: false,
        pointStyle: 'triangle',
        pointRadius: 8,
        borderColor: LAW_COLOUR[label],
        backgroundColor: LAW_COLOUR[label],
      } as ChartDataset<'line', { x: number; y: number }[]>);
  }
  const all = datasets.flatMap((d) => d.data.map((p) => p.y)).filter((v) => v > 0);
  if (all.length)
    datasets.push({
      label: 'your C_train',
      data: [
        { x: opts.C_train, y: Math.min(...all) },
        { x: opts.C_train, y: Math.max(...all) },
      ],
      borderColor: '#000',
      backgroundColor: '#000',
      borderDash: [4, 4],
      pointRadius: 0,
      borderWidth: 1,
    });
  return lineConfig(
    datasets,
    axes.log('C_train = 6ND (FLOPs)'),
    axes.log(field === 'N' ? 'N* (non-embedding parameters)' : 'D*/N* (tokens per parameter)'),
  ) as ChartConfiguration<'line'>;
}
