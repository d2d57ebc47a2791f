// src/checkpoint/: safetensors, t2lab checkpoints, Hugging Face GPT-2 export/import. Imports model,
// data, config; imported by train, sweep, node (layers: test/structure.test.ts).
//
// t2lab checkpoints: safetensors files whose __metadata__ says everything another program needs to
// rebuild the model (docs/checkpoint.md): the config, every convention of the architecture (norm epsilon,
// activation, tied unembedding, weight layout), the tokenizer, the training state, and a SHA-256 of the
// tensor data. The file opens in any safetensors tool and loads back here only if everything agrees with
// the model it describes and the checksum still matches.
import {
  CheckpointError,
  expectTensors,
  loadSafetensors,
  safetensorsData,
  saveSafetensors,
  type Tensor,
} from './safetensors.ts';
import { sha256Hex } from './sha256.ts';
import { makeConfig, type Config, type ModelShape, modelShape } from '../config.ts';
import { EOS, PAD, VOCAB } from '../data/tokenizer.ts';
import { paramLayout } from '../model/gpt.ts';
import type { TrainStreamState } from '../data/stream.ts';

/** Written by this version. v2 added `model`, `tokenizer` and `tensor_sha256`; v1 files (config, vocab, train_state) still load. */
export const CHECKPOINT_FORMAT = 't2lab-gpt-2';
const READABLE_FORMATS = ['t2lab-gpt-1', CHECKPOINT_FORMAT];

export interface TrainState {
  step: number;
  tokens: number;
  finalEvalLoss: number;
  /** Where the weights came from when t2lab did not train them (e.g. "hf:DIR", by `t2lab import`). */
  origin?: string;
  /** Present in resume checkpoints (mid-run): what the trainer needs beyond parameters and moments. */
  resume?: ResumeState;
}

/** One point of a loss curve; the checkpoint keeps the run's curves so a resumed run continues them. */
export interface TrainPoint {
  step: number; // steps done
  tokens: number; // training tokens consumed so far
  loss: number;
}

export interface ResumeState {
  stream: TrainStreamState;
  curve: TrainPoint[];
  evals: TrainPoint[];
  /** Training seconds spent before the checkpoint (so throughput figures stay honest after a resume). */
  seconds: number;
}

export interface Checkpoint {
  config: Config;
  params: Record<string, Tensor>;
  state: TrainState;
  /** AdamW moments by parameter name; resume checkpoints only. */
  optimizer?: { m: Record<string, Tensor>; v: Record<string, Tensor> };
}

/** Tensor-name prefixes of the AdamW moments in a resume checkpoint. */
const MOMENTS = { m: 'adamw.m.', v: 'adamw.v.' } as const;

/**
 * Every convention a reader needs to rebuild the model from the tensors: __metadata__.model. These are
 * facts of the code (kernels/layernorm's EPS, kernels/gelu's tanh form, src/model/gpt.ts), written out so
 * a tool never has to guess. Loading refuses a file whose fields differ from what this code computes;
 * `formulas` is their prose (docs/checkpoint.md) and is not compared, so rewording it breaks no file.
 */
export function modelDescription(s: ModelShape) {
  return {
    architecture: 'gpt2',
    vocab_size: s.vocab_size,
    n_layer: s.n_layer,
    n_embd: s.n_embd,
    n_head: s.n_head,
    head_size: s.n_embd / s.n_head,
    block_size: s.block_size,
    mlp_hidden: 4 * s.n_embd,
    position_embedding: 'learned',
    norm: 'pre_layernorm',
    layer_norm_epsilon: 1e-5,
    activation: 'gelu_tanh',
    attention_scale: 1 / Math.sqrt(s.n_embd / s.n_head),
    qkv_order: ['q', 'k', 'v'],
    linear_layout: 'out_in',
    tied_embeddings: true,
    bias: true,
    dropout: 0,
    dtype: 'F32',
    formulas: {
      embedding: 'x[t] = wte[token[t]] + wpe[t], t = 0, 1, ... (no BOS token)',
      block: 'x = x + attn(ln1(x)); x = x + fcproj(gelu(fc(ln2(x))))',
      layer_norm:
        '(x - mean) / sqrt(biased variance + layer_norm_epsilon) * weight + bias, over n_embd',
      gelu_tanh: '0.5·x·(1 + tanh(sqrt(2/pi)·(x + 0.044715·x^3)))',
      attention:
        'causal: softmax(attention_scale · q·kᵀ) over positions <= t, times v, per head; then attprojw',
      qkv: 'qkvw rows [0, C) are q, [C, 2C) k, [2C, 3C) v (C = n_embd); head h is rows h·head_size .. (h+1)·head_size - 1 of each',
      linear:
        'W is [out, in], applied as y = x·Wᵀ + b (PyTorch nn.Linear; GPT-2 Conv1D stores the transpose)',
      unembedding: 'logits = lnf(x)·wteᵀ: tied to wte, no bias, no lm_head tensor',
    },
  };
}

/** __metadata__.tokenizer: the character vocabulary (id = index) and its special tokens (src/data/tokenizer.ts). */
export function tokenizerDescription() {
  return {
    type: 'character',
    vocab: VOCAB,
    eos_token: VOCAB[EOS],
    eos_id: EOS,
    pad_token: VOCAB[PAD],
    pad_id: PAD,
    bos_token: null,
    unknown: 'error: a character outside vocab is refused, there is no <unk>',
    text_form: 'one id per character; "<eos>" and "<pad>" in text are the special ids',
  };
}

export function saveCheckpoint(c: Checkpoint): Uint8Array {
  const tensors: Record<string, Tensor> = { ...c.params };
  if (c.optimizer) {
    for (const [name, t] of Object.entries(c.optimizer.m)) tensors[MOMENTS.m + name] = t;
    for (const [name, t] of Object.entries(c.optimizer.v)) tensors[MOMENTS.v + name] = t;
  }
  return saveSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(c.config),
    model: JSON.stringify(modelDescription(modelShape(c.config))),
    tokenizer: JSON.stringify(tokenizerDescription()),
    train_state: JSON.stringify(c.state),
    tensor_sha256: sha256Hex(safetensorsData(tensors)),
  });
}

/** Parse and check a checkpoint: format, checksum, config, conventions, tokenizer, training state, and every tensor's name and shape. */
export function loadCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const { tensors, metadata, data } = loadSafetensors(bytes);
  const json = (key: string): unknown => {
    if (!(key in metadata))
      throw new CheckpointError(
        `${source}: __metadata__ has no "${key}"; it is not a complete t2lab checkpoint (written by \`t2lab train --out\`)`,
      );
    try {
      return JSON.parse(metadata[key]!);
    } catch {
      throw new CheckpointError(`${source}: __metadata__.${key} is not valid JSON`);
    }
  };
  const format = metadata.format;
  if (format === undefined) {
    throw new CheckpointError(
      `${source}: a safetensors file without t2lab metadata (no __metadata__.format), so not a t2lab checkpoint; a Hugging Face GPT-2 folder converts with \`t2lab import DIR OUT.safetensors\``,
    );
  }
  if (!READABLE_FORMATS.includes(format)) {
    const hint =
      format === 'pt'
        ? "a PyTorch / Hugging Face weights file: if it is a GPT-2 folder's model.safetensors, convert the folder with `t2lab import DIR OUT.safetensors`"
        : 'was it written by another tool, or by a newer t2lab?';
    throw new CheckpointError(
      `${source}: format is ${JSON.stringify(format)}; this t2lab reads ${READABLE_FORMATS.map((f) => `"${f}"`).join(' and ')}: ${hint}`,
    );
  }
  if (format !== 't2lab-gpt-1') {
    // Checked first: a flipped bit anywhere in the tensors is the likeliest damage, and nothing else would see it.
    const want = metadata.tensor_sha256;
    if (want === undefined)
      throw new CheckpointError(
        `${source}: __metadata__ has no "tensor_sha256"; a ${format} file always has one: it was edited by another tool`,
      );
    const got = sha256Hex(data);
    if (got !== want)
      throw new CheckpointError(
        `${source}: the tensor data is damaged: its SHA-256 is ${got}, the file records ${want} (bit flips on disk or in a copy?); use another copy of the file or retrain`,
      );
  }
  let config: Config;
  try {
    config = makeConfig(json('config') as Record<string, unknown>);
  } catch (e) {
    throw new CheckpointError(`${source}: its config is invalid: ${(e as Error).message}`);
  }
  const vocab =
    format === 't2lab-gpt-1'
      ? json('vocab')
      : (json('tokenizer') as { vocab?: unknown } | null)?.vocab;
  if (JSON.stringify(vocab) !== JSON.stringify(VOCAB))
    throw new CheckpointError(
      `${source}: its tokenizer vocabulary differs from this version's; retrain with this version`,
    );
  if (format !== 't2lab-gpt-1') {
    const described = json('model') as Record<string, unknown>;
    const actual = modelDescription(modelShape(config)) as Record<string, unknown>;
    const differ = Object.keys(actual)
      .filter((k) => k !== 'formulas')
      .filter((k) => JSON.stringify(described?.[k]) !== JSON.stringify(actual[k]));
    if (differ.length) {
      throw new CheckpointError(
        `${source}: __metadata__.model describes a model this code does not compute (${differ.map((k) => `${k}: ${JSON.stringify(described?.[k])}, this code: ${JSON.stringify(actual[k])}`).join('; ')})`,
      );
    }
  }
  const state = json('train_state') as TrainState;
  checkTrainState(state, config, source);
  const expected: Record<string, number[]> = Object.fromEntries(
    paramLayout(modelShape(config), 1).specs.map((p) => [p.name, p.shape]),
  );
  const resumable = state.resume !== undefined;
  if (resumable) {
    for (const [name, shape] of Object.entries(expected))
      expected[MOMENTS.m + name] = expected[MOMENTS.v + name] = shape;
  }
  try {
    expectTensors({ tensors }, expected);
  } catch (e) {
    throw new CheckpointError(
      `${source}: tensors do not match its config: ${(e as Error).message}`,
    );
  }
  for (const [name, t] of Object.entries(tensors)) {
    for (const x of t.data)
      if (!Number.isFinite(x))
        throw new CheckpointError(
          `${source}: tensor "${name}" holds a non-finite value (NaN or Inf): the run diverged or the file is damaged`,
        );
  }
  if (!resumable) return { config, params: tensors, state };
  const params: Record<string, Tensor> = {},
    m: Record<string, Tensor> = {},
    v: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(MOMENTS.m)) m[name.slice(MOMENTS.m.length)] = t;
    else if (name.startsWith(MOMENTS.v)) v[name.slice(MOMENTS.v.length)] = t;
    else params[name] = t;
  }
  return { config, params, state, optimizer: { m, v } };
}

/** Refuse a training state that no run can have produced (negative or fractional counts, more tokens than steps could hold). */
function checkTrainState(state: TrainState, config: Config, source: string): void {
  const bad = (why: string): never => {
    throw new CheckpointError(
      `${source}: train_state is impossible: ${why} (${JSON.stringify(state).slice(0, 200)}); the file was edited or damaged`,
    );
  };
  if (!state || typeof state !== 'object' || Array.isArray(state)) bad('it is not an object');
  const count = (k: 'step' | 'tokens') => {
    if (!Number.isSafeInteger(state[k]) || state[k] < 0)
      bad(`${k} must be an integer >= 0, got ${JSON.stringify(state[k])}`);
  };
  count('step');
  count('tokens');
  if (state.tokens > config.tokens)
    bad(
      `tokens ${state.tokens} exceed the run's budget (config.tokens = ${config.tokens}): a run trains on exactly its budget`,
    );
  const perStep = config.batch_size * config.block_size;
  if (state.tokens > state.step * perStep)
    bad(
      `tokens ${state.tokens} exceed what ${state.step} steps of batch_size·block_size = ${perStep} can hold`,
    );
  // JSON writes NaN (no held-out loss yet, or a paused run) as null.
  const loss = state.finalEvalLoss as number | null;
  if (loss !== null && !(typeof loss === 'number' && loss >= 0))
    bad(`finalEvalLoss must be a loss >= 0 or null, got ${JSON.stringify(loss)}`);
  if (loss === null) state.finalEvalLoss = NaN;
  if (state.origin !== undefined && typeof state.origin !== 'string')
    bad('origin must be a string');
  const r = state.resume;
  if (r !== undefined) {
    if (
      !r ||
      typeof r !== 'object' ||
      !Array.isArray(r.curve) ||
      !Array.isArray(r.evals) ||
      !r.stream ||
      typeof r.stream !== 'object'
    )
      bad('resume must hold stream, curve and evals');
    if (!(typeof r.seconds === 'number' && r.seconds >= 0))
      bad(`resume.seconds must be >= 0, got ${JSON.stringify(r.seconds)}`);
  }
}
