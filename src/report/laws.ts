// How a fitted law is named wherever it is drawn (the report's frontiers, the app's Explore): always
// "fitted", with its held-out error when the fit has one, and drawn dashed, so no reader takes a law's
// line for a measurement. Trust follows the same thresholds as fitWarnings (src/report/charts.ts).
import type { FitReport } from '../fit/fit.ts';

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

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** "T² loss law (Approach 1), fitted: held-out error 523%" (or "…, fitted: no held-out check"). */
export function fittedLabel(law: LawName, fit: FitReport | null): string {
  const e = heldOutError(fit, law);
  return `${law}, fitted: ${e === null ? 'no held-out check' : `held-out error ${pct(e)}`}`;
}

/** Line style of a fitted law: dashed always; thin and pale where the held-out check failed. */
export function lawStyle(fit: FitReport | null, law: LawName): object {
  return lawTrusted(fit, law)
    ? { borderDash: [8, 5], borderWidth: 2.5 }
    : { borderDash: [4, 4], borderWidth: 1.5 };
}
