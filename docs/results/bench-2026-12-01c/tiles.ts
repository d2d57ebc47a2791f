// Whole-step rows=8 against rows=16 (two Gpus, alternating bursts of 3 steps, 8 rounds), beside what the
// matmul race picks deciding on the costliest shape and on all shapes (two races each). From the repository root:
//   node --import tsx --experimental-loader ./bin/wgsl-loader.mjs docs/results/bench-2026-12-01c/tiles.ts
import { createNodeGpu } from '../../../src/node/gpu.ts';
import { makeConfig, modelShape } from '../../../src/config.ts';
import { Trainer } from '../../../src/train/trainer.ts';
import { autotune, modelMatmulShapes } from '../../../src/bench/autotune.ts';
const SIZES = process.argv[2] ? JSON.parse(process.argv[2]) : [
  { n_layer: 1, n_embd: 16, n_head: 2, block_size: 32, batch_size: 32 },
  { n_layer: 1, n_embd: 32, n_head: 2, block_size: 32, batch_size: 32 },
  { n_layer: 2, n_embd: 32, n_head: 2, block_size: 32, batch_size: 64 },
  { n_layer: 2, n_embd: 48, n_head: 4, block_size: 32, batch_size: 64 },
  { n_layer: 2, n_embd: 64, n_head: 4, block_size: 32, batch_size: 64 },
];
const rows = [8, 16];
const gpus = await Promise.all(rows.map(() => createNodeGpu({})));
const racer = await createNodeGpu({});
const rounds = 8, burst = 3;
for (const s of SIZES) {
  const config = makeConfig({ tasks: 'add:1', add_digits: 3, ...s, tokens: s.batch_size * s.block_size * (rounds * burst + 4), eval_batches: 1 });
  const shapes = modelMatmulShapes(modelShape(config), config.batch_size);
  const picks: string[] = [];
  for (const decide of ['costliest', 'all', 'costliest', 'all'] as const) {
    racer.choices = {};
    const r = await autotune(racer, shapes, { overrides: { attention: 3 }, decide });
    picks.push(`${decide}:${r.choices.matmul_rows}`);
  }
  const runs = [];
  for (const [i, g] of gpus.entries()) {
    g.choices = { matmul: 4, matmul_rows: rows[i]!, attention: 3 };
    const trainer = new Trainer(g, config);
    for (let k = 0; k < 2; k++) trainer.benchStep();
    await g.sync();
    runs.push({ g, trainer, ms: [] as number[] });
  }
  for (let i = 0; i < rounds; i++) for (const r of i % 2 ? runs : [...runs].reverse()) {
    const t0 = performance.now();
    for (let k = 0; k < burst; k++) { r.trainer.benchStep(); r.g.submit(); }
    await r.g.sync();
    r.ms.push((performance.now() - t0) / burst);
  }
  const best = runs.map((r) => Math.min(...r.ms));
  const pairs = runs[0]!.ms.map((a, i) => a / runs[1]!.ms[i]!);
  console.log(`L=${s.n_layer} C=${s.n_embd} B=${s.batch_size}: step rows=8 ${best[0]!.toFixed(2)} ms, rows=16 ${best[1]!.toFixed(2)} ms (rows16 speed ÷ rows8 ${(best[0]! / best[1]!).toFixed(2)}×; pairs ${pairs.map((p) => p.toFixed(2)).join(' ')}); race picks ${picks.join(' ')}`);
  for (const r of runs) r.trainer.dispose();
}
process.exit(0);
