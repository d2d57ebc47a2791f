// Plots of the fitted laws: each law against the observations (parity), the compute-optimal frontier,
// the held-out check. A law is always drawn dashed and named "fitted" with its held-out error
// (src/report/laws.ts), so it never reads as a measurement.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import { t2AccuracyRows, t2LossRows, fmt } from '../fit/fit.ts';
import { chinchillaLoss } from '../fit/chinchilla.ts';
import { t2Accuracy, t2Loss } from '../fit/t2.ts';
import type { IsoflopAnalysis } from '../fit/isoflop.ts';
import { fittedLabel, lawStyle, type LawName } from './laws.ts';
import {
  color,
  LAW_COLOUR,
  lineConfig,
  linAxis,
  logAxis,
  type ChartSpec,
  type Xy,
} from './style.ts';
import { finished, fitPoints } from './runs.ts';

// ---------------------------------------------------------------- fits against observations

function parityConfig(
  series: { label: string; data: Xy[] }[],
  axis: string,
  log: boolean,
): ChartConfiguration {
  const all = series
    .flatMap((s) => s.data.flatMap((p) => [p.x, p.y]))
    .filter((v) => (log ? v > 0 : Number.isFinite(v)));
  const lo = Math.min(...all),
    hi = Math.max(...all);
  const datasets: ChartDataset<'line', Xy[]>[] = series.map((s, i) => ({
    label: s.label,
    data: s.data,
    borderColor: color(i),
    backgroundColor: color(i, 0.7),
    showLine: false,
    pointRadius: 3,
  }));
  datasets.push({
    label: 'predicted = observed',
    data: [
      { x: lo, y: lo },
      { x: hi, y: hi },
    ],
    borderColor: 'rgba(0,0,0,0.35)',
    borderDash: [1, 3],
    pointRadius: 0,
    borderWidth: 1,
  });
  const ax = (t: string) => (log ? logAxis(t) : linAxis(t));
  return lineConfig(datasets, ax(`observed ${axis}`), ax(`predicted ${axis}`));
}

export function lossFitChart(records: RunRecord[], fit: FitReport | null): ChartSpec {
  const spec = {
    id: 'loss-fit',
    title: 'Loss laws against observations',
    caption:
      'Predicted against observed: the Chinchilla law on final held-out loss, and T² Approach 1 on −log pass@k at each k.',
  };
  const pts = fitPoints(finished(records), fit);
  const series: { label: string; data: Xy[] }[] = [];
  const missing: string[] = [];
  const chin = fit?.chinchilla?.params;
  if (chin)
    series.push({
      label: 'Chinchilla: held-out loss',
      data: pts.map((p) => ({ x: p.loss, y: chinchillaLoss(chin, p.N, p.D) })),
    });
  else missing.push(`Chinchilla: ${fit?.skipped.chinchilla ?? 'not fitted'}`);
  const t2 = fit?.t2_loss?.params;
  if (t2 && fit) {
    const rows = t2LossRows(pts, fit.ks)?.rows ?? [];
    // Saturated rows (pass@k > 0.99, target < 0.01) would stretch the log axes over decades of nothing.
    series.push({
      label: `T² Approach 1: −log pass@k ${/likelihood/.test(fit.t2_loss?.target ?? '') ? 'from the likelihood' : 'sampled'} (≥ 0.01)`,
      data: rows.filter((r) => r.y >= 0.01).map((r) => ({ x: r.y, y: t2Loss(t2, r.N, r.D, r.k) })),
    });
  } else missing.push(`T² Approach 1: ${fit?.skipped.t2_loss ?? 'not fitted'}`);
  const message = missing.length ? `Not shown: ${missing.join('; ')}.` : undefined;
  if (series.length === 0) return { ...spec, config: null, message };
  return { ...spec, config: parityConfig(series, 'loss', true), message };
}

export function accuracyFitChart(records: RunRecord[], fit: FitReport | null): ChartSpec {
  const spec = {
    id: 'accuracy-fit',
    title: 'Accuracy law against observations',
    caption: `T² Approach 2: predicted against observed pass@k (${fit?.pass_method ?? 'likelihood'}), every run and k.`,
  };
  const acc = fit?.t2_accuracy?.params,
    chin = fit?.chinchilla?.params;
  if (!fit || !acc || !chin)
    return {
      ...spec,
      config: null,
      message: `No T² Approach 2 fit: ${fit?.skipped.t2_accuracy ?? 'not run'}.`,
    };
  const rows = t2AccuracyRows(fitPoints(finished(records), fit), chin, fit.ks);
  return {
    ...spec,
    config: parityConfig(
      [
        {
          label: `pass@k ${fit.pass_method === 'sampling' ? 'sampled' : 'from the likelihood'}`,
          data: rows.map((r) => ({ x: r.y, y: t2Accuracy(acc, r.Lhat, r.k) })),
        },
      ],
      `pass@k (${fit.pass_method === 'sampling' ? 'sampled' : 'from the likelihood'})`,
      false,
    ),
  };
}

function frontierChart(
  fit: FitReport | null,
  id: string,
  title: string,
  field: 'N' | 'ratio',
  yTitle: string,
  iso?: IsoflopAnalysis | null,
): ChartSpec {
  const cInf = fit?.optimum ? ` with C_inf = ${fmt(fit.optimum.C_inf)}` : '';
  const direct = iso?.levels.length
    ? ' Points: the direct optima of each isoFLOP level (filled: inside the level; no law in between).'
    : '';
  const spec = {
    id,
    title,
    caption: `${yTitle} against C_train: Chinchilla (closed form, inference not charged) and the T² laws${cInf} (k = C_inf/(2N)), each a fitted law, dashed, labelled with its error on held-out runs.${direct}`,
  };
  const o = fit?.optimum;
  const datasets: ChartDataset<'line', Xy[]>[] = [];
  let message: string | undefined;
  if (!o || o.rows.length === 0) message = `No optimum table: ${fit?.skipped.optimum ?? 'no fit'}.`;
  else {
    const series = [
      { label: 'Chinchilla', pts: o.rows.map((r) => ({ x: r.C_train, y: r.chinchilla[field] })) },
      {
        label: 'T² loss law (Approach 1)',
        pts: o.rows.flatMap((r) => (r.t2_loss ? [{ x: r.C_train, y: r.t2_loss[field] }] : [])),
      },
      {
        label: 'T² accuracy law (Approach 2)',
        pts: o.rows.flatMap((r) =>
          r.t2_accuracy ? [{ x: r.C_train, y: r.t2_accuracy[field] }] : [],
        ),
      },
    ].filter((s) => s.pts.some((p) => p.y > 0));
    // A law is a fitted curve, not a measurement: dashed, no points, named "fitted" with its held-out error.
    datasets.push(
      ...series.map((s, i) => ({
        label: fittedLabel(s.label as LawName, fit),
        data: s.pts.filter((p) => p.y > 0),
        borderColor: LAW_COLOUR[s.label] ?? color(i),
        backgroundColor: LAW_COLOUR[s.label] ?? color(i),
        pointRadius: 0,
        ...lawStyle(fit, s.label as LawName),
      })),
    );
    const skipped = ['t2_loss', 't2_accuracy']
      .filter((k) => fit?.skipped[k])
      .map((k) => `${k}: ${fit!.skipped[k]}`);
    if (skipped.length) message = `T² laws not shown: ${skipped.join('; ')}.`;
  }
  for (const which of ['loss', 't2'] as const) {
    const key = which === 'loss' ? 'loss optimum (direct)' : 'T² optimum (direct)';
    const opts = (iso?.levels ?? []).flatMap((lv) => (lv[which] ? [{ lv, o: lv[which]! }] : []));
    if (!opts.length) continue;
    const c = LAW_COLOUR[key]!;
    datasets.push({
      label:
        which === 'loss'
          ? 'loss optimum, measured (isoFLOP parabola)'
          : 'T² optimum, measured (pass@k from the likelihood)',
      data: opts.map(({ lv, o }) => ({ x: lv.C_train, y: field === 'N' ? o.N : o.D_over_N })),
      showLine: false,
      borderColor: c,
      backgroundColor: opts.map(({ o }) => (o.inside ? c : '#ffffff')),
      pointStyle: 'triangle',
      pointRadius: 8,
      borderWidth: 2,
    } as unknown as ChartDataset<'line', Xy[]>);
  }
  if (datasets.length === 0) return { ...spec, config: null, message };
  return {
    ...spec,
    config: lineConfig(datasets, logAxis('C_train (FLOPs)'), logAxis(yTitle)),
    message,
  };
}

export function frontierNChart(
  _records: RunRecord[],
  fit: FitReport | null,
  iso?: IsoflopAnalysis | null,
): ChartSpec {
  return frontierChart(fit, 'frontier-n', 'Compute-optimal model size', 'N', 'N*', iso);
}

export function frontierRatioChart(
  _records: RunRecord[],
  fit: FitReport | null,
  iso?: IsoflopAnalysis | null,
): ChartSpec {
  return frontierChart(
    fit,
    'frontier-ratio',
    'Compute-optimal tokens per parameter',
    'ratio',
    'D*/N*',
    iso,
  );
}

export function heldOutChart(_records: RunRecord[], fit: FitReport | null): ChartSpec {
  const h = fit?.held_out;
  const spec = {
    id: 'held-out',
    title: 'Held-out validation',
    caption: `Relative error of each law on runs with D/N > ${fmt(h?.ratio ?? 100)}, fitted only on the others.`,
  };
  if (!h)
    return {
      ...spec,
      config: null,
      message: `No held-out validation: ${fit?.skipped.held_out ?? 'no fit'}.`,
    };
  const labels = h.rows.map((r) => r.id ?? `N=${fmt(r.N)} D/N=${fmt(r.ratio)}`);
  const bar = (label: string, v: (number | undefined)[], i: number) => ({
    label,
    data: v.map((x) => (x === undefined ? null : 100 * x)),
    backgroundColor: color(i, 0.75),
  });
  const datasets = [
    bar(
      'Chinchilla loss',
      h.rows.map((r) => r.loss_err),
      0,
    ),
  ];
  if (h.t2_loss_err !== null)
    datasets.push(
      bar(
        'T² loss law',
        h.rows.map((r) => r.t2_loss_err),
        1,
      ),
    );
  if (h.accuracy_err !== null)
    datasets.push(
      bar(
        'T² accuracy law',
        h.rows.map((r) => r.accuracy_err),
        2,
      ),
    );
  const config = {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      scales: {
        x: { title: { display: true, text: 'held-out run' } },
        y: logAxis('relative error (%)'),
      },
      plugins: { legend: { display: true, position: 'bottom' } },
    },
  } as ChartConfiguration;
  return { ...spec, config };
}
