// src/report/: the HTML report, its charts, the tidy CSV tables. Imports fit, sweep, stats, config;
// imported by node, web (layers: test/structure.test.ts).
//
// The sweep report as ONE self-contained HTML file: the direct per-level answer (isoFLOP table and figure),
// where samples help (each task by difficulty level), the fit summary with its trust warnings, every plot
// (Chart.js, inlined by the caller as a string so this module stays host-free) and the
// overtrained-vs-Chinchilla table.
import type { RunRecord } from '../sweep/record.ts';
import { fmt, formatFitReport, type FitReport } from '../fit/fit.ts';
import { isoflopAnalysis, type IsoflopAnalysis } from '../fit/isoflop.ts';
import { levelCellText, levelName, levelTable } from '../fit/tasks.ts';
import {
  allCharts,
  chartRuntime,
  fitWarnings,
  isoflopLossChart,
  isoflopT2Chart,
  isoflopTable,
  overtrainedTable,
  type ChartSpec,
  type ComparisonTable,
} from './charts.ts';

export interface ReportInput {
  records: RunRecord[];
  /** null when the fits could not run at all. */
  fit: FitReport | null;
  /** Source of Chart.js's UMD bundle (defines the global `Chart`). */
  chartJs: string;
  title?: string;
  /** Lines to show under the title: skipped runs, corrupt input lines. */
  warnings?: string[];
  /** Shown as "generated at"; passed in so the same input gives the same file. */
  generatedAt?: string;
  /** The direct per-level answer; computed here (C_inf of the fit, 1000 resamples) when not given. */
  isoflop?: IsoflopAnalysis;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON safe inside a <script>: no "</script>" or "<!--" can close or confuse the element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

/**
 * How well the runs answer at all, said before any law: the best pass@1 of any run, by each method. A
 * reader who sees a law's optimum should know first that the models solve, say, at most 4.7% at one try.
 */
export function solvedHtml(records: RunRecord[]): string {
  const done = records.filter((r) => !r.diverged && r.questions?.length);
  if (!done.length) return '';
  const mean = (r: RunRecord, f: (q: RunRecord['questions'][number]) => number) =>
    r.questions.reduce((a, q) => a + f(q), 0) / r.questions.length;
  const best = (f: (r: RunRecord) => number) => done.reduce((a, b) => (f(b) > f(a) ? b : a));
  const sampled = (r: RunRecord) => mean(r, (q) => q.c / q.n);
  const likely = (r: RunRecord) => mean(r, (q) => q.p);
  const [bs, bl] = [best(sampled), best(likely)];
  const n = Math.min(...done.flatMap((r) => r.questions.map((q) => q.n)));
  return `<p class="solved" id="solved">At one try, the best of these ${done.length} runs solves ${pct(sampled(bs))} of its questions sampled (n = ${n} per question; ${escapeHtml(bs.id)}) and ${pct(likely(bl))} from the likelihood (${escapeHtml(bl.id)}).</p>`;
}

function figure(c: ChartSpec): string {
  const msg = c.message ? `<p class="note">${escapeHtml(c.message)}</p>` : '';
  const body = c.config
    ? `<div class="chart"><canvas id="${escapeHtml(c.id)}" aria-label="${escapeHtml(c.title)}"></canvas></div>`
    : '';
  return `<figure id="fig-${escapeHtml(c.id)}"><h2>${escapeHtml(c.title)}</h2>${msg}${body}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`;
}

function comparisonHtml(t: ComparisonTable): string {
  const head = [
    '',
    'run',
    'N',
    'D',
    'D/N',
    'held-out loss',
    'k = C_inf/(2N)',
    'pass@1, from the likelihood',
    'pass@k, from the likelihood',
    `pass@k, sampled (n = ${t.n ?? '-'})`,
  ];
  const rows = t.rows.map((r) => [
    r.role,
    r.id,
    fmt(r.N),
    fmt(r.D),
    fmt(r.ratio),
    fmt(r.loss),
    fmt(r.k),
    pct(r.pass1),
    pct(r.passK_likelihood),
    r.passK_sampling === null ? '-' : `${pct(r.passK_sampling)} (k=${r.k_sampling})`,
  ]);
  const tr = (cells: string[], tag: string) =>
    `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  const msg = t.message ? `<p class="note">${escapeHtml(t.message)}</p>` : '';
  return `<section id="overtrained"><h2>Best overtrained model against the Chinchilla-optimal one at the largest C_train</h2>
<p>C_train ≈ ${escapeHtml(fmt(t.C_train))} FLOPs, C_inf = ${escapeHtml(fmt(t.C_inf))} FLOPs per token served: each model samples k = C_inf/(2N) times per question (pass@k from the likelihood uses fractional k; sampling uses the largest integer k it measured up to that).</p>
${msg}<table class="comparison">${tr(head, 'th')}${rows.map((r) => tr(r, 'td')).join('')}</table></section>`;
}

/** The headline: per isoFLOP level, N* and D:N* and k* of the loss optimum and of the T² optimum, and their ratio. */
function isoflopHtml(a: IsoflopAnalysis): string {
  if (a.levels.length === 0) {
    return `<section id="isoflop-direct"><h2>The direct answer per isoFLOP level</h2><p class="note">No isoFLOP levels in these runs: the direct answer needs budgets given as FLOPs (runs named …/C=…/…, as in experiments/t2.ts). The laws below are extrapolations from the grid.</p></section>`;
  }
  const t = isoflopTable(a);
  const tr = (cells: string[], tag: string, cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  const notes = t.notes.length
    ? `<ul class="warnings">${t.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';
  return `<section id="isoflop-direct"><h2>The direct answer per isoFLOP level (no law in between)</h2>
<p>Each level holds C_train = 6ND fixed. N_loss* is the minimum of a parabola in log N through the held-out losses (Chinchilla's Approach 2); N_T²* the maximum of a parabola through log pass@k at the k each size can afford, k = C_inf/(2N) with C_inf = ${escapeHtml(fmt(a.C_inf))} FLOPs per token served. Intervals: ${a.bootstrap} bootstrap resamples over questions and seeds. The ratio column is (D*/N*)_T² ÷ (D*/N*)_loss: above 1, paying for samples favours smaller models trained on more tokens per parameter. A row marked ⚠ has an optimum outside its level's sizes: that is not a measurement.</p>
<table class="comparison isoflop">${tr(t.head, 'th')}${t.rows.map((r) => tr(r.cells, 'td', r.flagged ? 'flagged' : '')).join('')}</table>${notes}
${[isoflopLossChart(a), isoflopT2Chart(a)].map(figure).join('\n')}</section>`;
}

/** A by-level cell's shade, the darker the higher its pass@k (the report's and the app's tables). */
export const levelShade = (passk: number) =>
  `background: rgba(46, 125, 50, ${(0.55 * passk).toFixed(3)})`;

/**
 * Where samples help and where they cannot: per budget and size, each task split by difficulty level, pass@1
 * and pass@k at the size's own k (`t2lab fit --by_level`, src/fit/tasks.ts); the cell's shade is its pass@k.
 * Empty when no question has a level (one ungraded task).
 */
function levelsHtml(records: RunRecord[], C_inf: number): string {
  const t = levelTable(records, C_inf);
  if (!t) return '';
  const names = t.columns.map(levelName);
  const cell = (c: { pass1: number; passk: number } | null) =>
    c ? `<td style="${levelShade(c.passk)}">${levelCellText(c)}</td>` : '<td>-</td>';
  const groups = t.groups
    .map(
      (g) => `<h3>${escapeHtml(g.label)}</h3>
<table class="comparison levels"><tr><th>N</th><th>k</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>${g.rows
        .map(
          (r) =>
            `<tr><td>${r.N.toLocaleString('en-US')}</td><td>${r.k.toPrecision(3)}</td>${r.cells.map(cell).join('')}</tr>`,
        )
        .join('')}</table>`,
    )
    .join('\n');
  return `<section id="levels"><h2>Where samples help: each task by difficulty level</h2>
<p>Per budget and size (seeds averaged), each task split by its level (letters, digits, sentences: read back from every question): pass@1 / pass@k in %, both from p_i, at the size's own k = C_inf/(2N) (C_inf = ${escapeHtml(fmt(C_inf))}); the darker the cell, the higher its pass@k. A column that is dark for every size decides nothing: the T² comparison is decided where the columns differ.</p>
${groups}</section>`;
}

export function buildReportHtml(input: ReportInput): string {
  const { records, fit } = input;
  const iso = input.isoflop ?? isoflopAnalysis(records, { C_inf: fit?.optimum?.C_inf });
  const charts = allCharts(records, fit, iso);
  const isoCharts = iso.levels.length ? [isoflopLossChart(iso), isoflopT2Chart(iso)] : [];
  const trust = fitWarnings(fit);
  const table = overtrainedTable(records, fit);
  const title = input.title ?? `t2lab report: ${records[0]?.sweep ?? 'sweep'}`;
  const warnings = input.warnings?.length
    ? `<ul class="warnings">${input.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : '';
  const summary = fit
    ? `<pre class="summary">${escapeHtml(formatFitReport(fit))}</pre>`
    : '<p class="note">No fit was run.</p>';
  const configs = Object.fromEntries(
    [...isoCharts, ...charts].filter((c) => c.config).map((c) => [c.id, c.config]),
  );
  // The library's own source may hold "</script" only inside strings or regexes, where "<\/" means the same.
  const lib = input.chartJs
    .replace(/<\/script/gi, '<\\/script')
    .replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin: 0 0 .4rem; } h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
figure { margin: 2rem 0; } figcaption, .meta { color: #555; font-size: .9rem; }
.chart { position: relative; }
.note { background: #fff6df; border-left: 3px solid #e0a800; padding: .4rem .7rem; }
.warnings { color: #8a4b00; }
pre.summary { background: #f6f6f6; padding: 1rem; overflow-x: auto; font-size: 12px; }
table.comparison { border-collapse: collapse; font-size: .9rem; display: block; overflow-x: auto; } table.comparison td, table.comparison th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: right; }
tr.flagged td { background: #fff6df; }
.trust { background: #fde8e6; border-left: 3px solid #c4271d; padding: .4rem .7rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${records.length} runs${input.generatedAt ? `, generated ${escapeHtml(input.generatedAt)}` : ''}. N is ${fit?.n_kind === 'total' ? 'the total parameter count (embeddings included)' : 'the non-embedding parameter count'}; C_train = 6·N·D.</p>
${warnings}
${solvedHtml(records)}
${isoflopHtml(iso)}
${levelsHtml(records, iso.C_inf)}
<section id="fits"><h2>Fits</h2>${trust.length ? `<ul class="trust">${trust.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}${summary}</section>
${comparisonHtml(table)}
${charts.map(figure).join('\n')}
<script>${lib}</script>
<script>
// The same chart runtime as the app's (src/report/charts.ts, chartRuntime); __name is what a TypeScript
// loader may wrap inner functions in, and means nothing here.
var __name = (f) => f;
const chartRuntime = ${chartRuntime.toString()};
const configs = ${scriptJson(configs)};
for (const [id, config] of Object.entries(configs)) new Chart(id, chartRuntime(config));
</script>
</body>
</html>
`;
}
