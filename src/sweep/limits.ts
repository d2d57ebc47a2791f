// A run's largest GPU buffers against the adapter's limits, in the config's own words, checked before
// any kernel is tuned or any step runs: "batch_size 4096 × block_size 64 × 4·n_embd ... lower batch_size
// to at most 512", not an internal tensor name after a minute of tuning.
import { type Config, modelShape } from '../config.ts';
import { paramCount } from '../model/gpt.ts';

/** The two WebGPU limits a model's buffers meet: one binding, and one buffer. */
export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

const MiB = (b: number) =>
  `${(b / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 0 })} MiB`;

/**
 * Null when every buffer of a training run of `c` fits `limits`, else one message per buffer that does
 * not, each naming the config keys that size it and the largest value that would fit.
 */
export function runLimitProblems(c: Config, limits: BufferLimits): string[] {
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const shape = modelShape(c);
  const { n_embd: C, block_size: T, vocab_size: V } = shape;
  const B = c.batch_size;
  const problems: string[] = [];
  const over = (bytes: number) => `${MiB(bytes)}, over this adapter's ${MiB(max)} per buffer`;
  // Parameters, their gradients and both AdamW moments are one flat buffer each.
  const N = paramCount(shape).total;
  if (4 * N > max) {
    problems.push(
      `n_layer ${c.n_layer} × n_embd ${C} makes N = ${N.toLocaleString('en-US')} parameters: ${over(4 * N)} (params, grads and each AdamW moment are one buffer each); lower n_layer or n_embd (about 12·n_layer·n_embd² ≤ ${Math.floor(max / 4).toLocaleString('en-US')})`,
    );
  }
  // The widest activation per position: the MLP's 4·C (and its matmuls' outputs) or the logits' V.
  const width = Math.max(4 * C, V);
  const what = 4 * C >= V ? `4·n_embd = ${4 * C}` : `the vocabulary's ${V}`;
  const bytes = 4 * B * T * width;
  if (bytes > max) {
    const fitB = Math.floor(max / (4 * T * width));
    problems.push(
      `batch_size ${B} × block_size ${T} × ${what} floats per activation: ${over(bytes)}; lower batch_size to at most ${fitB.toLocaleString('en-US')}${fitB < 1 ? ' (impossible at this block_size: lower block_size or n_embd)' : ''}`,
    );
  }
  return problems;
}

/** Throw the problems as one Error (the CLI prints it as a usage error, the app in its banner). */
export function checkRunLimits(c: Config, limits: BufferLimits, what = 'this run'): void {
  const problems = runLimitProblems(c, limits);
  if (problems.length)
    throw new Error(`${what} does not fit this adapter:\n  ${problems.join('\n  ')}`);
}
