// The direct answer, per isoFLOP level (no law in between): each level's held-out loss and pass@k at
// k = C_inf/(2N) against N, the parabolas through them, and the per-level table the report and the app share.
import type { ChartDataset } from 'chart.js';
import { fmt } from '../fit/fit.ts';
import type { IsoflopAnalysis, IsoflopLevel, IsoflopOptimum } from '../fit/isoflop.ts';
import {
  color,
  lineConfig,
  linAxis,
  logAxis,
  methodKey,
  type ChartSpec,
  type Xy,
} from './style.ts';
import { fitStyle } from './run-charts.ts';

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
  const y = isLoss
    ? linAxis('held-out loss')
    : logAxis(`pass@k at k = C_inf/(2N), from the likelihood`);
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
      'N_T²* [95%] (pass@k from the likelihood)',
      'D*/N* (T²)',
      'k* = C_inf/(2N*)',
      'ratio of D*/N*, T² ÷ loss [95%]',
      'optima',
    ],
    rows,
    notes: a.levels.flatMap((lv) => lv.notes.map((n) => `${lv.label}: ${n}`)),
  };
}
