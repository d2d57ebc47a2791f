// t2lab checkpoints: safetensors files whose __metadata__ carries the config, the tokenizer's
// vocabulary and the training state as JSON strings, so the file opens in any safetensors tool and
// loads back here only if everything agrees with the model it describes.
import { CheckpointError, expectTensors, loadSafetensors, saveSafetensors, type Tensor } from './safetensors.ts';
import { makeConfig, type Config } from '../config.ts';
import { VOCAB } from '../data/tokenizer.ts';
import { paramLayout } from '../model/gpt.ts';
import { modelShape } from '../train/trainer.ts';

export const CHECKPOINT_FORMAT = 't2lab-gpt-1';

export interface TrainState {
  step: number;
  tokens: number;
  finalEvalLoss: number;
}

export interface Checkpoint {
  config: Config;
  params: Record<string, Tensor>;
  state: TrainState;
}

export function saveCheckpoint(c: Checkpoint): Uint8Array {
  return saveSafetensors(c.params, {
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
  const expected = Object.fromEntries(paramLayout(modelShape(config), 1).specs.map((p) => [p.name, p.shape]));
  try {
    expectTensors({ tensors }, expected);
  } catch (e) {
    throw new CheckpointError(`${source}: tensors do not match its config: ${(e as Error).message}`);
  }
  for (const [name, t] of Object.entries(tensors)) {
    for (const x of t.data) if (!Number.isFinite(x)) throw new CheckpointError(`${source}: tensor "${name}" holds a non-finite value (NaN or Inf): the run diverged or the file is damaged`);
  }
  return { config, params: tensors, state };
}
