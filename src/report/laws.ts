// How a fitted law is named wherever it is drawn (the report's frontiers, the app's Explore): always
// "fitted", with its held-out error when the fit has one, and drawn dashed, so no reader takes a law's
// line for a measurement. Trust follows the same thresholds as fitWarnings (src/report/charts.ts).
import { fmt, type FitReport } from '../fit/fit.ts';

export type LawName = 'Chinchilla' | 'T² loss law (Approach 1)' | 'T² accuracy law (Approach 2)';

/** Mean relative error of `law` on the held-out (overtrained) runs, or null when not measured. */
export function heldOutError(fit: FitReport | null, law: LawName): number | null {
  const h = fit?.held_out;
  if (!h) return null;
  if (law === 'Chinchilla') return h.loss_err;
  if (law === 'T² loss law (Approach 1)') return h.t2_loss_err;
  return h.accuracy_err;
}

/** Past these, fitWarnings says not to trust the law (Chinchilla 10%, the T² laws 25%). */
export function lawTrusted(fit: FitReport | null, law: LawName): boolean {
  const e = heldOutError(fit, law);
  return e === null ? false : e <= (law === 'Chinchilla' ? 0.1 : 0.25);
}

/** 52%, 5.2%, 3.1e+4%: a law can miss by any factor, and the label must stay short. */
export const percentError = (x: number) =>
  x >= 100 ? `${fmt(100 * x)}%` : `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** "T² loss law (Approach 1), fitted: held-out error 523%" (or "…, fitted: no held-out check"). */
export function fittedLabel(law: LawName, fit: FitReport | null): string {
  const e = heldOutError(fit, law);
  return `${law}, fitted: ${e === null ? 'no held-out check' : `held-out error ${percentError(e)}`}`;
}

/** Line style of a fitted law: dashed always; thin and pale where the held-out check failed. */
export function lawStyle(fit: FitReport | null, law: LawName): object {
  return lawTrusted(fit, law)
    ? { borderDash: [8, 5], borderWidth: 2.5 }
    : { borderDash: [4, 4], borderWidth: 1.5 };
}

// ---------------------------------------------------------------- can the fits be trusted?

/**
 * Plain-language warnings for fits a reader should not trust: large held-out errors, parameters the data
 * cannot pin (wide or sign-crossing bootstrap intervals), optima on the edge of the scan. Empty when none.
 */
export function fitWarnings(fit: FitReport | null): string[] {
  if (!fit) return [];
  const out: string[] = [];
  const pct = percentError;
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
