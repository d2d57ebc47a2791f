// <t2-results>: the plots of `t2lab report` for one sweep (the same builders, src/report/charts.ts),
// redrawn as runs finish, with the fits computed in the worker; the optimum table and the table of runs;
// export JSONL (what the CLI writes) or CSV; import a results file made by the CLI; download the
// checkpoints of finished runs as .safetensors.
import { LitElement, css, html } from 'lit';
import { api } from '../shared/gpu-client.ts';
import { shared } from '../shared/styles.ts';
import { hashParam, setHash, download, si } from '../shared/state.ts';
import {
  allCharts,
  fitWarnings,
  isoflopLossChart,
  isoflopT2Chart,
  isoflopTable,
  overtrainedTable,
  type ChartSpec,
} from '../../src/report/charts.ts';
import { tidyPassAtKCsv, tidyQuestionsCsv } from '../../src/report/tidy.ts';
import type { IsoflopAnalysis } from '../../src/fit/isoflop.ts';
import { levelCellText, levelName, levelTable } from '../../src/fit/tasks.ts';
import { levelShade } from '../../src/report/html.ts';
import { fittedLabel } from '../../src/report/laws.ts';
import { analysis } from '../shared/analysis-client.ts';
import { labs } from '../labs/labs.ts';
import { expandRuns, validateExperiment, type RunSpec } from '../../src/sweep/experiment.ts';
import { fmt, type FitReport } from '../../src/fit/fit.ts';
import { presets, statedHoldout } from '../../experiments/index.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import type { SweepSummary } from '../../src/worker/api.ts';
import type { BlobInfo } from '../../src/worker/db.ts';
import '../shared/t2-chart.ts';

export class T2Results extends LitElement {
  static override properties = {
    revision: { type: Number },
    active: { type: Boolean },
    sweeps: { state: true },
    sweep: { state: true },
    records: { state: true },
    checkpoints: { state: true },
    message: { state: true },
    importErrors: { state: true },
    busy: { state: true },
    fit: { state: true },
    fitting: { state: true },
    iso: { state: true },
  };
  /** Bumped by the app whenever runs are added anywhere; the view reloads when it is shown. */
  declare revision: number;
  declare active: boolean;
  declare sweeps: SweepSummary[];
  declare sweep: string;
  declare records: RunRecord[];
  declare checkpoints: BlobInfo[];
  declare message: string;
  declare importErrors: { line: number; message: string }[];
  declare busy: boolean;
  /** The fit of the records shown (null until the worker has one, or when nothing can be fitted). */
  declare fit: FitReport | null;
  declare fitting: boolean;
  /** The direct per-level isoFLOP answer for the records shown (null until the analysis worker has it). */
  declare iso: IsoflopAnalysis | null;
  private loaded = -1;
  /** Which records the shown fit belongs to, and which are wanted, as "sweep|runs". */
  private fitFor = '';
  private fitWanted = '';

  constructor() {
    super();
    this.revision = 0;
    this.active = false;
    this.sweeps = [];
    this.sweep = '';
    this.records = [];
    this.checkpoints = [];
    this.message = '';
    this.importErrors = [];
    this.busy = false;
    this.fit = null;
    this.fitting = false;
    this.iso = null;
  }

  static override styles = [
    shared,
    css`figure { margin: 0; } figure h3 { margin-top: 0; } tr.flagged td { background: #fff8e1; }`,
  ];

  override updated(): void {
    if (this.active && this.loaded !== this.revision) {
      this.loaded = this.revision;
      void this.reload();
    }
  }

  private async reload(): Promise<void> {
    this.sweeps = await api.sweeps();
    const wanted = hashParam('sweep') ?? this.sweep;
    this.sweep = this.sweeps.some((s) => s.name === wanted) ? wanted : (this.sweeps[0]?.name ?? '');
    await this.loadSweep();
  }

  private async loadSweep(): Promise<void> {
    this.records = this.sweep ? await api.results(this.sweep) : [];
    this.checkpoints = this.sweep ? await api.checkpoints(this.sweep) : [];
    this.fitWanted = `${this.sweep}|${this.records.length}`;
    if (this.fitFor !== this.fitWanted) this.fit = null;
    void this.refit();
    void this.analyseLevels(this.fitWanted);
  }

  /** The per-level bootstrap (seconds for a big sweep) in the statistics worker; a stale answer is dropped. */
  private async analyseLevels(key: string): Promise<void> {
    if (!this.records.length) return void (this.iso = null);
    const iso = await analysis.isoflop(this.records, {
      C_inf: presets[this.sweep]?.C_inf,
      bootstrap: 1000,
    });
    if (key === this.fitWanted) this.iso = iso;
  }

  /** Fit in the worker; runs that finish meanwhile get a new fit as soon as this one returns. */
  private async refit(): Promise<void> {
    if (this.fitting || this.fitFor === this.fitWanted || !this.records.length) return;
    const key = this.fitWanted;
    const sweep = this.sweep;
    this.fitting = true;
    try {
      const { fit } = await api.fit(sweep, { fallbackHeldOutRatio: statedHoldout(sweep) });
      if (key === this.fitWanted) this.fit = fit;
      this.fitFor = key;
    } catch (e) {
      this.message = `Fitting failed: ${(e as Error).message}`;
      this.fitFor = key;
    }
    this.fitting = false;
    void this.refit();
  }

  private async pick(name: string): Promise<void> {
    this.sweep = name;
    setHash({ sweep: name });
    await this.loadSweep();
  }

  private async exportAs(format: 'jsonl' | 'csv'): Promise<void> {
    const text = await api.exportResults(this.sweep, format);
    download(`${this.sweep}.${format}`, text, format === 'csv' ? 'text/csv' : 'application/jsonl');
  }

  private async importFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this.busy = true;
    try {
      const r = await api.importResults(await file.text());
      this.importErrors = r.errors;
      this.message = `Imported ${r.imported} run${r.imported === 1 ? '' : 's'} from ${file.name}${r.sweeps.length ? ` (sweep ${r.sweeps.join(', ')})` : ''}${r.errors.length ? `; ${r.errors.length} line${r.errors.length === 1 ? '' : 's'} could not be read` : ''}.`;
      if (r.sweeps[0]) setHash({ sweep: r.sweeps[0] });
      this.loaded = -1;
      this.dispatchEvent(new CustomEvent('t2-records-changed', { bubbles: true, composed: true }));
    } catch (err) {
      this.message = `Import failed: ${(err as Error).message}`;
    }
    input.value = '';
    this.busy = false;
  }

  private async saveCheckpoint(b: BlobInfo): Promise<void> {
    const bytes = await api.checkpoint(b.sweep, b.id);
    if (bytes) download(`${b.sweep}-${b.id.replace(/[^\w.=-]+/g, '_')}.safetensors`, bytes);
  }

  private async deleteSweep(): Promise<void> {
    if (!confirm(`Delete every run and checkpoint of "${this.sweep}" from this browser?`)) return;
    await api.deleteSweep(this.sweep);
    this.message = `Deleted "${this.sweep}".`;
    setHash({ sweep: null });
    this.loaded = -1;
    this.dispatchEvent(new CustomEvent('t2-records-changed', { bubbles: true, composed: true }));
  }

  private renderChart(c: ChartSpec) {
    return html`<figure class="card" data-testid=${`report-${c.id}`}>
      <h3>${c.title}</h3>
      ${c.message ? html`<p class="notice">${c.message}</p>` : ''}
      ${c.config ? html`<t2-chart data-testid=${`chart-${c.id}`} label=${c.title} .config=${c.config}></t2-chart>` : ''}
      <figcaption class="muted">${c.caption}</figcaption>
    </figure>`;
  }

  /** The sweep's planned runs when it is a preset or a lab (so colours match the Sweep view's), else none. */
  private grid(): RunSpec[] | undefined {
    const exp = presets[this.sweep] ?? labs.find((l) => l.grid?.name === this.sweep)?.grid;
    try {
      return exp ? expandRuns(validateExperiment(exp, this.sweep)) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The headline: per isoFLOP level, both optima measured directly, their ratio, and the figure. */
  private renderIsoflop() {
    const a = this.iso;
    if (!a) return html`<p class="muted">Analysing the isoFLOP levels…</p>`;
    if (!a.levels.length) {
      return html`<p class="muted" data-testid="isoflop-none">No isoFLOP levels in this sweep (its budgets are D/N ratios): the direct per-level answer needs budgets given as FLOPs,
        as in the <code>t2</code> preset. The laws below are extrapolations from the grid.</p>`;
    }
    const t = isoflopTable(a);
    return html`
      <h3>The direct answer per isoFLOP level (no law in between)</h3>
      <p class="muted">Each level holds C_train = 6ND fixed. N_loss*: the minimum of a parabola in log N through the held-out losses; N_T²*: the maximum of a parabola
        through log pass@k at k = C_inf/(2N), C_inf = ${fmt(a.C_inf)}. Intervals: ${a.bootstrap} bootstrap resamples over questions and seeds. Ratio above 1: paying for
        samples favours smaller models on more tokens per parameter. <a href="#view=learn">What is T²?</a></p>
      <div class="scroll"><table data-testid="isoflop-table">
        <thead><tr>${t.head.map((h) => html`<th class="num">${h}</th>`)}</tr></thead>
        <tbody>${t.rows.map((r) => html`<tr class=${r.flagged ? 'flagged' : ''} data-flagged=${r.flagged}>${r.cells.map((c) => html`<td class="num">${c}</td>`)}</tr>`)}</tbody>
      </table></div>
      ${t.notes.length ? html`<ul class="notice">${t.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
      <div class="grid2">${[isoflopLossChart(a), isoflopT2Chart(a)].map((c) => this.renderChart(c))}</div>
    `;
  }

  /** Where samples help: each task by difficulty level, pass@1 / pass@k at each size's own k (as the report). */
  private renderLevels(rs: RunRecord[]) {
    const a = this.iso;
    const t = a ? levelTable(rs, a.C_inf) : null;
    if (!t) return '';
    const names = t.columns.map(levelName);
    return html`
      <details data-testid="levels">
        <summary><h3 style="display: inline">Where samples help: each task by difficulty level</h3></summary>
        <p class="muted">Per budget and size (seeds averaged), each task split by its level (letters, digits, sentences): pass@1 / pass@k in %, from p_i, at the
          size's own k = C_inf/(2N) (C_inf = ${fmt(t.C_inf)}); the darker the cell, the higher its pass@k. A column dark for every size decides nothing: the T²
          comparison is decided where the columns differ.</p>
        ${t.groups.map(
          (g) => html`<h4>${g.label}</h4>
            <div class="scroll"><table data-testid="levels-table">
              <thead><tr><th class="num">N</th><th class="num">k</th>${names.map((n) => html`<th class="num">${n}</th>`)}</tr></thead>
              <tbody>${g.rows.map(
                (r) =>
                  html`<tr><td class="num">${r.N.toLocaleString('en-US')}</td><td class="num">${r.k.toPrecision(3)}</td>${r.cells.map(
                    (c) =>
                      c
                        ? html`<td class="num" style=${levelShade(c.passk)}>${levelCellText(c)}</td>`
                        : html`<td class="num">–</td>`,
                  )}</tr>`,
              )}</tbody>
            </table></div>`,
        )}
      </details>
    `;
  }

  /** The frontier in numbers, and the paper's comparison at the largest budget. */
  private renderOptimum(rs: RunRecord[]) {
    const o = this.fit?.optimum;
    const t = overtrainedTable(rs, this.fit);
    const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
    const pt = (p: { N: number; ratio: number; k: number } | null | undefined) =>
      p
        ? html`<td class="num">${fmt(p.N)}</td><td class="num">${fmt(p.ratio)}</td><td class="num">${fmt(p.k)}</td>`
        : html`<td></td><td></td><td></td>`;
    return html`
      ${
        o && o.rows.length
          ? html`<h3>Compute-optimal models (C_inf = ${fmt(o.C_inf)} FLOPs per token served)</h3>
          <table data-testid="optimum"><thead>
            <tr><th rowspan="2" class="num">C_train</th><th colspan="2">${fittedLabel('Chinchilla', this.fit)} (inference free)</th><th colspan="3">${fittedLabel('T² loss law (Approach 1)', this.fit)}</th><th colspan="3">${fittedLabel('T² accuracy law (Approach 2)', this.fit)}</th></tr>
            <tr><th class="num">N*</th><th class="num">D*/N*</th><th class="num">N*</th><th class="num">D*/N*</th><th class="num">k*</th><th class="num">N*</th><th class="num">D*/N*</th><th class="num">k*</th></tr></thead>
            <tbody>${o.rows.map((r) => html`<tr><td class="num">${fmt(r.C_train)}</td><td class="num">${fmt(r.chinchilla.N)}</td><td class="num">${fmt(r.chinchilla.ratio)}</td>${pt(r.t2_loss)}${pt(r.t2_accuracy)}</tr>`)}</tbody></table>`
          : ''
      }
      <h3>Best overtrained model against the Chinchilla-optimal one, at the largest C_train (≈ ${fmt(t.C_train)})</h3>
      ${t.message ? html`<p class="notice">${t.message}</p>` : ''}
      ${
        t.rows.length
          ? html`<div class="scroll"><table data-testid="overtrained"><thead><tr><th></th><th>run</th><th class="num">N</th><th class="num">D/N</th><th class="num">held-out loss</th><th class="num">k = C_inf/(2N)</th><th class="num">pass@1, from the likelihood</th><th class="num">pass@k, from the likelihood</th><th class="num">pass@k, sampled (n = ${t.n ?? '–'})</th></tr></thead>
            <tbody>${t.rows.map(
              (
                r,
              ) => html`<tr><td>${r.role}</td><td>${r.id}</td><td class="num">${fmt(r.N)}</td><td class="num">${fmt(r.ratio)}</td><td class="num">${fmt(r.loss)}</td><td class="num">${fmt(r.k)}</td>
              <td class="num">${pct(r.pass1)}</td><td class="num">${pct(r.passK_likelihood)}</td><td class="num">${r.passK_sampling === null ? '–' : `${pct(r.passK_sampling)} (k=${r.k_sampling})`}</td></tr>`,
            )}</tbody></table></div>`
          : ''
      }
    `;
  }

  override render() {
    const rs = this.records;
    const ks = rs[0]?.pass_at_k.sampling.k ?? [];
    const kmax = ks.length ? Math.max(...ks) : 1;
    const ns = rs.flatMap((r) => (r.questions ?? []).map((q) => q.n));
    const nmin = ns.length ? Math.min(...ns) : '–';
    const at = (r: RunRecord, m: 'sampling' | 'likelihood', k: number) => {
      const i = r.pass_at_k[m].k.indexOf(k);
      const v = i < 0 ? null : r.pass_at_k[m].value[i];
      return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
    };
    return html`
      <h2>Results</h2>
      <div class="controls">
        <label>Sweep
          <select @change=${(e: Event) => this.pick((e.target as HTMLSelectElement).value)} data-testid="results-sweep">
            ${this.sweeps.length === 0 ? html`<option value="">(no results yet)</option>` : ''}
            ${this.sweeps.map((s) => html`<option value=${s.name} ?selected=${s.name === this.sweep}>${s.name} (${s.runs} runs)</option>`)}
          </select>
        </label>
        <button @click=${() => this.exportAs('jsonl')} ?disabled=${!rs.length} data-testid="export-jsonl">Export JSONL</button>
        <button @click=${() => this.exportAs('csv')} ?disabled=${!rs.length} data-testid="export-csv">Export CSV</button>
        <button @click=${() => download(`${this.sweep}_pass_at_k.csv`, tidyPassAtKCsv(this.records), 'text/csv')} ?disabled=${!rs.length} data-testid="export-tidy-pass-at-k"
          title="one row per (run, k), for pandas: docs/results-csv.md">Tidy CSV: pass@k</button>
        <button @click=${() => download(`${this.sweep}_questions.csv`, tidyQuestionsCsv(this.records), 'text/csv')} ?disabled=${!rs.length} data-testid="export-tidy-questions"
          title="one row per (run, question), for pandas: docs/results-csv.md">Tidy CSV: questions</button>
        <label class="file">Import results (.jsonl from <code>t2lab sweep</code>)
          <input type="file" accept=".jsonl,.json,.txt,application/jsonl" @change=${this.importFile} ?disabled=${this.busy} data-testid="import"></label>
        <button @click=${this.deleteSweep} ?disabled=${!this.sweep}>Delete sweep</button>
      </div>
      ${this.message ? html`<p role="status" data-testid="results-message">${this.message}</p>` : ''}
      ${
        this.importErrors.length
          ? html`<ul class="error" data-testid="import-errors">${this.importErrors.slice(0, 20).map((e) => html`<li>line ${e.line}: ${e.message}</li>`)}
            ${this.importErrors.length > 20 ? html`<li>… and ${this.importErrors.length - 20} more</li>` : ''}</ul>`
          : ''
      }
      ${
        rs.length === 0
          ? html`<p class="muted">No finished runs yet. Start a sweep on the Sweep tab, or import a results file made by <code>npx t2lab sweep</code>.</p>`
          : html`
          <p class="muted" data-testid="fit-status" data-fitted=${this.fit !== null}>${this.fitting ? 'Fitting the scaling laws in the worker…' : this.fit ? `Fitted on ${this.fit.points} runs.` : 'Not fitted.'}
            ${this.fit && Object.keys(this.fit.skipped).length ? `Some laws could not be fitted yet (${Object.keys(this.fit.skipped).join(', ')}): each plot says why.` : ''}</p>
          ${(() => {
            const w = fitWarnings(this.fit);
            return w.length
              ? html`<div class="notice" role="note" data-testid="fit-warnings"><strong>Do not trust these fits yet.</strong><ul>${w.map((x) => html`<li>${x}</li>`)}</ul></div>`
              : '';
          })()}
          ${this.renderIsoflop()}
          ${this.renderLevels(rs)}
          <h3>Plots <span class="muted">(<a href="#view=learn">how to read them</a>)</span></h3>
          <div class="grid2">${allCharts(rs, this.fit, this.iso, this.grid()).map((c) => this.renderChart(c))}</div>
          ${this.renderOptimum(rs)}
          <h3>Runs</h3>
          <table data-testid="results-table">
            <thead><tr><th>run</th><th class="num">N</th><th class="num">N non-emb.</th><th class="num">D</th><th class="num">D/N</th><th class="num">C_train (6ND)</th>
              <th class="num">held-out loss</th><th class="num">pass@1, sampled (n = ${nmin})</th><th class="num">pass@${kmax}, sampled</th><th class="num">pass@${kmax}, from the likelihood</th><th class="num">train s</th><th class="num">sample s</th></tr></thead>
            <tbody>${rs.map(
              (r) => html`<tr>
              <td>${r.id}${r.diverged ? html` <span class="bad">diverged</span>` : ''}</td><td class="num">${r.N.toLocaleString()}</td><td class="num">${r.N_nonemb.toLocaleString()}</td>
              <td class="num">${si(r.D)}</td><td class="num">${(r.D / r.N_nonemb).toFixed(1)}</td><td class="num">${r.C_train.toExponential(2)}</td>
              <td class="num">${Number.isFinite(r.eval_loss) ? r.eval_loss.toFixed(3) : '–'}</td><td class="num">${at(r, 'sampling', 1)}</td><td class="num">${at(r, 'sampling', kmax)}</td>
              <td class="num">${at(r, 'likelihood', kmax)}</td><td class="num">${r.timings.train_s.toFixed(1)}</td><td class="num">${r.timings.sample_s.toFixed(1)}</td>
            </tr>`,
            )}</tbody>
          </table>
          <p class="muted">Device: ${[...new Set(rs.map((r) => r.device))].join('; ')}</p>`
      }
      ${
        this.checkpoints.length
          ? html`<h3>Checkpoints</h3>
          <table data-testid="checkpoints"><thead><tr><th>run</th><th>what</th><th class="num">size</th><th></th></tr></thead>
            <tbody>${this.checkpoints.map(
              (b) => html`<tr><td>${b.id}</td><td>${b.note}</td><td class="num">${si(b.bytes)}B</td>
              <td><button @click=${() => this.saveCheckpoint(b)}>Download .safetensors</button></td></tr>`,
            )}</tbody></table>`
          : ''
      }
    `;
  }
}
customElements.define('t2-results', T2Results);
