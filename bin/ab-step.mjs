#!/usr/bin/env node
// The training step of two source trees of t2lab, timed in one process: this tree against another
// (usually an older commit in a git worktree), each on its own device, bursts of steps alternating so
// that load on a shared machine hits both alike. Prints per model the fastest burst of each, the ratio
// of the two, and every alternating pair's ratio. The README's Benchmark section quotes it.
//
//   git worktree add /tmp/t2lab-base 7fa4036 && ln -s "$PWD/node_modules" /tmp/t2lab-base/node_modules
//   node bin/ab-step.mjs /tmp/t2lab-base [--sizes JSON] [--rounds 8] [--burst 3]
//
// --sizes: a JSON list of model shapes (n_layer, n_embd, n_head, block_size, batch_size); default the
// bench's train_step models. Each tree runs its own measured kernel choice from the shared store
// (~/.cache/t2lab, T2LAB_CACHE_DIR), measured now if it has none.
import { register } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./wgsl-loader.mjs', import.meta.url);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string' },
    rounds: { type: 'string', default: '8' },
    burst: { type: 'string', default: '3' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node bin/ab-step.mjs OTHER_TREE [--sizes JSON] [--rounds 8] [--burst 3]');
  process.exit(2);
}
const rounds = Number(values.rounds),
  burst = Number(values.burst);
if (!(Number.isInteger(rounds) && rounds >= 1 && Number.isInteger(burst) && burst >= 1)) {
  console.error('ab-step: --rounds and --burst must be integers >= 1');
  process.exit(2);
}
const SIZES = values.sizes
  ? JSON.parse(values.sizes)
  : [
      { n_layer: 1, n_embd: 16, n_head: 2, block_size: 32, batch_size: 32 },
      { n_layer: 2, n_embd: 64, n_head: 4, block_size: 32, batch_size: 64 },
      { n_layer: 2, n_embd: 64, n_head: 4, block_size: 64, batch_size: 16 },
      { n_layer: 4, n_embd: 128, n_head: 4, block_size: 64, batch_size: 16 },
    ];

/** One tree's modules: its GPU, autotuner, config and trainer. */
async function tree(root) {
  const at = (p) => import(new URL(`file://${resolve(root, p)}`).href);
  const [gpu, store, config, trainer] = await Promise.all([
    at('src/node/gpu.ts'),
    at('src/node/autotune-store.ts'),
    at('src/config.ts'),
    at('src/train/trainer.ts'),
  ]);
  const tune = (await at('src/bench/autotune.ts').catch(() => at('src/gpu/autotune.ts')))
    .modelMatmulShapes;
  return {
    root,
    gpu: await gpu.createNodeGpu({}),
    autotuneNode: store.autotuneNode,
    makeConfig: config.makeConfig,
    modelShape: config.modelShape,
    Trainer: trainer.Trainer,
    shapes: tune,
  };
}

const trees = [await tree(resolve(positionals[0])), await tree(resolve(import.meta.dirname, '..'))];
const names = ['other', 'this'];
console.log(
  `A/B of the training step: other = ${trees[0].root}, this = ${trees[1].root}; ${rounds} rounds of ${burst} steps each`,
);
for (const s of SIZES) {
  const tokens = s.batch_size * s.block_size;
  const runs = [];
  for (const t of trees) {
    const config = t.makeConfig({ ...s, tokens: tokens * (rounds * burst + 4), eval_batches: 1 });
    await t.autotuneNode(t.gpu, t.shapes(t.modelShape(config), config.batch_size), { quiet: true });
    const trainer = new t.Trainer(t.gpu, config);
    for (let i = 0; i < 2; i++) trainer.benchStep(); // build every pipeline first
    await t.gpu.sync();
    runs.push({ t, trainer, ms: [] });
  }
  const time = async (r) => {
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) {
      r.trainer.benchStep();
      r.t.gpu.submit();
    }
    await r.t.gpu.sync();
    r.ms.push((performance.now() - t0) / burst);
  };
  for (let i = 0; i < rounds; i++)
    for (const r of i % 2 ? runs : [...runs].reverse()) await time(r);
  const best = runs.map((r) => Math.min(...r.ms));
  const pairs = runs[0].ms.map((a, i) => a / runs[1].ms[i]);
  const shape = `L=${s.n_layer} C=${s.n_embd} H=${s.n_head} B=${s.batch_size} T=${s.block_size}`;
  const tps = best.map((ms) => Math.round((tokens / ms) * 1000));
  console.log(
    `${shape}: ${names.map((n, i) => `${n} ${best[i].toFixed(2)} ms (${tps[i]} tokens/s)`).join(', ')}; this ÷ other speed ${(best[0] / best[1]).toFixed(2)}×; pairs ${pairs.map((p) => p.toFixed(2)).join(' ')}`,
  );
  for (const r of runs) r.trainer.dispose();
}
for (const stream of [process.stdout, process.stderr])
  await new Promise((done) => stream.write('', done));
process.exit(0);
