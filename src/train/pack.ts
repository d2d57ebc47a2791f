// A pack: R training runs of one model shape (other budgets, seeds, learning rates) trained side by side,
// one set of dispatches per step for all of them (GPT with `runs`, kernels with a run dimension). Each run
// keeps what it has alone: its own initialisation, token stream, AdamW step and learning-rate schedule,
// gradient norm and clipping, logs, held-out losses and end at its own D, so its numbers are the very
// bits of `Trainer` (test/train/pack.test.ts). Runs take slots in order of steps left, most first: a run
// that finishes is then always the top slot, and the pack just computes one run fewer from the next step.
// A run that diverges stays in its slot, ignored (nothing of it is recorded), until the runs above it end.
import { modelShape, type Config, type ModelShape } from '../config.ts';
import type { Gpu, Tensor } from '../gpu/context.ts';
import { GPT, paramCount, trainingFlopsPerToken } from '../model/gpt.ts';
import { gpuOps } from '../model/ops.gpu.ts';
import type { AdamwHyper, Ops, Runs } from '../model/ops.ts';
import { TrainStream, IGNORE } from '../data/stream.ts';
import { global_norm_partials } from '../../kernels/global_norm/global_norm.ts';
import type { TrainPoint } from '../checkpoint/checkpoint.ts';
import {
  evalBatches,
  lrAt,
  modelCheckpoint,
  readResume,
  resumeCheckpoint,
  streamOptions,
  type RunState,
  type TrainProgress,
  type TrainResult,
} from './trainer.ts';

/** What runs must share to train in one pack: the model shape and batch, the clip threshold, the eval batches. */
export function packKey(c: Config): string {
  const { batch_size, grad_clip, eval_batches } = c;
  return JSON.stringify({ ...modelShape(c), batch_size, grad_clip, eval_batches });
}

/** One run of a pack: where it stands (as a Trainer's), its slot, and its end. */
class Member implements RunState {
  readonly steps: number;
  stream: TrainStream;
  step = 0;
  tokens = 0;
  curve: TrainPoint[] = [];
  evals: TrainPoint[] = [];
  secondsBefore = 0;
  readonly evalSet: { inputs: Uint32Array; targets: Uint32Array }[];
  /** Set when the run has ended (finished or diverged): it is no longer trained. */
  result: TrainResult | null = null;

  constructor(
    readonly config: Config,
    /** The run's position in the list the pack was made from. */
    readonly index: number,
  ) {
    this.steps = Math.ceil(config.tokens / (config.batch_size * config.block_size));
    this.stream = new TrainStream(streamOptions(config));
    this.evalSet = evalBatches(config);
  }
}

export interface PackRunOptions {
  /** Pause: every run still training saves its state through `checkpoint` and run() returns paused. */
  signal?: AbortSignal;
  /** Called after every logged step of run `index` (its position in the list given to the constructor). */
  onProgress?: (index: number, p: TrainProgress) => void;
  /** Called after logged steps and at a pause; typically saves snapshot(i) of each running run every so often. */
  checkpoint?: () => Promise<void>;
  /**
   * Called as runs end (finished or diverged), while the others wait: evaluate them, record them. Runs that
   * finish at the same step come in one call, so their evaluation can pack too (paramsOfRuns).
   */
  onFinished?: (ended: { index: number; result: TrainResult }[]) => Promise<void>;
}

export class PackTrainer {
  readonly shape: ModelShape;
  readonly model: GPT<Tensor>;
  /** The runs by slot: most steps left first. */
  private readonly members: Member[];
  /** Runs whose resume checkpoint could not be used and that start over: index and why. */
  readonly unusable: { index: number; message: string }[] = [];
  private readonly ops: Ops<Tensor>;
  private readonly m: Tensor;
  private readonly v: Tensor;
  private readonly norm: Tensor;
  private readonly normScratch: Tensor;

  /**
   * `configs`: the runs, all with one packKey. `resumes[i]`: run i's resume checkpoint (a Trainer's
   * snapshot() or this pack's), or null; one that cannot be used is listed in `unusable` and not used.
   */
  constructor(
    readonly gpu: Gpu,
    configs: Config[],
    resumes: (Uint8Array | null)[] = [],
    sources: string[] = [],
  ) {
    if (!configs.length) throw new Error('a pack needs at least one run');
    const key = packKey(configs[0]!);
    for (const c of configs)
      if (packKey(c) !== key)
        throw new Error(
          `runs of one pack must share the model shape, batch_size, grad_clip and eval_batches: ${packKey(c)} is not ${key}`,
        );
    this.shape = modelShape(configs[0]!);
    this.ops = gpuOps(gpu);
    const R = configs.length;
    this.model = new GPT(this.ops, this.shape, configs[0]!.batch_size, undefined, R);
    const P = this.model.nParamsFlat;
    this.m = this.ops.alloc('adam_m', R * P);
    this.v = this.ops.alloc('adam_v', R * P);
    this.norm = this.ops.alloc('grad_norm', 2 * R);
    this.normScratch = this.ops.alloc('grad_norm_partials', global_norm_partials(P, R));
    // Read every resume first: the slots go by steps left, which a resume changes.
    const members = configs.map((c, i) => new Member(c, i));
    const restored = members.map((m) => {
      const bytes = resumes[m.index];
      if (!bytes) return null;
      const source = sources[m.index] ?? `resume checkpoint of run ${m.index}`;
      try {
        const r = readResume(bytes, m.config, this.model.specs, P, source);
        Object.assign(m, {
          stream: r.stream,
          step: r.step,
          tokens: r.tokens,
          curve: r.curve,
          evals: r.evals,
          secondsBefore: r.seconds,
        });
        return r;
      } catch (err) {
        this.unusable.push({ index: m.index, message: (err as Error).message });
        return null;
      }
    });
    const order = members.map((_, i) => i);
    order.sort((a, b) => {
      const left = (m: Member) => m.steps - m.step;
      return left(members[b]!) - left(members[a]!) || a - b;
    });
    this.members = order.map((i) => members[i]!);
    this.members.forEach((m, slot) => {
      const r = restored[m.index];
      if (!r) return void this.model.init(m.config.seed, slot);
      this.gpu.write(this.model.paramsFlat, r.params, slot * P);
      this.gpu.write(this.m, r.m, slot * P);
      this.gpu.write(this.v, r.v, slot * P);
    });
  }

  /** Run `index` (its position in the constructor's list): its slot and state. */
  private member(index: number): { m: Member; slot: number } {
    const slot = this.members.findIndex((m) => m.index === index);
    if (slot < 0) throw new Error(`the pack has no run ${index}`);
    return { m: this.members[slot]!, slot };
  }

  /** Where run `index` stands: steps done and tokens consumed. */
  progressOf(index: number): { step: number; steps: number; tokens: number } {
    const { m } = this.member(index);
    return { step: m.step, steps: m.steps, tokens: m.tokens };
  }

  /** Run `index`'s flat parameters (one run's P floats), e.g. for evaluateModel. */
  paramsOf(index: number): Tensor {
    const P = this.model.nParamsFlat;
    return this.gpu.view(this.model.paramsFlat, this.member(index).slot * P, P, `params ${index}`);
  }

  /**
   * The flat parameters of several runs as one pack's (R·P floats, run after run), with the runs in that
   * order; null unless their slots are adjacent (runs that finish at one step are: slots go by steps left).
   */
  paramsOfRuns(indices: number[]): { params: Tensor; order: number[] } | null {
    const slots = indices.map((i) => this.member(i).slot).sort((a, b) => a - b);
    if (slots.some((s, j) => s !== slots[0]! + j)) return null;
    const P = this.model.nParamsFlat;
    return {
      params: this.gpu.view(this.model.paramsFlat, slots[0]! * P, slots.length * P, 'params'),
      order: slots.map((s) => this.members[s]!.index),
    };
  }

  /** Run `index`'s resume checkpoint: the bytes Trainer.snapshot() writes for the same state. */
  async snapshot(index: number): Promise<Uint8Array> {
    const { m, slot } = this.member(index);
    const P = this.model.nParamsFlat;
    const at = (t: Tensor) => this.gpu.read(this.gpu.view(t, slot * P, P));
    const [params, mom1, mom2] = await Promise.all([this.model.paramsFlat, this.m, this.v].map(at));
    return resumeCheckpoint(this.model.specs, m, params!, mom1!, mom2!);
  }

  /** Run `index`'s model as a t2lab checkpoint after `result` (Trainer.checkpoint's bytes). */
  async checkpoint(index: number, result: TrainResult): Promise<Uint8Array> {
    return modelCheckpoint(this.model.specs, result, await this.gpu.read(this.paramsOf(index)));
  }

  /** Slots still computed: up to the highest run that has not ended. */
  private active(): number {
    let n = this.members.length;
    while (n > 0 && this.members[n - 1]!.result) n--;
    return n;
  }

  /** One step of every run, recorded and not submitted, for timing (budgets and schedules still advance). */
  benchStep(): void {
    if (this.members.some((m) => m.result || m.step >= m.steps))
      throw new Error("benchStep: a run's token budget is spent");
    this.recordStep(this.members.length, false);
  }

  /** One optimizer step of the first R slots; returns each slot's counted targets (0 for an ended run). */
  private recordStep(R: number, submit = true): number[] {
    const { model, ops } = this;
    const { batch_size: B, block_size: T } = this.members[0]!.config;
    const counted: number[] = [];
    const hyper: AdamwHyper[] = [];
    for (let s = 0; s < R; s++) {
      const m = this.members[s]!;
      const c = m.config;
      if (m.result) {
        // An ended run below a running one: no targets (zero gradients) and lr 0, so nothing moves.
        model.setBatch(new Uint32Array(B * T), new Uint32Array(B * T).fill(IGNORE), s);
        hyper.push({ lr: 0, beta1: c.beta1, beta2: c.beta2, eps: 1e-8, weightDecay: 0, step: 1 });
        counted.push(0);
        continue;
      }
      const { inputs, targets } = m.stream.nextBatch(B, T);
      const left = c.tokens - m.tokens;
      for (let i = left; i < targets.length; i++) targets[i] = IGNORE;
      let n = 0;
      for (const t of targets) if (t !== IGNORE) n++;
      model.setBatch(inputs, targets, s);
      hyper.push({
        lr: lrAt(m.step, m.steps, c),
        beta1: c.beta1,
        beta2: c.beta2,
        eps: 1e-8,
        weightDecay: c.weight_decay,
        step: m.step + 1,
      });
      counted.push(n);
    }
    const runs: Runs = { R, P: model.nParamsFlat };
    model.active = R;
    model.forward();
    model.backward();
    const P = model.nParamsFlat;
    ops.global_norm(
      this.norm,
      this.normScratch,
      model.gradsFlat,
      P,
      this.members[0]!.config.grad_clip,
      runs,
    );
    ops.adamw_update(
      model.paramsFlat,
      model.gradsFlat,
      this.m,
      this.v,
      this.norm,
      hyper,
      P,
      model.nDecay,
      runs,
    );
    if (submit) this.gpu.submit();
    for (let s = 0; s < R; s++) {
      const m = this.members[s]!;
      if (m.result) continue;
      m.step++;
      m.tokens += counted[s]!;
    }
    return counted;
  }

  /** Held-out loss of each of the first R slots (Trainer.evalLoss's sums, run by run, in its order). */
  private async evalLosses(R: number): Promise<number[]> {
    const { model } = this;
    const BT = model.B * model.T;
    const sum = new Array<number>(R).fill(0),
      count = new Array<number>(R).fill(0);
    model.active = R;
    for (let b = 0; b < this.members[0]!.evalSet.length; b++) {
      for (let s = 0; s < R; s++) {
        const e = this.members[s]!.evalSet[b]!;
        model.setBatch(e.inputs, e.targets, s);
      }
      model.forward();
      const losses = await this.gpu.read(model.acts.losses!);
      for (let s = 0; s < R; s++) {
        const { targets } = this.members[s]!.evalSet[b]!;
        for (let i = 0; i < BT; i++)
          if (targets[i] !== IGNORE) {
            sum[s]! += losses[s * BT + i]!;
            count[s]!++;
          }
      }
    }
    return sum.map((x, s) => x / count[s]!);
  }

  /** Train every run to its end (or a pause); each run's result goes to opts.onFinished as it ends. */
  async run(opts: PackRunOptions = {}): Promise<{ paused: boolean }> {
    const N = paramCount(this.shape);
    const flopsPerToken = trainingFlopsPerToken(this.shape);
    const BT = this.model.B * this.model.T;
    const t0 = performance.now();
    const base = this.members.map((m) => m.secondsBefore);
    const elapsed = (s: number) => base[s]! + (performance.now() - t0) / 1000;
    const adapter =
      `${this.gpu.adapter.vendor} ${this.gpu.adapter.architecture} ${this.gpu.adapter.description}`.trim();
    const end = (s: number, diverged: TrainResult['diverged']) => {
      const m = this.members[s]!;
      m.result = {
        config: m.config,
        params: N.total,
        paramsNonEmbedding: N.nonEmbedding,
        tokens: m.tokens,
        flopsPerToken,
        trainFlops: flopsPerToken * m.tokens,
        trainFlops6ND: 6 * N.nonEmbedding * m.tokens,
        steps: m.step,
        curve: m.curve,
        evals: m.evals,
        finalEvalLoss: diverged ? NaN : m.evals[m.evals.length - 1]!.loss,
        diverged,
        seconds: elapsed(s),
        paused: false,
        adapter,
      };
      return { index: m.index, result: m.result };
    };
    const finish = async (ended: { index: number; result: TrainResult }[]) => {
      if (ended.length) await opts.onFinished?.(ended);
    };
    // A run with no step left (as Trainer.run, it just reports) ends at once: it must not train on.
    await finish(
      [...this.members.entries()]
        .filter(([, m]) => !m.result && m.step >= m.steps)
        .map(([s]) => end(s, null)),
    );
    // Runs that start from step 0 get their held-out loss at 0 first, as Trainer.run does.
    let R = this.active();
    if (this.members.some((m, s) => s < R && m.step === 0 && !m.evals.length)) {
      const losses = await this.evalLosses(R);
      this.members.forEach((m, s) => {
        if (s < R && m.step === 0 && !m.evals.length)
          m.evals.push({ step: 0, tokens: 0, loss: losses[s]! });
      });
    }
    for (; R > 0; R = this.active()) {
      if (opts.signal?.aborted) {
        this.members.forEach((m, s) => (m.secondsBefore = elapsed(s)));
        await opts.checkpoint?.();
        return { paused: true };
      }
      const counted = this.recordStep(R);
      const running = this.members.slice(0, R).filter((m) => !m.result);
      const logs = (m: Member) =>
        m.step % m.config.log_interval === 0 ||
        m.step % m.config.eval_interval === 0 ||
        m.step === m.steps;
      if (!running.some(logs)) continue;
      const losses = await this.gpu.read(this.model.acts.losses!);
      const progress = new Map<number, TrainProgress>();
      const evaluate: number[] = [];
      for (let s = 0; s < R; s++) {
        const m = this.members[s]!;
        if (m.result || !logs(m)) continue;
        let sum = 0;
        for (let i = s * BT; i < (s + 1) * BT; i++) sum += losses[i]!;
        const loss = sum / counted[s]!;
        m.curve.push({ step: m.step, tokens: m.tokens, loss });
        if (!Number.isFinite(loss)) {
          await finish([end(s, { step: m.step, loss })]);
          continue;
        }
        progress.set(s, {
          step: m.step,
          steps: m.steps,
          tokens: m.tokens,
          loss,
          lr: lrAt(m.step - 1, m.steps, m.config),
          tokensPerSec: 0,
          gflops: 0,
        });
        if (m.step % m.config.eval_interval === 0 || m.step === m.steps) evaluate.push(s);
      }
      if (evaluate.length) {
        const evalLoss = await this.evalLosses(R);
        for (const s of evaluate) {
          const m = this.members[s]!;
          progress.get(s)!.evalLoss = evalLoss[s];
          m.evals.push({ step: m.step, tokens: m.tokens, loss: evalLoss[s]! });
        }
      }
      for (const [s, p] of progress) {
        const m = this.members[s]!;
        p.tokensPerSec = m.tokens / elapsed(s);
        p.gflops = (p.tokensPerSec * flopsPerToken) / 1e9;
        opts.onProgress?.(m.index, p);
      }
      await finish(
        [...progress.keys()]
          .filter((s) => this.members[s]!.step === this.members[s]!.steps)
          .map((s) => end(s, null)),
      );
      if (opts.checkpoint && this.members.some((m) => !m.result)) {
        this.members.forEach((m, s) => (m.secondsBefore = elapsed(s)));
        await opts.checkpoint();
      }
    }
    await this.gpu.sync();
    return { paused: false };
  }

  /** Runs that are still training (not finished, not diverged), by index. */
  running(): number[] {
    return this.members.filter((m) => !m.result).map((m) => m.index);
  }

  /** Release every GPU buffer of the pack. */
  dispose(): void {
    this.ops.dispose();
  }
}
