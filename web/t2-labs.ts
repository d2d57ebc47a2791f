// <t2-labs>: guided classroom exercises. Pick a lab: write down a prediction, run it (the Sweep or Kernels
// tab opens with the lab's configuration), then check what to look for. Everything, the prediction
// included, is in the link: "Copy link" gives a teacher (or a student handing in) the exact setup.
import { LitElement, html, css } from 'lit';
import { shared } from './styles.ts';
import { hashParam, onHash, setHash } from './state.ts';
import { labs, labById, type Lab } from './labs.ts';
import { expandRuns } from '../src/sweep/experiment.ts';

export class T2Labs extends LitElement {
  static override properties = { lab: { state: true }, guess: { state: true }, copied: { state: true } };
  declare lab: Lab | undefined;
  declare guess: string;
  declare copied: string;
  private unsubscribe: (() => void) | null = null;

  constructor() {
    super();
    this.lab = undefined;
    this.guess = '';
    this.copied = '';
  }

  static override styles = [shared, css`
    .labs { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 0.75rem; }
    .labs button { text-align: left; padding: 0.75rem 1rem; }
    .labs button[aria-pressed='true'] { border: 3px solid var(--accent); }
    ol.steps > li { margin: 0.75rem 0; }
    textarea { width: 100%; max-width: 50rem; }
    input.link { width: 100%; max-width: 50rem; }
  `];

  override connectedCallback(): void {
    super.connectedCallback();
    this.fromHash();
    this.unsubscribe = onHash(() => this.fromHash());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  private fromHash(): void {
    this.lab = labById(hashParam('lab'));
    this.guess = hashParam('guess') ?? '';
  }

  private open(lab: Lab): void {
    this.copied = '';
    // The lab's configuration goes into the link now, so the link shared from here is complete.
    setHash({ lab: lab.id, exp: lab.grid ? JSON.stringify(lab.grid) : null, preset: null, kernel: lab.kernel ?? null, limit: null, guess: null }, true);
  }

  private run(lab: Lab): void {
    if (lab.kernel) setHash({ view: 'kernels', kernel: lab.kernel, run: 'profile' }, true);
    else setHash({ view: 'sweep', exp: hashParam('exp') ?? JSON.stringify(lab.grid), preset: null }, true);
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
      <p>Short guided experiments for a class. Predict first, then run, then compare. Seeds are pinned, so everyone with the same link trains the same models.</p>
      <div class="labs" role="group" aria-label="labs">
        ${labs.map((l) => html`<button aria-pressed=${l === lab} @click=${() => this.open(l)} data-testid=${`lab-${l.id}`}>
          <strong>${l.title}</strong><br /><span class="muted">about ${l.minutes} min on a laptop GPU</span></button>`)}
      </div>
      ${lab ? this.renderLab(lab) : html`<p class="muted">Pick a lab above.</p>`}
    `;
  }

  private renderLab(lab: Lab) {
    let runs = 0;
    try {
      const exp = hashParam('exp');
      runs = lab.grid ? expandRuns(exp ? JSON.parse(exp) : lab.grid).length : 0;
    } catch {
      runs = 0;
    }
    return html`
      <div class="card" data-testid="lab">
        <h3>${lab.title}</h3>
        <ol class="steps">
          <li><strong>Predict.</strong> ${lab.predict}
            <br /><textarea rows="3" aria-label="your prediction" placeholder="Your prediction (kept in the link)" .value=${this.guess}
              @change=${(e: Event) => setHash({ guess: (e.target as HTMLTextAreaElement).value || null })}></textarea></li>
          <li><strong>Run.</strong> ${lab.run}${runs ? ` (${runs} runs)` : ''}
            <br /><button class="primary" @click=${() => this.run(lab)} data-testid="lab-run">${lab.kernel ? `Profile ${lab.kernel}` : 'Open the sweep'}</button></li>
          <li><strong>Look for.</strong><ul>${lab.lookFor.map((x) => html`<li>${x}</li>`)}</ul></li>
        </ol>
        <div class="controls"><button @click=${this.copyLink}>Copy link for the class</button> <span role="status">${this.copied}</span></div>
        <input class="link" readonly aria-label="link to this lab" .value=${location.href} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
      </div>
    `;
  }
}
customElements.define('t2-labs', T2Labs);
