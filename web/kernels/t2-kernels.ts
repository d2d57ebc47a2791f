// <t2-kernels>: the kernel profiler. Checks every kernel version against its float64 CPU reference on
// this GPU, and profiles them: time per run from GPU timestamp queries (or the wall clock, said so),
// GFLOP/s, GB/s, and the fraction of the adapter's own FMA ceiling, versions side by side (naive ->
// tiled is itself the lesson). The profile downloads as a Chrome/Perfetto trace. It also shows which
// versions this adapter's runs use: the measured kernel choice kept in IndexedDB, in `t2lab devices`' words.
import { LitElement, html } from 'lit';
import { proxy } from 'comlink';
import { api } from '../shared/gpu-client.ts';
import { shared } from '../shared/styles.ts';
import { download, hashParam, onHash, setHash } from '../shared/state.ts';
import type { CheckResult, KernelChoices, ProfileReport } from '../../src/worker/api.ts';
import type { ProfileRow } from '../../src/bench/trace.ts';
import type { PeerReport, PeerRow } from '../../src/bench/peers/peer-bench.ts';

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
    reps: { state: true },
    peerRows: { state: true },
    peerReport: { state: true },
    choices: { state: true },
    tuneLog: { state: true },
  };
  declare ready: boolean;
  declare checks: CheckResult[];
  declare rows: ProfileRow[];
  declare report: ProfileReport | null;
  declare busy: '' | 'check' | 'profile' | 'peers' | 'tune';
  declare error: string;
  declare kernels: string[];
  declare selected: string;
  declare reps: number;
  declare peerRows: PeerRow[];
  declare peerReport: PeerReport | null;
  declare choices: KernelChoices | null;
  declare tuneLog: string[];
  private unsubscribe: (() => void) | null = null;

  constructor() {
    super();
    this.ready = false;
    this.checks = [];
    this.rows = [];
    this.report = null;
    this.busy = '';
    this.error = '';
    this.kernels = [];
    this.selected = hashParam('kernel') ?? '';
    this.reps = 5;
    this.peerRows = [];
    this.peerReport = null;
    this.choices = null;
    this.tuneLog = [];
  }

  static override styles = [shared];

  override connectedCallback(): void {
    super.connectedCallback();
    api.kernels().then((k) => (this.kernels = k.filter((n) => n !== 'train_step')));
    this.unsubscribe = onHash(() => {
      this.selected = hashParam('kernel') ?? '';
      this.maybeAutorun();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('ready') && this.ready) {
      this.maybeAutorun();
      api.kernelChoices().then(
        (c) => (this.choices = c),
        (e: Error) => (this.error = e.message),
      );
    }
  }

  /** A lab links here with `run=profile`: start the profile once the device is ready. */
  private maybeAutorun(): void {
    if (
      !this.ready ||
      this.busy ||
      hashParam('run') !== 'profile' ||
      hashParam('view') !== 'kernels'
    )
      return;
    setHash({ run: null });
    void this.profile();
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

  private async tune() {
    this.busy = 'tune';
    this.tuneLog = [];
    this.error = '';
    try {
      const r = await api.tuneKernels();
      this.tuneLog = r.log;
      this.choices = r;
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.busy = '';
  }

  private async profile() {
    this.busy = 'profile';
    this.rows = [];
    this.report = null;
    this.error = '';
    try {
      const kernels = this.selected ? [this.selected] : undefined;
      this.report = await api.profile(
        { kernels, reps: this.reps },
        proxy((r: ProfileRow) => (this.rows = [...this.rows, r])),
      );
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.busy = '';
  }

  private async peers(quick: boolean) {
    this.busy = 'peers';
    this.peerRows = [];
    this.peerReport = null;
    this.error = '';
    try {
      this.peerReport = await api.peers(
        { quick, reps: this.reps },
        proxy((r: PeerRow) => (this.peerRows = [...this.peerRows, r])),
      );
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.busy = '';
  }

  private async exportTrace() {
    if (!this.report) return;
    download(
      `t2lab-profile-${this.selected || 'all'}.trace.json`,
      await api.traceJson(this.report),
      'application/json',
    );
  }

  override render() {
    const disabled = !this.ready || this.busy !== '';
    const allOk = this.checks.length > 0 && this.checks.every((c) => c.ok);
    return html`
      <h2>Kernels</h2>
      <p>Every WGSL kernel t2lab trains with, on your GPU. <em>Check</em> runs each version against its float64 CPU reference;
        <em>Profile</em> times each version on the GPU and compares it with this adapter's FMA ceiling, measured on the spot.</p>
      <div class="controls">
        <button class="primary" @click=${this.check} ?disabled=${disabled} data-testid="check">${this.busy === 'check' ? 'Checking…' : 'Check kernels'}</button>
        <label>Kernel
          <select @change=${(e: Event) => {
            this.selected = (e.target as HTMLSelectElement).value;
            setHash({ kernel: this.selected || null });
          }} ?disabled=${disabled} data-testid="kernel-select">
            <option value="">all</option>
            ${this.kernels.map((k) => html`<option value=${k} ?selected=${k === this.selected}>${k}</option>`)}
          </select>
        </label>
        <label>Repetitions <select @change=${(e: Event) => (this.reps = Number((e.target as HTMLSelectElement).value))} ?disabled=${disabled}>
          ${[3, 5, 10, 20].map((n) => html`<option value=${n} ?selected=${n === this.reps}>${n}</option>`)}</select></label>
        <button @click=${this.profile} ?disabled=${disabled} data-testid="profile">${this.busy === 'profile' ? 'Profiling…' : 'Profile'}</button>
        <button @click=${this.exportTrace} ?disabled=${!this.report || this.busy !== ''} data-testid="export-trace">Export trace (Perfetto / chrome://tracing)</button>
      </div>
      <div class="controls">
        <button @click=${() => this.peers(true)} ?disabled=${disabled} data-testid="peers-quick">${this.busy === 'peers' ? 'Comparing…' : 'Compare with jax-js and TensorFlow.js (small shapes)'}</button>
        <button @click=${() => this.peers(false)} ?disabled=${disabled}>Compare (all shapes, slow)</button>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.renderChoices(disabled)}
      ${this.rows.length ? this.renderProfile() : ''}
      ${this.peerRows.length ? this.renderPeers() : ''}
      ${
        this.checks.length
          ? html`<h3>Check against the float64 reference</h3>
          <table data-testid="checks" data-done=${this.busy !== 'check'} data-all-ok=${allOk}>
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
          : ''
      }
    `;
  }

  /** Which versions runs here use: measured per adapter and model shapes, as in `t2lab devices`. */
  private renderChoices(disabled: boolean) {
    const c = this.choices;
    return html`
      <h3>Kernel choice on this adapter</h3>
      <p>A run never measures: it uses the versions its experiment or link pins, else a measurement kept in this browser
        for its model, else the default for this adapter's class, and records which. <em>Measure now</em> times the default
        model's shapes (checking each candidate against the float64 reference first), as <code>t2lab tune</code> does in Node.</p>
      <div class="controls">
        <button @click=${this.tune} ?disabled=${disabled} data-testid="tune">${this.busy === 'tune' ? 'Measuring…' : 'Measure now'}</button>
      </div>
      ${
        c
          ? html`<p data-testid="choice-current">Adapter: ${c.adapter}. A run of the default model here uses: <strong>${c.current}</strong>.</p>
        ${
          c.records.length
            ? html`<table data-testid="choices" data-done=${this.busy !== 'tune'}>
          <thead><tr><th>choice</th><th>for</th><th>measured</th><th>candidates, ms</th></tr></thead>
          <tbody>${c.records.map((r) => html`<tr><td>${r.choice}</td><td style="white-space: nowrap">${r.shapes}</td><td>${r.measured}</td><td>${r.timings}</td></tr>`)}</tbody>
        </table>`
            : html`<p data-testid="choices-none">Nothing measured on this adapter yet: runs use the default above.</p>`
        }
        ${this.tuneLog.length ? html`<pre data-testid="tune-log">${this.tuneLog.join('\n')}</pre>` : ''}`
          : ''
      }
    `;
  }

  /** Same operation, same adapter: ours against each peer, after checking they agree. */
  private renderPeers() {
    const names = [...new Set(this.peerRows.flatMap((r) => r.peers.map((p) => p.name)))];
    const versions = this.peerReport
      ? Object.entries(this.peerReport.versions)
          .map(([n, v]) => `${n} ${v}`)
          .join(', ')
      : '';
    return html`
      <h3>Against other WebGPU libraries</h3>
      <p>Each row first checks that every library computes the same result (within the stated tolerance), then times them alternately on this adapter: median milliseconds, and how many times faster t2lab is (× &gt; 1: t2lab faster). ${versions}</p>
      <table data-testid="peers-table" data-done=${this.busy !== 'peers'}>
        <thead><tr><th>operation</th><th>shape</th><th class="num">t2lab ms</th><th class="num">GFLOP/s</th><th>kernel</th>
          ${names.map((n) => html`<th class="num">${n} ms</th><th class="num">× vs ${n}</th>`)}</tr></thead>
        <tbody>${this.peerRows.map(
          (
            r,
          ) => html`<tr><td>${r.kind}</td><td>${r.shape}</td><td class="num">${r.ours.ms.toFixed(2)}</td><td class="num">${r.ours.gflops.toFixed(2)}</td><td>${r.ours.label ?? ''}</td>
          ${names.map((n) => {
            const p = r.peers.find((x) => x.name === n);
            if (!p) return html`<td></td><td></td>`;
            if (p.ms === null)
              return html`<td class="bad" colspan="2" title=${p.error ?? ''}>${p.error ? `failed: ${p.error}` : `disagrees (${p.maxDiff.toExponential(1)} > ${p.tolerance.toExponential(0)})`}</td>`;
            return html`<td class="num">${p.ms.toFixed(2)}</td><td class="num">${p.speedup!.toFixed(2)}×</td>`;
          })}</tr>`,
        )}</tbody>
      </table>
    `;
  }

  /** Rows grouped by (kernel, shape) so the versions of one operation sit together, fastest marked. */
  private renderProfile() {
    const groups = new Map<string, ProfileRow[]>();
    for (const r of this.rows)
      groups.set(`${r.kernel}|${r.shape}`, [...(groups.get(`${r.kernel}|${r.shape}`) ?? []), r]);
    const clocks = [...new Set(this.rows.map((r) => r.clock))];
    const best = Math.max(...this.rows.map((r) => r.peakFraction).filter(Number.isFinite), 1e-9);
    return html`
      <h3>Profile</h3>
      ${
        this.report
          ? html`<p>FMA ceiling of this adapter: <strong>${this.report.peakGflops.toFixed(1)} GFLOP/s</strong> (${this.report.peakClock} clock).
        Kernel times: ${clocks.map((c) => (c === 'timestamp' ? 'GPU timestamp queries' : 'wall clock around submit (this adapter has no timestamp-query)')).join(' and ')}.</p>`
          : ''
      }
      <table data-testid="profile-table" data-done=${this.busy !== 'profile'}>
        <thead><tr><th>kernel</th><th>shape</th><th>version</th><th class="num">median ms</th><th class="num">min–max ms</th><th class="num">GFLOP/s</th><th class="num">GB/s</th><th class="num">% of FMA peak</th><th class="num">× v1 (or slowest)</th></tr></thead>
        <tbody>
          ${[...groups.values()].flatMap((g) => {
            // Speed-ups against v1, or against the slowest version where v1 was not timed at this shape.
            const v1 =
              g.find((r) => r.version === 'v1') ?? g.reduce((a, b) => (b.ms > a.ms ? b : a));
            const fastest = g.reduce((a, b) => (b.ms < a.ms ? b : a));
            return g.map(
              (r, i) => html`<tr class=${i === 0 ? 'first' : ''}>
              <td>${i === 0 ? r.kernel : ''}</td><td>${i === 0 ? r.shape : ''}</td>
              <td>${r.version}${g.length > 1 && r === fastest ? html` <span class="ok">fastest</span>` : ''}</td>
              <td class="num">${r.ms.toFixed(3)}</td>
              <td class="num">${Math.min(...r.samplesMs).toFixed(3)}–${Math.max(...r.samplesMs).toFixed(3)}</td>
              <td class="num">${r.gflops.toFixed(2)}</td>
              <td class="num">${r.bytes === 0 ? '–' : r.gbs.toFixed(2)}</td>
              <td class="num">${Number.isFinite(r.peakFraction) ? (100 * r.peakFraction).toFixed(1) : '–'}
                <span aria-hidden="true" style="display:inline-block;height:0.7rem;vertical-align:middle;background:var(--accent);width:${Number.isFinite(r.peakFraction) ? (60 * r.peakFraction) / best : 0}px"></span></td>
              <td class="num">${g.length > 1 ? `${(v1.ms / r.ms).toFixed(2)}×` : ''}</td>
            </tr>`,
            );
          })}
        </tbody>
      </table>
    `;
  }
}
customElements.define('t2-kernels', T2Kernels);
