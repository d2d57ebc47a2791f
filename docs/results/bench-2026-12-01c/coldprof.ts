// Cold first-use time per kernel for each smoke model: one train step, one prefill, one decode step,
// each profiled (timestamp queries include lavapipe's JIT at first dispatch). Kernel choice fixed
// (T2LAB_KERNELS, default matmul:4,matmul_rows:8,attention:3), so no race runs. From the repository root:
//   MESA_SHADER_CACHE_DISABLE=true node --import tsx --experimental-loader ./bin/wgsl-loader.mjs docs/results/bench-2026-12-01c/coldprof.ts
import { createNodeGpu } from '../../../src/node/gpu.ts';
import { makeConfig, modelShape } from '../../../src/config.ts';
import { Trainer } from '../../../src/train/trainer.ts';
import { gpuOps } from '../../../src/model/ops.gpu.ts';
import { GPT } from '../../../src/model/gpt.ts';
import { Decoder } from '../../../src/sample/decoder.ts';
import { EOS } from '../../../src/data/tokenizer.ts';
import { chooseKernels } from '../../../src/sweep/driver.ts';
import { kernelOverrides } from '../../../src/node/autotune-store.ts';
import exp from '../../../experiments/smoke.ts';
const gpu = await createNodeGpu({});
const sum = new Map<string, number>();
const show = (tag: string, p: { kernel: string; ns: number }[]) => {
  const m = new Map<string, number>();
  for (const { kernel, ns } of p) m.set(kernel, (m.get(kernel) ?? 0) + ns / 1e6);
  const rows = [...m].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms > 30);
  for (const [k, ms] of m) sum.set(k, (sum.get(k) ?? 0) + ms);
  console.log(tag, rows.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)}s`).join(', '));
};
const t00 = performance.now();
for (const m of exp.models) {
  const config = makeConfig({ ...exp.base, ...m, tokens: 1e6, eval_batches: 1 });
  await chooseKernels(gpu, config, { store: null as any, overrides: kernelOverrides(process.env.T2LAB_KERNELS ?? 'matmul:4,matmul_rows:8,attention:3') });
  const trainer = new Trainer(gpu, config);
  const ops = gpuOps(gpu);
  const shape = modelShape(config);
  let t0 = performance.now();
  show(`C=${m.n_embd} train`, await gpu.profile(() => trainer.benchStep()));
  const prefill = new GPT(ops, shape, 24, trainer.model.paramsFlat);
  show(`C=${m.n_embd} prefill`, await gpu.profile(() => prefill.forward()));
  const decoder = new Decoder(ops, shape, trainer.model.paramsFlat, 384, 5);
  const prefix = Array.from({ length: shape.n_layer }, (_, l) => prefill.acts[`h${l}.qkv`]!);
  const sp = { seed: 1, temperature: 1, topK: 0, topP: 1, eos: EOS, T: shape.block_size, maxNew: 5 };
  show(`C=${m.n_embd} decode`, await gpu.profile(() => { decoder.sample(prefill.acts.logits!, sp, shape.block_size); decoder.step(prefix, shape.block_size); decoder.sample(decoder.acts.logits!, sp, 0); }));
  console.log(`C=${m.n_embd} wall ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  ops.dispose(); trainer.dispose();
}
console.log('total', ((performance.now() - t00) / 1000).toFixed(1), 's;', [...sum].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)}`).join(', '));
process.exit(0);
