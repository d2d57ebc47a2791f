#!/usr/bin/env node
// What packing alone can give a sweep, at best: the optimizer steps of its runs one at a time against the
// steps of its packs (a pack steps as long as its longest run), as if a step of R runs cost one run's. On
// a GPU, where one tiny model fills almost nothing, that is the bound to approach; on a CPU adapter a pack's
// step costs more (docs/results/bench-pack/).
//
//   node bin/pack-bound.mjs experiments/world.ts [experiments/smoke.ts ...] [--pack 8]
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./wgsl-loader.mjs', import.meta.url);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { pack: { type: 'string', default: '8' } },
});
const max = Number(values.pack);
if (!positionals.length || !(Number.isInteger(max) && max >= 1)) {
  console.error('usage: node bin/pack-bound.mjs EXPERIMENT.ts [...] [--pack N >= 1]');
  process.exit(2);
}
const { expandRuns, validateExperiment } = await import('../src/sweep/experiment.ts');
const { packRuns } = await import('../src/sweep/pack.ts');
for (const file of positionals) {
  const e = validateExperiment((await import(pathToFileURL(resolve(file)).href)).default, file);
  const runs = expandRuns(e);
  const steps = (r) => Math.ceil(r.config.tokens / (r.config.batch_size * r.config.block_size));
  const alone = runs.reduce((a, r) => a + steps(r), 0);
  const packs = packRuns(runs, max);
  const packed = packs.reduce((a, p) => a + Math.max(...p.map(steps)), 0);
  console.log(
    `${e.name}: ${runs.length} runs, ${alone.toLocaleString('en')} steps one at a time; ${packs.length} packs of at most ${max}, ${packed.toLocaleString('en')} pack steps: packing alone gives at most ${(alone / packed).toFixed(2)}×`,
  );
}
process.exit(0);
