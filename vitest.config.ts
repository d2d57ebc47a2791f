import { configDefaults, defineConfig } from 'vitest/config';

// Two tiers. `npm test` runs every file. `npm run test:quick` (T2LAB_TEST_TIER=quick) leaves out what
// trains, samples or races at length (whole sweeps, the tuner, the CLI run as child processes, the
// sampler's statistics) and runs each kernel table's quick checks only (those the browser self-check
// runs too; test/helpers.ts itChecks): typecheck + units + kernel checks in a few minutes.
const QUICK_SKIPS = [
  'test/e2e/**', // the smoke sweep end to end; sweeps under SIGTERM, kill -9, a full disk
  'test/bench/**', // the kernel tuner's races, step overhead, the peer benchmark (jax-js, TF.js)
  'test/browser/worker.test.ts', // the worker host running sweeps
  'test/sample/agreement.test.ts', // pass@k from samples against p_i: thousands of samples
  'test/sweep/runner.test.ts', // sweeps resumed against uninterrupted ones
  'test/train/trainer.test.ts', // resumed training against uninterrupted, bit for bit
  'test/node/dryrun.test.ts', // times training steps
  'test/node/gpu-cmds.test.ts', // `t2lab train` and friends as child processes
  'test/node/outputs.test.ts', // commands as child processes
  'test/export/cli.test.ts', // commands as child processes
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.T2LAB_TEST_TIER === 'quick' ? QUICK_SKIPS : []),
    ],
    // dawn.node is a native addon: one process per worker is the safe isolation.
    pool: 'forks',
    // Clock limits that only a hang reaches. Nearly every GPU test is bound by its pipelines' first compile,
    // seconds per variant on an idle software adapter and minutes on a busy one (one matmul v4 rows=32
    // variant took over 120 s at load 15): correct code must not fail by a clock. The kernel checks set
    // their own (itChecks, test/helpers.ts).
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
