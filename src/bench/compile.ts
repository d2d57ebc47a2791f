// What a sweep spends building pipelines, for `t2lab bench`: every kernel one training step, one
// evaluation pass and one decode step of each model of a grid needs, recorded on this Gpu and counted
// by gpu.compiled. Shapes are a uniform (src/gpu/kernel.ts), so after the first model the rest should
// add nothing but a new head size's attention; a count that grows per model means some kernel recompiles
// per shape. The time is the wall clock of recording and running the steps once: lavapipe JIT-compiles a
// pipeline at its first dispatch, not in createComputePipeline, so that is where a cold start's time goes.
import type { CompileStats, Gpu } from '../gpu/context.ts';
import { makeConfig, type Config, modelShape } from '../config.ts';
import { Trainer } from '../train/trainer.ts';
import { gpuOps } from '../model/ops.gpu.ts';
import { GPT } from '../model/gpt.ts';
import { Decoder } from '../sample/decoder.ts';
import { EOS } from '../data/tokenizer.ts';

export interface SweepCompile {
  /** Pipelines and ms when the grid started (the kernel choice's measurement builds some first). */
  before: { pipelines: number; ms: number };
  /** Pipelines each model added, and the wall time of its first steps (building and running them once). */
  perModel: { model: string; pipelines: number; ms: number }[];
  /** Everything this Gpu built, the grid included. */
  total: CompileStats;
}

/** Record (not time) one step of training, evaluation and decoding per model, and count what got built. */
export async function sweepCompile(
  gpu: Gpu,
  base: Partial<Config>,
  models: Partial<Config>[],
): Promise<SweepCompile> {
  const before = { pipelines: gpu.compiled.pipelines, ms: gpu.compiled.ms };
  const perModel: SweepCompile['perModel'] = [];
  for (const m of models) {
    const p0 = gpu.compiled.pipelines,
      t0 = performance.now();
    const config = makeConfig({ ...base, ...m, tokens: 1e6, eval_batches: 1 });
    const trainer = new Trainer(gpu, config);
    const ops = gpuOps(gpu);
    try {
      trainer.benchStep();
      const shape = modelShape(config);
      const prefill = new GPT(ops, shape, 1, trainer.model.paramsFlat);
      prefill.forward();
      const decoder = new Decoder(ops, shape, trainer.model.paramsFlat, 16, 8);
      const prefix = Array.from({ length: shape.n_layer }, (_, l) => prefill.acts[`h${l}.qkv`]!);
      decoder.step(prefix, shape.block_size);
      decoder.sample(
        decoder.acts.logits!,
        { seed: 1, temperature: 1, topK: 0, topP: 1, eos: EOS, T: shape.block_size, maxNew: 8 },
        0,
      );
      decoder.sample(
        prefill.acts.logits!,
        { seed: 1, temperature: 1, topK: 0, topP: 1, eos: EOS, T: shape.block_size, maxNew: 8 },
        shape.block_size,
      );
      await gpu.sync();
    } finally {
      ops.dispose();
      trainer.dispose();
    }
    perModel.push({
      model: `L=${config.n_layer} C=${config.n_embd} H=${config.n_head}`,
      pipelines: gpu.compiled.pipelines - p0,
      ms: performance.now() - t0,
    });
  }
  return { before, perModel, total: gpu.compiled };
}

/** The pipelines a sweep builds, per model, and where they went, in three lines. */
export function formatSweepCompile(name: string, r: SweepCompile): string {
  const grid = r.perModel.reduce((a, m) => a + m.pipelines, 0);
  const perKernel = Object.entries(r.total.byKernel)
    .sort((a, b) => b[1].pipelines - a[1].pipelines)
    .map(([k, v]) => `${k} ${v.pipelines}`)
    .join(', ');
  return [
    `sweep compile (${name}, ${r.perModel.length} models, one train, eval and decode step each): ${grid} pipelines; per model ${r.perModel.map((m) => `${m.model} +${m.pipelines} in ${(m.ms / 1000).toFixed(1)} s`).join(', ')}`,
    `  this process built ${r.total.pipelines} pipelines in all (${r.before.pipelines} for the kernel choice before the grid): ${perKernel}`,
    `  (times are first use, building included: cold only with MESA_SHADER_CACHE_DISABLE=true; later models add only a new head size's attention)`,
  ].join('\n');
}
