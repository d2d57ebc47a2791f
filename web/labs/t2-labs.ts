// <t2-labs>: guided classroom exercises, each on one screen: the prediction and the knobs on one side,
// the picture while it runs and the verdict on the other (stacked on a phone). A sweep lab trains here
// (the same worker API the Sweep view uses, no trip through it); the matmul lab profiles here. Everything,
// the prediction and the size included, is in the link: "Copy link" gives a teacher (or a student handing
// in) the exact setup. The card is drawn from the link as it is now (an edited grid changes its run count
// and its link at once). Every lab shows its time on this adapter before it runs (web/labs/lab-times.ts);
// on a software adapter a lab runs at its CPU size unless the link asks for the full one.
import { LitElement, html, css } from 'lit';
import { proxy } from 'comlink';
import { api } from '../shared/gpu-client.ts';
import { shared } from '../shared/styles.ts';
import { formatSeconds, hashParam, onHash, readHash, setHash, si } from '../shared/state.ts';
import { defaultSize, labGrid, labs, labById, type Lab, type LabSize } from './labs.ts';
import { labTimes } from './lab-times.ts';
import {
  lossCurvesChart,
  lossVsTokensChart,
  passAtKChart,
  type CurveSeries,
} from '../shared/view-charts.ts';
import {
  biggerModelVerdict,
  kernelVerdict,
  passKVerdict,
  ProgressDisplay,
  tradeoffRows,
  tradeoffReading,
} from '../shared/classroom-logic.ts';
import {
  expandRuns,
  validateExperiment,
  type Experiment,
  type RunSpec,
} from '../../src/sweep/experiment.ts';
import { decodeRunId } from '../../src/report/charts.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import type { SweepEvent, SweepState } from '../../src/worker/api.ts';
import type { SweepProgress } from '../../src/sweep/runner.ts';
import type { ProfileRow } from '../../src/bench/trace.ts';
import '../shared/t2-chart.ts';
import './t2-lab-card.ts';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

export class T2Labs extends LitElement {
  static override properties = {
    revision: { type: Number },
    lab: { state: true },
    guess: { state: true },
    copied: { state: true },
    hash: { state: true },
    records: { state: true },
    software: { state: true },
    state: { state: true },
    progress: { state: true },
    error: { state: true },
    profile: { state: true },
  };
  /** Bumped by the app when runs finish anywhere; the comparison reloads. */
  declare revision: number;
  declare lab: Lab | undefined;
  declare guess: string;
  declare copied: string;
  /** The link as last seen: the card is drawn from it, so it is never stale. */
  declare hash: string;
  declare records: RunRecord[];
  /** Whether the adapter is a software one (null until the worker says). */
  declare software: boolean | null;
  /** The lab's own run: a sweep's state, or 'running' while a kernel lab profiles. */
  declare state: SweepState;
  declare progress: SweepProgress | null;
  declare error: string;
  declare profile: ProfileRow[];
  private unsubscribe: (() => void) | null = null;
  private loadedFor = '';
  private live = new Map<string, { tokens: number; loss: number }[]>();
  private shown: ProgressDisplay | null = null;
  private display: { fraction: number; eta: number | null } | null = null;
  private onTimes = () => this.requestUpdate();
  /** The lab whose run is going on (a class may look at another lab meanwhile). */
  private runningLab: string | null = null;

  constructor() {
    super();
    this.revision = 0;
    this.lab = undefined;
    this.guess = '';
    this.copied = '';
    this.hash = '';
    this.records = [];
    this.software = null;
    this.state = 'idle';
    this.progress = null;
    this.error = '';
    this.profile = [];
  }

  static override styles = [
    shared,
    css`
    .labs { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(16rem, 100%), 1fr)); gap: 0.75rem; }
    ol.steps { padding-left: 1.3rem; }
    ol.steps > li { margin: 0.6rem 0; }
    textarea { width: 100%; box-sizing: border-box; }
    input.link { width: 100%; box-sizing: border-box; }
    tr.winner td { background: #dcf5e3; font-weight: 600; }
    /* One screen: prediction and knobs beside the picture and the verdict; stacked on a phone. */
    .screen { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
    @media (min-width: 70rem) { .screen { grid-template-columns: minmax(22rem, 2fr) minmax(0, 3fr); align-items: start; }
      /* The picture and the verdict stay in view beside whichever knob is being used. */
      .main { position: sticky; top: 0.5rem; --chart-height: 260px; } }
    .verdict { font-size: 1.1rem; background: #eef6ff; border-left: 5px solid var(--accent); padding: 0.5rem 0.8rem; margin: 0.5rem 0; }
    .status { font-weight: 600; }
    details.runs summary { cursor: pointer; }
  `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.fromHash();
    this.unsubscribe = onHash(() => this.fromHash());
    labTimes.addEventListener('change', this.onTimes);
    api.init().then(
      (a) => {
        this.software = a.software;
        this.fromHash();
      },
      () => (this.software = false),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    labTimes.removeEventListener('change', this.onTimes);
  }

  override updated(): void {
    const key = `${this.lab?.id}|${this.grid()?.name}|${this.revision}`;
    if (this.lab?.grid && key !== this.loadedFor && !this.here) {
      this.loadedFor = key;
      void this.loadRecords();
    }
  }

  private get running(): boolean {
    return this.state === 'running' || this.state === 'pausing';
  }

  /** This lab is the one running. */
  private get here(): boolean {
    return this.running && this.runningLab === this.lab?.id;
  }

  private fromHash(): void {
    const lab = labById(hashParam('lab'));
    if (lab !== this.lab && !this.running) {
      this.profile = [];
      this.error = '';
      this.state = 'idle';
      this.progress = null;
      this.live.clear();
    }
    if (lab !== this.lab) this.loadedFor = ''; // its own records, even while another lab runs
    this.lab = lab;
    this.guess = hashParam('guess') ?? '';
    // A lab opened from a card or an old link gets its whole setup written into the link (replacing
    // the entry, so Back still leaves the lab): the link shared from here is complete.
    if (lab && this.software !== null && !hashParam('size') && (lab.cpu || lab.reps))
      setHash({ size: defaultSize(lab, this.software) });
    if (lab?.grid && this.software !== null && !hashParam('exp'))
      setHash({ exp: JSON.stringify(labGrid(lab, this.size(lab))) });
    this.hash = location.hash;
  }

  private size(lab: Lab): LabSize {
    const s = hashParam('size');
    return s === 'cpu' || s === 'full' ? s : defaultSize(lab, this.software ?? false);
  }

  /** The lab's grid as the link has it now (an edited grid wins over the lab's own). */
  private grid(): Experiment | null {
    const lab = this.lab;
    if (!lab?.grid) return null;
    try {
      const exp = readHash().get('exp');
      return validateExperiment(exp ? JSON.parse(exp) : labGrid(lab, this.size(lab)), 'grid');
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

  private pickSize(lab: Lab, size: LabSize): void {
    setHash({ size, exp: lab.grid ? JSON.stringify(labGrid(lab, size)) : null });
    void labTimes.measure(lab, size);
  }

  // ---------------------------------------------------------------- running, in place

  private onEvent = (e: SweepEvent): void => {
    if (e.type === 'state') {
      this.state = e.state;
      if (e.error) this.error = e.error;
      if (e.state === 'done') this.shown?.reset();
    } else if (e.type === 'progress') {
      const p = e.progress;
      this.progress = p;
      this.display = this.shown?.update(p.overallFraction, performance.now()) ?? null;
      const pts = this.live.get(p.run.id) ?? [];
      if (p.train && (!pts.length || pts[pts.length - 1]!.tokens < p.train.tokens))
        pts.push({ tokens: p.train.tokens, loss: p.train.loss });
      this.live.set(p.run.id, pts);
    } else if (e.type === 'record') {
      if (this.runningLab === this.lab?.id)
        this.records = [...this.records.filter((r) => r.id !== e.record.id), e.record];
      this.live.delete(e.record.id);
      this.dispatchEvent(new CustomEvent('t2-records-changed', { bubbles: true, composed: true }));
    } else if (e.type === 'notice') this.error = e.message;
  };

  private async start(lab: Lab, fresh: boolean): Promise<void> {
    const g = this.grid();
    if (lab.kernel) return this.runProfile(lab);
    if (!g || this.running) return;
    this.runningLab = lab.id;
    this.error = '';
    if (fresh) {
      await api.deleteSweep(g.name);
      this.records = [];
    }
    this.state = 'running';
    const runs = expandRuns(g);
    const done = new Set(this.records.map((r) => r.id));
    const weight = (r: RunSpec) =>
      6 * r.N * r.config.tokens + 2 * r.N * g.sampling.questions * g.sampling.n * 16;
    let store: Storage | null = null;
    try {
      store = sessionStorage;
    } catch {
      store = null;
    }
    this.shown = new ProgressDisplay(`t2lab-progress:${g.name}:`, store);
    this.shown.start(
      runs.filter((r) => done.has(r.id)).reduce((a, r) => a + weight(r), 0),
      runs.reduce((a, r) => a + weight(r), 0),
      performance.now(),
    );
    this.display = null;
    try {
      await api.sweepStart(g, { checkpointSeconds: 5 }, proxy(this.onEvent));
    } catch (e) {
      this.error = (e as Error).message;
      this.state = 'error';
    }
    this.progress = null;
    this.runningLab = null;
    await this.loadRecords();
  }

  private async runProfile(lab: Lab): Promise<void> {
    if (this.running) return;
    this.runningLab = lab.id;
    this.error = '';
    this.profile = [];
    this.state = 'running';
    const reps = this.size(lab) === 'cpu' ? (lab.reps?.cpu ?? 5) : (lab.reps?.full ?? 5);
    try {
      await api.profile(
        { kernels: [lab.kernel!], reps },
        proxy((r: ProfileRow) => (this.profile = [...this.profile, r])),
      );
      this.state = 'done';
    } catch (e) {
      this.error = (e as Error).message;
      this.state = 'error';
    }
    this.runningLab = null;
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(location.href);
      this.copied = 'Link copied.';
    } catch {
      this.copied = 'Copy the link from the box below.';
    }
  }

  // ---------------------------------------------------------------- drawing

  override render() {
    const lab = this.lab;
    return html`
      <h2>Labs</h2>
      <p>Short guided experiments for a class. Predict first, then run, then compare: the answer appears beside your prediction.
        Seeds are pinned, so everyone with the same link trains the same models. New to the idea? <a href="#view=learn">What is T²?</a></p>
      <div class="labs" role="group" aria-label="labs">
        ${labs.map((l) => html`<t2-lab-card .lab=${l} ?selected=${l === lab} ?compact=${!!lab}></t2-lab-card>`)}
      </div>
      ${lab ? this.renderLab(lab) : html`<p class="muted">Pick a lab above.</p>`}
    `;
  }

  /** "Not started · 0 of 2 runs finished": one line whose words agree with each other. */
  private status(lab: Lab, runs: RunSpec[]): string {
    if (this.running && !this.here)
      return `Waiting: another lab is running (${labById(this.runningLab)?.title.replace(/:.*/, '') ?? 'a lab'})`;
    if (lab.kernel) {
      const n = this.profile.length;
      return {
        idle: 'Not started',
        running: `Profiling: ${n} case${n === 1 ? '' : 's'} timed`,
        pausing: 'Profiling',
        paused: 'Paused',
        done: `Done: ${n} cases timed`,
        error: 'Stopped by an error',
      }[this.state];
    }
    const ids = new Set(this.records.map((r) => r.id));
    const done = runs.filter((r) => ids.has(r.id)).length;
    const of = `${done} of ${runs.length} runs finished`;
    if (this.state === 'running' && this.progress) {
      const p = this.progress;
      return `Running: ${of}; ${decodeRunId(p.run.id)} ${p.phase === 'train' ? 'training' : 'sampling'}${this.display?.eta != null ? `, about ${formatSeconds(this.display.eta)} left` : ''}`;
    }
    if (this.state === 'running') return `Starting: ${of}`;
    if (this.state === 'pausing') return `Pausing: ${of}`;
    if (this.state === 'error') return `Stopped by an error: ${of}`;
    if (runs.length && done === runs.length) return `Done: ${of}`;
    return done ? `Paused: ${of}` : `Not started: ${of}`;
  }

  private renderLab(lab: Lab) {
    const g = this.grid();
    let runs: RunSpec[] = [];
    try {
      runs = g ? expandRuns(g) : [];
    } catch {
      runs = [];
    }
    const size = this.size(lab);
    const own = lab.grid ? JSON.stringify(labGrid(lab, size)) : null;
    const exp = readHash().get('exp');
    const edited = !!lab.grid && exp !== null && exp !== own;
    const ids = new Set(this.records.map((r) => r.id));
    const allDone = !!runs.length && runs.every((r) => ids.has(r.id));
    const t = labTimes.get(lab, size);
    return html`
      <div class="card" data-testid="lab">
        <h3>${lab.title}</h3>
        <div class="screen">
          <div class="side">
            <ol class="steps">
              <li><strong>Predict.</strong> ${lab.predict}
                <br /><textarea rows="3" aria-label="your prediction" placeholder="Your prediction (kept in the link)" .value=${this.guess} data-testid="lab-guess"
                  @change=${(e: Event) => setHash({ guess: (e.target as HTMLTextAreaElement).value || null })}></textarea></li>
              <li><strong>Run.</strong> ${lab.run}${runs.length ? html` <span data-testid="lab-runs">(${runs.length} run${runs.length === 1 ? '' : 's'}${edited ? ', grid edited' : ''})</span>` : ''}
                ${
                  lab.cpu || lab.reps
                    ? html`<div class="controls"><label>Size <select data-testid="lab-size" ?disabled=${this.running}
                  @change=${(e: Event) => this.pickSize(lab, (e.target as HTMLSelectElement).value as LabSize)}>
                  <option value="cpu" ?selected=${size === 'cpu'}>CPU size (for a software adapter)</option>
                  <option value="full" ?selected=${size === 'full'}>Full size (for a GPU)</option></select></label></div>`
                    : ''
                }
                <p class="muted" data-testid="lab-estimate-text">Time: ${t.text} on ${this.software ? 'this software adapter' : 'this GPU'}${t.note ? ` (${t.note})` : ''}${edited ? '; for the lab as written, not the edited grid' : ''}</p>
                ${runs.length ? html`<details class="runs"><summary>The runs</summary><ul class="muted">${runs.map((r) => html`<li>${decodeRunId(r.id)}: N = ${r.N_nonemb.toLocaleString()}, ${si(r.config.tokens)} tokens (D/N = ${(r.config.tokens / r.N_nonemb).toFixed(1)})</li>`)}</ul></details>` : ''}
                <div class="controls">
                  ${
                    this.here
                      ? lab.grid
                        ? html`<button class="primary" @click=${() => api.sweepPause()} ?disabled=${this.state === 'pausing'} data-testid="lab-pause">Pause</button>`
                        : ''
                      : allDone
                        ? html`<button @click=${() => this.start(lab, true)} data-testid="lab-again">Run again from scratch</button>`
                        : html`<button class="primary" @click=${() => this.start(lab, false)} ?disabled=${this.software === null || this.running || (!!lab.grid && !g)} data-testid="lab-run">
                            ${lab.kernel ? `Profile ${lab.kernel}` : ids.size ? 'Resume the lab' : 'Run the lab'}</button>`
                  }
                  <span class="status" role="status" data-testid="lab-status" data-state=${this.state}>${this.status(lab, runs)}</span>
                </div>
                ${this.error ? html`<p class="error" role="alert" data-testid="lab-error">${this.error}</p>` : ''}
              </li>
              <li><strong>Look for.</strong><ul>${lab.lookFor.map((x) => html`<li>${x}</li>`)}</ul></li>
            </ol>
            <div class="controls"><button @click=${this.copyLink}>Copy link for the class</button> <span role="status">${this.copied}</span></div>
            <input class="link" readonly aria-label="link to this lab" .value=${`${location.origin}${location.pathname}${location.search}${this.hash}`} data-testid="lab-link"
              @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
            <p class="muted">${lab.kernel ? html`More on the <a href="#view=kernels&kernel=${lab.kernel}">Kernels</a> tab.` : html`The same runs, with every control, are on the <a href="#view=sweep&lab=${lab.id}&exp=${encodeURIComponent(exp ?? own ?? '')}" data-testid="lab-to-sweep">Sweep</a> tab.`}</p>
          </div>
          <div class="main" data-testid="lab-picture">
            ${this.renderProgress()}
            ${lab.kernel ? this.renderProfile() : this.renderSweepPicture(lab, g, runs)}
          </div>
        </div>
      </div>
    `;
  }

  private renderProgress() {
    if (!this.here || !this.progress) return '';
    const p = this.progress;
    return html`<div data-testid="lab-progress">
      <progress max="1" .value=${this.display?.fraction ?? 0} aria-label="whole lab"></progress>
      <div class="muted">${decodeRunId(p.run.id)}: ${p.phase === 'train' ? `training${p.train ? `, ${si(p.train.tokens)} of ${si(p.run.config.tokens)} tokens, loss ${p.train.loss.toFixed(3)}` : ''}` : `sampling${p.sample ? `, ${p.sample.done} of ${p.sample.total}` : ''}`}</div>
    </div>`;
  }

  private renderSweepPicture(lab: Lab, g: Experiment | null, runs: RunSpec[]) {
    const grid = runs.length ? runs : this.records;
    const series: CurveSeries[] = [
      ...this.records.map((r) => ({ id: r.id, config: r.config, points: r.curve })),
      ...[...this.live]
        .filter(([id]) => !this.records.some((r) => r.id === id))
        .map(([id, points]) => ({
          id,
          config: runs.find((r) => r.id === id)?.config ?? this.progress!.run.config,
          points,
          live: true,
        })),
    ];
    const training = this.here && series.length > 0;
    return html`
      ${lab.compare ? this.renderComparison(g) : this.renderVerdict(lab)}
      ${
        training || !this.records.length
          ? html`<t2-chart data-testid="lab-loss-chart" label="training loss against tokens, one line per run" .config=${lossCurvesChart(series, grid)}
        empty="The loss curves draw here while the lab trains."></t2-chart>`
          : ''
      }
      ${this.records.length && lab.id === 'bigger-model' ? html`<t2-chart data-testid="lab-lossd-chart" label="held-out loss against training tokens per model" .config=${lossVsTokensChart(this.records)}></t2-chart>` : ''}
      ${this.records.length && lab.id !== 'bigger-model' ? html`<t2-chart data-testid="lab-passk-chart" label="pass@k against k for the lab's runs" .config=${passAtKChart(this.records, grid)}></t2-chart>` : ''}
    `;
  }

  private renderVerdict(lab: Lab) {
    const v =
      lab.id === 'bigger-model'
        ? biggerModelVerdict(this.records)
        : lab.id === 'passk'
          ? passKVerdict(this.records)
          : null;
    if (!v)
      return html`<p class="muted" data-testid="lab-comparison-empty">The answer appears here, beside your prediction, as soon as the runs it needs have finished.</p>`;
    return html`<p class="verdict" data-testid="lab-verdict">${v}${this.guess ? html` Your prediction was: “${this.guess}”.` : ''}</p>`;
  }

  private renderProfile() {
    const rows = this.profile;
    if (!rows.length)
      return html`<p class="muted" data-testid="lab-comparison-empty">The timings appear here as each case finishes, and the answer beside your prediction.</p>`;
    const v1 = new Map(rows.filter((r) => r.version === 'v1').map((r) => [r.shape, r.gflops]));
    const verdict = this.state === 'done' ? kernelVerdict(rows) : null;
    return html`
      ${verdict ? html`<p class="verdict" data-testid="lab-verdict">${verdict}${this.guess ? html` Your prediction was: “${this.guess}”.` : ''}</p>` : ''}
      <div class="scroll"><table data-testid="lab-profile">
        <thead><tr><th>version</th><th>shape</th><th class="num">ms</th><th class="num">GFLOP/s</th><th class="num">vs v1</th><th class="num">% of FMA peak</th></tr></thead>
        <tbody>${rows.map(
          (
            r,
          ) => html`<tr><td>${r.version}</td><td>${r.shape}</td><td class="num">${r.ms.toFixed(3)}</td><td class="num">${r.gflops.toFixed(1)}</td>
          <td class="num">${v1.has(r.shape) ? `${(r.gflops / v1.get(r.shape)!).toFixed(1)}×` : '–'}</td><td class="num">${(100 * r.peakFraction).toFixed(1)}%</td></tr>`,
        )}</tbody></table></div>`;
  }

  /** Look: each finished model at the k its size affords, the winner marked, beside the student's prediction. */
  private renderComparison(g: Experiment | null) {
    const { C_inf, rows } = tradeoffRows(this.records, g?.C_inf);
    if (!rows.length)
      return html`<p class="muted" data-testid="lab-comparison-empty">The comparison appears here, beside your prediction, as soon as the lab's runs have finished.</p>`;
    const best = rows.reduce((a, b) => (b.passK > a.passK ? b : a));
    const small = rows[0]!,
      big = rows[rows.length - 1]!;
    const n = Math.min(...this.records.flatMap((r) => r.questions.map((q) => q.n)));
    // The guess floor, where the records carry it (a column only then).
    const chance = rows.every((r) => r.chanceK !== null);
    return html`
      ${
        rows.length > 1
          ? html`<p class="verdict" data-testid="lab-verdict"><strong>${small === best ? 'The small model wins' : 'The big model wins'}</strong>: with ${small.k.toFixed(1)} samples per question the small model
            solves ${pct(small.passK)} of the questions; the big model, with ${big.k.toFixed(1)}, solves ${pct(big.passK)} (pass@k from the likelihood p_i).
            ${this.guess ? html`Your prediction was: “${this.guess}”.` : ''}</p>`
          : ''
      }
      ${rows.length > 1 ? html`<p data-testid="lab-reading">${tradeoffReading(rows)}</p>` : ''}
      <p class="muted">Same training compute, same serving compute (C_inf = ${si(C_inf)} FLOPs per token).</p>
      <div class="scroll"><table data-testid="lab-comparison">
        <thead><tr><th>model</th><th class="num">N</th><th class="num">D/N</th><th class="num">loss</th><th class="num">k = C_inf/(2N)</th><th class="num">pass@1 (likelihood)</th>
          <th class="num">pass@k at its k (likelihood)</th><th class="num">pass@k sampled (n = ${n})</th>${chance ? html`<th class="num">a guesser at the same k</th>` : ''}</tr></thead>
        <tbody>${rows.map(
          (r) => html`<tr class=${r === best ? 'winner' : ''} data-run=${r.id}>
          <td title=${decodeRunId(r.id)}>${r === small ? 'small' : r === big ? 'big' : 'middle'}${r === best ? ' ★' : ''}</td><td class="num">${r.N.toLocaleString()}</td><td class="num">${r.ratio.toFixed(1)}</td><td class="num">${r.loss.toFixed(3)}</td>
          <td class="num">${r.k.toFixed(1)}</td><td class="num">${pct(r.pass1)}</td><td class="num" data-testid="lab-passk">${pct(r.passK)}</td>
          <td class="num">${r.passK_sampled === null ? '–' : `${pct(r.passK_sampled)} (k = ${r.k_sampled})`}</td>
          ${chance ? html`<td class="num" data-testid="lab-chance">${pct(r.chanceK)}</td>` : ''}</tr>`,
        )}</tbody>
      </table></div>
    `;
  }
}
customElements.define('t2-labs', T2Labs);
