#!/usr/bin/env node
// Sampling a pack of R models side by side against the same R models one at a time, in one process,
// alternating rounds so that load on a shared machine hits both alike: the world grid's sampling spec
// (questions per task, n samples, max_new) on R untrained two-layer models of one width (an untrained
// model never stops early, so every sequence decodes max_new tokens: sampling's upper bound). Prints the
// fastest round of each, their ratio, and whether every run drew the same samples both ways.
//
//   node bin/ab-sample-pack.mjs [--n_embd 24] [--runs 2,4] [--rounds 2] [--questions 64]
import { register } from 'node:module';
import { parseArgs } from 'node:util';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./wgsl-loader.mjs', import.meta.url);

const { values } = parseArgs({
  options: {
    n_embd: { type: 'string', default: '24' },
    runs: { type: 'string', default: '2,4' },
    rounds: { type: 'string', default: '2' },
    questions: { type: 'string', default: '64' },
  },
});
const ints = (s) => s.split(',').map(Number);
const [C] = ints(values.n_embd),
  [rounds] = ints(values.rounds),
  [questions] = ints(values.questions),
  runs = ints(values.runs);
if (![C, rounds, questions, ...runs].every((x) => Number.isInteger(x) && x >= 1)) {
  console.error('ab-sample-pack: --n_embd, --runs, --rounds and --questions must be integers >= 1');
  process.exit(2);
}
const { createNodeGpu } = await import('../src/node/gpu.ts');
const { makeConfig, modelShape } = await import('../src/config.ts');
const { GPT } = await import('../src/model/gpt.ts');
const { gpuOps } = await import('../src/model/ops.gpu.ts');
const { evaluateModel, evaluateModels } = await import('../src/sample/evaluate.ts');
const { default: world } = await import('../experiments/world.ts');
const { adapterLine } = await import('../src/gpu/adapter.ts');

const gpu = await createNodeGpu();
const config = makeConfig({
  ...world.base,
  n_layer: 2,
  n_embd: C,
  n_head: C < 24 ? 2 : 4,
  tokens: 512,
});
const spec = { ...world.sampling, questions };
console.log(
  `${adapterLine(gpu.adapter)}; L2 C${C}, world sampling: ${questions} questions a task, n ${spec.n}, max_new ${spec.max_new}`,
);
for (const R of runs) {
  const ops = gpuOps(gpu);
  const gpt = new GPT(ops, modelShape(config), 1, undefined, R);
  for (let r = 0; r < R; r++) gpt.init(1 + r, r);
  const P = gpt.nParamsFlat;
  const best = { alone: Infinity, packed: Infinity };
  let same = true;
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    const alone = [];
    for (let r = 0; r < R; r++)
      alone.push(await evaluateModel(gpu, config, gpu.view(gpt.paramsFlat, r * P, P), spec));
    best.alone = Math.min(best.alone, (performance.now() - t) / 1000);
    t = performance.now();
    const packed = await evaluateModels(gpu, Array(R).fill(config), gpt.paramsFlat, spec);
    best.packed = Math.min(best.packed, (performance.now() - t) / 1000);
    same &&= packed.every(
      (e, r) => JSON.stringify(e.questions) === JSON.stringify(alone[r].questions),
    );
  }
  ops.dispose();
  console.log(
    `R=${R}: one at a time ${best.alone.toFixed(2)} s, side by side ${best.packed.toFixed(2)} s, ${(best.alone / best.packed).toFixed(2)}× (fastest of ${rounds}); same samples: ${same}`,
  );
}
process.exit(0);
