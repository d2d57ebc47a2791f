// The report's one chart language, shared by every plot here and in the app (web/shared/view-charts.ts,
// web/explore, web/landing build on it): a run has one colour on every plot (a hue per model size, a shade
// per budget and seed), a method has one line style (sampled: solid with points; from the likelihood p_i:
// dashed; a fitted law or parabola: dotted or dashed, and named "fitted"), every legend is shown, log axes
// are labelled at 1, 2 and 5 × 10ⁿ only; and the few callbacks Chart.js needs (chartRuntime), applied
// where a chart is drawn so the configs themselves stay JSON.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { ModelShape } from '../config.ts';

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

export type Xy = { x: number; y: number };

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

export function withAlpha(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${v >> 16}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

/** The shade j of n of a hue: darker for small budgets, lighter for large ones (mixing toward black or white). */
export function shade(hex: string, j: number, n: number): string {
  if (n <= 1) return hex;
  const t = -0.35 + (0.8 * j) / (n - 1); // −0.35 (darker) … +0.45 (lighter)
  const v = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(t < 0 ? c * (1 + t) : c + (255 - c) * t);
  return `#${[v >> 16, (v >> 8) & 255, v & 255].map((c) => mix(c).toString(16).padStart(2, '0')).join('')}`;
}

/** The part of a model's shape that names it. */
type Named = Pick<ModelShape, 'n_layer' | 'n_embd' | 'n_head'>;

export const modelOf = (c: Named): string => `L${c.n_layer}-C${c.n_embd}-H${c.n_head}`;

/** What a run is, for colouring: its id, model shape and token budget (a RunSpec or a RunRecord's config). */
export interface RunLike {
  id: string;
  config: Named & { tokens: number; seed?: number };
}

/** Hue per model (ordered by size, params ~ L·C²), as in every view. */
export function modelColours(configs: Named[]): Map<string, string> {
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
export const logAxis = (title: string, extra: object = {}) => ({
  type: 'logarithmic' as const,
  title: { display: true, text: title },
  ticks: { t2log: true, autoSkip: false, maxRotation: 0 },
  ...extra,
});
export const linAxis = (title: string, extra: object = {}) => ({
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

// ---------------------------------------------------------------- the optimum

/** One colour per law or direct method, the same in the frontier, the isoFLOP figure and the explorer. */
export const LAW_COLOUR: Record<string, string> = {
  Chinchilla: '#444444',
  'T² loss law (Approach 1)': '#0072b2',
  'T² accuracy law (Approach 2)': '#d55e00',
  'loss optimum (direct)': '#444444',
  'T² optimum (direct)': '#009e73',
};
