// <t2-learn>: what T² is, in plain words and one screen, for a class: the two budgets, why more samples
// help a small model, what the frontier charts show and how to read them, and the tasks' notation. Every
// chart that uses the words links here (#view=learn).
import { LitElement, html, css } from 'lit';
import { shared } from '../shared/styles.ts';
import { ordinaryReading } from '../shared/classroom-logic.ts';

export class T2Learn extends LitElement {
  static override styles = [
    shared,
    css`
    .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(19rem, 100%), 1fr)); gap: 0.75rem; }
    .cols .card { margin: 0; }
    .formula { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.05rem; background: #eef0f3; padding: 0.1rem 0.4rem; border-radius: 4px; }
    h3 { margin-top: 0.2rem; }
  `,
  ];

  override render() {
    const ex = ordinaryReading('add', 'add 39+8=', '101')!;
    return html`
      <h2 data-testid="learn-title">What is T² (train-to-test scaling)?</h2>
      <p>A model costs compute twice: once to <strong>train</strong> it, and again every time it <strong>answers</strong>. Scaling laws say how good a
        model gets for the compute you spend. The question here: if you know you will let the model try each question several times and keep a
        correct answer (a checker can tell), what size of model should you train, and on how many tokens?</p>
      <div class="cols">
        <div class="card">
          <h3>The two budgets</h3>
          <p><strong>Training</strong>: <span class="formula">C_train ≈ 6·N·D</span> FLOPs, for a model with N parameters trained on D tokens.
            For the same C_train you can train a big model on few tokens or a small one on many.</p>
          <p><strong>Answering</strong>: <span class="formula">C_inf ≈ 2·N·k</span> FLOPs per token, for k samples per question.
            For the same C_inf a small model can draw many more samples: <span class="formula">k = C_inf / (2N)</span>.</p>
        </div>
        <div class="card">
          <h3>Chinchilla's law ignores the second budget</h3>
          <p>It fits the loss <span class="formula">L(N, D) = E + A/N^α + B/D^β</span> and, for a fixed C_train, picks the N and D with the lowest loss:
            about <strong>20 tokens per parameter</strong> for large language models. How the model will be used does not enter.</p>
        </div>
        <div class="card">
          <h3>Why more samples help a small model</h3>
          <p><strong>pass@k</strong> is the chance that at least one of k samples is correct. A question the model gets right only 10% of the time is
            solved 65% of the time with 10 tries. So a smaller model, cheaper per sample, can afford enough tries to beat a bigger model that gets one.
            Counting both budgets, the best model is <strong>smaller and trained on far more tokens per parameter</strong> (the T² paper: hundreds to thousands, against Chinchilla's ~20).</p>
        </div>
      </div>
      <h3>How to read the charts</h3>
      <ul>
        <li><strong>pass@k against k</strong> (Sweep, Results): one colour per run, the same in every view; solid with points = counted from the samples, dashed = computed from
          the model's probability of the right answer p<sub>i</sub>. Lines that rise steeply are models that gain most from extra samples.</li>
        <li><strong>isoFLOP levels</strong> (Results): each curve holds C_train fixed, so moving right means a bigger model on fewer tokens. The lowest point of the
          loss curve is the loss-optimal size N_loss*; the highest point of pass@k at k = C_inf/(2N) is the size that wins when samples are paid for, N_T²*.
          If N_T²* sits left of N_loss*, test-time sampling favours smaller, longer-trained models: that is the T² shift, measured directly.</li>
        <li><strong>The frontier</strong> (Results, Explore): the best N* and tokens per parameter D*/N* against C_train, for Chinchilla and for the T² laws. A T² line
          below Chinchilla's in N* (above it in D*/N*) is the shift. Lines are fitted laws; check the held-out errors before trusting them.</li>
      </ul>
      <h3>The tasks' notation</h3>
      <p data-testid="learn-reversed">In the addition task every number is written <strong>least significant digit first</strong>, so the model can carry as it writes, left
        to right. "${ex.text}" means <strong>${ex.ordinary}</strong>, read backwards. The Samples tab shows the ordinary reading beside each question.</p>
      <p><a href="#view=labs&lab=train-to-test">Try it: the train-to-test lab</a> · <a href="#view=explore">Explore the measured tradeoff (no training)</a></p>
    `;
  }
}
customElements.define('t2-learn', T2Learn);
