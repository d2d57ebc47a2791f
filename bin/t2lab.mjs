#!/usr/bin/env node
// The t2lab command: registers TypeScript (tsx) and the .wgsl?raw loader, then runs the CLI.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./wgsl-loader.mjs', import.meta.url);
const { main } = await import('../src/node/cli.ts');
process.exitCode = await main(process.argv.slice(2));
// Dawn keeps native handles alive, so leave explicitly once the command is done, but only after
// stdout and stderr have drained: exiting at once cuts piped output (e.g. --json) short.
for (const stream of [process.stdout, process.stderr])
  await new Promise((done) => stream.write('', done));
process.exit();
