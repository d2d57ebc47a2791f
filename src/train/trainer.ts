// src/train/: the trainer and its benchmark rows. Imports checkpoint, model, kernels, gpu, data,
// config; imported by bench, sweep, node (layers: test/structure.test.ts).
//
// One training run on the GPU: a GPT trained on exactly `tokens` (D) tokens of the task stream with
// AdamW, linear warmup and a cosine decay that reaches zero exactly at D, gradient clipping, and
// held-out loss at intervals. A step is one command buffer; the only readbacks are scheduled logs.
import { difficultyOf, modelShape, parseMix, type Config, type ModelShape } from '../config.ts';
import type { Gpu, Tensor } from '../gpu/context.ts';
import {
  GPT,
  type ParamSpec,
  flattenParams,
  paramCount,
  trainingFlopsPerToken,
  unflattenParams,
} from '../model/gpt.ts';
import { gpuOps } from '../model/ops.gpu.ts';
import { TrainStream, IGNORE, heldOutTokens, type TrainStreamOptions } from '../data/stream.ts';
import type { Difficulty } from '../data/tasks.ts';
import { global_norm_partials } from '../../kernels/global_norm/global_norm.ts';
import { saveCheckpoint, loadCheckpoint, type TrainPoint } from '../checkpoint/checkpoint.ts';
import { CheckpointError } from '../checkpoint/safetensors.ts';

/** The training stream's options for a config: the mix, its seed, each task's difficulty. */
export function streamOptions(c: Config): TrainStreamOptions {
  const mix = parseMix(c.tasks);
  const difficulty: Record<string, Difficulty> = {};
  for (const name of Object.keys(mix)) {
    const d = difficultyOf(c, name);
    if (d !== undefined) difficulty[name] = d;
  }
  return { seed: c.seed, mix, difficulty };
}

/** Learning rate at step s (0-based) of S: linear warmup over W steps, then cosine reaching 0 at step S (= token D). */
export function lrAt(s: number, S: number, c: Pick<Config, 'lr' | 'warmup_frac'>): number {
  const W = Math.min(Math.ceil(c.warmup_frac * S), S - 1);
  if (s < W) return (c.lr * (s + 1)) / W;
  return 0.5 * c.lr * (1 + Math.cos((Math.PI * (s - W)) / (S - W)));
}

export interface TrainProgress extends TrainPoint {
  steps: number;
  lr: number;
  tokensPerSec: number;
  gflops: number; // achieved, from the exact FLOP count of matmuls and attention
  evalLoss?: number;
}

export interface TrainResult {
  config: Config;
  params: number; // N, embeddings included
  paramsNonEmbedding: number;
  tokens: number; // D actually consumed (counted targets)
  flopsPerToken: number; // exact, matmuls + attention, forward + backward
  trainFlops: number; // flopsPerToken · D
  trainFlops6ND: number; // the 6·N·D rule, N without embeddings
  steps: number;
  curve: TrainPoint[];
  evals: TrainPoint[];
  finalEvalLoss: number;
  diverged: { step: number; loss: number } | null;
  seconds: number;
  adapter: string;
  /** true when the run stopped early on its AbortSignal (a pause); the other fields describe it so far. */
  paused: boolean;
}

export interface RunOptions {
  /** Pause: the loop stops after the current step (calling `checkpoint` first) and returns paused. */
  signal?: AbortSignal;
  /** Called after every logged step and at a pause; typically saves snapshot() every so often. */
  checkpoint?: () => Promise<void>;
}

export class Trainer {
  readonly shape: ModelShape;
  readonly model: GPT<Tensor>;
  readonly steps: number;
  stream: TrainStream;
  step = 0;
  tokens = 0;
  curve: TrainPoint[] = [];
  evals: TrainPoint[] = [];
  secondsBefore = 0;
  private readonly m: Tensor;
  private readonly v: Tensor;
  private readonly norm: Tensor;
  private readonly normScratch: Tensor;
  private readonly evalSet: { inputs: Uint32Array; targets: Uint32Array }[];

  constructor(
    readonly gpu: Gpu,
    readonly config: Config,
  ) {
    this.shape = modelShape(config);
    const ops = gpuOps(gpu);
    this.model = new GPT(ops, this.shape, config.batch_size);
    this.model.init(config.seed);
    const n = this.model.nParamsFlat;
    this.m = ops.alloc('adam_m', n);
    this.v = ops.alloc('adam_v', n);
    this.norm = ops.alloc('grad_norm', 2);
    this.normScratch = ops.alloc('grad_norm_partials', global_norm_partials(n));
    this.steps = Math.ceil(config.tokens / (config.batch_size * config.block_size));
    this.stream = new TrainStream(streamOptions(config));
    this.evalSet = evalBatches(config);
  }

  /** One optimizer step on the next batch; the last step counts only the tokens left in the budget. */
  private recordStep(submit = true): number {
    const { batch_size: B, block_size: T } = this.config;
    const { inputs, targets } = this.stream.nextBatch(B, T);
    const left = this.config.tokens - this.tokens;
    for (let i = left; i < targets.length; i++) targets[i] = IGNORE;
    let counted = 0;
    for (const t of targets) if (t !== IGNORE) counted++;
    const { model } = this;
    const ops = model.ops;
    model.setBatch(inputs, targets);
    model.forward();
    model.backward();
    ops.global_norm(
      this.norm,
      this.normScratch,
      model.gradsFlat,
      model.nParamsFlat,
      this.config.grad_clip,
    );
    const c = this.config;
    ops.adamw_update(
      model.paramsFlat,
      model.gradsFlat,
      this.m,
      this.v,
      this.norm,
      {
        lr: lrAt(this.step, this.steps, c),
        beta1: c.beta1,
        beta2: c.beta2,
        eps: 1e-8,
        weightDecay: c.weight_decay,
        step: this.step + 1,
      },
      model.nParamsFlat,
      model.nDecay,
    );
    if (submit) this.gpu.submit();
    this.step++;
    this.tokens += counted;
    return counted;
  }

  /** Record one step without submitting, for timing (the budget and schedule still advance). */
  benchStep(): void {
    if (this.step >= this.steps) throw new Error("benchStep: the run's token budget is spent");
    this.recordStep(false);
  }

  /** Mean loss over the counted positions of the last forward pass (one readback). */
  private async lastLoss(counted: number): Promise<number> {
    const losses = await this.gpu.read(this.model.acts.losses!);
    let s = 0;
    for (const x of losses) s += x;
    return s / counted;
  }

  /** Held-out loss: forward passes over the fixed evaluation batches (questions never trained on). */
  async evalLoss(): Promise<number> {
    let sum = 0,
      count = 0;
    for (const b of this.evalSet) {
      this.model.setBatch(b.inputs, b.targets);
      this.model.forward();
      const losses = await this.gpu.read(this.model.acts.losses!);
      for (let i = 0; i < losses.length; i++)
        if (b.targets[i] !== IGNORE) {
          sum += losses[i]!;
          count++;
        }
    }
    return sum / count;
  }

  async run(onProgress?: (p: TrainProgress) => void, opts: RunOptions = {}): Promise<TrainResult> {
    const c = this.config;
    const N = paramCount(this.shape);
    const flopsPerToken = trainingFlopsPerToken(this.shape);
    const { curve, evals } = this;
    if (this.step === 0 && !evals.length)
      evals.push({ step: 0, tokens: 0, loss: await this.evalLoss() });
    let diverged: TrainResult['diverged'] = null;
    let paused = false;
    const t0 = performance.now() - this.secondsBefore * 1000;
    const elapsed = () => (performance.now() - t0) / 1000;
    while (this.step < this.steps) {
      if (opts.signal?.aborted) {
        paused = true;
        this.secondsBefore = elapsed();
        await opts.checkpoint?.();
        break;
      }
      const counted = this.recordStep();
      const last = this.step === this.steps;
      if (this.step % c.log_interval !== 0 && this.step % c.eval_interval !== 0 && !last) continue;
      const loss = await this.lastLoss(counted);
      curve.push({ step: this.step, tokens: this.tokens, loss });
      const p: TrainProgress = {
        step: this.step,
        steps: this.steps,
        tokens: this.tokens,
        loss,
        lr: lrAt(this.step - 1, this.steps, c),
        tokensPerSec: 0,
        gflops: 0,
      };
      if (!Number.isFinite(loss)) {
        diverged = { step: this.step, loss };
        break;
      }
      if (this.step % c.eval_interval === 0 || last) {
        p.evalLoss = await this.evalLoss();
        evals.push({ step: this.step, tokens: this.tokens, loss: p.evalLoss });
      }
      const sec = elapsed();
      p.tokensPerSec = this.tokens / sec;
      p.gflops = (p.tokensPerSec * flopsPerToken) / 1e9;
      onProgress?.(p);
      if (opts.checkpoint && !last) {
        this.secondsBefore = elapsed();
        await opts.checkpoint();
      }
    }
    await this.gpu.sync();
    const seconds = elapsed();
    return {
      config: c,
      params: N.total,
      paramsNonEmbedding: N.nonEmbedding,
      tokens: this.tokens,
      flopsPerToken,
      trainFlops: flopsPerToken * this.tokens,
      trainFlops6ND: 6 * N.nonEmbedding * this.tokens,
      steps: this.step,
      curve,
      evals,
      finalEvalLoss: diverged || paused ? NaN : evals[evals.length - 1]!.loss,
      diverged,
      seconds,
      paused,
      adapter:
        `${this.gpu.adapter.vendor} ${this.gpu.adapter.architecture} ${this.gpu.adapter.description}`.trim(),
    };
  }

  /** Named float32 parameters, for checkpoints. */
  async parameters(): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    return unflattenParams(this.model.specs, await this.gpu.read(this.model.paramsFlat));
  }

  /** The model as a t2lab checkpoint (safetensors bytes) after `result`: what `t2lab sample` loads. */
  async checkpoint(result: TrainResult): Promise<Uint8Array> {
    return modelCheckpoint(this.model.specs, result, await this.gpu.read(this.model.paramsFlat));
  }

  /**
   * A resume checkpoint (safetensors bytes): parameters, AdamW moments, stream position, curve so far.
   * restore() of it continues the run exactly as if it had never stopped.
   */
  async snapshot(): Promise<Uint8Array> {
    const [params, m, v] = await Promise.all(
      [this.model.paramsFlat, this.m, this.v].map((t) => this.gpu.read(t)),
    );
    return resumeCheckpoint(this.model.specs, this, params!, m!, v!);
  }

  /** Continue from a snapshot() of a run with the same config (anything else is refused, saying why). */
  restore(bytes: Uint8Array, source = 'resume checkpoint'): void {
    const r = readResume(bytes, this.config, this.model.specs, this.model.nParamsFlat, source);
    this.stream = r.stream;
    this.gpu.write(this.model.paramsFlat, r.params);
    this.gpu.write(this.m, r.m);
    this.gpu.write(this.v, r.v);
    this.step = r.step;
    this.tokens = r.tokens;
    this.curve = r.curve;
    this.evals = r.evals;
    this.secondsBefore = r.seconds;
  }

  /** Release every GPU buffer of the run. */
  dispose(): void {
    this.model.ops.dispose();
  }
}

/** Where a run stands: what a resume checkpoint keeps beside its parameters and AdamW moments. */
export interface RunState {
  config: Config;
  step: number;
  tokens: number;
  stream: TrainStream;
  curve: TrainPoint[];
  evals: TrainPoint[];
  secondsBefore: number;
}

/** A resume checkpoint (safetensors bytes) of a run: its flat parameters, moments and state. */
export function resumeCheckpoint(
  specs: ParamSpec[],
  run: RunState,
  params: Float32Array,
  m: Float32Array,
  v: Float32Array,
): Uint8Array {
  const named = (flat: Float32Array) => unflattenParams(specs, flat);
  return saveCheckpoint({
    config: run.config,
    params: named(params),
    optimizer: { m: named(m), v: named(v) },
    state: {
      step: run.step,
      tokens: run.tokens,
      finalEvalLoss: run.evals[run.evals.length - 1]?.loss ?? NaN,
      resume: {
        stream: run.stream.state(),
        curve: run.curve,
        evals: run.evals,
        seconds: run.secondsBefore,
      },
    },
  });
}

/** A finished run's model as a t2lab checkpoint (what `t2lab sample` loads), from its flat parameters. */
export function modelCheckpoint(
  specs: ParamSpec[],
  result: TrainResult,
  params: Float32Array,
): Uint8Array {
  return saveCheckpoint({
    config: result.config,
    params: unflattenParams(specs, params),
    state: { step: result.steps, tokens: result.tokens, finalEvalLoss: result.finalEvalLoss },
  });
}

/** A resume checkpoint read back for a run of `config` (anything else is refused, saying why). */
export function readResume(
  bytes: Uint8Array,
  config: Config,
  specs: ParamSpec[],
  nParamsFlat: number,
  source: string,
): Omit<RunState, 'config' | 'secondsBefore'> & {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  seconds: number;
} {
  const ck = loadCheckpoint(bytes, source);
  if (JSON.stringify(ck.config) !== JSON.stringify(config))
    throw new CheckpointError(
      `${source}: it was saved from another config; delete it to start the run over`,
    );
  const r = ck.state.resume;
  if (!r || !ck.optimizer)
    throw new CheckpointError(
      `${source}: it holds no optimizer state (a final checkpoint, not a resume checkpoint)`,
    );
  const flat = (named: Record<string, { data: Float32Array }>) =>
    flattenParams(specs, nParamsFlat, named);
  return {
    stream: new TrainStream(streamOptions(config), r.stream),
    params: flat(ck.params),
    m: flat(ck.optimizer.m),
    v: flat(ck.optimizer.v),
    step: ck.state.step,
    tokens: ck.state.tokens,
    curve: [...r.curve],
    evals: [...r.evals],
    seconds: r.seconds,
  };
}

/**
 * The held-out text's seed, the same for every run whatever its own seed: every size and every seed of a
 * sweep is measured on one text, so the differences that place the loss optimum, and the seed noise beside
 * them, are the models' and not the draw of the text's (a fixed validation set).
 */
export const HELD_OUT_SEED = 0;

/** Fixed held-out batches: the mix's held-out text (never trained on), packed like the training stream. */
export function evalBatches(c: Config): { inputs: Uint32Array; targets: Uint32Array }[] {
  const { batch_size: B, block_size: T } = c;
  const ids = heldOutTokens(
    { ...streamOptions(c), seed: HELD_OUT_SEED },
    c.eval_batches * B * T + 1,
  );
  const out = [];
  for (let b = 0; b < c.eval_batches; b++) {
    const s = b * B * T;
    out.push({ inputs: ids.slice(s, s + B * T), targets: ids.slice(s + 1, s + B * T + 1) });
  }
  return out;
}
