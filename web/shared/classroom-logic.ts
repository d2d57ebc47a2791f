// The classroom features' logic, host-free so Node tests can check it (test/browser/classroom.test.ts):
// the whole-sweep progress display, the grid controls' parsing and where a grid error sits, the
// train-to-test lab's comparison, and the ordinary reading of reversed-digit sums.
import type { Experiment, RunSpec } from '../../src/sweep/experiment.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import { passAtKFromP, passAtKUnbiased } from '../../src/stats/passk.ts';

// ---------------------------------------------------------------- progress

/** Relative cost of a run (training FLOPs plus sampling), to weigh finished and remaining runs. */
export const runWeight = (e: Experiment, r: RunSpec) =>
  6 * r.N * r.config.tokens +
  2 * r.N * e.sampling.questions * e.sampling.n * (e.sampling.max_new + 16);

/**
 * The Sweep view's progress display: the fraction of the WHOLE sweep done (finished runs count by their
 * cost), which never goes backwards, not even across a reload (the best value seen is kept in
 * sessionStorage per sweep), and an ETA from this page's own measured rate, shown only once there is
 * enough of it to mean something and smoothed so it does not jump about. The driver reports the fraction
 * of the work that was left when it started; this turns that into what a class wants to read.
 */
export class ProgressDisplay {
  private t0 = 0;
  private f0 = 0;
  private eta: { value: number; at: number } | null = null;
  best = 0;

  constructor(
    private readonly key: string,
    private readonly store: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null,
  ) {
    this.best = Number(store?.getItem(key) ?? 0) || 0;
  }

  /** A sweep (re)started: `doneW` of `totalW` cost already finished, the rest to run now. */
  start(doneW: number, totalW: number, now: number): void {
    this.doneW = doneW;
    this.totalW = totalW;
    this.t0 = now;
    this.f0 = Math.max(this.best, totalW ? doneW / totalW : 0);
    this.eta = null;
  }

  private doneW = 0;
  private totalW = 1;

  /** From the driver's fraction of the remaining work: the whole sweep's fraction and an ETA (null: not yet). */
  update(remainingFraction: number, now: number): { fraction: number; eta: number | null } {
    const raw = this.totalW
      ? (this.doneW + remainingFraction * (this.totalW - this.doneW)) / this.totalW
      : 1;
    const fraction = Math.min(1, Math.max(this.best, raw));
    if (fraction > this.best) {
      this.best = fraction;
      this.store?.setItem(this.key, String(fraction));
    }
    const dt = (now - this.t0) / 1000,
      df = fraction - this.f0;
    let eta: number | null = null;
    if (dt >= 10 && df >= 0.02) {
      const measured = (dt * (1 - fraction)) / df;
      if (!this.eta) eta = measured;
      else {
        // Count down between measurements; follow a new measurement smoothly, upward only when it is clearly longer.
        const ticking = Math.max(0, this.eta.value - (now - this.eta.at) / 1000);
        const blended = 0.7 * ticking + 0.3 * measured;
        eta = measured > 1.25 * ticking ? blended : Math.min(ticking, blended);
      }
      this.eta = { value: eta, at: now };
    }
    return { fraction, eta };
  }

  /** The sweep finished (or is run again from scratch): forget the kept fraction. */
  reset(): void {
    this.best = 0;
    this.store?.removeItem(this.key);
  }
}

// ---------------------------------------------------------------- the grid editor

/** The field a validation message is about, and where its key sits in the text (the last key of a dotted path). */
export function locateError(text: string, message: string): { at: number; field: string } {
  const m =
    /unknown key ([\w.]+)/.exec(message) ??
    /"?\b((?:sampling|budgets|extra_seeds|base)\.\w+|models|budgets|seeds|sampling|name|base|C_inf|holdout_ratio|max_tokens)\b"?/.exec(
      message,
    );
  if (!m) return { at: -1, field: '' };
  const path = m[1]!;
  const key = path.split('.').pop()!;
  const at = text.indexOf(`"${key}"`);
  return { at, field: path };
}

/** "line L" of a character offset. */
export const lineOf = (text: string, at: number) => text.slice(0, at).split('\n').length;

/** "1x16x2, 2x32x2" ⇄ models: layers × width × heads. */
export const formatModels = (ms: { n_layer: number; n_embd: number; n_head: number }[]) =>
  ms.map((m) => `${m.n_layer}x${m.n_embd}x${m.n_head}`).join(', ');
export function parseModels(v: string): { n_layer: number; n_embd: number; n_head: number }[] {
  const parts = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (!parts.length) throw new Error('give at least one size, as layers x width x heads: 1x16x2');
  return parts.map((p) => {
    const m = /^(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)$/.exec(p);
    if (!m) throw new Error(`"${p}" is not layers x width x heads (e.g. 1x16x2)`);
    return { n_layer: Number(m[1]), n_embd: Number(m[2]), n_head: Number(m[3]) };
  });
}

/** "2, 8, 32" → [2, 8, 32]; positive numbers only (integers where asked). */
export function parseList(v: string, what: string, integer = false): number[] {
  const parts = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (!parts.length) throw new Error(`give at least one ${what}`);
  return parts.map((p) => {
    const x = Number(p);
    if (!Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x)))
      throw new Error(`"${p}" is not a ${integer ? 'whole ' : ''}number above 0`);
    return x;
  });
}

// ---------------------------------------------------------------- the train-to-test lab

/** One model of the train-to-test comparison, at the k its size affords under C_inf. */
export interface TradeoffRow {
  id: string;
  N: number;
  D: number;
  ratio: number;
  k: number;
  loss: number;
  pass1: number;
  /** pass@k at fractional k from p_i (exact), and from samples at the largest measured integer k ≤ k. */
  passK: number;
  passK_sampled: number | null;
  k_sampled: number | null;
  /**
   * Where every question carries `chance` (the pass@1 of a guesser who knows the answer's format): that
   * guesser's pass@k at the same k, the floor a model's pass@k must clear to mean anything. Else null.
   */
  chanceK: number | null;
}

/** The lab's comparison: every finished run at k = C_inf/(2N), C_inf defaulting to 2·(largest N) as in the sweep. */
export function tradeoffRows(
  records: RunRecord[],
  C_inf?: number,
): { C_inf: number; rows: TradeoffRow[] } {
  const done = records.filter((r) => !r.diverged && r.questions.length);
  const cInf = C_inf ?? 2 * Math.max(0, ...done.map((r) => r.N_nonemb));
  const rows = done.map((r) => {
    const k = cInf / (2 * r.N_nonemb);
    const qs = r.questions;
    const minN = Math.min(...qs.map((q) => q.n));
    const kS = Math.min(Math.floor(k), minN);
    return {
      id: r.id,
      N: r.N_nonemb,
      D: r.D,
      ratio: r.D / r.N_nonemb,
      k,
      loss: r.eval_loss,
      pass1: qs.reduce((s, q) => s + q.p, 0) / qs.length,
      passK: qs.reduce((s, q) => s + passAtKFromP(q.p, Math.max(k, 1)), 0) / qs.length,
      passK_sampled:
        kS >= 1 ? qs.reduce((s, q) => s + passAtKUnbiased(q.n, q.c, kS), 0) / qs.length : null,
      k_sampled: kS >= 1 ? kS : null,
      chanceK: qs.every((q) => typeof (q as { chance?: number }).chance === 'number')
        ? qs.reduce(
            (s, q) => s + passAtKFromP((q as { chance?: number }).chance!, Math.max(k, 1)),
            0,
          ) / qs.length
        : null,
    };
  });
  return { C_inf: cInf, rows: rows.sort((a, b) => a.N - b.N) };
}

/**
 * Why the train-to-test comparison came out as it did, for the smallest and the biggest model: T²'s lesson is
 * the samples' only when the big model is at least as good at one try and the small one overtakes it with its
 * k. A small model already ahead at k = 1 means the big one is undertrained (Chinchilla's lesson); a winner
 * whose pass@k is under twice a guesser's at the same k mostly guessed. Null with fewer than two models.
 */
export function tradeoffReading(rows: TradeoffRow[]): string | null {
  if (rows.length < 2) return null;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const small = rows[0]!,
    big = rows[rows.length - 1]!;
  const smallWins = small.passK > big.passK;
  const parts: string[] = [];
  if (small.pass1 > big.pass1)
    parts.push(
      `Even at one try the small model is ahead (pass@1 ${pct(small.pass1)} against ${pct(big.pass1)}, held-out loss ${small.loss.toFixed(3)} against ${big.loss.toFixed(3)}): at D/N = ${big.ratio.toFixed(1)} the big model is undertrained. That is Chinchilla's lesson (a smaller model trained longer is better at this budget), not the samples'; T²'s claim is about a model smaller than the loss-optimal one, worse at one try, that wins with its samples.`,
    );
  else if (smallWins)
    parts.push(
      `At one try the big model is as good or better (pass@1 ${pct(big.pass1)} against ${pct(small.pass1)}); the small model gets ahead only with its ${small.k.toFixed(1)} samples: the samples' win, T²'s tradeoff.`,
    );
  else
    parts.push(
      `The big model stays ahead even against ${small.k.toFixed(1)} samples: at this budget being small costs more than its samples buy back.`,
    );
  const winner = smallWins ? small : big;
  if (winner.chanceK !== null && winner.passK < 2 * winner.chanceK)
    parts.push(
      `The winner's pass@k (${pct(winner.passK)}) is less than twice a guesser's at the same k (${pct(winner.chanceK)}): its win is mostly guessing.`,
    );
  return parts.join(' ');
}

// ---------------------------------------------------------------- the tasks' notation

const reversed = (s: string) => [...s].reverse().join('');

/**
 * The ordinary reading of a question whose numbers are written least significant digit first (the add
 * task): "add 39+8=" with answer "101" is 93 + 8 = 101. Other tasks read as written (null).
 */
export function ordinaryReading(
  task: string,
  prompt: string,
  answer: string,
): { text: string; ordinary: string } | null {
  const m = task === 'add' ? /^add (\d+)\+(\d+)=$/.exec(prompt) : null;
  if (!m) return null;
  const value = (digits: string) =>
    /^\d+$/.test(digits) ? String(Number(reversed(digits))) : digits;
  return {
    text: `${m[1]}+${m[2]}=${answer}`,
    ordinary: `${value(m[1]!)} + ${value(m[2]!)} = ${value(answer)}`,
  };
}

/** What a sample means in ordinary notation, for the add task ("781" → 187); null for other tasks. */
export function ordinaryAnswer(task: string, sample: string): string | null {
  return task === 'add' && /^\d+$/.test(sample) ? String(Number(reversed(sample))) : null;
}

// ---------------------------------------------------------------- the other labs' verdicts

const fmtPct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmtN = (x: number) => Math.round(x).toLocaleString('en');

/** Loss at log D, linear between a model's runs; null outside its range. */
function lossAt(runs: RunRecord[], D: number): number | null {
  const pts = runs.map((r) => [Math.log(r.D), r.eval_loss] as const).sort((a, b) => a[0] - b[0]);
  const x = Math.log(D);
  for (let i = 0; i < pts.length; i++) {
    const [x0, y0] = pts[i]!;
    if (Math.abs(x - x0) < 1e-9) return y0;
    const next = pts[i + 1];
    if (next && x > x0 && x < next[0]) return y0 + ((x - x0) / (next[0] - x0)) * (next[1] - y0);
  }
  return null;
}

/**
 * The bigger-model lab's verdict: where two sizes saw the same number of tokens (log-interpolated between
 * each size's runs), is the bigger one's held-out loss always lower? Names the first crossing found.
 */
export function biggerModelVerdict(records: RunRecord[]): string | null {
  const done = records.filter((r) => !r.diverged && Number.isFinite(r.eval_loss));
  const byN = new Map<number, RunRecord[]>();
  for (const r of done) byN.set(r.N_nonemb, [...(byN.get(r.N_nonemb) ?? []), r]);
  const sizes = [...byN.keys()].sort((a, b) => a - b);
  if (sizes.length < 2) return null;
  let compared = 0;
  for (let i = 0; i < sizes.length; i++)
    for (let j = i + 1; j < sizes.length; j++) {
      const [small, big] = [byN.get(sizes[i]!)!, byN.get(sizes[j]!)!];
      const Ds = [...small, ...big].map((r) => r.D).sort((a, b) => a - b);
      for (const D of Ds) {
        const [ls, lb] = [lossAt(small, D), lossAt(big, D)];
        if (ls === null || lb === null) continue;
        compared++;
        if (ls < lb)
          return `No: at D ≈ ${fmtN(D)} tokens the smaller model (N = ${fmtN(sizes[i]!)}) has the lower held-out loss, ${ls.toFixed(3)} against ${lb.toFixed(3)} for N = ${fmtN(sizes[j]!)}. The lines cross.`;
      }
    }
  return compared
    ? 'Yes, in these runs: wherever two sizes saw the same number of tokens, the bigger one had the lower held-out loss.'
    : "The sizes' token ranges do not overlap, so no two saw the same number of tokens.";
}

/**
 * The pass@k lab's verdict: the smallest k at which the smallest model's pass@k reaches the largest model's
 * pass@1, counted from samples (unbiased, n per question) and from the likelihood p_i, and what serving
 * it costs against the big model's one try (2·N·k FLOPs per token).
 */
export function passKVerdict(records: RunRecord[]): string | null {
  const done = records.filter((r) => !r.diverged && r.questions.length);
  if (done.length < 2) return null;
  const sorted = [...done].sort((a, b) => a.N_nonemb - b.N_nonemb);
  const small = sorted[0]!,
    big = sorted[sorted.length - 1]!;
  if (small.N_nonemb === big.N_nonemb) return null;
  const mean = (r: RunRecord, f: (q: RunRecord['questions'][number]) => number) =>
    r.questions.reduce((s, q) => s + f(q), 0) / r.questions.length;
  const n = Math.min(...small.questions.map((q) => q.n), ...big.questions.map((q) => q.n));
  const big1 = mean(big, (q) => passAtKUnbiased(q.n, q.c, 1));
  const big1p = mean(big, (q) => q.p);
  let kS: number | null = null;
  for (let k = 1; k <= n; k++)
    if (mean(small, (q) => passAtKUnbiased(q.n, q.c, k)) >= big1) {
      kS = k;
      break;
    }
  let kL: number | null = null;
  for (let k = 1; k <= 1 << 20; k *= 1.05)
    if (mean(small, (q) => passAtKFromP(q.p, k)) >= big1p) {
      kL = k;
      break;
    }
  const cost = (k: number) =>
    (small.N_nonemb * k) / big.N_nonemb <= 1
      ? `cheaper to serve than the big model's one try (${((small.N_nonemb * k) / big.N_nonemb).toFixed(2)}× its FLOPs)`
      : `dearer to serve than the big model's one try (${((small.N_nonemb * k) / big.N_nonemb).toFixed(1)}× its FLOPs)`;
  const sampled =
    kS === null
      ? `Counted from samples (n = ${n} per question), the smallest model (N = ${fmtN(small.N_nonemb)}) never reaches the largest's pass@1 of ${fmtPct(big1)} within ${n} samples.`
      : `Counted from samples (n = ${n} per question), the smallest model (N = ${fmtN(small.N_nonemb)}) needs k = ${kS} to reach the largest's pass@1 of ${fmtPct(big1)} (N = ${fmtN(big.N_nonemb)}): ${cost(kS)}.`;
  const likelihood =
    kL === null
      ? 'From the likelihood p_i it never does.'
      : `From the likelihood p_i: k ≈ ${kL < 10 ? kL.toFixed(1) : fmtN(kL)} against a pass@1 of ${fmtPct(big1p)}.`;
  return `${sampled} ${likelihood}`;
}

/** The matmul lab's verdict: at the largest shape, the fastest version and its speed over v1. */
export function kernelVerdict(
  rows: { version: string; shape: string; gflops: number; ms: number }[],
): string | null {
  if (!rows.length) return null;
  const size = (s: string) => (s.match(/\d+/g) ?? []).reduce((a, x) => a * Number(x), 1);
  const biggest = rows.reduce((a, b) => (size(b.shape) > size(a.shape) ? b : a)).shape;
  const at = rows.filter((r) => r.shape === biggest);
  const best = at.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const v1 = at.find((r) => r.version === 'v1');
  return `At the largest shape (${biggest}) ${best.version} is fastest: ${best.gflops.toFixed(1)} GFLOP/s${v1 && best !== v1 ? `, ${(best.gflops / v1.gflops).toFixed(1)}× v1` : ''}.`;
}
