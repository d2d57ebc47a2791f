// web/: the Lit app; it never holds a GPU device. Imports worker, experiments, report, fit, sweep,
// bench, sample, model, gpu, stats, data, config; imported by nothing: it is the page's entry
// (layers: test/structure.test.ts).
//
// <t2-app>: the shell. Names the adapter in use (warning on software ones, saying what to do when WebGPU
// is missing), holds the tabs (Start, the landing view; What is T², Sweep, Results, Explore, Samples, Kernels, Labs; the choice is
// in the link; the app opens on Start), and a
// large-text switch for projectors. Every view stays mounted, so a running sweep keeps drawing while
// you look at another tab.
import { LitElement, css, html } from 'lit';
import { api, workerFailed } from './shared/gpu-client.ts';
import { shared } from './shared/styles.ts';
import { VIEWS, hashParam, onHash, setHash, type View } from './shared/state.ts';
import type { AdapterSummary } from '../src/gpu/adapter.ts';
import './sweep/t2-sweep.ts';
import './results/t2-results.ts';
import './samples/t2-samples.ts';
import './kernels/t2-kernels.ts';
import './labs/t2-labs.ts';
import './explore/t2-explorer.ts';
import './landing/t2-learn.ts';
import './landing/t2-landing.ts';

/**
 * One clear message when there is no adapter. The device layer reports "present but no adapter" with its
 * generic "this browser has no WebGPU" advice appended; a browser that HAS WebGPU needs other advice.
 */
export function noGpuMessage(message: string): string {
  if (!/offers no adapter/.test(message)) return message;
  return (
    'This browser has WebGPU, but it offers no GPU adapter: the GPU is blocked for this site or its driver is missing.\n' +
    'In Chrome or Edge, chrome://gpu says why. Without a GPU, start Chrome with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader (slow, but it runs).'
  );
}

export class T2App extends LitElement {
  static override properties = {
    adapter: { state: true },
    error: { state: true },
    view: { state: true },
    large: { state: true },
    revision: { state: true },
    storage: { state: true },
  };
  declare adapter: AdapterSummary | null;
  declare error: string;
  declare view: View;
  declare large: boolean;
  /** Bumped when runs are added or deleted, so Results and Samples reload. */
  declare revision: number;
  declare storage: string;
  private unsubscribe: (() => void) | null = null;

  constructor() {
    super();
    this.adapter = null;
    this.error = '';
    this.view = 'home';
    this.large = false;
    this.revision = 0;
    this.storage = '';
    this.addEventListener('t2-records-changed', () => this.revision++);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.fromHash();
    this.unsubscribe = onHash(() => this.fromHash());
    api.init().then(
      (a) => (this.adapter = a),
      (e: Error) => (this.error = noGpuMessage(e.message)),
    );
    workerFailed.then(
      (m) =>
        (this.error = `The app's GPU worker failed to start: ${m}\nReload the page; if it persists, the console of the browser's developer tools says more.`),
    );
    api
      .storage()
      .then(
        (s) =>
          (this.storage =
            s.kind === 'memory'
              ? `Results are kept in memory only (${s.reason}): they are lost when the page closes. Export them from the Results tab.`
              : ''),
      );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  private fromHash(): void {
    const v = hashParam('view');
    this.view = VIEWS.some((x) => x.id === v) ? (v as View) : 'home';
    this.large = hashParam('text') === 'large';
    document.documentElement.classList.toggle('large', this.large);
  }

  private select(view: View): void {
    setHash({ view }, true);
  }

  /** Arrow keys, Home and End move between tabs (the WAI-ARIA tabs pattern). */
  private onTabKey(e: KeyboardEvent): void {
    const i = VIEWS.findIndex((v) => v.id === this.view);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const v = VIEWS[(next + VIEWS.length) % VIEWS.length]!.id;
    this.select(v);
    void this.updateComplete.then(() =>
      (this.renderRoot.querySelector(`#tab-${v}`) as HTMLElement | null)?.focus(),
    );
  }

  static override styles = [
    shared,
    css`
    :host { display: block; max-width: 1280px; margin: 0 auto; padding: 0.75rem clamp(0.5rem, 3vw, 1.5rem) 3rem; overflow-wrap: break-word; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1.5rem; padding-bottom: 0.5rem; }
    h1 { font-size: 1.5rem; margin: 0; }
    .adapter { font-size: 0.95rem; flex: 1; }
    .software { color: var(--warn); font-weight: 600; }
    .fatal { white-space: pre-wrap; color: var(--bad); background: #fff; border: 2px solid var(--bad); padding: 1rem; border-radius: 6px; }
    [role='tablist'] { display: flex; flex-wrap: wrap; gap: 0.25rem; border-bottom: 2px solid var(--line); margin-bottom: 0.5rem; }
    [role='tab'] { border: 1px solid transparent; border-bottom: none; border-radius: 6px 6px 0 0; background: transparent; padding: 0.5rem 1.1rem; font-weight: 600; color: #333; }
    [role='tab'][aria-selected='true'] { background: #fff; border-color: var(--line); color: var(--accent); box-shadow: inset 0 -3px 0 var(--accent); }
  `,
  ];

  override render() {
    const a = this.adapter;
    const ready = a !== null;
    return html`
      <header>
        <h1>t2lab</h1>
        <span class="adapter" data-testid="adapter">
          ${
            a
              ? html`GPU: <strong>${a.vendor} ${a.architecture}</strong> ${a.description || a.device}
                ${a.software ? html`<span class="software" role="status">· software adapter: runs on the CPU, 100–10,000× slower than a GPU; labs run at their smaller CPU size</span>` : ''}`
              : this.error
                ? 'no GPU (see below)'
                : 'looking for a GPU…'
          }
        </span>
        <button aria-pressed=${this.large} @click=${() => setHash({ text: this.large ? null : 'large' })} data-testid="large-text">Large text</button>
      </header>
      ${this.error ? html`<p class="fatal" role="alert" data-testid="no-webgpu">${this.error}</p>` : ''}
      ${this.storage ? html`<p class="notice" role="status">${this.storage}</p>` : ''}
      <nav role="tablist" aria-label="views" @keydown=${this.onTabKey}>
        ${VIEWS.map(
          (
            v,
          ) => html`<button role="tab" id=${`tab-${v.id}`} aria-selected=${v.id === this.view} aria-controls=${`panel-${v.id}`}
          tabindex=${v.id === this.view ? 0 : -1} @click=${() => this.select(v.id)} data-testid=${`tab-${v.id}`}>${v.label}</button>`,
        )}
      </nav>
      <section role="tabpanel" id="panel-home" aria-labelledby="tab-home" ?hidden=${this.view !== 'home'}><t2-landing></t2-landing></section>
      <section role="tabpanel" id="panel-learn" aria-labelledby="tab-learn" ?hidden=${this.view !== 'learn'}><t2-learn></t2-learn></section>
      <section role="tabpanel" id="panel-sweep" aria-labelledby="tab-sweep" ?hidden=${this.view !== 'sweep'}><t2-sweep .ready=${ready}></t2-sweep></section>
      <section role="tabpanel" id="panel-results" aria-labelledby="tab-results" ?hidden=${this.view !== 'results'}>
        <t2-results .revision=${this.revision} .active=${this.view === 'results'}></t2-results></section>
      <section role="tabpanel" id="panel-explore" aria-labelledby="tab-explore" ?hidden=${this.view !== 'explore'}>
        <t2-explorer .active=${this.view === 'explore'}></t2-explorer></section>
      <section role="tabpanel" id="panel-samples" aria-labelledby="tab-samples" ?hidden=${this.view !== 'samples'}>
        <t2-samples .revision=${this.revision} .active=${this.view === 'samples'}></t2-samples></section>
      <section role="tabpanel" id="panel-kernels" aria-labelledby="tab-kernels" ?hidden=${this.view !== 'kernels'}><t2-kernels .ready=${ready}></t2-kernels></section>
      <section role="tabpanel" id="panel-labs" aria-labelledby="tab-labs" ?hidden=${this.view !== 'labs'}><t2-labs .revision=${this.revision}></t2-labs></section>
    `;
  }
}
customElements.define('t2-app', T2App);
