// <t2-explorer>: the measured tradeoff, with no training. Pick a results file (the reproduction results
// committed under docs/results/, a sweep kept in this browser, or a .jsonl of your own); the laws are
// fitted once, off the page, and then two sliders, C_train and C_inf, move the optima (N*, D*/N*, k*) of
// Chinchilla and of the T² laws at once, with the measured runs and each isoFLOP level's direct optima
// beside them. Everything shown is fitted from those runs, and says so.
import { LitElement, html, css } from 'lit';
import { api } from '../shared/gpu-client.ts';
import { analysis } from '../shared/analysis-client.ts';
import { shared } from '../shared/styles.ts';
import { hashParam, setHash } from '../shared/state.ts';
import { explorerChart } from './explorer-chart.ts';
import { committed } from './committed.ts';
import { committedName } from './committed-source.ts';
import { fmt, type FitReport } from '../../src/fit/fit.ts';
import {
  computeGrid,
  optimumTable,
  type Laws,
  type OptimumPoint,
  type OptimumRow,
} from '../../src/fit/optimum.ts';
import { isoflopAnalysis, type IsoflopAnalysis } from '../../src/fit/isoflop.ts';
import { parseRecordsJsonl, type RunRecord } from '../../src/sweep/record.ts';
import { fitWarnings } from '../../src/report/charts.ts';
import { fittedLabel, heldOutError, lawTrusted, type LawName } from '../../src/report/laws.ts';
import { statedHoldout } from '../../experiments/index.ts';
import '../shared/t2-chart.ts';

// Results committed in the repository: Vite copies each file into the build as an asset (a results file
// with every sample is megabytes, too big to inline as a module) and the explorer fetches it when picked.
// The app builds, with an empty list, whether or not any exist yet.
const COMMITTED_URLS = import.meta.glob('../../docs/results/*/results.jsonl', {
  query: '?url',
  import: 'default',
}) as Record<string, () => Promise<string>>;
const COMMITTED: Record<string, () => Promise<string>> = Object.fromEntries(
  Object.entries(COMMITTED_URLS).map(([path, url]) => [
    path,
    async () => {
      const res = await fetch(await url());
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      return res.text();
    },
  ]),
);

/** The committed source analysed at build time: Explore paints it with no fetch, worker or fit. */
const READY = `repo:${committedName(committed.source)}`;

interface Source {
  /** "repo:t2", "browser:smoke", "file:mine.jsonl". */
  key: string;
  label: string;
}

export class T2Explorer extends LitElement {
  static override properties = {
    active: { type: Boolean },
    sources: { state: true },
    source: { state: true },
    records: { state: true },
    fit: { state: true },
    status: { state: true },
    logC: { state: true },
    logCinf: { state: true },
    errors: { state: true },
  };
  declare active: boolean;
  declare sources: Source[];
  declare source: string;
  declare records: RunRecord[];
  declare fit: FitReport | null;
  declare status: string;
  /** log10 of the slider values. */
  declare logC: number;
  declare logCinf: number;
  declare errors: string[];
  private listed = false;
  private fileText = new Map<string, string>();

  constructor() {
    super();
    this.active = false;
    this.sources = [];
    this.source = '';
    this.records = [];
    this.fit = null;
    this.status = '';
    this.logC = NaN;
    this.logCinf = NaN;
    this.errors = [];
  }

  static override styles = [
    shared,
    css`
    .sliders { display: grid; grid-template-columns: minmax(8rem, max-content) minmax(8rem, 1fr) minmax(7rem, max-content); gap: 0.4rem 1rem; align-items: center; max-width: 60rem; }
    /* Knobs beside the charts on a wide screen (as TensorFlow Playground), above them on a phone. */
    .layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
    @media (min-width: 75rem) { .layout { grid-template-columns: minmax(24rem, 2fr) minmax(0, 3fr); align-items: start; }
      .knobs { position: sticky; top: 0.5rem; } .knobs .sliders { grid-template-columns: minmax(6rem, max-content) minmax(5rem, 1fr) minmax(6rem, max-content); gap: 0.4rem 0.6rem; } }
    .charts .card { margin: 0 0 0.75rem; }
    tr.untrusted td { color: #666; }
    .sliders input[type='range'] { width: 100%; }
    @media (max-width: 40rem) { .sliders { grid-template-columns: 1fr; } }
    .value { font-variant-numeric: tabular-nums; font-weight: 600; }
    .big { font-size: 1.15rem; }
    .scroll { overflow-x: auto; max-width: 100%; }
  `,
  ];

  override updated(): void {
    if (this.active && !this.listed) {
      this.listed = true;
      void this.list();
    }
  }

  private async list(): Promise<void> {
    const repo = Object.keys(COMMITTED)
      .sort()
      .map((p) => ({
        key: `repo:${committedName(p)}`,
        label: `${committedName(p)} (committed in the repository${`repo:${committedName(p)}` === READY ? ', analysed when the app was built' : ''})`,
      }));
    this.sources = repo;
    const wanted = hashParam('explore');
    // The committed analysis paints at once; the picker learns of this browser's sweeps afterwards, since
    // asking the GPU worker can take seconds while it starts.
    const first =
      repo.find((s) => s.key === wanted) ?? repo.find((s) => s.key === READY) ?? repo[0];
    const loading = first && !wanted?.startsWith('browser:') ? this.load(first.key) : null;
    let mine: Source[] = [];
    try {
      mine = (await api.sweeps()).map((s) => ({
        key: `browser:${s.name}`,
        label: `${s.name} (${s.runs} runs in this browser)`,
      }));
    } catch {
      // The GPU worker may be unavailable (no WebGPU): committed results and files still work.
    }
    this.sources = [
      ...repo,
      ...mine,
      ...[...this.fileText.keys()].map((k) => ({ key: k, label: `${k.slice(5)} (your file)` })),
    ];
    await loading;
    const pick = this.sources.find((s) => s.key === wanted);
    if (pick && pick.key !== this.source) await this.load(pick.key);
    else if (!this.source && this.sources[0]) await this.load(this.sources[0].key);
  }

  private async load(key: string): Promise<void> {
    this.source = key;
    this.fit = null;
    this.errors = [];
    this.status = 'Loading…';
    const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (key === READY) {
      setHash({ explore: key });
      this.records = committed.records;
      this.useFit(committed.fit, committed.records);
      return;
    }
    let records: RunRecord[];
    try {
      if (kind === 'browser') records = await api.results(name);
      else {
        const text =
          kind === 'repo'
            ? await COMMITTED[Object.keys(COMMITTED).find((p) => committedName(p) === name)!]!()
            : this.fileText.get(key)!;
        const parsed = parseRecordsJsonl(text);
        records = parsed.records;
        this.errors = parsed.errors.map((e) => `line ${e.line}: ${e.message}`);
      }
    } catch (e) {
      this.status = `Could not load ${name}: ${(e as Error).message}`;
      this.records = [];
      return;
    }
    if (kind !== 'file') setHash({ explore: key });
    this.records = records;
    if (!records.length) {
      this.status = `${name} has no finished runs${this.errors.length ? ` (${this.errors.length} unreadable lines)` : ''}.`;
      return;
    }
    this.status = `Fitting the laws to ${records.length} runs (in a worker)…`;
    const sweep = records[0]!.sweep;
    try {
      const fit = await analysis.fit(records, {
        bootstrap: 50,
        fallbackHeldOutRatio: statedHoldout(sweep),
        seed: 1,
      });
      if (this.source !== key) return; // another source was picked meanwhile
      this.useFit(fit, records);
    } catch (e) {
      this.status = `Fitting failed: ${(e as Error).message}`;
    }
  }

  /** Show a fit: the sliders start at the middle of the runs' C_train (or the link's) and the fit's C_inf. */
  private useFit(fit: FitReport | null, records: RunRecord[]): void {
    this.fit = fit;
    const Cs = records.map((r) => r.C_train).filter((c) => c > 0);
    const mid = (Math.log10(Math.min(...Cs)) + Math.log10(Math.max(...Cs))) / 2;
    this.logC = Number(hashParam('ctrain') ?? mid.toFixed(2));
    this.logCinf = Number(
      hashParam('cinf') ??
        Math.log10(fit?.optimum?.C_inf ?? 2 * Math.max(...records.map((r) => r.N_nonemb))).toFixed(
          2,
        ),
    );
    this.status = fit?.chinchilla
      ? ''
      : `The Chinchilla law could not be fitted: ${fit?.skipped.chinchilla ?? 'no usable runs'}.`;
  }

  private async pickFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    const key = `file:${file.name}`;
    this.fileText.set(key, await file.text());
    if (!this.sources.some((s) => s.key === key))
      this.sources = [...this.sources, { key, label: `${file.name} (your file)` }];
    input.value = '';
    await this.load(key);
  }

  private slide(which: 'ctrain' | 'cinf', v: number): void {
    if (which === 'ctrain') this.logC = v;
    else this.logCinf = v;
    setHash({ [which]: v.toFixed(2) });
  }

  override render() {
    return html`
      <h2>Explore the measured tradeoff</h2>
      <p>No training needed: pick results, then move the two budgets. <strong>C_train</strong> is the compute spent training (6·N·D FLOPs);
        <strong>C_inf</strong> the compute spent serving each token (2·N·k FLOPs, k samples per question). Watch where the best model size N*
        and its tokens per parameter D*/N* go for Chinchilla (which ignores inference) and for the T² laws (which pay for it).
        <a href="#view=learn">What is T²?</a></p>
      <div class="controls">
        <label>Results <select data-testid="explore-source" @change=${(e: Event) => this.load((e.target as HTMLSelectElement).value)}>
          ${this.sources.length === 0 ? html`<option value="">(none yet: pick a file)</option>` : ''}
          ${this.sources.map((s) => html`<option value=${s.key} ?selected=${s.key === this.source}>${s.label}</option>`)}</select></label>
        <label>or your own <code>results.jsonl</code> <input type="file" accept=".jsonl,.json,.txt" @change=${this.pickFile} data-testid="explore-file"></label>
      </div>
      ${this.status ? html`<p class="muted" role="status" data-testid="explore-status">${this.status}</p>` : ''}
      ${this.errors.length ? html`<p class="notice">${this.errors.length} line${this.errors.length === 1 ? '' : 's'} could not be read and were skipped: ${this.errors.slice(0, 3).join('; ')}${this.errors.length > 3 ? '; …' : ''}</p>` : ''}
      ${this.fit?.chinchilla ? this.renderExplorer(this.fit) : ''}
    `;
  }

  private renderExplorer(fit: FitReport) {
    const rs = this.records;
    const laws: Laws = {
      chinchilla: fit.chinchilla!.params,
      t2Loss: fit.t2_loss?.params,
      t2Accuracy: fit.t2_accuracy?.params,
    };
    const Cs = rs.map((r) => r.C_train).filter((c) => c > 0);
    const [cLo, cHi] = [
      Math.floor(Math.log10(Math.min(...Cs)) - 1),
      Math.ceil(Math.log10(Math.max(...Cs)) + 1),
    ];
    const cInf0 = Math.log10(2 * Math.max(...rs.map((r) => r.N_nonemb)));
    const [iLo, iHi] = [Math.floor(cInf0 - 2), Math.ceil(cInf0 + 3)];
    const C = 10 ** this.logC,
      C_inf = 10 ** this.logCinf;
    const Nr = fit.optimum?.N_range ?? [
      Math.min(...rs.map((r) => r.N_nonemb)) / 10,
      Math.max(...rs.map((r) => r.N_nonemb)) * 10,
    ];
    const [row] = optimumTable(laws, [C], C_inf, Nr[0], Nr[1]);
    const curve: OptimumRow[] = optimumTable(
      laws,
      computeGrid(10 ** cLo, 10 ** cHi, 25),
      C_inf,
      Nr[0],
      Nr[1],
    );
    // The direct optima move with C_inf too (k = C_inf/2N changes every level's pass@k); without the
    // bootstrap this is milliseconds, so it follows the slider.
    const iso: IsoflopAnalysis = isoflopAnalysis(rs, { C_inf, bootstrap: 0 });
    // The headline is a measurement: the level nearest the slider's C_train whose shift was measured.
    const measured =
      iso.levels
        .filter((l) => l.shift)
        .sort((a, b) => Math.abs(Math.log(a.C_train / C)) - Math.abs(Math.log(b.C_train / C)))[0] ??
      null;
    const warnings = fitWarnings(fit);
    const cell = (p: OptimumPoint | null | undefined, k: boolean) =>
      p && Number.isFinite(p.N)
        ? html`<td class="num">${fmt(p.N)}${p.atBoundary ? ' (edge)' : ''}</td><td class="num"><strong>${fmt(p.ratio)}</strong></td><td class="num">${k ? fmt(p.k) : '1 (not charged)'}</td>`
        : html`<td colspan="3" class="muted">not fitted</td>`;
    const shift =
      row?.t2_loss && row.chinchilla.ratio > 0 ? row.t2_loss.ratio / row.chinchilla.ratio : null;
    const sweep = rs[0]!.sweep;
    const lawRow = (law: LawName, id: string, p: OptimumPoint | null | undefined, k: boolean) => {
      const e = heldOutError(fit, law);
      const ok = lawTrusted(fit, law);
      return html`<tr data-law=${id} class=${ok ? '' : 'untrusted'}><td>${fittedLabel(law, fit).replace(/: .*/, '')}${ok ? '' : html` <span class="bad">untrusted</span>`}</td>${cell(p, k)}
        <td class="num">${e === null ? '–' : `${fmt(100 * e)}%`}</td></tr>`;
    };
    const t2ok = lawTrusted(fit, 'T² loss law (Approach 1)');
    return html`
      <p class="notice" data-testid="explore-provenance">Fitted from ${rs.length} measured runs of <strong>${sweep}</strong>
        (${[...new Set(rs.map((r) => r.device))].slice(0, 2).join('; ')}; code ${[...new Set(rs.map((r) => r.code_version))].slice(0, 2).join(', ')}).
        Dashed lines are laws fitted to those runs, each labelled with its error on held-out runs; points are the runs; triangles are each isoFLOP level's measured optimum.</p>
      <div class="layout">
        <div class="knobs">
          <div class="sliders card">
            <label for="ctrain">Training compute C_train</label>
            <input id="ctrain" type="range" min=${cLo} max=${cHi} step="0.01" .value=${String(this.logC)} data-testid="slider-ctrain"
              @input=${(e: Event) => this.slide('ctrain', Number((e.target as HTMLInputElement).value))} aria-valuetext=${`${fmt(C)} FLOPs`} />
            <span class="value" data-testid="value-ctrain">${fmt(C)} FLOPs</span>
            <label for="cinf">Inference compute C_inf</label>
            <input id="cinf" type="range" min=${iLo} max=${iHi} step="0.01" .value=${String(this.logCinf)} data-testid="slider-cinf"
              @input=${(e: Event) => this.slide('cinf', Number((e.target as HTMLInputElement).value))} aria-valuetext=${`${fmt(C_inf)} FLOPs per token`} />
            <span class="value" data-testid="value-cinf">${fmt(C_inf)} FLOPs/token</span>
          </div>
          <p class="big" data-testid="explore-headline">${
            measured
              ? html`Measured at C_train = ${fmt(measured.C_train)} (the level nearest the slider), C_inf = ${fmt(C_inf)}: ${measured.shift!.text}.`
              : 'No isoFLOP level of these runs measures both optima: the runs themselves give no headline.'
          }</p>
          <p data-testid="explore-law">${
            shift === null
              ? 'The T² loss law could not be fitted to these runs, so only Chinchilla is shown.'
              : t2ok
                ? html`The fitted T² loss law (held-out error ${fmt(100 * (heldOutError(fit, 'T² loss law (Approach 1)') ?? NaN))}%, the paper's 2.8%) puts D*/N* at ${fmt(shift)}× Chinchilla's here
                  (${fmt(row!.t2_loss!.ratio)} against ${fmt(row!.chinchilla.ratio)}): N* = ${fmt(row!.t2_loss!.N)}, k* = ${fmt(row!.t2_loss!.k)}. A fit, not a measurement.`
                : html`The fitted T² loss law misses the held-out runs by ${fmt(100 * (heldOutError(fit, 'T² loss law (Approach 1)') ?? NaN))}%, so no optimum of it is
                  quoted as a result: the table shows where it points, marked untrusted. The triangles are what the runs themselves measured.`
          }</p>
          <div class="scroll"><table data-testid="explore-table">
            <thead><tr><th>law</th><th class="num">N*</th><th class="num">D*/N*</th><th class="num">k* = C_inf/(2N*)</th><th class="num">held-out error</th></tr></thead>
            <tbody>
              ${lawRow('Chinchilla', 'chinchilla', row?.chinchilla, false)}
              ${lawRow('T² loss law (Approach 1)', 't2-loss', row?.t2_loss, true)}
              ${lawRow('T² accuracy law (Approach 2)', 't2-accuracy', row?.t2_accuracy, true)}
            </tbody></table></div>
          ${warnings.length ? html`<ul class="error" data-testid="explore-warnings">${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}
        </div>
        <div class="charts">
          <div class="card"><t2-chart data-testid="explore-chart-n" label="optimal model size against training compute" .config=${explorerChart({ field: 'N', rows: curve, records: rs, iso, C_train: C, fit })}></t2-chart></div>
          <div class="card"><t2-chart data-testid="explore-chart-ratio" label="optimal tokens per parameter against training compute" .config=${explorerChart({ field: 'ratio', rows: curve, records: rs, iso, C_train: C, fit })}></t2-chart></div>
          <p class="muted">An optimum marked "(edge)" lies at the end of the N range scanned (${fmt(Nr[0])} to ${fmt(Math.min(Nr[1], C_inf / 2))}): the law would go further, the runs cannot say.
            The T² scan stops at N = C_inf/2, where a model can afford only one sample.</p>
        </div>
      </div>
    `;
  }
}
customElements.define('t2-explorer', T2Explorer);
