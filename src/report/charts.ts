// Chart.js configurations for the sweep report, one function per plot, each taking the runs and the fit.
// Host-free and JSON-only (no callbacks), so the same configs serve the static HTML report and the
// browser app. A plot that cannot be drawn returns config = null and says why; a plot whose fit failed
// still shows the observations and says which fit is missing.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { RunRecord } from '../sweep/record.ts';
import type { FitReport } from '../fit/fit.ts';
import { t2AccuracyRows, t2LossRows, fmt } from '../fit/fit.ts';
import { pointsFromRecords, type FitPoint } from '../fit/points.ts';
import { chinchillaLoss } from '../fit/chinchilla.ts';
import { t2Accuracy, t2Loss } from '../fit/t2.ts';
import { passAtKFromP, passAtKUnbiased } from '../stats/passk.ts';

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

/** A distinct colour per series index. */
export function color(i: number, alpha = 1): string {
  return `hsla(${(i * 137.5) % 360}, 65%, 42%, ${alpha})`;
}

// Tick labels through Intl.NumberFormat options (JSON, unlike a callback): 10K, 1M for counts; 1E10 for FLOPs.
const TICKS = {
  plain: undefined,
  compact: { notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 },
  scientific: { notation: 'scientific', minimumFractionDigits: 0, maximumFractionDigits: 1 },
} as const;
const logAxis = (title: string, ticks: keyof typeof TICKS = 'plain') => ({
  type: 'logarithmic' as const,
  title: { display: true, text: title },
  ...(TICKS[ticks] ? { ticks: { format: TICKS[ticks] } } : {}),
});
const linAxis = (title: string) => ({ type: 'linear' as const, title: { display: true, text: title } });

function lineConfig(datasets: ChartDataset<'line', Xy[]>[], x: object, y: object, legend = true): ChartConfiguration {
  return {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      parsing: false,
      scales: { x, y } as never,
      plugins: { legend: { display: legend, labels: { boxWidth: 12 } } },
    },
  } as ChartConfiguration;
}

/** The N of a record that the fit used. */
function nOf(r: RunRecord, fit: FitReport | null): number {
  return fit?.n_kind === 'total' ? r.N : r.N_nonemb;
}

const finished = (records: RunRecord[]) => records.filter((r) => !r.diverged && Number.isFinite(r.eval_loss));

/** Runs grouped by training budget: sorted by C_train, a new group when C exceeds the group's first by 10%. */
export function groupByBudget(records: RunRecord[]): { C: number; runs: RunRecord[] }[] {
  const sorted = [...records].sort((a, b) => a.C_train - b.C_train);
  const groups: { C: number; runs: RunRecord[] }[] = [];
  for (const r of sorted) {
    const g = groups.at(-1);
    if (g && r.C_train <= g.runs[0]!.C_train * 1.1) g.runs.push(r);
    else groups.push({ C: r.C_train, runs: [r] });
  }
  for (const g of groups) g.C = Math.exp(g.runs.reduce((s, r) => s + Math.log(r.C_train), 0) / g.runs.length);
  return groups;
}

function fitPoints(records: RunRecord[], fit: FitReport | null): FitPoint[] {
  return pointsFromRecords(records, { n: fit?.n_kind === 'total' ? 'total' : 'nonemb', method: fit?.pass_method ?? 'likelihood' }).points;
}

// ---------------------------------------------------------------- observations

export function lossCurvesChart(records: RunRecord[], _fit: FitReport | null): ChartSpec {
  const spec = { id: 'loss-curves', title: 'Training loss against tokens', caption: 'Training loss at each logged step, one line per run (diverged runs dashed).' };
  const runs = records.filter((r) => r.curve?.length);
  if (runs.length === 0) return { ...spec, config: null, message: 'No run has a logged loss curve.' };
  const datasets = runs.map((r, i) => ({
    label: r.id,
    data: r.curve.filter((c) => c.tokens > 0 && Number.isFinite(c.loss)).map((c) => ({ x: c.tokens, y: c.loss })),
    borderColor: color(i),
    backgroundColor: color(i),
    borderDash: r.diverged ? [6, 4] : undefined,
    pointRadius: 0,
    borderWidth: 1.5,
  }));
  return { ...spec, config: lineConfig(datasets, logAxis('tokens', 'compact'), linAxis('training loss'), runs.length <= 24) };
}

export function isoflopChart(records: RunRecord[], fit: FitReport | null): ChartSpec {
  const spec = {
    id: 'isoflop',
    title: 'isoFLOP curves',
    caption: `Final held-out loss against N (${fit?.n_kind === 'total' ? 'total' : 'non-embedding'}), one curve per training budget C_train (runs within 10% grouped); dashed: the Chinchilla fit along each budget.`,
  };
  const groups = groupByBudget(finished(records));
  if (groups.length === 0) return { ...spec, config: null, message: 'No finished run to plot.' };
  const datasets: ChartDataset<'line', Xy[]>[] = [];
  const chin = fit?.chinchilla?.params;
  groups.forEach((g, i) => {
    const pts = g.runs.map((r) => ({ x: nOf(r, fit), y: r.eval_loss })).sort((a, b) => a.x - b.x);
    datasets.push({ label: `C ≈ ${fmt(g.C)}`, data: pts, borderColor: color(i), backgroundColor: color(i), pointRadius: 4 });
    if (chin) {
      const lo = pts[0]!.x / 1.5, hi = pts.at(-1)!.x * 1.5;
      // C_train in the records is 6·N_nonemb·D; along the curve D = C/(6N) in the fit's own N.
      const curve = Array.from({ length: 40 }, (_, j) => {
        const N = lo * (hi / lo) ** (j / 39);
        return { x: N, y: chinchillaLoss(chin, N, g.C / (6 * N)) };
      });
      datasets.push({ label: `fit, C ≈ ${fmt(g.C)}`, data: curve, borderColor: color(i, 0.6), borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5 });
    }
  });
  return { ...spec, config: lineConfig(datasets, logAxis('N (parameters)', 'compact'), linAxis('held-out loss')), message: chin ? undefined : `No Chinchilla fit: ${fit?.skipped.chinchilla ?? 'not run'}.` };
}

export function passAtKChart(records: RunRecord[], _fit: FitReport | null): ChartSpec {
  const spec = { id: 'pass-at-k', title: 'pass@k against k', caption: 'Per model, log-log: solid from the likelihood p_i (exact), dashed from sampling (unbiased estimator); points at pass@k = 0 are not drawable on a log axis.' };
  const runs = finished(records).filter((r) => r.pass_at_k);
  if (runs.length === 0) return { ...spec, config: null, message: 'No run has a pass@k table.' };
  const datasets: ChartDataset<'line', Xy[]>[] = [];
  runs.forEach((r, i) => {
    const xy = (t: { k: number[]; value: number[] }) => t.k.map((k, j) => ({ x: k, y: t.value[j]! })).filter((p) => p.y > 0);
    datasets.push({ label: `${r.id} likelihood`, data: xy(r.pass_at_k.likelihood), borderColor: color(i), backgroundColor: color(i), pointRadius: 2 });
    datasets.push({ label: `${r.id} sampling`, data: xy(r.pass_at_k.sampling), borderColor: color(i, 0.7), backgroundColor: color(i, 0.7), borderDash: [5, 4], pointRadius: 2 });
  });
  return { ...spec, config: lineConfig(datasets, logAxis('k (samples per question)'), logAxis('pass@k'), runs.length <= 8) };
}

// ---------------------------------------------------------------- fits against observations

function parityConfig(series: { label: string; data: Xy[] }[], axis: string, log: boolean): ChartConfiguration {
  const all = series.flatMap((s) => s.data.flatMap((p) => [p.x, p.y])).filter((v) => (log ? v > 0 : Number.isFinite(v)));
  const lo = Math.min(...all), hi = Math.max(...all);
  const datasets: ChartDataset<'line', Xy[]>[] = series.map((s, i) => ({ label: s.label, data: s.data, borderColor: color(i), backgroundColor: color(i, 0.7), showLine: false, pointRadius: 3 }));
  datasets.push({ label: 'predicted = observed', data: [{ x: lo, y: lo }, { x: hi, y: hi }], borderColor: 'rgba(0,0,0,0.35)', borderDash: [4, 4], pointRadius: 0, borderWidth: 1 });
  const ax = (t: string) => (log ? logAxis(t) : linAxis(t));
  return lineConfig(datasets, ax(`observed ${axis}`), ax(`predicted ${axis}`));
}

export function lossFitChart(records: RunRecord[], fit: FitReport | null): ChartSpec {
  const spec = { id: 'loss-fit', title: 'Loss laws against observations', caption: 'Predicted against observed: the Chinchilla law on final held-out loss, and T² Approach 1 on −log pass@k at each k.' };
  const pts = fitPoints(finished(records), fit);
  const series: { label: string; data: Xy[] }[] = [];
  const missing: string[] = [];
  const chin = fit?.chinchilla?.params;
  if (chin) series.push({ label: 'Chinchilla: held-out loss', data: pts.map((p) => ({ x: p.loss, y: chinchillaLoss(chin, p.N, p.D) })) });
  else missing.push(`Chinchilla: ${fit?.skipped.chinchilla ?? 'not fitted'}`);
  const t2 = fit?.t2_loss?.params;
  if (t2 && fit) {
    const rows = t2LossRows(pts, fit.ks)?.rows ?? [];
    // Saturated rows (pass@k > 0.99, target < 0.01) would stretch the log axes over decades of nothing.
    series.push({ label: 'T² Approach 1: −log pass@k (≥ 0.01)', data: rows.filter((r) => r.y >= 0.01).map((r) => ({ x: r.y, y: t2Loss(t2, r.N, r.D, r.k) })) });
  } else missing.push(`T² Approach 1: ${fit?.skipped.t2_loss ?? 'not fitted'}`);
  const message = missing.length ? `Not shown: ${missing.join('; ')}.` : undefined;
  if (series.length === 0) return { ...spec, config: null, message };
  return { ...spec, config: parityConfig(series, 'loss', true), message };
}

export function accuracyFitChart(records: RunRecord[], fit: FitReport | null): ChartSpec {
  const spec = { id: 'accuracy-fit', title: 'Accuracy law against observations', caption: `T² Approach 2: predicted against observed pass@k (${fit?.pass_method ?? 'likelihood'}), every run and k.` };
  const acc = fit?.t2_accuracy?.params, chin = fit?.chinchilla?.params;
  if (!fit || !acc || !chin) return { ...spec, config: null, message: `No T² Approach 2 fit: ${fit?.skipped.t2_accuracy ?? 'not run'}.` };
  const rows = t2AccuracyRows(fitPoints(finished(records), fit), chin, fit.ks);
  return { ...spec, config: parityConfig([{ label: 'pass@k', data: rows.map((r) => ({ x: r.y, y: t2Accuracy(acc, r.Lhat, r.k) })) }], 'pass@k', false) };
}

// ---------------------------------------------------------------- the optimum

function frontierChart(fit: FitReport | null, id: string, title: string, field: 'N' | 'ratio', yTitle: string): ChartSpec {
  const cInf = fit?.optimum ? ` with C_inf = ${fmt(fit.optimum.C_inf)}` : '';
  const spec = { id, title, caption: `${yTitle} against C_train: Chinchilla (closed form, inference not charged) and the T² laws${cInf} (k = C_inf/(2N)).` };
  const o = fit?.optimum;
  if (!o || o.rows.length === 0) return { ...spec, config: null, message: `No optimum table: ${fit?.skipped.optimum ?? 'no fit'}.` };
  const series = [
    { label: 'Chinchilla', pts: o.rows.map((r) => ({ x: r.C_train, y: r.chinchilla[field] })) },
    { label: 'T² loss law (Approach 1)', pts: o.rows.flatMap((r) => (r.t2_loss ? [{ x: r.C_train, y: r.t2_loss[field] }] : [])) },
    { label: 'T² accuracy law (Approach 2)', pts: o.rows.flatMap((r) => (r.t2_accuracy ? [{ x: r.C_train, y: r.t2_accuracy[field] }] : [])) },
  ].filter((s) => s.pts.some((p) => p.y > 0));
  const datasets = series.map((s, i) => ({ label: s.label, data: s.pts.filter((p) => p.y > 0), borderColor: color(i), backgroundColor: color(i), pointRadius: 3 }));
  const skipped = ['t2_loss', 't2_accuracy'].filter((k) => fit?.skipped[k]).map((k) => `${k}: ${fit!.skipped[k]}`);
  return { ...spec, config: lineConfig(datasets, logAxis('C_train (FLOPs)', 'scientific'), logAxis(yTitle, 'compact')), message: skipped.length ? `T² laws not shown: ${skipped.join('; ')}.` : undefined };
}

export function frontierNChart(_records: RunRecord[], fit: FitReport | null): ChartSpec {
  return frontierChart(fit, 'frontier-n', 'Compute-optimal model size', 'N', 'N*');
}

export function frontierRatioChart(_records: RunRecord[], fit: FitReport | null): ChartSpec {
  return frontierChart(fit, 'frontier-ratio', 'Compute-optimal tokens per parameter', 'ratio', 'D*/N*');
}

export function heldOutChart(_records: RunRecord[], fit: FitReport | null): ChartSpec {
  const h = fit?.held_out;
  const spec = { id: 'held-out', title: 'Held-out validation', caption: `Relative error of each law on runs with D/N > ${fmt(h?.ratio ?? 100)}, fitted only on the others.` };
  if (!h) return { ...spec, config: null, message: `No held-out validation: ${fit?.skipped.held_out ?? 'no fit'}.` };
  const labels = h.rows.map((r) => r.id ?? `N=${fmt(r.N)} D/N=${fmt(r.ratio)}`);
  const bar = (label: string, v: (number | undefined)[], i: number) => ({ label, data: v.map((x) => (x === undefined ? null : 100 * x)), backgroundColor: color(i, 0.75) });
  const datasets = [bar('Chinchilla loss', h.rows.map((r) => r.loss_err), 0)];
  if (h.t2_loss_err !== null) datasets.push(bar('T² loss law', h.rows.map((r) => r.t2_loss_err), 1));
  if (h.accuracy_err !== null) datasets.push(bar('T² accuracy law', h.rows.map((r) => r.accuracy_err), 2));
  const config = {
    type: 'bar',
    data: { labels, datasets },
    options: { animation: false, scales: { x: { title: { display: true, text: 'held-out run' } }, y: logAxis('relative error (%)', 'scientific') } },
  } as ChartConfiguration;
  return { ...spec, config };
}

/** Every plot of the report, in page order. */
export function allCharts(records: RunRecord[], fit: FitReport | null): ChartSpec[] {
  return [lossCurvesChart, isoflopChart, passAtKChart, lossFitChart, accuracyFitChart, frontierNChart, frontierRatioChart, heldOutChart].map((f) => f(records, fit));
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

function comparisonRow(role: string, r: RunRecord, fit: FitReport | null, C_inf: number): ComparisonRow {
  const N = nOf(r, fit);
  const k = C_inf / (2 * N);
  const qs = r.questions ?? [];
  const mean = (f: (q: RunRecord['questions'][number]) => number) => (qs.length ? qs.reduce((s, q) => s + f(q), 0) / qs.length : null);
  const minN = qs.length ? Math.min(...qs.map((q) => q.n)) : 0;
  const kS = minN >= 1 ? Math.max(1, Math.min(Math.floor(k), minN)) : null;
  return {
    role, id: r.id, N, D: r.D, ratio: r.D / N, loss: r.eval_loss, k,
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
  const rows = [comparisonRow('Chinchilla-optimal (lowest loss at this C_train)', chin, fit, C_inf)];
  const over = top.runs.filter((r) => r.D / nOf(r, fit) > chin.D / nOf(chin, fit)).map((r) => comparisonRow('best overtrained (highest pass@k at its k)', r, fit, C_inf));
  over.sort((a, b) => (b.passK_likelihood ?? -1) - (a.passK_likelihood ?? -1));
  if (over[0]) rows.push(over[0]);
  const message =
    top.runs.length < 2 ? 'Only one run at the largest C_train: nothing to compare.'
    : over.length === 0 ? 'No run at the largest C_train is trained on more tokens per parameter than the loss-optimal one.'
    : undefined;
  return { C_train: top.C, C_inf, rows, message };
}
