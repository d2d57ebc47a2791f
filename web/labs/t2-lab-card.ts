// <t2-lab-card>: one lab as a card (its question, its time on this adapter, the size it runs at), a link
// into the lab. The landing view and the Labs view both list labs with it, so the two always agree.
import { LitElement, css, html } from 'lit';
import { shared } from '../shared/styles.ts';
import { labTimes } from './lab-times.ts';
import type { Lab } from './labs.ts';

export class T2LabCard extends LitElement {
  static override properties = {
    lab: { attribute: false },
    selected: { type: Boolean },
    compact: { type: Boolean },
  };
  declare lab: Lab | undefined;
  declare selected: boolean;
  /** Title and time only (the Labs view once a lab is open, so the lab itself fits the screen). */
  declare compact: boolean;
  private onTimes = () => this.requestUpdate();

  constructor() {
    super();
    this.lab = undefined;
    this.selected = false;
    this.compact = false;
  }

  static override styles = [
    shared,
    css`
      a { display: block; height: 100%; box-sizing: border-box; padding: 0.6rem 0.9rem; border: 1px solid #8a919c; border-radius: 8px;
        background: #fff; color: inherit; text-decoration: none; }
      a:hover { border-color: var(--accent); }
      a[aria-current='true'] { border: 3px solid var(--accent); }
      .title { font-weight: 700; color: var(--accent); }
      .q { margin: 0.3rem 0; }
      .time { font-size: 0.92rem; }
      .time strong { font-variant-numeric: tabular-nums; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    labTimes.addEventListener('change', this.onTimes);
    void labTimes.measureAll();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    labTimes.removeEventListener('change', this.onTimes);
  }

  override render() {
    const lab = this.lab;
    if (!lab) return '';
    const t = labTimes.get(lab);
    const where =
      labTimes.software === null ? '' : labTimes.software ? 'this software adapter' : 'this GPU';
    return html`<a href=${`#view=labs&lab=${lab.id}`} aria-current=${this.selected} data-testid=${`lab-${lab.id}`}>
      <span class="title">${lab.title}</span>
      ${this.compact ? html`<br />` : html`<p class="q">${lab.question}</p>`}
      <span class="time" data-testid="lab-time" data-basis=${t.basis}><strong>${t.text}</strong>${where ? ` on ${where}` : ''}${t.size === 'cpu' ? html` · <strong>CPU size</strong>` : ''}</span>
      ${t.note && !this.compact ? html`<br /><span class="time muted">${t.note}</span>` : ''}</a>`;
  }
}
customElements.define('t2-lab-card', T2LabCard);
