// <t2-chart>: one Chart.js chart from a configuration object (the builders in web/shared/view-charts.ts or
// src/report/charts.ts). A new config updates the chart in place without animation, so live curves
// cost little on the main thread. `data-points` counts what is drawn (tests read it); a chart with
// nothing to draw says so in words instead of showing empty axes.
import { LitElement, css, html } from 'lit';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { chartRuntime } from '../../src/report/charts.ts';

Chart.register(...registerables);
Chart.defaults.animation = false;
Chart.defaults.font.size = 14;

export class T2Chart extends LitElement {
  static override properties = {
    config: { attribute: false },
    label: { type: String },
    empty: { type: String },
  };
  declare config: ChartConfiguration | null;
  /** Accessible name of the chart (the canvas gets role="img"). */
  declare label: string;
  /** Shown instead of the chart when it has no data points. */
  declare empty: string;
  private chart: Chart | null = null;

  constructor() {
    super();
    this.config = null;
    this.label = 'chart';
    this.empty = 'Nothing to plot yet.';
  }

  static override styles = css`
    :host { display: block; }
    .box { position: relative; height: var(--chart-height, 320px); }
    .empty { color: #555; font-style: italic; padding: 1rem 0; }
  `;

  private points(): number {
    return (this.config?.data.datasets ?? []).reduce((a, d) => a + (d.data?.length ?? 0), 0);
  }

  override render() {
    const n = this.points();
    this.dataset.points = String(n);
    return html`
      <div class="box" ?hidden=${n === 0}><canvas role="img" aria-label=${this.label}></canvas></div>
      ${n === 0 ? html`<p class="empty">${this.empty}</p>` : ''}
    `;
  }

  override updated(): void {
    const canvas = this.renderRoot.querySelector('canvas')!;
    if (!this.config || this.points() === 0) {
      this.chart?.destroy();
      this.chart = null;
      return;
    }
    // The report's callbacks (1-2-5 log ticks, one legend entry per run, decoded run ids in tooltips).
    const cfg = chartRuntime({
      ...this.config,
      options: { ...this.config.options },
    } as never) as unknown as ChartConfiguration;
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      ...cfg.options,
    } as ChartConfiguration['options'];
    if (
      this.chart &&
      (this.chart.config as { type?: string }).type === (cfg as { type?: string }).type
    ) {
      this.chart.data = cfg.data;
      this.chart.options = options!;
      this.chart.update('none');
    } else {
      this.chart?.destroy();
      this.chart = new Chart(canvas, { ...cfg, options } as ChartConfiguration);
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.requestUpdate(); // re-create the chart when moved back into the page
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = null;
  }
}
customElements.define('t2-chart', T2Chart);
