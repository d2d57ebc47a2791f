// Test checkpoints without a GPU or a training run.
import type { Checkpoint } from '../../src/checkpoint/checkpoint.ts';
import { makeConfig, modelShape } from '../../src/config.ts';
import { paramLayout } from '../../src/model/gpt.ts';
import { Rng } from '../../src/util/rng.ts';

/** A checkpoint of random weights (no GPU needed): what a trained model's file looks like. */
export function randomCheckpoint(overrides: Record<string, unknown> = {}, seed = 1): Checkpoint {
  const config = makeConfig({
    n_layer: 2,
    n_embd: 16,
    n_head: 2,
    block_size: 16,
    batch_size: 4,
    tokens: 4 * 16 * 10,
    ...overrides,
  });
  const rng = new Rng(seed);
  const params = Object.fromEntries(
    paramLayout(modelShape(config), 1).specs.map((p) => [
      p.name,
      { shape: p.shape, data: Float32Array.from({ length: p.length }, () => rng.normal() * 0.1) },
    ]),
  );
  return { config, params, state: { step: 10, tokens: config.tokens, finalEvalLoss: 1.25 } };
}
