// Explore's picture: N* (or D*/N*) against C_train for Chinchilla and the T² laws at the chosen C_inf, each
// law dashed and labelled "fitted" with its held-out error (src/report/laws.ts), the measured runs as
// points, each isoFLOP level's direct optima as triangles, and the chosen C_train as a vertical line.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../../src/sweep/record.ts';
import type { FitReport } from '../../src/fit/fit.ts';
import type { OptimumRow } from '../../src/fit/optimum.ts';
import type { IsoflopAnalysis } from '../../src/fit/isoflop.ts';
import { axes, LAW_COLOUR, lineConfig, runColours } from '../../src/report/charts.ts';
import { fittedLabel, lawStyle, type LawName } from '../../src/report/laws.ts';

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
  fit: FitReport | null;
}): ChartConfiguration<'line'> {
  const { field, rows, records } = opts;
  const y = (p: { N: number; ratio: number } | null | undefined) =>
    p && p[field] > 0 ? p[field] : NaN;
  const laws: [LawName, (r: OptimumRow) => number][] = [
    ['Chinchilla', (r) => y(r.chinchilla)],
    ['T² loss law (Approach 1)', (r) => y(r.t2_loss)],
    ['T² accuracy law (Approach 2)', (r) => y(r.t2_accuracy)],
  ];
  const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = laws
    .map(([law, f]) => ({
      label: fittedLabel(law, opts.fit),
      data: rows.map((r) => ({ x: r.C_train, y: f(r) })).filter((p) => Number.isFinite(p.y)),
      borderColor: LAW_COLOUR[law],
      backgroundColor: LAW_COLOUR[law],
      pointRadius: 0,
      ...lawStyle(opts.fit, law),
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
    const key = which === 'loss' ? 'loss optimum (direct)' : 'T² optimum (direct)';
    const label =
      which === 'loss'
        ? 'loss optimum, measured (isoFLOP parabola)'
        : 'T² optimum, measured (pass@k from the likelihood)';
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
        borderColor: LAW_COLOUR[key],
        backgroundColor: LAW_COLOUR[key],
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
