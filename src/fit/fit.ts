// src/fit/: the Chinchilla and T² fits, the optimum, isoFLOP profiles. Imports sweep, stats, data, util;
// imported by report, worker, node, web (layers: test/structure.test.ts).
//
// Every fit in one call: Chinchilla Approach 3 with bootstrap intervals, T² Approaches 1 and 2, coverage
// curves, the joint optimum per C_train and held-out validation. The result is plain JSON (what
// `t2lab fit --json` prints and `t2lab report` plots); formatFitReport is the table `t2lab fit` prints.
import {
  FitError,
  fitChinchilla,
  chinchillaLoss,
  type ChinchillaFit,
  type ChinchillaParams,
} from './chinchilla.ts';
import {
  fitCoverage,
  fitT2Accuracy,
  fitT2Loss,
  t2Accuracy,
  t2Loss,
  type CoverageFit,
  type T2AccuracyFit,
  type T2AccuracyRow,
  type T2LossFit,
  type T2LossRow,
} from './t2.ts';
import { computeGrid, optimumTable, type OptimumRow } from './optimum.ts';
import { DataError, identifiability, pointProblems, type FitPoint } from './points.ts';
import { passAtKFromP } from '../stats/passk.ts';
import { levelOf } from './isoflop.ts';

export interface FitOptions {
  /** Inference FLOPs per token served; default 2·(largest N): the largest model gets k = 1 (T2.md). */
  cInf?: number;
  /** k at which Approach 1 evaluates −log pass@k from per-question p (default 1, 2, 4, …, 1024). */
  ks?: number[];
  /** Chinchilla bootstrap resamples (default 200) and starting grid (default the full 4500-point grid). */
  bootstrap?: number;
  starts?: number[][];
  /** Random restarts of the T² fits (defaults in t2.ts). */
  restarts?: number;
  seed?: number;
  /**
   * Held-out validation: fit on runs with D/N <= this, predict the rest. Default: the paper's way, near
   * the loss optimum (nearOptimumCut: NEAR_OPTIMUM_FACTOR × the largest measured loss-optimal D/N of the
   * isoFLOP levels); `fallbackHeldOutRatio` when no level brackets its loss minimum.
   */
  heldOutRatio?: number;
  /** The cut when the paper's cannot be made: the experiment's stated `holdout_ratio` where known, else 100. */
  fallbackHeldOutRatio?: number;
  /** C_train levels of the optimum table (default: factor-2 steps over the data's 6ND range). */
  cTrain?: number[];
  /** Labels for the report: which N the points carry ('nonemb' or 'total') and which pass@k table ('likelihood' or 'sampling'). */
  nKind?: 'nonemb' | 'total';
  passMethod?: 'likelihood' | 'sampling';
  /** Bootstrap progress (done, total): a large --bootstrap takes minutes. */
  onProgress?: (done: number, total: number) => void;
}

export interface HeldOutRow {
  id?: string;
  N: number;
  D: number;
  ratio: number;
  loss: number;
  loss_pred: number;
  /** Relative errors |pred − obs|/obs: Chinchilla loss, Approach-1 loss (mean over k), Approach-2 accuracy (mean over k). */
  loss_err: number;
  t2_loss_err?: number;
  accuracy_err?: number;
}

export interface HeldOutReport {
  ratio: number;
  /** How the fit side's D/N cut was chosen (absent in older reports). */
  basis?: string;
  fit_runs: number;
  test_runs: number;
  rows: HeldOutRow[];
  /** Mean relative errors over the held-out runs (null when that law could not be fitted on the fit side). */
  loss_err: number;
  t2_loss_err: number | null;
  accuracy_err: number | null;
}

export interface FitReport {
  points: number;
  n_kind: 'nonemb' | 'total';
  pass_method: 'likelihood' | 'sampling';
  /** The k at which Approach 1 (and Approach 2, without a pass table) evaluated per-question p. */
  ks: number[];
  /** What each T² fit was fitted to, and anything left out. */
  notes: string[];
  /** Why a section is null, by section name. */
  skipped: Record<string, string>;
  chinchilla: ChinchillaFit | null;
  t2_loss: (T2LossFit & { target: string }) | null;
  t2_accuracy: T2AccuracyFit | null;
  coverage: { id?: string; N: number; D: number; fit: CoverageFit | null }[];
  optimum: { C_inf: number; N_range: [number, number]; rows: OptimumRow[] } | null;
  held_out: HeldOutReport | null;
}

const DEFAULT_KS = Array.from({ length: 11 }, (_, i) => 2 ** i);

/**
 * The paper's held-out check (T², arXiv:2604.01411): laws fitted near the Chinchilla ratio predicted
 * heavily overtrained runs with mean relative errors of 2.8% on loss and 8.4% on accuracy.
 */
export const PAPER_HELD_OUT = { loss: 0.028, accuracy: 0.084 } as const;

/** The fit side of the held-out check reaches this multiple of the measured loss-optimal D/N. */
export const NEAR_OPTIMUM_FACTOR = 2;

/**
 * The paper's split at toy scale: "near the Chinchilla ratio" is near this grid's measured loss optimum.
 * Per isoFLOP level (runs named …/C=…/s<seed>), the size with the lowest held-out loss (seeds averaged);
 * where it is an interior size, its D/N (in the points' N). The fit side is every run with D/N up to
 * NEAR_OPTIMUM_FACTOR × the largest of these; everything more overtrained is held out. null when no
 * level brackets its loss minimum.
 */
export function nearOptimumCut(points: FitPoint[]): { ratio: number; basis: string } | null {
  const levels = new Map<number, Map<number, { D: number[]; loss: number[] }>>();
  for (const p of points) {
    const C = p.id === undefined ? null : levelOf({ id: p.id });
    if (C === null) continue;
    const lv = levels.get(C) ?? new Map<number, { D: number[]; loss: number[] }>();
    levels.set(C, lv);
    const g = lv.get(p.N) ?? { D: [], loss: [] };
    lv.set(p.N, g);
    g.D.push(p.D);
    g.loss.push(p.loss);
  }
  let best: { ratio: number; C: number; N: number } | null = null;
  for (const [C, lv] of levels) {
    const sizes = [...lv.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([N, g]) => ({ N, ratio: mean(g.D) / N, loss: mean(g.loss) }));
    if (sizes.length < 3) continue;
    let i = 0;
    sizes.forEach((x, j) => {
      if (x.loss < sizes[i]!.loss) i = j;
    });
    if (i === 0 || i === sizes.length - 1) continue;
    if (!best || sizes[i]!.ratio > best.ratio) best = { ratio: sizes[i]!.ratio, C, N: sizes[i]!.N };
  }
  if (!best) return null;
  return {
    ratio: NEAR_OPTIMUM_FACTOR * best.ratio,
    basis: `${NEAR_OPTIMUM_FACTOR}× the largest measured loss-optimal D/N of the isoFLOP levels (${Math.round(best.ratio)}, N = ${best.N} at C_train ${best.C.toExponential(1)}): fitted near the loss optimum, as the paper fits near the Chinchilla ratio`,
  };
}
/** pass@k floor before −log: a question no sample can solve would otherwise weigh +∞. */
const PASS_FLOOR = 1e-300;

/** Approach-1 observations: per-question −log pass@k_i averaged, when every point has p; else −log of the mean pass@k. */
export function t2LossRows(
  points: FitPoint[],
  ks: number[],
): { rows: T2LossRow[]; target: string } | null {
  if (points.length > 0 && points.every((p) => p.p && p.p.length > 0)) {
    const rows = points.flatMap((pt) =>
      ks.map((k) => ({
        N: pt.N,
        D: pt.D,
        k,
        y:
          pt.p!.reduce((s, p) => s - Math.log(Math.max(passAtKFromP(p, k), PASS_FLOOR)), 0) /
          pt.p!.length,
      })),
    );
    return {
      rows,
      target: `mean over questions of −log pass@k_i from the likelihood p_i, k = ${ks.join(', ')}`,
    };
  }
  if (points.some((p) => p.pass)) {
    const rows = points.flatMap((pt) =>
      pt.pass
        ? pt.pass.k.flatMap((k, i) =>
            pt.pass!.value[i]! > 0
              ? [{ N: pt.N, D: pt.D, k, y: -Math.log(pt.pass!.value[i]!) }]
              : [],
          )
        : [],
    );
    return {
      rows,
      target:
        '−log of the mean pass@k (no per-question p in the data, so not the mean of −log pass@k_i); pass@k = 0 rows left out',
    };
  }
  return null;
}

/** Approach-2 observations: the measured pass@k table, or the exact one from p when there is no table. */
export function t2AccuracyRows(
  points: FitPoint[],
  chin: ChinchillaParams,
  ks: number[],
): T2AccuracyRow[] {
  return points.flatMap((pt) => {
    const Lhat = chinchillaLoss(chin, pt.N, pt.D);
    if (pt.pass) return pt.pass.k.map((k, i) => ({ Lhat, k, y: pt.pass!.value[i]! }));
    if (pt.p?.length)
      return ks.map((k) => ({
        Lhat,
        k,
        y: pt.p!.reduce((s, p) => s + passAtKFromP(p, k), 0) / pt.p!.length,
      }));
    return [];
  });
}

function tryFit<T>(name: string, skipped: Record<string, string>, fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    skipped[name] = e.message;
    return null;
  }
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

function heldOut(
  points: FitPoint[],
  opts: FitOptions,
  ks: number[],
  skipped: Record<string, string>,
): HeldOutReport | null {
  // The paper's split when the grid allows it: fitted near the measured loss optimum (nearOptimumCut).
  // When that leaves nothing to hold out, or too few runs to fit Chinchilla, the fallback (the
  // experiment's stated cut, else D/N <= 100).
  const near = opts.heldOutRatio === undefined ? nearOptimumCut(points) : null;
  const fallback = opts.fallbackHeldOutRatio ?? 100;
  const fallbackWords = `${opts.fallbackHeldOutRatio === undefined ? 'the default' : "the experiment's stated"} D/N <= ${fmt(fallback)}`;
  const split = (ratio: number) => ({
    ratio,
    train: points.filter((p) => p.D / p.N <= ratio),
    test: points.filter((p) => p.D / p.N > ratio),
  });
  const fitSide = (train: FitPoint[]) =>
    tryFit('held_out', skipped, () => fitChinchilla(train, { starts: opts.starts, bootstrap: 0 }));
  let basis = opts.heldOutRatio !== undefined ? 'as given' : '';
  let cut = split(opts.heldOutRatio ?? fallback);
  let chin: ChinchillaFit | null = null;
  if (near) {
    const nearCut = split(near.ratio);
    const fitted = nearCut.test.length ? fitSide(nearCut.train) : null;
    if (fitted) ((cut = nearCut), (chin = fitted), (basis = near.basis));
    else {
      const why = nearCut.test.length
        ? `its fit side (${nearCut.train.length} runs) cannot fit Chinchilla`
        : 'no run lies beyond it';
      basis = `not near the loss optimum: the paper's cut, D/N <= ${fmt(near.ratio)} (${near.basis.split(':')[0]}), holds nothing out or fits nothing (${why}), so ${fallbackWords}`;
      delete skipped.held_out;
    }
  } else if (opts.heldOutRatio === undefined)
    basis = `not near the loss optimum: no isoFLOP level brackets its loss minimum, so ${fallbackWords}`;
  const { ratio, train, test } = cut;
  if (test.length === 0) {
    skipped.held_out = `no run has D/N > ${ratio} to hold out`;
    return null;
  }
  chin ??= fitSide(train);
  if (!chin) {
    skipped.held_out = `fit side (D/N <= ${ratio}, ${train.length} runs): ${skipped.held_out}`;
    return null;
  }
  const lossSrc = t2LossRows(train, ks);
  const lossFit = lossSrc
    ? tryFit('held_out_t2_loss', skipped, () =>
        fitT2Loss(lossSrc.rows, { restarts: opts.restarts, seed: opts.seed }),
      )
    : null;
  const accRows = t2AccuracyRows(train, chin.params, ks);
  const accFit = accRows.length
    ? tryFit('held_out_t2_accuracy', skipped, () =>
        fitT2Accuracy(accRows, { restarts: opts.restarts, seed: opts.seed }),
      )
    : null;
  const rel = (pred: number, obs: number) => Math.abs(pred - obs) / Math.abs(obs);
  const rows = test.map((pt): HeldOutRow => {
    const loss_pred = chinchillaLoss(chin.params, pt.N, pt.D);
    const row: HeldOutRow = {
      id: pt.id,
      N: pt.N,
      D: pt.D,
      ratio: pt.D / pt.N,
      loss: pt.loss,
      loss_pred,
      loss_err: rel(loss_pred, pt.loss),
    };
    // Relative errors only where they mean something: −log pass@k >= 0.01 (pass@k not saturated
    // at ~1, where the target tends to 0) and pass@k >= 1% for accuracy.
    const lr = lossFit ? t2LossRows([pt], ks)?.rows.filter((r) => r.y >= 0.01) : undefined;
    if (lossFit && lr?.length)
      row.t2_loss_err = mean(lr.map((r) => rel(t2Loss(lossFit.params, r.N, r.D, r.k), r.y)));
    const ar = accFit ? t2AccuracyRows([pt], chin.params, ks).filter((r) => r.y >= 0.01) : [];
    if (accFit && ar.length)
      row.accuracy_err = mean(ar.map((r) => rel(t2Accuracy(accFit.params, r.Lhat, r.k), r.y)));
    return row;
  });
  const pick = (f: (r: HeldOutRow) => number | undefined) => {
    const v = rows.map(f).filter((x): x is number => x !== undefined);
    return v.length ? mean(v) : null;
  };
  return {
    ratio,
    basis,
    fit_runs: train.length,
    test_runs: test.length,
    rows,
    loss_err: mean(rows.map((r) => r.loss_err)),
    t2_loss_err: pick((r) => r.t2_loss_err),
    accuracy_err: pick((r) => r.accuracy_err),
  };
}

/** Fit everything the points allow; sections that cannot be fitted are null with the reason in `skipped`. */
export function fitAll(points: FitPoint[], opts: FitOptions = {}): FitReport {
  const ks = opts.ks ?? DEFAULT_KS;
  const skipped: Record<string, string> = {};
  const notes: string[] = [];
  const report: FitReport = {
    points: points.length,
    n_kind: opts.nKind ?? 'nonemb',
    pass_method: opts.passMethod ?? 'likelihood',
    ks,
    notes,
    skipped,
    chinchilla: null,
    t2_loss: null,
    t2_accuracy: null,
    coverage: [],
    optimum: null,
    held_out: null,
  };
  // Refused outright: data no fit should see (non-finite values, one run counted twice).
  const problems = pointProblems(points);
  if (problems.length)
    throw new DataError(`cannot fit these ${points.length} runs:\n  ${problems.join('\n  ')}`);
  // Flagged per law: data that cannot identify it (one size, too few distinct (N, D) points).
  const unidentified = identifiability(points, 'the Chinchilla fit');
  if (unidentified) skipped.chinchilla = unidentified;
  else
    report.chinchilla = tryFit('chinchilla', skipped, () =>
      fitChinchilla(points, {
        starts: opts.starts,
        bootstrap: opts.bootstrap,
        seed: opts.seed,
        onProgress: opts.onProgress,
      }),
    );

  const hasPass = points.some((p) => p.pass || p.p?.length);
  if (!hasPass) {
    const why = 'the data has only N, D, loss: no pass@k table and no per-question p';
    skipped.t2_loss = skipped.t2_accuracy = skipped.coverage = why;
  } else {
    const src = t2LossRows(points, ks)!;
    // Many k per run make many rows, but the law's N and D terms still see one point per (N, D).
    const t2Unidentified = identifiability(points, 'the T² loss law (its N and D terms)');
    if (t2Unidentified) skipped.t2_loss = t2Unidentified;
    const fit = t2Unidentified
      ? null
      : tryFit('t2_loss', skipped, () =>
          fitT2Loss(src.rows, { restarts: opts.restarts, seed: opts.seed }),
        );
    if (fit) {
      report.t2_loss = { ...fit, target: src.target };
      notes.push(`T² Approach 1 fitted to ${src.target}.`);
    }
    if (report.chinchilla) {
      const rows = t2AccuracyRows(points, report.chinchilla.params, ks);
      report.t2_accuracy = tryFit('t2_accuracy', skipped, () =>
        fitT2Accuracy(rows, { restarts: opts.restarts, seed: opts.seed }),
      );
    } else {
      skipped.t2_accuracy = `needs the Chinchilla fit (L̂), which failed: ${skipped.chinchilla}`;
    }
    report.coverage = points.map((pt) => {
      const table =
        pt.pass ??
        (pt.p?.length
          ? { k: ks, value: ks.map((k) => mean(pt.p!.map((p) => passAtKFromP(p, k)))) }
          : null);
      return { id: pt.id, N: pt.N, D: pt.D, fit: table ? fitCoverage(table.k, table.value) : null };
    });
  }

  if (report.chinchilla) {
    const Ns = points.map((p) => p.N);
    const Cs = points.map((p) => 6 * p.N * p.D);
    const C_inf = opts.cInf ?? 2 * Math.max(...Ns);
    const N_range: [number, number] = [Math.min(...Ns) / 10, Math.max(...Ns) * 10];
    const cTrain = opts.cTrain ?? computeGrid(Math.min(...Cs), Math.max(...Cs));
    const laws = {
      chinchilla: report.chinchilla.params,
      t2Loss: report.t2_loss?.params,
      t2Accuracy: report.t2_accuracy?.params,
    };
    report.optimum = {
      C_inf,
      N_range,
      rows: optimumTable(laws, cTrain, C_inf, N_range[0], N_range[1]),
    };
    if (N_range[1] > C_inf / 2 && (laws.t2Loss || laws.t2Accuracy))
      notes.push(
        `The T² scans stop at N = C_inf/2 = ${fmt(C_inf / 2)} (k = 1): a larger model cannot afford one sample per question.`,
      );
    report.held_out = heldOut(points, opts, ks, skipped);
  } else {
    skipped.optimum =
      skipped.held_out = `needs the Chinchilla fit, which failed: ${skipped.chinchilla}`;
  }
  return report;
}

// ---------------------------------------------------------------- can a law be trusted?

export type Law = 'chinchilla' | 't2_loss' | 't2_accuracy';

/** 52%, 5.2%, 3.1e+4%: a law can miss by any factor, and the label must stay short. */
export const percentError = (x: number) =>
  x >= 100 ? `${fmt(100 * x)}%` : `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/**
 * Each check a law failed, with the laws it condemns (the same checks and words as the report's
 * "Do not trust" list, src/report/charts.ts fitWarnings). A law named here must not give a headline
 * number: formatFitReport leaves its optimum out of the printed table (the JSON keeps it).
 */
export function trustWarnings(fit: FitReport | null): { laws: Law[]; message: string }[] {
  if (!fit) return [];
  const out: { laws: Law[]; message: string }[] = [];
  const pc = percentError;
  const h = fit.held_out;
  if (h) {
    if (h.loss_err > 0.1)
      out.push({
        laws: ['chinchilla'],
        message: `Held out, the Chinchilla law missed the overtrained runs' loss by ${pc(h.loss_err)} on average: do not trust its extrapolations.`,
      });
    if (h.t2_loss_err !== null && h.t2_loss_err > 0.25)
      out.push({
        laws: ['t2_loss'],
        message: `Held out, the T² loss law missed by ${pc(h.t2_loss_err)} on average: its optimum is not to be trusted.`,
      });
    if (h.accuracy_err !== null && h.accuracy_err > 0.25)
      out.push({
        laws: ['t2_accuracy'],
        message: `Held out, the T² accuracy law missed pass@k by ${pc(h.accuracy_err)} on average: its optimum is not to be trusted.`,
      });
  }
  const iv = fit.chinchilla?.intervals;
  if (iv) {
    for (const [k, name] of [
      ['alpha', 'α (how loss falls with N)'],
      ['beta', 'β (how loss falls with D)'],
    ] as const) {
      const { lo, hi } = iv[k];
      if (!(lo > 0) || hi / lo > 3)
        out.push({
          laws: ['chinchilla'],
          message: `Chinchilla ${name} has a 95% interval of [${fmt(lo)}, ${fmt(hi)}]: the grid does not pin it, so neither the law nor its optimum is measured.`,
        });
      else if (fit.chinchilla!.params[k] > 3)
        out.push({
          laws: ['chinchilla'],
          message: `Chinchilla ${name} = ${fmt(fit.chinchilla!.params[k])}: its term has collapsed to a step, so the law does not describe how loss scales; the grid does not pin it.`,
        });
    }
  }
  const rows = fit.optimum?.rows ?? [];
  const edge = rows.filter((r) => r.t2_loss?.atBoundary || r.t2_accuracy?.atBoundary).length;
  if (edge)
    out.push({
      laws: (['t2_loss', 't2_accuracy'] as const).filter((l) => rows.some((r) => r[l]?.atBoundary)),
      message: `At ${edge} of ${rows.length} budgets a T² optimum lies on the edge of the scanned N: the true optimum may lie beyond it.`,
    });
  return out;
}

/** The laws that failed a check of trustWarnings. */
export function untrustedLaws(fit: FitReport | null): Set<Law> {
  return new Set(trustWarnings(fit).flatMap((w) => w.laws));
}

// ---------------------------------------------------------------- text table

/** 3 significant digits; exponent form outside [1e-3, 1e5). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x)
    ? '-'
    : `${x < 10 ? (100 * x).toFixed(1) : fmt(100 * x)}%`;

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(w[i]!)).join('  ');
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

export function formatFitReport(r: FitReport): string {
  const out: string[] = [];
  const nLabel = r.n_kind === 'total' ? 'N total (embeddings included)' : 'N non-embedding';
  const c = r.chinchilla;
  if (c) {
    out.push(
      `Chinchilla Approach 3: L(N, D) = E + A/N^α + B/D^β on ${c.points} runs (${nLabel}), ${c.starts} starts, ${c.bootstrap} bootstrap resamples`,
    );
    const iv = (k: keyof NonNullable<ChinchillaFit['intervals']>) =>
      c.intervals ? `[${fmt(c.intervals[k].lo)}, ${fmt(c.intervals[k].hi)}]` : '';
    const p = c.params;
    out.push(
      table(
        ['param', 'value', '95% interval'],
        [
          ['E', fmt(p.E), iv('E')],
          ['A', fmt(p.A), iv('A')],
          ['B', fmt(p.B), iv('B')],
          ['α', fmt(p.alpha), iv('alpha')],
          ['β', fmt(p.beta), iv('beta')],
        ],
      ),
    );
    if (c.frontier)
      out.push(
        `frontier: N_opt ∝ C^${fmt(c.frontier.a)} ${iv('a')}, D_opt ∝ C^${fmt(c.frontier.b)} ${iv('b')}`,
      );
    else out.push('frontier: none (α or β <= 0: the fitted loss does not fall with both N and D)');
  } else out.push(`Chinchilla fit skipped: ${r.skipped.chinchilla}`);

  out.push('');
  if (r.t2_loss) {
    const p = r.t2_loss.params;
    out.push(
      `T² Approach 1: L(N, D, k) = E + A/N^α + B/D^β + G/k^γ on ${r.t2_loss.rows} (run, k) rows; RMSE ${fmt(r.t2_loss.rmse)}, R² ${fmt(r.t2_loss.r2)}`,
    );
    out.push(
      `  E=${fmt(p.E)} A=${fmt(p.A)} B=${fmt(p.B)} G=${fmt(p.G)} α=${fmt(p.alpha)} β=${fmt(p.beta)} γ=${fmt(p.gamma)}`,
    );
    out.push(`  fitted to the ${r.t2_loss.target}`);
  } else out.push(`T² Approach 1 skipped: ${r.skipped.t2_loss}`);
  if (r.t2_accuracy) {
    const p = r.t2_accuracy.params;
    out.push(
      `T² Approach 2: pass@k through Beta(μν, (1−μ)ν), μ = θ2/(1+exp(θ1(L̂−θ0))), ν = exp(θ3+θ4·L̂) on ${r.t2_accuracy.rows} rows; RMSE ${fmt(r.t2_accuracy.rmse)}, R² ${fmt(r.t2_accuracy.r2)}`,
    );
    out.push(
      `  θ0=${fmt(p.theta0)} θ1=${fmt(p.theta1)} θ2=${fmt(p.theta2)} θ3=${fmt(p.theta3)} θ4=${fmt(p.theta4)}`,
    );
    out.push(`  fitted to the measured pass@k (${r.pass_method} table), L̂ from the Chinchilla fit`);
  } else out.push(`T² Approach 2 skipped: ${r.skipped.t2_accuracy}`);

  const cov = r.coverage.filter((x) => x.fit);
  if (cov.length) {
    out.push('', 'Coverage per model, pass@k ≈ exp(a·k^b):');
    out.push(
      table(
        ['run', 'N', 'D', 'a', 'b', 'rmse(log)'],
        cov.map((x) => [
          x.id ?? '-',
          fmt(x.N),
          fmt(x.D),
          fmt(x.fit!.a),
          fmt(x.fit!.b),
          fmt(x.fit!.rmse),
        ]),
      ),
    );
  }

  const untrusted = untrustedLaws(r);
  const lawName: Record<Law, string> = {
    chinchilla: 'the Chinchilla law',
    t2_loss: 'the T² loss law',
    t2_accuracy: 'the T² accuracy law',
  };
  const hidden = (['chinchilla', 't2_loss', 't2_accuracy'] as const).filter(
    (l) => untrusted.has(l) && (l === 'chinchilla' || r.optimum?.rows.some((x) => x[l])),
  );
  const hiddenLine = `Not shown: the optimum of ${hidden.map((l) => lawName[l]).join(', ')}: ${hidden.length > 1 ? 'each' : 'it'} failed a check under "Do not trust", so it gives no headline number (the JSON keeps it).`;
  const shown = {
    chinchilla: !untrusted.has('chinchilla'),
    t2_loss: !!r.optimum?.rows.some((x) => x.t2_loss) && !untrusted.has('t2_loss'),
    t2_accuracy: !!r.optimum?.rows.some((x) => x.t2_accuracy) && !untrusted.has('t2_accuracy'),
  };
  if (r.optimum && !shown.chinchilla && !shown.t2_loss && !shown.t2_accuracy)
    out.push(
      '',
      `Optimum per C_train: no law passed its checks, so no law's optimum is printed (${hidden.map((l) => lawName[l]).join(', ')}: see "Do not trust"; the JSON keeps them). The isoFLOP levels are the measurement.`,
    );
  else if (r.optimum) {
    out.push(
      '',
      `Optimum per C_train, C_inf = ${fmt(r.optimum.C_inf)} (k = C_inf/(2N)); Chinchilla closed form vs T² laws (* = on the edge of the N scan):`,
    );
    const cell = (p: OptimumRow['t2_loss']) =>
      p ? [fmt(p.N) + (p.atBoundary ? '*' : ''), fmt(p.ratio), fmt(p.k)] : ['-', '-', '-'];
    // Only the laws that were fitted get columns.
    // Only the laws that were fitted and passed their checks get columns (the @Chin columns need both).
    const hasChin = shown.chinchilla,
      hasLoss = shown.t2_loss,
      hasAcc = shown.t2_accuracy;
    const header = ['C_train'];
    if (hasChin) header.push('Chin N*', 'D*/N*', 'k');
    if (hasLoss)
      header.push('loss-law N*', 'D*/N*', 'k*', 'loss', ...(hasChin ? ['loss@Chin'] : []));
    if (hasAcc) header.push('acc-law N*', 'D*/N*', 'k*', 'acc', ...(hasChin ? ['acc@Chin'] : []));
    out.push(
      table(
        header,
        r.optimum.rows.map((row) => [
          fmt(row.C_train),
          ...(hasChin
            ? [fmt(row.chinchilla.N), fmt(row.chinchilla.ratio), fmt(row.chinchilla.k)]
            : []),
          ...(hasLoss
            ? [
                ...cell(row.t2_loss),
                fmt(row.t2_loss?.t2_loss),
                ...(hasChin ? [fmt(row.chinchilla.t2_loss)] : []),
              ]
            : []),
          ...(hasAcc
            ? [
                ...cell(row.t2_accuracy),
                fmt(row.t2_accuracy?.accuracy),
                ...(hasChin ? [fmt(row.chinchilla.accuracy)] : []),
              ]
            : []),
        ]),
      ),
    );
    if (hasChin && (hasLoss || hasAcc))
      out.push(
        '(loss@Chin, acc@Chin: the T² laws at the Chinchilla-optimal N, with the k its size affords.)',
      );
    if (hidden.length) out.push(hiddenLine);
  } else out.push('', `Optimum skipped: ${r.skipped.optimum}`);

  if (r.held_out) {
    const h = r.held_out;
    out.push(
      '',
      `Held out, the paper's check: fitted on ${h.fit_runs} runs with D/N <= ${fmt(h.ratio)}${h.basis ? ` (${h.basis})` : ''}, predicted ${h.test_runs} more overtrained runs.`,
      `  mean relative error: Chinchilla loss ${pct(h.loss_err)}; T² loss law ${pct(h.t2_loss_err)} (the paper: ${pct(PAPER_HELD_OUT.loss)} on loss); T² accuracy law ${pct(h.accuracy_err)} (the paper: ${pct(PAPER_HELD_OUT.accuracy)} on accuracy)`,
    );
    out.push(
      table(
        ['run', 'N', 'D/N', 'loss', 'predicted', 'err', 'T² loss err', 'acc err'],
        h.rows.map((x) => [
          x.id ?? '-',
          fmt(x.N),
          fmt(x.ratio),
          fmt(x.loss),
          fmt(x.loss_pred),
          pct(x.loss_err),
          pct(x.t2_loss_err),
          pct(x.accuracy_err),
        ]),
      ),
    );
  } else out.push('', `Held-out validation skipped: ${r.skipped.held_out}`);

  const other = Object.entries(r.skipped).filter(
    ([k]) => !['chinchilla', 't2_loss', 't2_accuracy', 'optimum', 'held_out'].includes(k),
  );
  if (other.length || r.notes.length)
    out.push('', ...r.notes, ...other.map(([k, v]) => `${k} skipped: ${v}`));
  return out.join('\n');
}
