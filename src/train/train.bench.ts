// Training throughput for `npx t2lab bench`: one full step (forward, backward, clip, AdamW) of a few
// model sizes, as tokens/s and achieved GFLOP/s from the exact FLOP count.
import type { BenchCase } from '../bench/types.ts';
import { makeConfig } from '../config.ts';
import { trainingFlopsPerToken } from '../model/gpt.ts';
import { Trainer, modelShape } from './trainer.ts';

const SIZES = [
  { n_layer: 2, n_embd: 64, n_head: 4 },
  { n_layer: 4, n_embd: 128, n_head: 4 },
];

export const bench: BenchCase[] = SIZES.map((s) => {
  const config = makeConfig({ ...s, block_size: 64, batch_size: 16, tokens: 16 * 64 * 1000, eval_batches: 1 });
  const tokens = config.batch_size * config.block_size;
  return {
    kernel: 'train_step',
    version: 'default',
    shape: `L=${s.n_layer} C=${s.n_embd} H=${s.n_head} B=16 T=64`,
    flops: trainingFlopsPerToken(modelShape(config)) * tokens,
    bytes: 0,
    tokens,
    setup(gpu) {
      const trainer = new Trainer(gpu, config);
      return { record: () => trainer.benchStep(), dispose: () => trainer.dispose() };
    },
  };
});
