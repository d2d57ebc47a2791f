// The kernel contract (src/gpu/kernel.ts): version resolution, one size-check format, and the point of
// shapes-in-a-uniform: a sweep of model sizes compiles each pipeline once. Pipeline counts come from
// Dawn's null backend, which builds and validates without running anything (fast).
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../../src/node/gpu.ts';
import { checkSizes, defineKernel } from '../../src/gpu/kernel.ts';
import { GPT } from '../../src/model/gpt.ts';
import { gpuOps } from '../../src/model/ops.gpu.ts';
import { VOCAB_SIZE } from '../../src/data/tokenizer.ts';
import type { ModelShape } from '../../src/config.ts';
import residualV1 from '../../kernels/residual/residual_forward.v1.wgsl?raw';

/** Record one training step's kernels (forward, backward, clip, AdamW) for `shape`. */
function recordStep(ops: ReturnType<typeof gpuOps>, shape: ModelShape, B: number): void {
  const model = new GPT(ops, shape, B);
  model.forward();
  model.backward();
  const norm = ops.alloc('norm', 2),
    scratch = ops.alloc('scratch', Math.ceil(model.nParamsFlat / 2048));
  const m = ops.alloc('m', model.nParamsFlat),
    v = ops.alloc('v', model.nParamsFlat);
  ops.global_norm(norm, scratch, model.gradsFlat, model.nParamsFlat, 1);
  ops.adamw_update(
    model.paramsFlat,
    model.gradsFlat,
    m,
    v,
    norm,
    { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 1 },
    model.nParamsFlat,
    model.nDecay,
  );
}

describe('kernel contract', () => {
  it('a sweep of model sizes compiles each pipeline once (shapes are a uniform)', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    gpu.choices = { matmul: 2 }; // any fixed choice: the null adapter has no subgroups for v4
    const shape = (
      n_layer: number,
      n_embd: number,
      n_head: number,
      block_size = 32,
    ): ModelShape => ({ vocab_size: VOCAB_SIZE, n_layer, n_embd, n_head, block_size });
    // Widths, depths, batches and contexts of one head size (8): the shapes are all a uniform.
    const sizes: [ModelShape, number][] = [
      [shape(1, 16, 2), 32],
      [shape(1, 32, 4), 32],
      [shape(2, 24, 3), 16],
      [shape(3, 32, 4, 64), 8],
    ];
    const ops = gpuOps(gpu);
    recordStep(ops, sizes[0]![0], sizes[0]![1]);
    await gpu.sync();
    const first = gpu.compiled.pipelines;
    expect(first).toBeGreaterThan(10); // every kernel of a step, each form of matmul
    for (const [s, B] of sizes.slice(1)) recordStep(ops, s, B);
    await gpu.sync();
    expect(gpu.compiled.pipelines, JSON.stringify(gpu.compiled.byKernel)).toBe(first);
    // A new head size is a structural variant (attention's row arrays are sized by it): attention alone compiles again.
    recordStep(ops, shape(1, 32, 2), 4);
    await gpu.sync();
    expect(gpu.compiled.pipelines - first).toBe(3); // attention_forward, and attention_backward's two entry points
    expect(gpu.compiled.ms).toBeGreaterThan(0);
    ops.dispose();
    gpu.destroy();
  });

  it('resolves the version: asked, else gpu.choices, else the guess, else the lowest; refuses one it lacks', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    const k = defineKernel({
      name: 'residual_forward',
      folder: 'residual',
      versions: { 1: residualV1, 3: residualV1 } as Record<1 | 3, string>,
      unsupported: (_g, v) => (v === 3 ? 'v3 needs a feature' : null),
    });
    expect(k.numbers).toEqual([1, 3]);
    expect(k.version(gpu)).toBe(1);
    expect(k.file(1)).toBe('kernels/residual/residual_forward.v1.wgsl');
    gpu.choices = { residual_forward: 1 };
    expect(k.version(gpu)).toBe(1);
    expect(() => k.version(gpu, 3)).toThrow(/v3 needs a feature/);
    gpu.choices = { residual_forward: 2 } as Record<string, number>; // a stored choice from other kernel code
    expect(() => k.version(gpu)).toThrow(/residual_forward: no version 2 \(have 1, 3\)/);
    const guessed = defineKernel({
      name: 'x',
      folder: 'x',
      versions: { 1: '', 2: '' } as Record<1 | 2, string>,
      fallback: () => 2,
    });
    expect(guessed.version(gpu)).toBe(2);
    gpu.destroy();
  });

  it('checks sizes with one message format', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    const t = gpu.tensor('x', 11);
    expect(() => checkSizes('k', { n: 0 }, {})).toThrow(/^k: n must be an integer >= 1 \(got 0\)$/);
    expect(() => checkSizes('k', { B: 2, T: 1.5 }, {})).toThrow(
      /^k: B, T must be integers >= 1 \(got B=2 T=1.5\)$/,
    );
    expect(() => checkSizes('k', { B: 3, T: 4 }, { inp: [t, 12] })).toThrow(
      /^k: inp "x" has 11 floats, needs 12 for B=3 T=4$/,
    );
    expect(() => checkSizes('k', { B: 3, P: 0 }, { inp: [t, 11] }, ['P'])).not.toThrow();
    gpu.destroy();
  });
});
