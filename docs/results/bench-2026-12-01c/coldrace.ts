// The cold kernel-choice race alone for smoke's models (argument: how many, default 3): each line of
// its log with the seconds since the start, then its wall time and the pipelines it built. From the root:
//   MESA_SHADER_CACHE_DISABLE=true node --import tsx --experimental-loader ./bin/wgsl-loader.mjs docs/results/bench-2026-12-01c/coldrace.ts 1 [all]
// A second argument `all` races every shape (autotune's `decide: 'all'`, the race as it was before 6912e42; GPUs still race this way).
import { createNodeGpu } from '../../../src/node/gpu.ts';
import { makeConfig, modelShape } from '../../../src/config.ts';
import { autotune, describeChoices, modelMatmulShapes } from '../../../src/bench/autotune.ts';
import exp from '../../../experiments/smoke.ts';
const gpu = await createNodeGpu({});
const T0 = performance.now();
for (const m of exp.models.slice(0, Number(process.argv[2] ?? 3))) {
  const config = makeConfig({ ...exp.base, ...m, tokens: 1e6 });
  const p0 = gpu.compiled.pipelines, t0 = performance.now();
  const shapes = modelMatmulShapes(modelShape(config), config.batch_size);
  await autotune(gpu, shapes, { decide: process.argv[3] === 'all' ? 'all' : undefined, log: (l) => console.log(`  [${((performance.now() - T0) / 1000).toFixed(1)}] ${l}`) });
  console.log(`C=${m.n_embd}: race ${((performance.now() - t0) / 1000).toFixed(1)} s, +${gpu.compiled.pipelines - p0} pipelines; ${describeChoices(gpu)}; byKernel ${JSON.stringify(gpu.compiled.byKernel)}`);
}
process.exit(0);
