// <t2-landing>: where the app opens. The idea in plain words, one picture drawn from the committed results
// (no training, no fit: web/explore/committed.ts), what those results did and did not reproduce, and a
// way into each lab with its time on this adapter.
import { LitElement, css, html } from 'lit';
import { shared } from '../shared/styles.ts';
import { committed } from '../explore/committed.ts';
import { committedName } from '../explore/committed-source.ts';
import { landingChart, landingPicture } from './landing-picture.ts';
import { labs } from '../labs/labs.ts';
import { fmt } from '../../src/fit/fit.ts';
import { percentError } from '../../src/report/laws.ts';
import '../shared/t2-chart.ts';
import '../labs/t2-lab-card.ts';

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** What the committed runs trained on, in words, from their task mix (config.tasks). */
function trainedOn(config: (typeof committed.records)[number]['config'] | undefined): string {
  const words: Record<string, string> = {
    bio: 'facts about 2,000 people',
    hop: 'two-lookup hops',
    sum: 'sums written out step by step',
    cpy: 'string copy',
    rev: 'string reverse',
    add: `${config?.add_digits ?? 2}-digit addition`,
  };
  const names = (config?.tasks ?? '').split(',').map((t) => t.split(':')[0]!.trim());
  const list = names.map((n) => words[n] ?? n);
  return list.length > 1
    ? `a mix of ${list.slice(0, -1).join(', ')} and ${list.at(-1)}`
    : (list[0] ?? 'its task');
}
const n0 = (x: number) => Math.round(x).toLocaleString('en');

export class T2Landing extends LitElement {
  static override properties = { level: { state: true } };
  /** The isoFLOP level drawn (C_train); undefined: the default pick. */
  declare level: number | undefined;

  constructor() {
    super();
    this.level = undefined;
  }

  static override styles = [
    shared,
    css`
      h2 { font-size: 1.6rem; margin: 0.4rem 0 0.3rem; }
      .lede { margin-top: 0; }
      .lede { font-size: 1.12rem; max-width: 60rem; }
      .pic { display: grid; grid-template-columns: minmax(0, 1fr); grid-template-areas: 'chart' 'reading' 'try'; gap: 0 1rem; align-items: start; }
      /* Wide: the picture and the labs on the left, what the picture shows (and what it does not) on the right. */
      @media (min-width: 60rem) { .pic { grid-template-columns: minmax(0, 3fr) minmax(16rem, 2fr); grid-template-areas: 'chart reading' 'try reading'; } }
      .pic > .card { grid-area: chart; } .pic > .reading { grid-area: reading; } .pic > .try { grid-area: try; }
      .reading p:first-child { margin-top: 0; }
      .pic .card { margin: 0; --chart-height: 290px; }
      h3 .muted { font-weight: normal; font-size: 1rem; }
      .labs { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(16rem, 100%), 1fr)); gap: 0.6rem; }
      .formula { font-family: ui-monospace, Menlo, Consolas, monospace; background: #eef0f3; padding: 0 0.3rem; border-radius: 4px; white-space: nowrap; }
    `,
  ];

  override render() {
    const pic = landingPicture(committed.records, committed.iso, this.level);
    return html`
      <h2 data-testid="landing-title">Train small, sample often?</h2>
      <p class="lede">A language model costs compute twice: once to <strong>train</strong> it
        (<span class="formula">6·N·D</span> for N parameters and D training tokens) and again every time it
        <strong>answers</strong> (<span class="formula">2·N</span> per token, times k if it tries k times).
        When a checker can tell a right answer, a smaller model can afford many more tries for the same
        serving bill. <strong>T² (train-to-test scaling)</strong> asks which model to train once both bills are
        paid; the paper's answer is a smaller model trained on far more tokens per parameter than
        Chinchilla's ~20. <a href="#view=learn">More on the idea</a></p>
      ${pic ? this.renderPicture(pic, this.renderLabs()) : html`<p class="notice">The committed results have no isoFLOP level to draw.</p>${this.renderLabs()}`}
      <p><a href="#view=explore">Explore the committed results</a> (no training) ·
        <a href="#view=sweep">Run your own sweep</a></p>
    `;
  }

  private renderLabs() {
    return html`<div class="try">
      <h3>Try it yourself <span class="muted">: predict, run it here, and the answer appears beside your prediction (times are for this machine)</span></h3>
      <div class="labs" data-testid="landing-labs">${labs.map((l) => html`<t2-lab-card .lab=${l}></t2-lab-card>`)}</div></div>`;
  }

  private renderPicture(pic: NonNullable<ReturnType<typeof landingPicture>>, tryIt: unknown) {
    const lv = pic.level;
    const small = pic.sizes[0]!,
      big = pic.sizes[pic.sizes.length - 1]!;
    const fit = committed.fit;
    const t2err = fit?.held_out?.t2_loss_err ?? null;
    const bracketed = committed.iso.levels.filter((l) => l.loss?.inside);
    const lossRatios = bracketed.map((l) => l.loss!.D_over_N);
    const name = committedName(committed.source);
    return html`
      <div class="pic">
        <div class="card">
          <label>Training compute of every model here
            <select data-testid="landing-level" @change=${(e: Event) => (this.level = Number((e.target as HTMLSelectElement).value))}>
              ${committed.iso.levels.map((l) => html`<option value=${l.C_train} ?selected=${l === lv}>C_train = ${fmt(l.C_train)} FLOPs</option>`)}
            </select></label>
          <t2-chart data-testid="landing-chart" label="share of questions solved against model size, one try and k tries each"
            .config=${landingChart(pic)}></t2-chart>
        </div>
        ${tryIt}
        <div data-testid="landing-reading" class="reading">
          <p><strong>What the picture shows.</strong> ${pic.sizes.length} models, each trained with the same compute
            (C_train = ${fmt(lv.C_train)} FLOPs) on ${trainedOn(committed.records[0]?.config)}: small ones on many tokens, big ones on few.
            Grey: each answers once. Blue: each gets the tries the same serving compute buys,
            k = C_inf/(2N): the biggest (N = ${n0(big.N)}) one try, the smallest (N = ${n0(small.N)}) ${fmt(small.k)}.</p>
          <p data-testid="landing-verdict">With one try the best is N = ${n0(pic.best1.N)} (${pct(pic.best1.pass1)} solved);
            with tries paid for it is <strong>N = ${n0(pic.bestK.N)} (${pct(pic.bestK.passK)})</strong>${pic.bestK.N < pic.best1.N ? ', a smaller model' : pic.bestK.N === pic.best1.N ? ', the same size' : ''}.
            ${pic.bestK.passK_sampled !== null ? html`Counted from ${pic.n} samples per question instead, it solves ${pct(pic.bestK.passK_sampled)}.` : ''}
            ${pic.bestK.chanceK !== null ? html`A guesser who knows the answer format would solve ${pct(pic.bestK.chanceK)} with as many tries.` : ''}</p>
          <div class="notice" data-testid="landing-honest"><strong>What did not reproduce.</strong>
            Measured directly, level by level (each level's two optima, with their resolution):
            <ul data-testid="landing-shifts">
              ${committed.iso.levels.map((l) => html`<li>C_train = ${fmt(l.C_train)}: ${l.shift?.text ?? 'not measured'}</li>`)}
              ${(committed.extra ?? []).flatMap((x) =>
                x.levels.map(
                  (l) =>
                    html`<li data-testid="landing-extra-level">C_train = ${fmt(l.C_train)} (a further level, its own run: <code>${x.source}</code>): ${l.shift}</li>`,
                ),
              )}
            </ul>
            The paper's optima sit at 30–150× Chinchilla's tokens per parameter.
            ${
              lossRatios.length
                ? html`Here the loss-optimal model reads ${n0(Math.min(...lossRatios))}–${n0(Math.max(...lossRatios))} training tokens per
                (non-embedding) parameter (Chinchilla: ~20).`
                : ''
            }
            ${
              t2err !== null
                ? html`The fitted T² law misses held-out runs by ${percentError(t2err)}, so this app quotes no optimum from it.`
                : ''
            }
            Source: <code>${committed.source}</code> (${committed.records.length} runs, "${name}").</div>
        </div>
      </div>
    `;
  }
}
customElements.define('t2-landing', T2Landing);
