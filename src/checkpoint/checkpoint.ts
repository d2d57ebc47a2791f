// t2lab checkpoints: safetensors files whose __metadata__ carries the config, the tokenizer's
// vocabulary and the training state as JSON strings, so the file opens in any safetensors tool and
// loads back here only if everything agrees with the model it describes.
import { CheckpointError, expectTensors, loadSafetensors, saveSafetensors, type Tensor } from './safetensors.ts';
import { makeConfig, type Config } from '../config.ts';
import { VOCAB } from '../data/tokenizer.ts';
import { paramLayout } from '../model/gpt.ts';
import { modelShape, type TrainPoint } from '../train/trainer.ts';
import type { TrainStreamState } from '../data/stream.ts';

export const CHECKPOINT_FORMAT = 't2lab-gpt-1';

export interface TrainState {
  step: number;
  tokens: number;
  finalEvalLoss: number;
  /** Present in resume checkpoints (mid-run): what the trainer needs beyond parameters and moments. */
  resume?: ResumeState;
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

export function saveCheckpoint(c: Checkpoint): Uint8Array {
  const tensors: Record<string, Tensor> = { ...c.params };
  if (c.optimizer) {
    for (const [name, t] of Object.entries(c.optimizer.m)) tensors[MOMENTS.m + name] = t;
    for (const [name, t] of Object.entries(c.optimizer.v)) tensors[MOMENTS.v + name] = t;
  }
  return saveSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(c.config),
    vocab: JSON.stringify(VOCAB),
    train_state: JSON.stringify(c.state),
  });
}

/** Parse and check a checkpoint: format, config, vocabulary, and every tensor's name and shape. */
export function loadCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const { tensors, metadata } = loadSafetensors(bytes);
  const json = (key: string): unknown => {
    if (!(key in metadata)) throw new CheckpointError(`${source}: __metadata__ has no "${key}"; this is not a t2lab checkpoint (written by \`t2lab train --out\`)`);
    try {
      return JSON.parse(metadata[key]!);
    } catch {
      throw new CheckpointError(`${source}: __metadata__.${key} is not valid JSON`);
    }
  };
  if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${source}: format is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}"; was it written by another tool or t2lab version?`);
  let config: Config;
  try {
    config = makeConfig(json('config') as Record<string, unknown>);
  } catch (e) {
    throw new CheckpointError(`${source}: its config is invalid: ${(e as Error).message}`);
  }
  if (JSON.stringify(json('vocab')) !== JSON.stringify(VOCAB)) throw new CheckpointError(`${source}: its tokenizer vocabulary differs from this version's; retrain with this version`);
  const state = json('train_state') as TrainState;
  if (!state || !Number.isInteger(state.step) || !Number.isInteger(state.tokens)) throw new CheckpointError(`${source}: train_state is malformed: ${metadata.train_state}`);
  const expected: Record<string, number[]> = Object.fromEntries(paramLayout(modelShape(config), 1).specs.map((p) => [p.name, p.shape]));
  const resumable = state.resume !== undefined;
  if (resumable) {
    for (const [name, shape] of Object.entries(expected)) expected[MOMENTS.m + name] = expected[MOMENTS.v + name] = shape;
  }
  try {
    expectTensors({ tensors }, expected);
  } catch (e) {
    throw new CheckpointError(`${source}: tensors do not match its config: ${(e as Error).message}`);
  }
  for (const [name, t] of Object.entries(tensors)) {
    for (const x of t.data) if (!Number.isFinite(x)) throw new CheckpointError(`${source}: tensor "${name}" holds a non-finite value (NaN or Inf): the run diverged or the file is damaged`);
  }
  if (!resumable) return { config, params: tensors, state };
  const params: Record<string, Tensor> = {}, m: Record<string, Tensor> = {}, v: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(MOMENTS.m)) m[name.slice(MOMENTS.m.length)] = t;
    else if (name.startsWith(MOMENTS.v)) v[name.slice(MOMENTS.v.length)] = t;
    else params[name] = t;
  }
  return { config, params, state, optimizer: { m, v } };
}
