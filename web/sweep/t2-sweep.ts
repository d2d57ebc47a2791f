// <t2-sweep>: pick a preset or edit the grid (checked as you type), start, pause, resume; progress per
// run and overall with an ETA; live loss curves, and pass@k as runs finish. The sweep itself runs in the
// worker; this element only draws its events. A sweep interrupted by a reload resumes by itself.
import { LitElement, css, html } from 'lit';
import { proxy } from 'comlink';
import { api } from '../shared/gpu-client.ts';
import { shared } from '../shared/styles.ts';
import { hashParam, onHash, setHash, formatSeconds, si } from '../shared/state.ts';
import {
  lossCurvesChart,
  lossVsTokensChart,
  passAtKChart,
  type CurveSeries,
} from '../shared/view-charts.ts';
import { presets } from '../../experiments/index.ts';
import {
  expandRuns,
  validateExperiment,
  type Experiment,
  type RunSpec,
} from '../../src/sweep/experiment.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import type { SweepProgress } from '../../src/sweep/runner.ts';
import type { SweepEvent, SweepState } from '../../src/worker/api.ts';
import { firstRuns } from '../../src/worker/session.ts';
import { labById, labs, type Lab } from '../labs/labs.ts';
import {
  ProgressDisplay,
  formatModels,
  lineOf,
  locateError,
  parseList,
  parseModels,
  runWeight,
} from '../shared/classroom-logic.ts';
import '../shared/t2-chart.ts';

interface Checked {
  exp: Experiment | null;
  /** The runs this sweep will do (capped by `limit`), and the full grid's size. */
  runs: RunSpec[];
  gridRuns: number;
  /** Every run of the grid (the limit ignored): what colours are assigned over, as in Results and the report. */
  all: RunSpec[];
  message: string;
  /** Where in the text the error is (character offset), when it can be placed; -1 when not. */
  at: number;
  /** The grid field the error is about (models, budgets, seeds, sampling.n, ...), for the control beside it. */
  field: string;
}

/**
 * Offset of the first character where `text` stops being JSON (-1 when it is JSON): a small scanner,
 * because JSON.parse's messages no longer say where, and an editor's message should.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = () => {
    for (i++; text[i] !== '"'; i++) {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') i++;
    }
    i++;
  };
  const list = (close: string, item: () => void) => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) return void i++;
      else fail();
    }
  };
  const value = (): void => {
    ws();
    if (text[i] === '{') {
      return list('}', () => {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    }
    if (text[i] === '[') return list(']', value);
    if (text[i] === '"') return string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (at) {
    return at as number;
  }
}

/** "not valid JSON at line L, column C: <the parser's reason>". */
function jsonError(text: string, e: Error): string {
  const at = jsonErrorOffset(text);
  if (at < 0) return `not valid JSON: ${e.message}`;
  const before = text.slice(0, at).split('\n');
  return `not valid JSON at line ${before.length}, column ${before[before.length - 1]!.length + 1}: ${e.message}`;
}

export function checkGrid(text: string, limit: number | undefined): Checked {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    return {
      exp: null,
      runs: [],
      gridRuns: 0,
      all: [],
      message: jsonError(text, e as Error),
      at: jsonErrorOffset(text),
      field: '',
    };
  }
  try {
    const exp = validateExperiment(obj, 'grid');
    const all = expandRuns(exp);
    const runs = limit !== undefined ? expandRuns(firstRuns(exp, limit)) : all;
    return { exp, runs, gridRuns: all.length, all, message: '', at: -1, field: '' };
  } catch (e) {
    const message = (e as Error).message;
    const { at, field } = locateError(text, message);
    return {
      exp: null,
      runs: [],
      gridRuns: 0,
      all: [],
      message: at >= 0 ? `${message} (line ${lineOf(text, at)})` : message,
      at,
      field,
    };
  }
}

const DEFAULT_PRESET = 'smoke' in presets ? 'smoke' : Object.keys(presets)[0]!;

export class T2Sweep extends LitElement {
  static override properties = {
    ready: { type: Boolean },
    preset: { state: true },
    text: { state: true },
    checked: { state: true },
    limit: { state: true },
    state: { state: true },
    progress: { state: true },
    records: { state: true },
    notices: { state: true },
    log: { state: true },
    error: { state: true },
    charts: { state: true },
    lab: { state: true },
    checkpointAt: { state: true },
  };
  declare ready: boolean;
  declare preset: string;
  declare text: string;
  declare checked: Checked;
  declare limit: number | undefined;
  declare state: SweepState;
  declare progress: SweepProgress | null;
  declare records: RunRecord[];
  declare notices: string[];
  declare log: string[];
  declare error: string;
  /** The lab this grid came from (the link's `lab=`), whose "look for" list is shown beside the run. */
  declare lab: Lab | undefined;
  /** Tokens at the last resume checkpoint saved for each unfinished run. */
  declare checkpointAt: Map<string, number>;
  declare charts: {
    loss: ReturnType<typeof lossCurvesChart>;
    passk: ReturnType<typeof passAtKChart>;
    lossD: ReturnType<typeof lossVsTokensChart>;
  };

  /** Training-loss points of the run in progress, by run id (finished runs draw from their records). */
  private live = new Map<string, { tokens: number; loss: number }[]>();
  /** The driver's estimate of this grid's time on this adapter, by grid text and limit (shown beside Start). */
  private estimates = new Map<string, string>();
  /** A control's own parse error ("3x16" is not a size), by control. */
  private controlErrors: Record<string, string> = {};
  /** Whole-sweep progress as shown (never backwards) and its ETA. */
  private shown: ProgressDisplay | null = null;
  private display: { fraction: number; eta: number | null } | null = null;
  private chartTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: (() => void) | null = null;
  private resumeChecked = false;

  constructor() {
    super();
    this.ready = false;
    this.preset = DEFAULT_PRESET;
    this.text = '';
    this.checked = { exp: null, runs: [], gridRuns: 0, all: [], message: '', at: -1, field: '' };
    this.controlErrors = {};
    this.limit = undefined;
    this.state = 'idle';
    this.progress = null;
    this.records = [];
    this.notices = [];
    this.log = [];
    this.error = '';
    this.charts = {
      loss: lossCurvesChart([]),
      passk: passAtKChart([]),
      lossD: lossVsTokensChart([]),
    };
    this.lab = undefined;
    this.checkpointAt = new Map();
  }

  static override styles = [
    shared,
    css`
    fieldset.controls-grid { min-width: 0; box-sizing: border-box; display: grid; grid-template-columns: minmax(min(14rem, 100%), max-content) minmax(0, 1fr); gap: 0.4rem 1rem; align-items: center; max-width: 62rem; }
    fieldset.controls-grid legend { font-weight: 600; padding: 0 0.3rem; }
    fieldset.controls-grid .error { grid-column: 2; }
    fieldset.controls-grid input, fieldset.controls-grid select { min-width: 0; max-width: 100%; box-sizing: border-box; }
    fieldset.controls-grid label { min-width: 0; }
    @media (max-width: 40rem) { fieldset.controls-grid { grid-template-columns: minmax(0, 1fr); } fieldset.controls-grid .error { grid-column: 1; } }
    textarea { width: 100%; }
  `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.fromHash();
    this.unsubscribe = onHash(() => {
      if (!this.running) this.fromHash();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override updated(changed: Map<string, unknown>): void {
    // Once the worker has a device: resume a sweep that a reload (or a crash) interrupted.
    if (changed.has('ready') && this.ready && !this.resumeChecked) {
      this.resumeChecked = true;
      void this.resumeInterrupted();
    }
  }

  private get running(): boolean {
    return this.state === 'running' || this.state === 'pausing';
  }

  /** Grid from the URL: `exp` (an edited grid, JSON) wins over `preset`; `limit` caps the runs. */
  private fromHash(): void {
    this.lab = labById(hashParam('lab'));
    const limitParam = hashParam('limit');
    const limit =
      limitParam && Number(limitParam) >= 1 ? Math.floor(Number(limitParam)) : undefined;
    const limitChanged = limit !== this.limit;
    this.limit = limit;
    const exp = hashParam('exp');
    const preset = hashParam('preset');
    let text = this.text;
    if (exp) {
      let compact = exp;
      try {
        compact = JSON.stringify(JSON.parse(exp));
      } catch {
        // shown with its error message below
      }
      // A grid that is a preset, unedited, is that preset: the box names it, never "(edited grid)".
      this.preset = Object.keys(presets).find((k) => JSON.stringify(presets[k]) === compact) ?? '';
      // The editor's own edits come back here unchanged; a link's compact JSON is shown indented.
      if (exp !== this.text) {
        try {
          text = JSON.stringify(JSON.parse(exp), null, 2);
        } catch {
          text = exp; // shown with its error message
        }
      }
    } else {
      this.preset = preset && preset in presets ? preset : DEFAULT_PRESET;
      text = JSON.stringify(presets[this.preset], null, 2);
    }
    if (text !== this.text || limitChanged) this.setText(text, false);
  }

  private setText(text: string, edited: boolean): void {
    const previous = this.checked.exp?.name;
    this.text = text;
    this.checked = checkGrid(text, this.limit);
    if (edited) setHash({ exp: text, preset: null });
    const name = this.checked.exp?.name;
    if (name && name !== previous) void this.loadRecords();
  }

  private async loadRecords(): Promise<void> {
    const name = this.checked.exp?.name;
    if (!name) return;
    this.records = await api.results(name);
    this.redrawCharts(true);
  }

  private async resumeInterrupted(): Promise<void> {
    const { active, running } = await api.sweepActive();
    if (!active || running || active.state !== 'running') return;
    // Show the interrupted sweep exactly as it was started, then carry on.
    const text = JSON.stringify(active.experiment, null, 2);
    this.limit = active.limit;
    this.preset =
      Object.entries(presets).find(([, p]) => JSON.stringify(p, null, 2) === text)?.[0] ?? '';
    this.setText(text, false);
    const limit = active.limit ? String(active.limit) : null;
    setHash(
      this.preset ? { preset: this.preset, exp: null, limit } : { exp: text, preset: null, limit },
    );
    await this.loadRecords();
    const n = this.records.length;
    this.notices = [
      ...this.notices,
      `Resumed the sweep "${active.name}" that was interrupted (page reload or crash): ${n} finished run${n === 1 ? '' : 's'} kept.`,
    ];
    await this.start();
  }

  private onEvent = (e: SweepEvent): void => {
    switch (e.type) {
      case 'state':
        this.state = e.state;
        if (e.error) this.error = e.error;
        if (e.state !== 'running') this.progress = e.state === 'done' ? null : this.progress;
        if (e.state === 'done') {
          // A finished sweep needs no "resumed" notices any more; its kept progress is done with too.
          this.notices = this.notices.filter(
            (n) => !/^(Resumed the sweep|Run .* resumed from its checkpoint)/.test(n),
          );
          this.shown?.reset();
        }
        break;
      case 'progress': {
        const p = e.progress;
        this.progress = p;
        this.display = this.shown?.update(p.overallFraction, performance.now()) ?? null;
        if (p.resumedAt !== undefined && !this.live.has(p.run.id)) {
          this.notices = [
            ...this.notices,
            `Run ${p.run.id} resumed from its checkpoint at ${si(p.resumedAt)} of ${si(p.run.config.tokens)} tokens.`,
          ];
        }
        if (p.train) {
          const pts = this.live.get(p.run.id) ?? [];
          if (!pts.length || pts[pts.length - 1]!.tokens < p.train.tokens)
            pts.push({ tokens: p.train.tokens, loss: p.train.loss });
          this.live.set(p.run.id, pts);
        } else if (!this.live.has(p.run.id)) this.live.set(p.run.id, []);
        this.redrawCharts(false);
        break;
      }
      case 'record':
        this.records = [...this.records.filter((r) => r.id !== e.record.id), e.record];
        this.live.delete(e.record.id);
        this.redrawCharts(true);
        this.dispatchEvent(
          new CustomEvent('t2-records-changed', {
            bubbles: true,
            composed: true,
            detail: { sweep: e.record.sweep },
          }),
        );
        break;
      case 'log':
        this.log = [...this.log.slice(-200), e.message];
        break;
      case 'checkpoint':
        this.checkpointAt = new Map(this.checkpointAt).set(e.id, e.tokens);
        break;
      case 'notice':
        this.notices = [...this.notices, e.message];
        break;
    }
  };

  /** Charts are rebuilt at most twice a second while training, so the page stays light. */
  private redrawCharts(now: boolean): void {
    if (this.chartTimer && !now) return;
    const draw = () => {
      this.chartTimer = null;
      const finished: CurveSeries[] = this.records.map((r) => ({
        id: r.id,
        config: r.config,
        points: r.curve,
      }));
      const live: CurveSeries[] = [...this.live]
        .filter(([id]) => !this.records.some((r) => r.id === id))
        .map(([id, points]) => ({
          id,
          config: this.checked.runs.find((r) => r.id === id)?.config ?? this.progress!.run.config,
          points,
          live: true,
        }));
      // Colours over the whole planned grid (and any finished run outside it), so a run keeps its colour.
      const grid = [
        ...this.checked.all,
        ...this.records.filter((r) => !this.checked.all.some((x) => x.id === r.id)),
      ];
      this.charts = {
        loss: lossCurvesChart([...finished, ...live], grid),
        passk: passAtKChart(this.records, grid),
        lossD: lossVsTokensChart(this.records),
      };
    };
    if (now) {
      if (this.chartTimer) clearTimeout(this.chartTimer);
      draw();
    } else this.chartTimer = setTimeout(draw, 500);
  }

  private async start(): Promise<void> {
    const exp = this.checked.exp;
    if (!exp || this.running) return;
    this.error = '';
    this.state = 'running';
    const done = new Set(this.records.map((r) => r.id));
    const w = this.checked.runs.map((r) => ({ w: runWeight(exp, r), done: done.has(r.id) }));
    let store: Storage | null = null;
    try {
      store = sessionStorage;
    } catch {
      store = null; // storage refused: progress still never goes backwards within this page
    }
    this.shown = new ProgressDisplay(`t2lab-progress:${exp.name}:${this.limit ?? ''}`, store);
    this.shown.start(
      w.filter((x) => x.done).reduce((a, x) => a + x.w, 0),
      w.reduce((a, x) => a + x.w, 0),
      performance.now(),
    );
    this.display = null;
    try {
      // A reload can come at any moment: checkpoint often (the link's `checkpoint=` seconds, default 5).
      const every = Number(hashParam('checkpoint'));
      // The grid as written (not the validated copy with defaults filled in), so a resume can name its preset.
      await api.sweepStart(
        JSON.parse(this.text),
        { limit: this.limit, checkpointSeconds: every > 0 ? every : 5 },
        proxy(this.onEvent),
      );
    } catch (e) {
      this.error = (e as Error).message;
      this.state = 'error';
    }
    await this.loadRecords();
  }

  /** Time each model size here (a few steps and a small sampling pass, kept for next time) and sum the grid. */
  private async estimate(): Promise<void> {
    const key = `${this.text}|${this.limit ?? ''}`;
    const say = (t: string) => {
      this.estimates.set(key, t);
      this.requestUpdate();
    };
    say('Timing each model size on this adapter…');
    try {
      const est = await api.sweepEstimate(JSON.parse(this.text), { limit: this.limit });
      say(
        `About ${formatSeconds(est.total_s)} for ${est.runs.length} run${est.runs.length === 1 ? '' : 's'} on this adapter, from times measured here${est.unmeasured.length ? ` (scaled for ${est.unmeasured.join(', ')})` : ''}.`,
      );
    } catch (e) {
      say(`Could not estimate: ${(e as Error).message}`);
    }
  }

  /** A control wrote a field: update the grid's JSON (kept as text, so the editor and the link follow). */
  private editField(control: string, apply: (g: Record<string, any>) => void): void {
    let g: Record<string, any>;
    try {
      g = JSON.parse(this.text);
    } catch {
      this.controlErrors = { ...this.controlErrors, [control]: 'fix the JSON below first' };
      return this.requestUpdate();
    }
    try {
      apply(g);
      this.controlErrors = { ...this.controlErrors, [control]: '' };
      this.setText(JSON.stringify(g, null, 2), true);
    } catch (e) {
      this.controlErrors = { ...this.controlErrors, [control]: (e as Error).message };
    }
    this.requestUpdate();
  }

  /** Open the editor at the error's line, selected. */
  private async showError(): Promise<void> {
    const details = this.renderRoot.querySelector('details.grid') as HTMLDetailsElement | null;
    if (details) details.open = true;
    await this.updateComplete;
    const ta = this.renderRoot.querySelector(
      '[data-testid="grid-editor"]',
    ) as HTMLTextAreaElement | null;
    const at = this.checked.at;
    if (!ta || at < 0) return;
    const start = this.text.lastIndexOf('\n', at - 1) + 1;
    const end = this.text.indexOf('\n', at);
    ta.focus();
    ta.setSelectionRange(start, end < 0 ? this.text.length : end);
    // Scroll the textarea so the selected line is in view (a textarea does not scroll to its selection by itself).
    const lineHeight = parseFloat(getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (lineOf(this.text, at) - 3) * lineHeight);
    ta.scrollIntoView({ block: 'center' });
  }

  private renderControls() {
    const c = this.checked;
    let g: Record<string, any> | null = null;
    try {
      g = JSON.parse(this.text);
    } catch {
      g = null;
    }
    if (!g || typeof g !== 'object') return '';
    const kind = g.budgets && 'flops' in g.budgets ? 'flops' : 'tokens_per_param';
    const err = (control: string, fields: string[]) => {
      const own = this.controlErrors[control];
      const fromGrid =
        c.message && fields.some((f) => c.field === f || c.field.startsWith(`${f}.`))
          ? c.message
          : '';
      const text = own || fromGrid;
      return text
        ? html`<span class="error" role="alert" data-testid=${`control-error-${control}`}>${text}</span>`
        : '';
    };
    const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : '');
    const disabled = this.running;
    return html`
      <fieldset class="card controls-grid" data-testid="grid-controls" ?disabled=${disabled}>
        <legend>The grid</legend>
        <label for="c-models">Model sizes <span class="muted">(layers × width × heads)</span></label>
        <input id="c-models" data-testid="control-models" .value=${Array.isArray(g.models) ? formatModels(g.models) : ''}
          @change=${(e: Event) => this.editField('models', (x) => (x.models = parseModels((e.target as HTMLInputElement).value)))} />
        ${err('models', ['models'])}
        <label for="c-budgets">Token budgets
          <select aria-label="kind of budget" data-testid="control-budget-kind" @change=${(
            e: Event,
          ) => {
            const k = (e.target as HTMLSelectElement).value;
            this.editField(
              'budgets',
              (x) => (x.budgets = { [k]: k === 'flops' ? [1e9, 4e9] : [2, 8, 32] }),
            );
          }}>
            <option value="tokens_per_param" ?selected=${kind === 'tokens_per_param'}>tokens per parameter (D/N)</option>
            <option value="flops" ?selected=${kind === 'flops'}>isoFLOP levels (C_train)</option>
          </select></label>
        <input id="c-budgets" data-testid="control-budgets" .value=${list(g.budgets?.[kind])}
          @change=${(e: Event) => this.editField('budgets', (x) => (x.budgets = { [kind]: parseList((e.target as HTMLInputElement).value, 'budget') }))} />
        ${err('budgets', ['budgets'])}
        <label for="c-seeds">Seeds</label>
        <input id="c-seeds" data-testid="control-seeds" .value=${list(g.seeds)}
          @change=${(e: Event) => this.editField('seeds', (x) => (x.seeds = parseList((e.target as HTMLInputElement).value, 'seed', true)))} />
        ${err('seeds', ['seeds'])}
        <label for="c-n">Samples per question <em>n</em></label>
        <input id="c-n" type="number" min="1" step="1" data-testid="control-n" .value=${String(g.sampling?.n ?? '')}
          @change=${(e: Event) => this.editField('n', (x) => ((x.sampling ??= {}).n = parseList((e.target as HTMLInputElement).value, 'number of samples', true)[0]))} />
        ${err('n', ['sampling.n'])}
        <label for="c-k">k of pass@k</label>
        <input id="c-k" data-testid="control-k" .value=${list(g.sampling?.k)}
          @change=${(e: Event) => this.editField('k', (x) => ((x.sampling ??= {}).k = parseList((e.target as HTMLInputElement).value, 'k', true)))} />
        ${err('k', ['sampling.k'])}
      </fieldset>`;
  }

  /** A finished sweep, again from scratch: its stored runs and checkpoints go first (after a confirm). */
  private async runAgain(): Promise<void> {
    const name = this.checked.exp?.name;
    if (!name || this.running) return;
    if (
      !confirm(
        `Run "${name}" again from scratch? Its ${this.records.length} finished runs and their checkpoints in this browser are deleted first (export them from Results to keep them).`,
      )
    )
      return;
    await api.deleteSweep(name);
    this.records = [];
    this.notices = [];
    this.redrawCharts(true);
    this.dispatchEvent(new CustomEvent('t2-records-changed', { bubbles: true, composed: true }));
    await this.start();
  }

  private async pause(): Promise<void> {
    this.state = 'pausing';
    await api.sweepPause();
  }

  private pickPreset(name: string): void {
    this.preset = name;
    setHash({ preset: name, exp: null });
  }

  override render() {
    const c = this.checked;
    const done = new Set(this.records.map((r) => r.id));
    const doneHere = c.runs.filter((r) => done.has(r.id)).length;
    const canStart = this.ready && !!c.exp && !this.running && doneHere < c.runs.length;
    const p = this.progress;
    return html`
      <h2>Sweep</h2>
      <p>A sweep trains a grid of small GPTs, each on its own token budget, then samples each one <em>n</em> times per question and scores pass@k.
        Smaller models trained on more tokens, given more samples, can beat bigger ones: watch for it in the plots below. <a href="#view=learn">What is T²?</a></p>

      <div class="controls">
        <label>Preset
          <select @change=${(e: Event) => this.pickPreset((e.target as HTMLSelectElement).value)} ?disabled=${this.running} data-testid="preset">
            ${this.preset === '' ? html`<option value="" selected>${this.gridOrigin()}</option>` : ''}
            ${Object.keys(presets).map((k) => html`<option value=${k} ?selected=${k === this.preset}>${k}</option>`)}
          </select>
        </label>
        ${
          this.running
            ? html`<button class="primary" @click=${this.pause} ?disabled=${this.state === 'pausing'} data-testid="pause">${this.state === 'pausing' ? 'Pausing…' : 'Pause'}</button>`
            : doneHere === c.runs.length && c.runs.length
              ? html`<span class="ok" data-testid="sweep-done">✓ Sweep done</span>
                <button @click=${this.runAgain} ?disabled=${!this.ready} data-testid="run-again">Run again from scratch</button>`
              : html`<button class="primary" @click=${this.start} ?disabled=${!canStart} data-testid="start">${doneHere > 0 || this.state === 'paused' ? 'Resume sweep' : 'Start sweep'}</button>
                <button @click=${this.estimate} ?disabled=${!canStart} data-testid="estimate">Estimate the time</button>`
        }
        <span class="muted" data-testid="sweep-state" data-state=${this.state}>${this.stateText(doneHere, c.runs.length)}</span>
      </div>
      ${!this.running && this.estimates.get(`${this.text}|${this.limit ?? ''}`) ? html`<p class="muted" role="status" data-testid="estimate-text">${this.estimates.get(`${this.text}|${this.limit ?? ''}`)}</p>` : ''}
      ${c.exp?.description ? html`<p class="muted" data-testid="preset-description">${c.exp.description}</p>` : ''}
      ${
        this.limit !== undefined && c.exp
          ? html`<p class="notice" data-testid="limit-notice">Capped by the link's <code>limit=${this.limit}</code>: running the first ${c.runs.length} of the ${c.gridRuns} runs of "${c.exp.name}". <button @click=${() => setHash({ limit: null })} ?disabled=${this.running}>Run the whole grid</button></p>`
          : ''
      }
      ${
        this.lab?.grid
          ? html`<div class="card" data-testid="lab-banner"><strong>Lab: ${this.lab.title}</strong><ul>${this.lab.lookFor.map((x) => html`<li>${x}</li>`)}</ul></div>`
          : ''
      }
      ${
        c.message
          ? html`<p class="error" role="alert" data-testid="grid-error-top">The grid cannot run: ${c.message}
            ${c.at >= 0 ? html`<button @click=${this.showError} data-testid="show-error">Show the line</button>` : ''}</p>`
          : ''
      }
      ${this.notices.map((n) => html`<p class="notice" role="status" data-testid="notice">${n}</p>`)}
      ${this.error ? html`<p class="error" role="alert" data-testid="sweep-error">${this.error}</p>` : ''}

      ${this.renderProgress(p, doneHere, c.runs.length)}

      <div class="grid2">
        <div class="card"><t2-chart data-testid="loss-chart" label="training loss against tokens, one line per run" .config=${this.charts.loss} empty="Loss curves appear here as soon as the first run trains."></t2-chart></div>
        <div class="card"><t2-chart data-testid="passk-chart" label="pass@k against k for each finished run" .config=${this.charts.passk} empty="pass@k appears here when the first run has been sampled."></t2-chart></div>
      </div>
      ${this.records.length > 1 ? html`<div class="card"><t2-chart data-testid="lossd-chart" label="held-out loss against training tokens per model" .config=${this.charts.lossD}></t2-chart></div>` : ''}

      ${this.renderControls()}
      ${this.renderRuns(c.runs, done)}

      <details class="grid">
        <summary>The grid as JSON (checked as you type; the controls above write it)</summary>
        <p class="muted">Models × token budgets × seeds, and the sampling settings. Edits go into the page's link, so you can share the grid.</p>
        <textarea rows="18" cols="90" spellcheck="false" aria-label="sweep grid as JSON" aria-describedby="grid-status" data-testid="grid-editor"
          .value=${this.text} ?disabled=${this.running} @input=${(e: Event) => this.setText((e.target as HTMLTextAreaElement).value, true)}></textarea>
        <p id="grid-status" aria-live="polite" data-testid="grid-status" class=${c.message ? 'error' : 'ok'}>
          ${c.message ? c.message : `✓ valid: ${c.gridRuns} runs in the grid${c.runs.length !== c.gridRuns ? `, ${c.runs.length} to run (limit)` : ''}`}</p>
      </details>
      ${this.log.length ? html`<details><summary>Log</summary><pre data-testid="log">${this.log.join('\n')}</pre></details>` : ''}
    `;
  }

  /** What the preset box says for a grid that is no preset: the lab it came from, else "(edited grid)". */
  private gridOrigin(): string {
    let text: string;
    try {
      text = JSON.stringify(JSON.parse(this.text));
    } catch {
      return '(edited grid)';
    }
    const lab = labs.find((l) => [l.grid, l.cpu].some((g) => g && JSON.stringify(g) === text));
    return lab ? `(the lab's grid: ${lab.title.replace(/:.*/, '')})` : '(edited grid)';
  }

  private stateText(done: number, total: number): string {
    // "Done" whenever every run is finished (a finished sweep loaded from storage is not "not started").
    if (total > 0 && done === total && !this.running && this.state !== 'error')
      return `${done} of ${total} runs finished · done`;
    const s = {
      idle: done ? 'paused' : 'not started',
      running: 'running',
      pausing: 'pausing: saving a checkpoint…',
      paused: 'paused',
      done: 'done',
      error: 'stopped by an error',
    }[this.state];
    return `${done} of ${total} runs finished · ${s}`;
  }

  private renderProgress(p: SweepProgress | null, done: number, total: number) {
    if (!p || !this.running) return '';
    const t = p.train;
    const s = p.sample;
    return html`
      <div class="card" data-testid="progress">
        <div data-testid="overall" data-fraction=${(this.display?.fraction ?? 0).toFixed(4)}><strong>Overall</strong>: ${(100 * (this.display?.fraction ?? 0)).toFixed(0)}% of the sweep done
          (${done} of ${total} runs finished)${this.display?.eta != null ? `, about ${formatSeconds(this.display.eta)} left` : ', estimating the time left…'}</div>
        <progress max="1" .value=${this.display?.fraction ?? 0} aria-label="whole sweep"></progress>
        <div><strong>Run ${p.run.id}</strong> (${p.index + 1} of ${p.total} still to run): ${p.phase === 'train' ? 'training' : 'sampling'}
          ${t ? html` · ${si(t.tokens)} of ${si(p.run.config.tokens)} tokens · loss ${t.loss.toFixed(3)} · ${si(t.tokensPerSec)} tokens/s` : ''}
          ${s ? html` · ${s.done} of ${s.total} samples` : ''}</div>
        <progress max="1" .value=${p.runFraction} aria-label="this run"></progress>
      </div>
    `;
  }

  private renderRuns(runs: RunSpec[], done: Set<string>) {
    if (!runs.length) return '';
    const rec = new Map(this.records.map((r) => [r.id, r]));
    const current = this.running ? this.progress?.run.id : undefined;
    const k1 = (r: RunRecord) => {
      const i = r.pass_at_k.sampling.k.indexOf(1);
      return i < 0 || r.pass_at_k.sampling.value[i] === null
        ? '–'
        : r.pass_at_k.sampling.value[i]!.toFixed(3);
    };
    return html`
      <h3>Runs</h3>
      <table data-testid="runs">
        <thead><tr><th>run</th><th class="num">N (non-emb.)</th><th class="num">D tokens</th><th class="num">D/N</th><th>status</th><th class="num">held-out loss</th><th class="num">pass@1, sampled (n = ${this.checked.exp?.sampling.n ?? '–'})</th></tr></thead>
        <tbody>
          ${runs.map((r) => {
            const x = rec.get(r.id);
            const status = done.has(r.id) ? 'done' : r.id === current ? 'running' : 'waiting';
            const ckpt = this.checkpointAt.get(r.id);
            return html`<tr data-run=${r.id} data-tokens=${r.config.tokens} data-status=${status} data-checkpoint=${ckpt ?? ''}>
              <td>${r.id}</td><td class="num">${r.N_nonemb.toLocaleString()}</td><td class="num">${si(r.config.tokens)}</td><td class="num">${(r.config.tokens / r.N_nonemb).toFixed(1)}</td>
              <td class=${status === 'done' ? 'ok' : ''}>${status === 'running' ? html`<strong>running</strong> ${(100 * (this.progress?.runFraction ?? 0)).toFixed(0)}%` : status}
                ${status !== 'done' && ckpt !== undefined ? html`<span class="muted">· checkpoint at ${si(ckpt)} tokens</span>` : ''}</td>
              <td class="num">${x ? x.eval_loss.toFixed(3) : ''}</td><td class="num">${x ? k1(x) : ''}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    `;
  }
}
customElements.define('t2-sweep', T2Sweep);
