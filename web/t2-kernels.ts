// <t2-kernels>: the kernel profiler. Checks every kernel version against its float64 CPU reference on
// this GPU, and benchmarks them: median time, GFLOP/s, GB/s, and the fraction of the adapter's own
// FMA ceiling, versions side by side (naive -> tiled is itself the lesson).
import { LitElement, css, html } from 'lit';
import { proxy } from 'comlink';
import { api } from './api.ts';
import type { CheckResult } from '../src/worker/api.ts';
import type { BenchReport, BenchRow } from '../src/bench/run.ts';

export class T2Kernels extends LitElement {
  static override properties = {
    ready: { type: Boolean },
    checks: { state: true },
    rows: { state: true },
    report: { state: true },
    busy: { state: true },
    error: { state: true },
    kernels: { state: true },
    selected: { state: true },
  };
  declare ready: boolean;
  declare checks: CheckResult[];
  declare rows: BenchRow[];
  declare report: BenchReport | null;
  declare busy: '' | 'check' | 'bench';
  declare error: string;
  declare kernels: string[];
  declare selected: string;

  constructor() {
    super();
    this.ready = false;
    this.checks = [];
    this.rows = [];
    this.report = null;
    this.busy = '';
    this.error = '';
    this.kernels = [];
    this.selected = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    api.kernels().then((k) => (this.kernels = k));
  }

  private async check() {
    this.busy = 'check';
    this.checks = [];
    this.error = '';
    try {
      await api.checkKernels(proxy((r: CheckResult) => (this.checks = [...this.checks, r])));
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.busy = '';
  }

  private async bench() {
    this.busy = 'bench';
    this.rows = [];
    this.report = null;
    this.error = '';
    try {
      const kernels = this.selected ? [this.selected] : undefined;
      this.report = await api.bench({ kernels, reps: 5 }, proxy((r: BenchRow) => (this.rows = [...this.rows, r])));
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.busy = '';
  }

  static override styles = css`
    :host { display: block; }
    h2 { font-size: 1.25rem; margin: 1.5rem 0 0.5rem; }
    p { max-width: 60rem; line-height: 1.45; }
    .controls { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
    button, select { font: inherit; padding: 0.4rem 0.9rem; border-radius: 6px; border: 1px solid var(--line); background: #fff; }
    button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
    button:disabled { opacity: 0.5; }
    button:focus-visible, select:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
    table { border-collapse: collapse; margin-top: 0.75rem; font-variant-numeric: tabular-nums; }
    th, td { padding: 0.3rem 0.75rem; border-bottom: 1px solid var(--line); text-align: left; }
    td.num, th.num { text-align: right; }
    .ok { color: var(--ok); font-weight: 600; }
    .bad { color: var(--bad); font-weight: 600; }
    .bar { display: inline-block; height: 0.7rem; background: var(--accent); vertical-align: middle; margin-left: 0.4rem; }
    .error { color: var(--bad); white-space: pre-wrap; }
  `;

  override render() {
    const disabled = !this.ready || this.busy !== '';
    const allOk = this.checks.length > 0 && this.checks.every((c) => c.ok);
    return html`
      <h2>Kernels</h2>
      <p>Every WGSL kernel t2lab trains with, on your GPU. <em>Check</em> runs each version against its float64 CPU reference;
        <em>Benchmark</em> times them and compares with this adapter's FMA ceiling, measured on the spot.</p>
      <div class="controls">
        <button class="primary" @click=${this.check} ?disabled=${disabled} data-testid="check">${this.busy === 'check' ? 'Checking…' : 'Check kernels'}</button>
        <label>Kernel
          <select @change=${(e: Event) => (this.selected = (e.target as HTMLSelectElement).value)} ?disabled=${disabled}>
            <option value="">all</option>
            ${this.kernels.map((k) => html`<option value=${k}>${k}</option>`)}
          </select>
        </label>
        <button @click=${this.bench} ?disabled=${disabled} data-testid="bench">${this.busy === 'bench' ? 'Benchmarking…' : 'Benchmark'}</button>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.checks.length
        ? html`<table data-testid="checks" data-done=${this.busy !== 'check'} data-all-ok=${allOk}>
            <thead><tr><th>kernel</th><th>version</th><th>shape</th><th class="num">max |GPU − CPU|</th><th class="num">tolerance</th><th>result</th></tr></thead>
            <tbody>
              ${this.checks.map(
                (c) => html`<tr>
                  <td>${c.kernel}</td><td>${c.version}</td><td>${c.shape}</td>
                  <td class="num">${c.maxError.toExponential(2)}</td><td class="num">${c.tolerance.toExponential(0)}</td>
                  <td class=${c.ok ? 'ok' : 'bad'}>${c.ok ? 'pass' : `FAIL${c.error ? `: ${c.error}` : ''}`}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : ''}
      ${this.rows.length ? this.renderBench() : ''}
    `;
  }

  private renderBench() {
    const best = Math.max(...this.rows.map((r) => r.gflops));
    return html`
      ${this.report ? html`<p>FMA ceiling of this adapter: <strong>${this.report.peakGflops.toFixed(1)} GFLOP/s</strong> (${this.report.peakClock} clock).</p>` : ''}
      <table data-testid="bench-table">
        <thead><tr><th>kernel</th><th>version</th><th>shape</th><th class="num">median ms</th><th class="num">GFLOP/s</th><th class="num">GB/s</th><th class="num">% of FMA peak</th></tr></thead>
        <tbody>
          ${this.rows.map(
            (r) => html`<tr>
              <td>${r.kernel}</td><td>${r.version}</td><td>${r.shape}</td>
              <td class="num">${r.ms.toFixed(3)}</td>
              <td class="num">${r.gflops.toFixed(2)}<span class="bar" style="width:${(60 * r.gflops) / best}px"></span></td>
              <td class="num">${r.gbs.toFixed(2)}</td>
              <td class="num">${Number.isFinite(r.peakFraction) ? (100 * r.peakFraction).toFixed(1) : '–'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }
}
customElements.define('t2-kernels', T2Kernels);
