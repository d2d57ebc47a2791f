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
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import { t2AccuracyRows, t2LossRows, fmt } from '../fit/fit.ts';
import { pointsFromRecords, type FitPoint } from '../fit/points.ts';
import { chinchillaLoss } from '../fit/chinchilla.ts';
import { t2Accuracy, t2Loss } from '../fit/t2.ts';
import { passAtKFromP, passAtKUnbiased } from '../stats/passk.ts';
import type { IsoflopAnalysis, IsoflopLevel, IsoflopOptimum } from '../fit/isoflop.ts';

export interface ChartSpec {
  /** Canvas id, unique in the page. */
  id: string;
  title: string;
  /** One line: what is plotted. */
  caption: string;
  config: ChartConfiguration | null;
  /** Why the plot is missing or incomplete. */
  message?: string;
}

type Xy = { x: number; y: number };

// ---------------------------------------------------------------- one chart language

/** Colour-blind-safe (Okabe–Ito) hues, legible on a projector; one per model size, small to large. */
export const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#d55e00',
  '#56b4e9',
  '#8c6d00',
  '#000000',
];

/** A colour per series index, for series that are not runs (laws, levels): the palette in order. */
export function color(i: number, alpha = 1): string {
  return withAlpha(PALETTE[i % PALETTE.length]!, alpha);
}

function withAlpha(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${v >> 16}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

/** The shade j of n of a hue: darker for small budgets, lighter for large ones (mixing toward black or white). */
function shade(hex: string, j: number, n: number): string {
  if (n <= 1) return hex;
  const t = -0.35 + (0.8 * j) / (n - 1); // −0.35 (darker) … +0.45 (lighter)
  const v = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(t < 0 ? c * (1 + t) : c + (255 - c) * t);
  return `#${[v >> 16, (v >> 8) & 255, v & 255].map((c) => mix(c).toString(16).padStart(2, '0')).join('')}`;
}

export interface ModelShape {
  n_layer: number;
  n_embd: number;
  n_head: number;
}

export const modelOf = (c: ModelShape): string => `L${c.n_layer}-C${c.n_embd}-H${c.n_head}`;

/** What a run is, for colouring: its id, model shape and token budget (a RunSpec or a RunRecord's config). */
export interface RunLike {
  id: string;
  config: ModelShape & { tokens: number; seed?: number };
}

/** Hue per model (ordered by size, params ~ L·C²), as in every view. */
export function modelColours(configs: ModelShape[]): Map<string, string> {
  const models = [...new Map(configs.map((c) => [modelOf(c), c])).values()].sort(
    (a, b) => a.n_layer * a.n_embd ** 2 - b.n_layer * b.n_embd ** 2,
  );
  return new Map(models.map((c, i) => [modelOf(c), PALETTE[i % PALETTE.length]!]));
}

/**
 * The colour of each run: its model's hue, shaded by its rank among that model's runs (budget, then seed).
 * Give it the whole grid (the Sweep view passes every planned run), so colours do not move as runs finish.
 */
export function runColours(runs: RunLike[]): Map<string, string> {
  const hues = modelColours(runs.map((r) => r.config));
  const out = new Map<string, string>();
  for (const [m, hue] of hues) {
    const mine = runs
      .filter((r) => modelOf(r.config) === m)
      .sort(
        (a, b) =>
          a.config.tokens - b.config.tokens ||
          (a.config.seed ?? 0) - (b.config.seed ?? 0) ||
          (a.id < b.id ? -1 : 1),
      );
    mine.forEach((r, j) => out.set(r.id, shade(hue, j, mine.length)));
  }
  return out;
}

/** Line style per method, the same on every plot. */
export const METHOD_STYLE: Record<
  'sampling' | 'likelihood' | 'fit',
  { borderDash: number[]; pointRadius: number; borderWidth: number; name: string }
> = {
  sampling: {
    borderDash: [],
    pointRadius: 3,
    borderWidth: 2,
    name: 'sampled (unbiased estimator)',
  },
  likelihood: {
    borderDash: [6, 4],
    pointRadius: 0,
    borderWidth: 2,
    name: 'from the likelihood p_i (exact)',
  },
  fit: { borderDash: [2, 3], pointRadius: 0, borderWidth: 1.5, name: 'fitted' },
};
export type Method = keyof typeof METHOD_STYLE;

/** A grey legend entry that explains a line style (no data: it draws nothing but its swatch). */
export function methodKey(
  m: Method,
  name: string = METHOD_STYLE[m].name,
): ChartDataset<'line', Xy[]> {
  const s = METHOD_STYLE[m];
  return {
    label: name,
    data: [],
    borderColor: '#555',
    backgroundColor: '#555',
    borderDash: s.borderDash,
    pointRadius: s.pointRadius,
    borderWidth: s.borderWidth,
  };
}

/**
 * "L1-C16-H2/D/N=2/s1" → "1 layer, width 16, 2 heads · D/N = 2 · seed 1" (and "C=5.0e+10" → "C_train = 5.0e+10 FLOPs"):
 * what a run id means, for tooltips. Ids that are not the sweep's own come back unchanged.
 */
export function decodeRunId(id: string): string {
  const m = /^L(\d+)-C(\d+)-H(\d+)\/(?:D\/N=([^/]+)|C=([^/]+))\/s(\d+)$/.exec(id);
  if (!m) return id;
  const [, L, C, H, ratio, flops, seed] = m;
  const budget = ratio !== undefined ? `D/N = ${ratio}` : `C_train = ${flops} FLOPs`;
  return `${L} layer${L === '1' ? '' : 's'}, width ${C}, ${H} head${H === '1' ? '' : 's'} · ${budget} · seed ${seed}`;
}

// Axes. `t2log: true` asks chartRuntime for 1-2-5 labels; the range inside one decade still gets its ends.
const logAxis = (title: string, extra: object = {}) => ({
  type: 'logarithmic' as const,
  title: { display: true, text: title },
  ticks: { t2log: true, autoSkip: false, maxRotation: 0 },
  ...extra,
});
const linAxis = (title: string, extra: object = {}) => ({
  type: 'linear' as const,
  title: { display: true, text: title },
  ...extra,
});
export const axes = { log: logAxis, lin: linAxis };

/** A line chart with its legend always shown, below the plot. */
export function lineConfig(
  datasets: ChartDataset<'line', Xy[]>[],
  x: object,
  y: object,
  title?: string,
): ChartConfiguration {
  return {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      parsing: false,
      scales: { x, y } as never,
      plugins: {
        legend: { display: true, position: 'bottom', labels: { boxWidth: 24, t2filter: true } },
        ...(title ? { title: { display: true, text: title } } : {}),
      },
    },
  } as ChartConfiguration;
}

/**
 * The callbacks Chart.js needs and JSON cannot hold, installed on a config just before drawing (the app's
 * <t2-chart> imports it; the HTML report inlines its source). Self-contained on purpose: it is shipped as
 * text, so it may use nothing from this module. Adds: 1-2-5 labels on `t2log` axes; legend entries hidden
 * for datasets with `t2legend: false` (the second method of a run shares its run's entry); tooltips titled
 * with the dataset's `t2title` (a decoded run id).
 */
export function chartRuntime(config: {
  data?: { datasets?: unknown[] };
  options?: Record<string, unknown>;
}): typeof config {
  const opts = (config.options ??= {}) as Record<string, any>;
  // Formatters are made once, and each tick list is sized up once (Chart.js labels every tick of an axis
  // from the same array), so relabelling a live chart twice a second stays cheap.
  const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 2 }); // 0.05 stays 0.05 (fraction digits would round it to 0.1)
  const scientific = new Intl.NumberFormat('en', {
    notation: 'scientific',
    maximumFractionDigits: 1,
  });
  const mant = (t: number) => t / 10 ** Math.floor(Math.log10(t) + 1e-9);
  for (const ax of Object.values((opts.scales ?? {}) as Record<string, any>)) {
    if (!ax?.ticks?.t2log) continue;
    let memo: { ticks: unknown; marks: number[]; labelled: number } = {
      ticks: null,
      marks: [],
      labelled: 0,
    };
    ax.ticks.callback = (v: number | string, index: number, ticks: { value: number }[]) => {
      const x = Number(v);
      if (memo.ticks !== ticks) {
        // Fewer labels the more decades the axis spans: 1-2-5 up to 2 decades, 1 and 5 up to 4, powers of 10 beyond.
        const first = Number(ticks[0]?.value ?? x),
          last = Number(ticks[ticks.length - 1]?.value ?? x);
        const decades = first > 0 && last > 0 ? Math.abs(Math.log10(last / first)) : 0;
        const marks = decades > 4 ? [1] : decades > 2 ? [1, 5] : [1, 2, 5];
        const labelled = ticks.filter((t) =>
          marks.some((n) => Math.abs(mant(Number(t.value)) - n) < 1e-6),
        ).length;
        memo = { ticks, marks, labelled };
      }
      const nice = memo.marks.some((n) => Math.abs(mant(x) - n) < 1e-6);
      // A range with fewer than two such labels gets its ends labelled instead, so it is never blank.
      if (!nice && !(memo.labelled < 2 && (index === 0 || index === ticks.length - 1))) return '';
      return (x >= 1e5 || x < 1e-2 ? scientific : compact).format(x).replace('E', 'e');
    };
  }
  const plugins = (opts.plugins ??= {});
  const labels = plugins.legend?.labels;
  if (labels?.t2filter)
    labels.filter = (
      item: { datasetIndex: number },
      data: { datasets: { t2legend?: boolean }[] },
    ) => data.datasets[item.datasetIndex]?.t2legend !== false;
  const tooltip = (plugins.tooltip ??= {});
  tooltip.callbacks = {
    ...(tooltip.callbacks ?? {}),
    title: (items: { dataset: { t2title?: string; label?: string } }[]) =>
      items[0]?.dataset.t2title ?? items[0]?.dataset.label ?? '',
  };
  return config;
}

/** The N of a record that the fit used. */
function nOf(r: RunRecord, fit: FitReport | null): number {
  return fit?.n_kind === 'total' ? r.N : r.N_nonemb;
}

const finished = (records: RunRecord[]) =>
  records.filter((r) => !r.diverged && Number.isFinite(r.eval_loss));

/** Runs grouped by training budget: sorted by C_train, a new group when C exceeds the group's first by 10%. */
export function groupByBudget(records: RunRecord[]): { C: number; runs: RunRecord[] }[] {
  const sorted = [...records].sort((a, b) => a.C_train - b.C_train);
  const groups: { C: number; runs: RunRecord[] }[] = [];
  for (const r of sorted) {
    const g = groups.at(-1);
    if (g && r.C_train <= g.runs[0]!.C_train * 1.1) g.runs.push(r);
    else groups.push({ C: r.C_train, runs: [r] });
  }
  for (const g of groups)
    g.C = Math.exp(g.runs.reduce((s, r) => s + Math.log(r.C_train), 0) / g.runs.length);
  return groups;
}

function fitPoints(records: RunRecord[], fit: FitReport | null): FitPoint[] {
  return pointsFromRecords(records, {
    n: fit?.n_kind === 'total' ? 'total' : 'nonemb',
    method: fit?.pass_method ?? 'likelihood',
  }).points;
}

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

const fitStyle = {
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
  for (const r of records) {
    methods.forEach((m, j) => {
      const t = r.pass_at_k[m];
      const s = METHOD_STYLE[m];
      datasets.push({
        label: r.id,
        t2title: `${decodeRunId(r.id)} · ${s.name}`,
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
  if (methods.length > 1) for (const m of methods) datasets.push(methodKey(m));
  return datasets;
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
      label: 'T² Approach 1: −log pass@k (≥ 0.01)',
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
      [{ label: 'pass@k', data: rows.map((r) => ({ x: r.y, y: t2Accuracy(acc, r.Lhat, r.k) })) }],
      'pass@k',
      false,
    ),
  };
}

// ---------------------------------------------------------------- the optimum

/** One colour per law or direct method, the same in the frontier, the isoFLOP figure and the explorer. */
export const LAW_COLOUR: Record<string, string> = {
  Chinchilla: '#444444',
  'T² loss law (Approach 1)': '#0072b2',
  'T² accuracy law (Approach 2)': '#d55e00',
  'loss optimum (direct)': '#444444',
  'T² optimum (direct)': '#009e73',
};

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
    caption: `${yTitle} against C_train: Chinchilla (closed form, inference not charged) and the T² laws${cInf} (k = C_inf/(2N)).${direct}`,
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
    datasets.push(
      ...series.map((s, i) => ({
        label: s.label,
        data: s.pts.filter((p) => p.y > 0),
        borderColor: LAW_COLOUR[s.label] ?? color(i),
        backgroundColor: LAW_COLOUR[s.label] ?? color(i),
        pointRadius: 3,
      })),
    );
    const skipped = ['t2_loss', 't2_accuracy']
      .filter((k) => fit?.skipped[k])
      .map((k) => `${k}: ${fit!.skipped[k]}`);
    if (skipped.length) message = `T² laws not shown: ${skipped.join('; ')}.`;
  }
  for (const which of ['loss', 't2'] as const) {
    const label = which === 'loss' ? 'loss optimum (direct)' : 'T² optimum (direct)';
    const opts = (iso?.levels ?? []).flatMap((lv) => (lv[which] ? [{ lv, o: lv[which]! }] : []));
    if (!opts.length) continue;
    const c = LAW_COLOUR[label]!;
    datasets.push({
      label,
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

// ---------------------------------------------------------------- the direct answer, per isoFLOP level

const LEVEL_MARK = {
  pointStyle: 'triangle',
  pointRadius: 9,
  pointHoverRadius: 11,
  showLine: false,
  borderWidth: 2,
} as const;

/** The parabola y = a·x² + b·x + c in x = ln N, drawn over the sizes it was fitted on and a little beyond. */
function parabolaCurve(
  p: [number, number, number],
  lo: number,
  hi: number,
  f: (y: number) => number = (y) => y,
): Xy[] {
  const [a, b, c] = p;
  return Array.from({ length: 41 }, (_, j) => {
    const N = (lo / 1.3) * ((hi * 1.3) / (lo / 1.3)) ** (j / 40);
    const x = Math.log(N);
    return { x: N, y: f(a * x * x + b * x + c) };
  });
}

function isoflopDirect(a: IsoflopAnalysis | null, which: 'loss' | 't2'): ChartSpec {
  const isLoss = which === 'loss';
  const spec = isLoss
    ? {
        id: 'isoflop-loss',
        title: 'isoFLOP levels: held-out loss against N, N_loss* marked',
        caption:
          'Each level holds C_train = 6ND fixed, so a smaller model trains on more tokens. Points: measured (seeds averaged); dotted: the parabola in log N through the measured minimum and up to two sizes on each side (Chinchilla Approach 2, kept local because the far ends of a level are not parabolic); triangle: its minimum N_loss*.',
      }
    : {
        id: 'isoflop-t2',
        title: 'isoFLOP levels: pass@k at k = C_inf/(2N) against N, N_T²* marked',
        caption: `Each size gets the samples the inference budget buys, k = C_inf/(2N)${a ? ` (C_inf = ${fmt(a.C_inf)})` : ''}, so a smaller model also samples more. Points: measured pass@k from p_i; dotted: the parabola in log N through log pass@k at the measured maximum and up to two sizes on each side; triangle: its maximum N_T²*.`,
      };
  if (!a || a.levels.length === 0)
    return {
      ...spec,
      config: null,
      message:
        'No isoFLOP levels: the sweep has no runs with budgets given as FLOPs (C=… in the run ids). Experiments with `budgets: { flops: [...] }` (experiments/t2.ts) have them.',
    };
  const datasets: ChartDataset<'line', Xy[]>[] = [];
  const flagged: string[] = [];
  a.levels.forEach((lv, i) => {
    const pts = lv.points
      .map((p) => ({ x: p.N, y: isLoss ? p.loss : p.pass }))
      .filter((p) => (isLoss ? Number.isFinite(p.y) : p.y > 0));
    datasets.push({
      label: `C = ${fmt(lv.C_train)}`,
      t2title: `level C_train = ${fmt(lv.C_train)} FLOPs`,
      data: pts,
      borderColor: color(i),
      backgroundColor: color(i),
      pointRadius: 4,
      borderWidth: 1.5,
    } as ChartDataset<'line', Xy[]>);
    const o = isLoss ? lv.loss : lv.t2;
    if (!o) return void flagged.push(`${lv.label}: no ${isLoss ? 'minimum' : 'maximum'}`);
    datasets.push({
      label: `parabola, ${lv.label}`,
      t2legend: false,
      data: parabolaCurve(o.parabola, o.window[0], o.window[1], isLoss ? undefined : Math.exp),
      borderColor: color(i, 0.8),
      ...fitStyle,
    } as ChartDataset<'line', Xy[]>);
    const [pa, pb, pc] = o.parabola,
      x = Math.log(o.N);
    const y = pa * x * x + pb * x + pc;
    datasets.push({
      label: `${isLoss ? 'N_loss*' : 'N_T²*'}, ${lv.label}`,
      t2legend: false,
      t2title: `${isLoss ? 'N_loss*' : 'N_T²*'} = ${fmt(o.N)} [${fmt(o.lo)}, ${fmt(o.hi)}] at ${lv.label}${o.inside ? '' : ' (outside the level: not an optimum)'}`,
      data: [{ x: o.N, y: isLoss ? y : Math.exp(y) }],
      borderColor: color(i),
      backgroundColor: o.inside ? color(i) : '#ffffff',
      ...LEVEL_MARK,
    } as ChartDataset<'line', Xy[]>);
    if (!o.inside)
      flagged.push(
        `${lv.label}: the ${isLoss ? 'minimum' : 'maximum'} lies outside the level's sizes (hollow triangle)`,
      );
  });
  datasets.push(methodKey('fit', 'parabola in log N'));
  datasets.push({
    label: isLoss ? 'N_loss* (filled: inside the level)' : 'N_T²* (filled: inside the level)',
    data: [],
    borderColor: '#555',
    backgroundColor: '#555',
    ...LEVEL_MARK,
  } as ChartDataset<'line', Xy[]>);
  const y = isLoss ? linAxis('held-out loss') : logAxis(`pass@k at k = C_inf/(2N)`);
  return {
    ...spec,
    config: lineConfig(datasets, logAxis('N (non-embedding parameters)'), y),
    message: flagged.length ? `Not an optimum: ${flagged.join('; ')}.` : undefined,
  };
}

export function isoflopLossChart(a: IsoflopAnalysis | null): ChartSpec {
  return isoflopDirect(a, 'loss');
}

export function isoflopT2Chart(a: IsoflopAnalysis | null): ChartSpec {
  return isoflopDirect(a, 't2');
}

export interface IsoflopTable {
  C_inf: number;
  head: string[];
  rows: { cells: string[]; level: IsoflopLevel; flagged: boolean }[];
  /** Every level's notes, prefixed with its label. */
  notes: string[];
}

/** The per-level table of the direct answer, as text cells (the report and the app render the same cells). */
export function isoflopTable(a: IsoflopAnalysis): IsoflopTable {
  const iv = (x: number, lo: number, hi: number) => `${fmt(x)} [${fmt(lo)}, ${fmt(hi)}]`;
  const edge = (o: IsoflopOptimum) => (o.inside ? '' : ' ⚠ outside');
  // An optimum at the level's edge is a bound (≤ the smallest size, ≥ the largest), not a measurement.
  const cells = (o: IsoflopOptimum | null, t2: boolean) => {
    if (!o) return ['none', '-', '-'];
    if (o.bound) {
      const [n, r] = o.bound === 'at_most' ? ['≤', '≥'] : ['≥', '≤'];
      return [
        `${n} ${fmt(o.N)}${edge(o)}`,
        `${r} ${fmt(o.D_over_N)}`,
        t2 ? `${r} ${fmt(o.k)}` : '1',
      ];
    }
    return [
      iv(o.N, o.lo, o.hi) + edge(o),
      iv(o.D_over_N, o.D_over_N_lo, o.D_over_N_hi),
      t2 ? fmt(o.k) : '1',
    ];
  };
  const rows = a.levels.map((lv) => {
    const flagged = !lv.loss?.inside || !lv.t2?.inside;
    return {
      level: lv,
      flagged,
      cells: [
        fmt(lv.C_train),
        `${lv.points.length} (${fmt(lv.N_range[0])}–${fmt(lv.N_range[1])})`,
        ...cells(lv.loss, false),
        ...cells(lv.t2, true),
        lv.ratio
          ? lv.ratio.bound
            ? `≥ ${fmt(lv.ratio.value)}×`
            : `${fmt(lv.ratio.value)}× [${fmt(lv.ratio.lo)}, ${fmt(lv.ratio.hi)}]`
          : '-',
        flagged ? 'not both inside the level' : 'both inside',
      ],
    };
  });
  return {
    C_inf: a.C_inf,
    head: [
      'C_train',
      'sizes (N range)',
      'N_loss* [95%]',
      'D*/N* (loss)',
      'k',
      'N_T²* [95%]',
      'D*/N* (T²)',
      'k* = C_inf/(2N*)',
      'ratio of D*/N*, T² ÷ loss [95%]',
      'optima',
    ],
    rows,
    notes: a.levels.flatMap((lv) => lv.notes.map((n) => `${lv.label}: ${n}`)),
  };
}

// ---------------------------------------------------------------- can the fits be trusted?

/**
 * Plain-language warnings for fits a reader should not trust: large held-out errors, parameters the data
 * cannot pin (wide or sign-crossing bootstrap intervals), optima on the edge of the scan. Empty when none.
 */
export function fitWarnings(fit: FitReport | null): string[] {
  if (!fit) return [];
  const out: string[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
  const h = fit.held_out;
  if (h) {
    if (h.loss_err > 0.1)
      out.push(
        `Held out, the Chinchilla law missed the overtrained runs' loss by ${pct(h.loss_err)} on average: do not trust its extrapolations.`,
      );
    if (h.t2_loss_err !== null && h.t2_loss_err > 0.25)
      out.push(
        `Held out, the T² loss law missed by ${pct(h.t2_loss_err)} on average: its optimum is not to be trusted.`,
      );
    if (h.accuracy_err !== null && h.accuracy_err > 0.25)
      out.push(
        `Held out, the T² accuracy law missed pass@k by ${pct(h.accuracy_err)} on average: its optimum is not to be trusted.`,
      );
  }
  const iv = fit.chinchilla?.intervals;
  if (iv) {
    for (const [k, name] of [
      ['alpha', 'α (how loss falls with N)'],
      ['beta', 'β (how loss falls with D)'],
    ] as const) {
      const { lo, hi } = iv[k];
      if (!(lo > 0) || hi / lo > 3)
        out.push(
          `Chinchilla ${name} has a 95% interval of [${fmt(lo)}, ${fmt(hi)}]: the grid does not pin it, so neither the law nor its optimum is measured.`,
        );
      // An exponent far above any measured law (Chinchilla ~0.35) turns its term into a step at one N or D:
      // a tight interval then only says the optimiser keeps finding the same degenerate corner.
      else if (fit.chinchilla!.params[k] > 3)
        out.push(
          `Chinchilla ${name} = ${fmt(fit.chinchilla!.params[k])}: its term has collapsed to a step, so the law does not describe how loss scales; the grid does not pin it.`,
        );
    }
  }
  const edge =
    fit.optimum?.rows.filter((r) => r.t2_loss?.atBoundary || r.t2_accuracy?.atBoundary).length ?? 0;
  if (edge)
    out.push(
      `At ${edge} of ${fit.optimum!.rows.length} budgets a T² optimum lies on the edge of the scanned N: the true optimum may lie beyond it.`,
    );
  return out;
}

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

// ---------------------------------------------------------------- the paper's table

export interface ComparisonRow {
  role: string;
  id: string;
  N: number;
  D: number;
  ratio: number;
  loss: number;
  /** Samples per question the inference budget buys, C_inf/(2N), and pass@k there. */
  k: number;
  pass1: number | null;
  passK_likelihood: number | null;
  passK_sampling: number | null;
  /** The integer k the sampling estimate used (floor of k, capped at n). */
  k_sampling: number | null;
}

export interface ComparisonTable {
  C_train: number;
  C_inf: number;
  rows: ComparisonRow[];
  message?: string;
}

function comparisonRow(
  role: string,
  r: RunRecord,
  fit: FitReport | null,
  C_inf: number,
): ComparisonRow {
  const N = nOf(r, fit);
  const k = C_inf / (2 * N);
  const qs = r.questions ?? [];
  const mean = (f: (q: RunRecord['questions'][number]) => number) =>
    qs.length ? qs.reduce((s, q) => s + f(q), 0) / qs.length : null;
  const minN = qs.length ? Math.min(...qs.map((q) => q.n)) : 0;
  const kS = minN >= 1 ? Math.max(1, Math.min(Math.floor(k), minN)) : null;
  return {
    role,
    id: r.id,
    N,
    D: r.D,
    ratio: r.D / N,
    loss: r.eval_loss,
    k,
    pass1: mean((q) => q.p),
    passK_likelihood: mean((q) => passAtKFromP(q.p, Math.max(k, 1))),
    passK_sampling: kS === null ? null : mean((q) => passAtKUnbiased(q.n, q.c, kS)),
    k_sampling: kS,
  };
}

/**
 * At the largest C_train: the Chinchilla-optimal run (the isoFLOP minimum of held-out loss) against the
 * best overtrained run (larger D/N, highest pass@k at the k its size affords under C_inf).
 */
export function overtrainedTable(records: RunRecord[], fit: FitReport | null): ComparisonTable {
  const done = finished(records);
  const C_inf = fit?.optimum?.C_inf ?? 2 * Math.max(0, ...done.map((r) => nOf(r, fit)));
  const groups = groupByBudget(done);
  const top = groups.at(-1);
  if (!top) return { C_train: NaN, C_inf, rows: [], message: 'No finished run.' };
  const chin = top.runs.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
  const rows = [
    comparisonRow('Chinchilla-optimal (lowest loss at this C_train)', chin, fit, C_inf),
  ];
  const over = top.runs
    .filter((r) => r.D / nOf(r, fit) > chin.D / nOf(chin, fit))
    .map((r) => comparisonRow('best overtrained (highest pass@k at its k)', r, fit, C_inf));
  over.sort((a, b) => (b.passK_likelihood ?? -1) - (a.passK_likelihood ?? -1));
  if (over[0]) rows.push(over[0]);
  const message =
    top.runs.length < 2
      ? 'Only one run at the largest C_train: nothing to compare.'
      : over.length === 0
        ? 'No run at the largest C_train is trained on more tokens per parameter than the loss-optimal one.'
        : undefined;
  return { C_train: top.C, C_inf, rows, message };
}
