// How a fitted law is named wherever it is drawn (the report's frontiers, the app's Explore): always
// "fitted", with its held-out error when the fit has one, and drawn dashed, so no reader takes a law's
// line for a measurement. Trust follows the same thresholds as fitWarnings (src/report/charts.ts).
import { percentError, trustWarnings, type FitReport } from '../fit/fit.ts';

export { percentError };

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
 * Plain-language warnings for fits a reader should not trust (large held-out errors, parameters the data
 * cannot pin, optima on the edge of the scan): `t2lab fit`'s "Do not trust" list, word for word. Empty
 * when none.
 */
export function fitWarnings(fit: FitReport | null): string[] {
  return trustWarnings(fit).map((w) => w.message);
}

/**
 * Every plot of the report, in page order (the frontier plots also show the direct isoFLOP optima, when
 * given). `grid`: the sweep's planned runs, when known, so a run's colour does not depend on which runs
 * have finished.
 */
