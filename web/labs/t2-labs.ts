// <t2-labs>: guided classroom exercises. Pick a lab: write down a prediction, run it (the Sweep or Kernels
// tab opens with the lab's configuration), then check what to look for. Everything, the prediction
// included, is in the link: "Copy link" gives a teacher (or a student handing in) the exact setup. The
// card is drawn from the link as it is now (an edited grid changes its run count and its link at once).
// Before a sweep lab runs, its time on this adapter is estimated from step times measured here; the
// train-to-test lab shows its comparison (each model at its own k = C_inf/(2N)) as soon as runs finish.
import { LitElement, html, css } from 'lit';
import { api } from '../shared/gpu-client.ts';
import { shared } from '../shared/styles.ts';
import { formatSeconds, hashParam, onHash, readHash, setHash, si } from '../shared/state.ts';
import { labs, labById, type Lab } from './labs.ts';
import { passAtKChart } from '../shared/view-charts.ts';
import { tradeoffRows } from '../shared/classroom-logic.ts';
import {
  expandRuns,
  validateExperiment,
  type Experiment,
  type RunSpec,
} from '../../src/sweep/experiment.ts';
import { decodeRunId } from '../../src/report/charts.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import '../shared/t2-chart.ts';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

export class T2Labs extends LitElement {
  static override properties = {
    revision: { type: Number },
    lab: { state: true },
    guess: { state: true },
    copied: { state: true },
    hash: { state: true },
    records: { state: true },
    estimates: { state: true },
  };
  /** Bumped by the app when runs finish anywhere; the comparison reloads. */
  declare revision: number;
  declare lab: Lab | undefined;
  declare guess: string;
  declare copied: string;
  /** The link as last seen: the card is drawn from it, so it is never stale. */
  declare hash: string;
  declare records: RunRecord[];
  /** Measured time estimates, by grid (JSON): an edited grid has its own. */
  declare estimates: Map<string, string>;
  private unsubscribe: (() => void) | null = null;
  private loadedFor = '';

  constructor() {
    super();
    this.revision = 0;
    this.lab = undefined;
    this.guess = '';
    this.copied = '';
    this.hash = '';
    this.records = [];
    this.estimates = new Map();
  }

  static override styles = [
    shared,
    css`
    .labs { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(18rem, 100%), 1fr)); gap: 0.75rem; }
    .labs button { text-align: left; padding: 0.75rem 1rem; }
    .labs button[aria-pressed='true'] { border: 3px solid var(--accent); }
    ol.steps > li { margin: 0.75rem 0; }
    textarea { width: 100%; max-width: 50rem; }
    input.link { width: 100%; max-width: 50rem; box-sizing: border-box; }
    tr.winner td { background: #dcf5e3; font-weight: 600; }
  `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.fromHash();
    this.unsubscribe = onHash(() => this.fromHash());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override updated(): void {
    const key = `${this.lab?.id}|${this.grid()?.name}|${this.revision}`;
    if (this.lab?.compare && key !== this.loadedFor) {
      this.loadedFor = key;
      void this.loadRecords();
    }
  }

  private fromHash(): void {
    this.lab = labById(hashParam('lab'));
    this.guess = hashParam('guess') ?? '';
    this.hash = location.hash;
  }

  /** The lab's grid as the link has it now (an edited grid wins over the lab's own). */
  private grid(): Experiment | null {
    const lab = this.lab;
    if (!lab?.grid) return null;
    try {
      const exp = readHash().get('exp');
      return validateExperiment(exp ? JSON.parse(exp) : lab.grid, 'grid');
    } catch {
      return null;
    }
  }

  private async loadRecords(): Promise<void> {
    const g = this.grid();
    try {
      this.records = g ? await api.results(g.name) : [];
    } catch {
      this.records = [];
    }
  }

  private open(lab: Lab): void {
    this.copied = '';
    // The lab's configuration goes into the link now, so the link shared from here is complete.
    setHash(
      {
        lab: lab.id,
        exp: lab.grid ? JSON.stringify(lab.grid) : null,
        preset: null,
        kernel: lab.kernel ?? null,
        limit: null,
        guess: null,
      },
      true,
    );
  }

  private run(lab: Lab): void {
    if (lab.kernel) setHash({ view: 'kernels', kernel: lab.kernel, run: 'profile' }, true);
    else
      setHash(
        { view: 'sweep', exp: hashParam('exp') ?? JSON.stringify(lab.grid), preset: null },
        true,
      );
  }

  /**
   * The lab's time on this adapter before anything trains: the sweep driver's own estimate (each model size
   * timed here for a few steps and a small sampling pass, then kept), the same numbers the progress ETA
   * starts from.
   */
  private async measure(key: string, grid: Experiment): Promise<void> {
    const say = (text: string) => (this.estimates = new Map(this.estimates).set(key, text));
    say('Timing each model size on this adapter…');
    try {
      const [adapter, est] = [await api.init(), await api.sweepEstimate(grid)];
      const where = adapter.software ? 'this software adapter' : 'this GPU';
      say(
        `About ${formatSeconds(est.total_s)} on ${where} for ${est.runs.length} run${est.runs.length === 1 ? '' : 's'}, from step and sampling times measured here${est.unmeasured.length ? ` (scaled for ${est.unmeasured.join(', ')})` : ''}.`,
      );
    } catch (e) {
      say(`Could not estimate: ${(e as Error).message}`);
    }
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(location.href);
      this.copied = 'Link copied.';
    } catch {
      this.copied = 'Copy the link from the box below.';
    }
  }

  override render() {
    const lab = this.lab;
    return html`
      <h2>Labs</h2>
      <p>Short guided experiments for a class. Predict first, then run, then compare. Seeds are pinned, so everyone with the same link trains the same models.
        New to the idea? <a href="#view=learn">What is T²?</a></p>
      <div class="labs" role="group" aria-label="labs">
        ${labs.map(
          (
            l,
          ) => html`<button aria-pressed=${l === lab} @click=${() => this.open(l)} data-testid=${`lab-${l.id}`}>
          <strong>${l.title}</strong><br /><span class="muted">about ${l.minutes} min on a laptop GPU; measured for yours before it runs</span></button>`,
        )}
      </div>
      ${lab ? this.renderLab(lab) : html`<p class="muted">Pick a lab above.</p>`}
    `;
  }

  private renderLab(lab: Lab) {
    const g = this.grid();
    let runs: RunSpec[] = [];
    try {
      runs = g ? expandRuns(g) : [];
    } catch {
      runs = [];
    }
    const edited =
      !!lab.grid &&
      readHash().get('exp') !== null &&
      readHash().get('exp') !== JSON.stringify(lab.grid);
    return html`
      <div class="card" data-testid="lab">
        <h3>${lab.title}</h3>
        <ol class="steps">
          <li><strong>Predict.</strong> ${lab.predict}
            <br /><textarea rows="3" aria-label="your prediction" placeholder="Your prediction (kept in the link)" .value=${this.guess} data-testid="lab-guess"
              @change=${(e: Event) => setHash({ guess: (e.target as HTMLTextAreaElement).value || null })}></textarea></li>
          <li><strong>Run.</strong> ${lab.run}${runs.length ? html` <span data-testid="lab-runs">(${runs.length} run${runs.length === 1 ? '' : 's'}${edited ? ', grid edited' : ''})</span>` : ''}
            ${runs.length ? html`<ul class="muted">${runs.map((r) => html`<li>${decodeRunId(r.id)}: N = ${r.N_nonemb.toLocaleString()}, ${si(r.config.tokens)} tokens (D/N = ${(r.config.tokens / r.N_nonemb).toFixed(1)})</li>`)}</ul>` : ''}
            <div class="controls">
              <button class="primary" @click=${() => this.run(lab)} data-testid="lab-run">${lab.kernel ? `Profile ${lab.kernel}` : 'Open the sweep'}</button>
              ${runs.length && g ? html`<button @click=${() => this.measure(JSON.stringify(g), g)} data-testid="lab-estimate">Estimate the time on this GPU</button>` : ''}
              <span role="status" data-testid="lab-estimate-text">${this.estimates.get(JSON.stringify(g)) ?? ''}</span>
            </div></li>
          <li><strong>Look for.</strong><ul>${lab.lookFor.map((x) => html`<li>${x}</li>`)}</ul></li>
        </ol>
        ${lab.compare ? this.renderComparison(g) : ''}
        <div class="controls"><button @click=${this.copyLink}>Copy link for the class</button> <span role="status">${this.copied}</span></div>
        <input class="link" readonly aria-label="link to this lab" .value=${`${location.origin}${location.pathname}${location.search}${this.hash}`} data-testid="lab-link"
          @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
      </div>
    `;
  }

  /** Look: each finished model at the k its size affords, the winner marked, beside the student's prediction. */
  private renderComparison(g: Experiment | null) {
    const { C_inf, rows } = tradeoffRows(this.records, g?.C_inf);
    if (!rows.length)
      return html`<p class="muted" data-testid="lab-comparison-empty">The comparison appears here as soon as the lab's runs have finished (run them from the Sweep tab).</p>`;
    const best = rows.reduce((a, b) => (b.passK > a.passK ? b : a));
    const small = rows[0]!,
      big = rows[rows.length - 1]!;
    return html`
      <h4>The comparison: same training compute, same serving compute (C_inf = ${si(C_inf)} FLOPs per token)</h4>
      <div class="scroll"><table data-testid="lab-comparison">
        <thead><tr><th>model</th><th class="num">N</th><th class="num">D/N</th><th class="num">held-out loss</th><th class="num">k = C_inf/(2N)</th><th class="num">pass@1</th>
          <th class="num">pass@k at its k (from p_i)</th><th class="num">pass@k sampled</th></tr></thead>
        <tbody>${rows.map(
          (r) => html`<tr class=${r === best ? 'winner' : ''} data-run=${r.id}>
          <td>${decodeRunId(r.id)}${r === best ? ' ★' : ''}</td><td class="num">${r.N.toLocaleString()}</td><td class="num">${r.ratio.toFixed(1)}</td><td class="num">${r.loss.toFixed(3)}</td>
          <td class="num">${r.k.toFixed(1)}</td><td class="num">${pct(r.pass1)}</td><td class="num" data-testid="lab-passk">${pct(r.passK)}</td>
          <td class="num">${r.passK_sampled === null ? '–' : `${pct(r.passK_sampled)} (k=${r.k_sampled})`}</td></tr>`,
        )}</tbody>
      </table></div>
      ${
        rows.length > 1
          ? html`<p class="big" data-testid="lab-verdict"><strong>${small === best ? 'The small model wins' : 'The big model wins'}</strong>: with ${small.k.toFixed(1)} samples per question the small model
            solves ${pct(small.passK)} of the questions; the big model, with ${big.k.toFixed(1)}, solves ${pct(big.passK)}.
            ${this.guess ? html`Your prediction was: “${this.guess}”.` : ''}</p>`
          : ''
      }
      <t2-chart data-testid="lab-passk-chart" label="pass@k against k for the lab's runs" .config=${passAtKChart(this.records)}></t2-chart>
    `;
  }
}
customElements.define('t2-labs', T2Labs);
