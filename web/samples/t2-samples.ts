// <t2-samples>: what the models actually answered. For one run: every question with its k samples,
// the correct ones marked, and p_i (the model's probability of the gold answer) beside the sampled
// success rate c/n, which it estimates.
import { LitElement, html, css } from 'lit';
import { api } from '../shared/gpu-client.ts';
import { shared } from '../shared/styles.ts';
import { ordinaryAnswer, ordinaryReading } from '../shared/classroom-logic.ts';
import { hashParam, setHash } from '../shared/state.ts';
import { TASKS, type TaskName } from '../../src/data/tasks.ts';
import type { RunRecord } from '../../src/sweep/record.ts';
import type { QuestionResult } from '../../src/sample/evaluate.ts';
import type { SweepSummary } from '../../src/worker/api.ts';

/** Whether sample j of q was graded correct: the record's own grading, else the task's verifier. */
export function sampleCorrect(q: QuestionResult, j: number): boolean {
  const graded = q.correct?.[j];
  if (graded !== undefined) return graded;
  const text = q.samples?.[j] ?? '';
  const task = TASKS[q.task as TaskName];
  return !!task && !text.endsWith('…') && task.check(q.prompt, text);
}

export class T2Samples extends LitElement {
  static override properties = {
    revision: { type: Number },
    active: { type: Boolean },
    sweeps: { state: true },
    sweep: { state: true },
    runs: { state: true },
    run: { state: true },
    questions: { state: true },
    order: { state: true },
    task: { state: true },
  };
  declare revision: number;
  declare active: boolean;
  declare sweeps: SweepSummary[];
  declare sweep: string;
  declare runs: RunRecord[];
  declare run: string;
  declare questions: QuestionResult[];
  declare order: 'asked' | 'hardest' | 'easiest';
  declare task: string;
  private loaded = -1;

  constructor() {
    super();
    this.revision = 0;
    this.active = false;
    this.sweeps = [];
    this.sweep = '';
    this.runs = [];
    this.run = '';
    this.questions = [];
    this.order = 'asked';
    this.task = '';
  }

  static override styles = [
    shared,
    css`
    .q { display: grid; grid-template-columns: minmax(min(14rem, 100%), 22rem) 6rem 6rem 1fr; gap: 0.2rem 0.8rem; align-items: start; border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
    @media (max-width: 40rem) { .q { grid-template-columns: minmax(0, 1fr) minmax(3.2rem, auto) minmax(3.2rem, auto); } .q .samples { grid-column: 1 / -1; } }
    .q > * { min-width: 0; }
    .q.head { font-weight: 600; background: #eef0f3; padding: 0.3rem 0; }
    .prompt { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
    .samples { display: flex; flex-wrap: wrap; gap: 0.25rem; }
    .s { font-family: ui-monospace, Menlo, Consolas, monospace; padding: 0.05rem 0.4rem; border-radius: 4px; border: 1px solid var(--line); background: #fff; }
    .s.yes { background: #dcf5e3; border-color: var(--ok); color: #0b4f22; font-weight: 600; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    .pbar { display: block; height: 0.35rem; background: var(--accent); margin: 0.15rem 0 0 auto; }
  `,
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
    await this.loadRuns();
  }

  private async loadRuns(): Promise<void> {
    this.runs = this.sweep ? await api.results(this.sweep) : [];
    const wanted = hashParam('run') ?? this.run;
    this.run = this.runs.some((r) => r.id === wanted)
      ? wanted
      : (this.runs[this.runs.length - 1]?.id ?? '');
    await this.loadQuestions();
  }

  private async loadQuestions(): Promise<void> {
    this.questions = this.sweep && this.run ? await api.samples(this.sweep, this.run) : [];
  }

  override render() {
    const tasks = [...new Set(this.questions.map((q) => q.task))];
    let qs = this.questions
      .map((q, i) => ({ q, i }))
      .filter(({ q }) => !this.task || q.task === this.task);
    if (this.order !== 'asked')
      qs = qs.sort((a, b) => (this.order === 'hardest' ? a.q.p - b.q.p : b.q.p - a.q.p));
    const solved = this.questions.filter((q) => q.c > 0).length;
    return html`
      <h2>Samples</h2>
      <p>Each question was answered <em>n</em> times. <strong>c/n</strong> is the share of samples the task's verifier accepted;
        <strong>p<sub>i</sub></strong> is the model's own probability of the gold answer (the likelihood method), which c/n estimates.
        A question counts for pass@k if any of k samples is right: hard questions (small p<sub>i</sub>) are where extra samples pay.</p>
      ${
        tasks.includes('add')
          ? html`<p class="notice" data-testid="reversed-note">In <strong>add</strong> questions every number is written least significant digit first
        (so the model can carry as it writes): "add 39+8=" with answer 101 means <strong>93 + 8 = 101</strong>. The ordinary reading is shown under each question and in each sample's tooltip.</p>`
          : ''
      }
      <div class="controls">
        <label>Sweep <select @change=${async (e: Event) => {
          this.sweep = (e.target as HTMLSelectElement).value;
          setHash({ sweep: this.sweep, run: null });
          await this.loadRuns();
        }} data-testid="samples-sweep">
          ${this.sweeps.length === 0 ? html`<option value="">(no results yet)</option>` : ''}
          ${this.sweeps.map((s) => html`<option value=${s.name} ?selected=${s.name === this.sweep}>${s.name}</option>`)}</select></label>
        <label>Run <select @change=${async (e: Event) => {
          this.run = (e.target as HTMLSelectElement).value;
          setHash({ run: this.run });
          await this.loadQuestions();
        }} data-testid="samples-run">
          ${this.runs.map((r) => html`<option value=${r.id} ?selected=${r.id === this.run}>${r.id} (loss ${Number.isFinite(r.eval_loss) ? r.eval_loss.toFixed(2) : '–'})</option>`)}</select></label>
        <label>Task <select @change=${(e: Event) => (this.task = (e.target as HTMLSelectElement).value)}>
          <option value="">all</option>${tasks.map((t) => html`<option value=${t} ?selected=${t === this.task}>${t}</option>`)}</select></label>
        <label>Order <select @change=${(e: Event) => (this.order = (e.target as HTMLSelectElement).value as T2Samples['order'])}>
          <option value="asked">as asked</option><option value="hardest">hardest first (smallest p)</option><option value="easiest">easiest first</option></select></label>
      </div>
      ${
        this.questions.length === 0
          ? html`<p class="muted">No samples yet: they appear when a run of a sweep has been sampled.</p>`
          : html`
          <p>${solved} of ${this.questions.length} questions solved by at least one sample.</p>
          <div role="table" aria-label="questions and samples" data-testid="samples-list">
            <div class="q head" role="row"><span role="columnheader">question → gold answer</span><span role="columnheader" class="num">p<sub>i</sub></span><span role="columnheader" class="num">c/n</span><span role="columnheader">samples (green: correct)</span></div>
            ${qs.map(
              ({ q }) => html`<div class="q" role="row">
              <span class="prompt" role="cell">${q.prompt}<strong>${q.answer}</strong> <span class="muted">(${q.task})</span>${(() => {
                const o = ordinaryReading(q.task, q.prompt, q.answer);
                return o
                  ? html`<br /><span class="muted" data-testid="ordinary">that is ${o.ordinary}</span>`
                  : '';
              })()}</span>
              <span class="num" role="cell">${q.p.toFixed(3)}<span class="pbar" style="width:${(100 * q.p).toFixed(0)}%"></span></span>
              <span class="num" role="cell">${q.c}/${q.n}</span>
              <span class="samples" role="cell">${(q.samples ?? []).map((s, j) => {
                const ok = sampleCorrect(q, j);
                const plain = ordinaryAnswer(q.task, s);
                return html`<span class="s ${ok ? 'yes' : ''}" title=${`${ok ? 'correct' : 'wrong'}${plain !== null ? `: ${plain} in ordinary notation` : ''}`}>${ok ? '✓ ' : ''}${s === '' ? '∅' : s}</span>`;
              })}</span>
            </div>`,
            )}
          </div>`
      }
    `;
  }
}
customElements.define('t2-samples', T2Samples);
