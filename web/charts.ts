// The app's own Chart.js configurations: live loss curves while a sweep trains, and the plots the
// Results view draws from finished runs (loss against tokens per model, pass@k against k). Colours
// follow the model size, small to large, so a run keeps its colour on every plot.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../src/sweep/record.ts';

// Colour-blind-safe (Okabe–Ito) and legible on a projector.
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#8c6d00', '#000000'];

export const modelOf = (c: { n_layer: number; n_embd: number; n_head: number }) => `L${c.n_layer}-C${c.n_embd}-H${c.n_head}`;

/** A colour per model, ordered by size (params grow ~ L·C²). */
export function modelColours(configs: { n_layer: number; n_embd: number; n_head: number }[]): Map<string, string> {
  const models = [...new Map(configs.map((c) => [modelOf(c), c])).values()].sort((a, b) => a.n_layer * a.n_embd ** 2 - b.n_layer * b.n_embd ** 2);
  return new Map(models.map((c, i) => [modelOf(c), PALETTE[i % PALETTE.length]!]));
}

/**
 * Log-axis labels at 1, 2 and 5 × 10^n and at both ends (Chart.js labels every tick of a short range:
 * 5.1k, 5.2k, ...; a range inside one decade would otherwise have no label at all).
 */
function logTick(v: number | string, index: number, ticks: unknown[]): string {
  const x = Number(v);
  const m = x / 10 ** Math.floor(Math.log10(x) + 1e-9);
  const nice = [1, 2, 5].some((n) => Math.abs(m - n) < 1e-6);
  if (!nice && index !== 0 && index !== ticks.length - 1) return '';
  return new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(x);
}

const axis = (title: string, type: 'linear' | 'logarithmic' = 'linear', extra: object = {}) =>
  ({ type, title: { display: true, text: title }, ...(type === 'logarithmic' ? { ticks: { callback: logTick, autoSkip: false, maxRotation: 0 } } : {}), ...extra });

export interface CurveSeries {
  id: string;
  config: { n_layer: number; n_embd: number; n_head: number };
  points: { tokens: number; loss: number }[];
  /** Still training: drawn thicker. */
  live?: boolean;
}

/** Training loss against tokens seen, one line per run (log tokens, so short and long runs both show). */
export function lossCurvesChart(series: CurveSeries[]): ChartConfiguration<'line'> {
  const colours = modelColours(series.map((s) => s.config));
  const datasets: ChartDataset<'line'>[] = series.map((s) => ({
    label: s.id,
    data: s.points.filter((p) => p.tokens > 0 && Number.isFinite(p.loss)).map((p) => ({ x: p.tokens, y: p.loss })),
    borderColor: colours.get(modelOf(s.config)),
    backgroundColor: colours.get(modelOf(s.config)),
    borderWidth: s.live ? 3 : 1.5,
    pointRadius: s.points.length < 3 ? 3 : 0, // a curve of one point is still visible
  }));
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: axis('training tokens', 'logarithmic'), y: axis('training loss (nats/token)') },
      plugins: { legend: { display: series.length <= 12, position: 'bottom' }, title: { display: true, text: 'Loss curves' } },
    },
  };
}

/** Final held-out loss against training tokens D, one line per model size: where do the lines cross? */
export function lossVsTokensChart(records: RunRecord[]): ChartConfiguration<'line'> {
  const colours = modelColours(records.map((r) => r.config));
  const byModel = new Map<string, RunRecord[]>();
  for (const r of records) if (Number.isFinite(r.eval_loss)) byModel.set(modelOf(r.config), [...(byModel.get(modelOf(r.config)) ?? []), r]);
  const datasets: ChartDataset<'line'>[] = [...colours.keys()].filter((m) => byModel.has(m)).map((m) => ({
    label: `${m} (N=${byModel.get(m)![0]!.N_nonemb.toLocaleString()})`,
    data: byModel.get(m)!.sort((a, b) => a.D - b.D).map((r) => ({ x: r.D, y: r.eval_loss })),
    borderColor: colours.get(m),
    backgroundColor: colours.get(m),
    pointRadius: 5,
  }));
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: axis('training tokens D', 'logarithmic'), y: axis('held-out loss') },
      plugins: { legend: { position: 'bottom' }, title: { display: true, text: 'Held-out loss against tokens, per model size' } },
    },
  };
}

/** pass@k against k per run: sampling (unbiased estimator, solid) and likelihood (exact, dashed). */
export function passAtKChart(records: RunRecord[], methods: ('sampling' | 'likelihood')[] = ['sampling', 'likelihood']): ChartConfiguration<'line'> {
  const colours = modelColours(records.map((r) => r.config));
  const datasets: ChartDataset<'line'>[] = records.flatMap((r) =>
    methods.map((m): ChartDataset<'line'> => {
      const p = r.pass_at_k[m];
      return {
        label: `${r.id} (${m})`,
        data: p.k.map((k, i) => ({ x: k, y: p.value[i]! })).filter((d) => d.y !== null && Number.isFinite(d.y)),
        borderColor: colours.get(modelOf(r.config)),
        backgroundColor: colours.get(modelOf(r.config)),
        borderDash: m === 'likelihood' ? [6, 4] : [],
        pointRadius: m === 'sampling' ? 4 : 0,
      };
    }),
  );
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: axis('k (samples per question)', 'logarithmic'), y: axis('pass@k', 'linear', { min: 0, max: 1 }) },
      plugins: { legend: { display: datasets.length <= 12, position: 'bottom' }, title: { display: true, text: 'pass@k: solid = sampled (unbiased estimator), dashed = from likelihood' } },
    },
  };
}
