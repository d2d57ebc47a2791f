// <t2-app>: the shell. Names the adapter in use (warning on software ones, saying what to do when
// WebGPU is missing) and hosts the views.
import { LitElement, css, html } from 'lit';
import { api } from './api.ts';
import type { AdapterSummary } from '../src/gpu/adapter.ts';
import './t2-kernels.ts';

export class T2App extends LitElement {
  static override properties = { adapter: { state: true }, error: { state: true } };
  declare adapter: AdapterSummary | null;
  declare error: string;

  constructor() {
    super();
    this.adapter = null;
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    api.init().then(
      (a) => (this.adapter = a),
      (e: Error) => (this.error = e.message),
    );
  }

  static override styles = css`
    :host { display: block; max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.75rem; }
    h1 { font-size: 1.5rem; margin: 0; }
    .adapter { font-size: 0.95rem; }
    .software { color: var(--warn); font-weight: 600; }
    .error { white-space: pre-wrap; color: var(--bad); background: #fff; border: 2px solid var(--bad); padding: 1rem; border-radius: 6px; }
  `;

  override render() {
    const a = this.adapter;
    return html`
      <header>
        <h1>t2lab</h1>
        <span class="adapter" data-testid="adapter">
          ${a
            ? html`GPU: <strong>${a.vendor} ${a.architecture}</strong> ${a.description || a.device}
                ${a.software ? html`<span class="software" role="status">· software adapter: runs on the CPU, 100–10,000× slower than a GPU</span>` : ''}`
            : this.error ? 'no WebGPU' : 'looking for a GPU…'}
        </span>
      </header>
      ${this.error ? html`<p class="error" role="alert" data-testid="no-webgpu">${this.error}</p>` : html`<t2-kernels .ready=${a !== null}></t2-kernels>`}
    `;
  }
}
customElements.define('t2-app', T2App);
