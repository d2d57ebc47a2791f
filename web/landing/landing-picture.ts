// The landing view's one picture and the sentences beside it, from committed results alone (no training,
// no fit): one isoFLOP level (every model trained with the same C_train), each size's share of questions
// solved with one try and with the tries the same serving compute buys, k = C_inf/(2N). Host-free, so
// Node tests read the numbers the page shows (test/browser/landing.test.ts).
import type { ChartConfiguration } from 'chart.js';
import type { IsoflopAnalysis, IsoflopLevel } from '../../src/fit/isoflop.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import { axes, lineConfig } from '../../src/report/charts.ts';

export interface LandingSize {
  N: number;
  ratio: number;
  k: number;
  /** Share of questions solved, from the likelihood p_i (exact for any k), mean over seeds. */
  pass1: number;
  passK: number;
  /** Sampled pass@k at k rounded (n samples per question), where n ≥ k. */
  passK_sampled: number | null;
  /** Where present on every record: the pass@1 and pass@k of a guesser that knows the answer's format. */
  chance1: number | null;
  chanceK: number | null;
}

export interface LandingPicture {
  level: IsoflopLevel;
  C_inf: number;
  /** Samples per question behind the sampled figures. */
  n: number;
  sizes: LandingSize[];
  /** The size that wins with one try each, and with k tries each (both measured sizes, not fitted). */
  best1: LandingSize;
  bestK: LandingSize;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const passFromP = (p: number, k: number) => 1 - Math.exp(k * Math.log1p(-Math.min(p, 1 - 1e-16)));

/** The level to show: the largest C_train whose loss optimum is bracketed by measured sizes, else the largest. */
export function pickLevel(iso: IsoflopAnalysis): IsoflopLevel | null {
  const lv = [...iso.levels].sort((a, b) => b.C_train - a.C_train);
  return lv.find((l) => l.loss?.inside && l.points.length >= 3) ?? lv[0] ?? null;
}

export function landingPicture(
  records: RunRecord[],
  iso: IsoflopAnalysis,
  C_train?: number,
): LandingPicture | null {
  const level =
    (C_train !== undefined ? iso.levels.find((l) => l.C_train === C_train) : null) ??
    pickLevel(iso);
  if (!level || !level.points.length) return null;
  const byId = new Map(records.map((r) => [r.id, r]));
  const sizes: LandingSize[] = level.points.map((pt) => {
    const rs = pt.ids.map((id) => byId.get(id)).filter((r): r is RunRecord => !!r);
    // `chance` is a field later records may carry (T2.md: every pass@k needs its guess floor beside it).
    const qs = rs.flatMap((r) => r.questions) as (RunRecord['questions'][number] & {
      chance?: number;
    })[];
    const chance = qs.length > 0 && qs.every((q) => typeof q.chance === 'number');
    const k = Math.max(1, pt.k);
    return {
      N: pt.N,
      ratio: pt.ratio,
      k: pt.k,
      pass1: mean(qs.map((q) => q.p)),
      passK: pt.pass,
      passK_sampled: pt.pass_sampled,
      chance1: chance ? mean(qs.map((q) => q.chance!)) : null,
      chanceK: chance ? mean(qs.map((q) => passFromP(q.chance!, k))) : null,
    };
  });
  const best = (f: (s: LandingSize) => number) => sizes.reduce((a, b) => (f(b) > f(a) ? b : a));
  const n = Math.min(
    ...level.points.flatMap((p) => p.ids.map((id) => byId.get(id)?.sampling.n ?? 0)),
  );
  return {
    level,
    C_inf: iso.C_inf,
    n,
    sizes,
    best1: best((s) => s.pass1),
    bestK: best((s) => s.passK),
  };
}

/** Share solved against model size: one try (grey), k = C_inf/(2N) tries (blue), the loss optimum marked. */
export function landingChart(pic: LandingPicture): ChartConfiguration<'line'> {
  const xy = (f: (s: LandingSize) => number | null) =>
    pic.sizes.flatMap((s) => {
      const y = f(s);
      return y === null ? [] : [{ x: s.N, y }];
    });
  const datasets: object[] = [
    {
      label: 'one try each: pass@1, from the likelihood',
      data: xy((s) => s.pass1),
      borderColor: '#7a828e',
      backgroundColor: '#7a828e',
      borderDash: [6, 4],
      pointRadius: 4,
    },
    {
      label: 'k = C_inf/(2N) tries each, same serving compute: pass@k, from the likelihood',
      data: xy((s) => s.passK),
      borderColor: '#2457c5',
      backgroundColor: '#2457c5',
      borderWidth: 3,
      pointRadius: 5,
    },
  ];
  if (pic.sizes.some((s) => s.passK_sampled !== null))
    datasets.push({
      label: `the same, sampled (n = ${pic.n} per question)`,
      data: xy((s) => s.passK_sampled),
      showLine: false,
      pointStyle: 'rectRot',
      pointRadius: 6,
      borderColor: '#0b6e4f',
      backgroundColor: '#0b6e4f',
    });
  if (pic.sizes.some((s) => s.chanceK !== null))
    datasets.push({
      label: 'a guesser who knows the answer format, same k',
      data: xy((s) => s.chanceK),
      borderColor: '#c4271d',
      backgroundColor: '#c4271d',
      borderDash: [2, 3],
      pointRadius: 0,
    });
  const loss = pic.level.loss;
  if (loss?.inside)
    datasets.push({
      label: `lowest held-out loss (N ≈ ${Math.round(loss.N).toLocaleString()}, measured parabola)`,
      data: [
        { x: loss.N, y: 0 },
        { x: loss.N, y: 1 },
      ],
      borderColor: '#9a6700',
      backgroundColor: '#9a6700',
      borderDash: [3, 3],
      borderWidth: 1.5,
      pointRadius: 0,
    });
  return lineConfig(
    datasets as never,
    axes.log('model size N (non-embedding parameters)'),
    axes.lin('share of questions solved', { min: 0, max: 1 }),
  ) as ChartConfiguration<'line'>;
}
