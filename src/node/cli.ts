// `npx t2lab <command>`: the Node front end. Host code lives in src/node/ only.
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { DEFAULTS, makeConfig, ConfigError } from '../config.ts';
import { Trainer, modelShape } from '../train/trainer.ts';
import { paramCount } from '../model/gpt.ts';
import { UsageError, parse, keyValues, openGpu } from './args.ts';
import { autotuneNode } from './autotune-store.ts';
import { describeChoices, modelMatmulShapes } from '../gpu/autotune.ts';
import { SAMPLE_USAGE, sampleCommand } from './sample-cmd.ts';
import { mergeCommand, sweepCommand } from './sweep-cmd.ts';
import { fitCommand } from './fit-cmd.ts';
import { reportCommand } from './report-cmd.ts';
import { adapterLine } from '../gpu/adapter.ts';
import { benchCases, kernelNames } from '../bench/cases.ts';
import { benchKernel, formatBench, type BenchReport } from '../bench/run.ts';
import { fma_peak_gflops } from '../../kernels/fma_peak/fma_peak.ts';
import { applyKernelChoices, printKernelChoices } from './autotune-store.ts';
import { benchPeers } from './peers.ts';
import { stepOverhead } from '../train/train.bench.ts';

const USAGE = `t2lab: train tiny GPTs on WebGPU and sample them k times per question (T² scaling laws).

Usage: npx t2lab <command> [options]

Commands:
  devices                 Which WebGPU adapter runs, its features and limits, and the kernel versions chosen for it.
      --tune                measure the kernel choice now (for the default model), replacing the stored one
  bench                   Time every kernel and version; GFLOP/s, GB/s, fraction of the FMA ceiling.
      --kernel NAME[,NAME]  only these kernels (${'${kernels}'})
      --reps N              timed repetitions per row (default 5; the median is printed)
      --json                print the table as JSON instead of text
      --out FILE            also write the JSON to FILE
      --peers               instead: our kernels against jax-js and TF.js on this adapter (matmul, attention,
                            a training step); they must agree first; prints medians and the speed ratios
      --quick               with --peers: the smallest shape of each kind only
  devices, bench (and train): --kernels matmul:2[,matmul_rows:24]  use these kernel versions instead of the
                            measured choice (also T2LAB_KERNELS); the choice is measured once per adapter
                            and kept in ~/.cache/t2lab/kernels.json

  train [--key=value ...]  Train a GPT on exactly --tokens tokens of the task mix; progress bar, checkpoint, log.
      --out FILE            checkpoint (safetensors; default out/model.safetensors)
      --log FILE            JSONL log, one line per logged step and one for the result (default out/train.jsonl)
      --kernels matmul:V[,matmul_rows:R]  use these kernel versions instead of the measured choice
      config keys (default):
${'${config}'}

${'${sample}'}

  sweep experiments/NAME.ts   Run a grid of sizes × budgets × seeds, each trained then sampled; resumable.
      --out DIR             results directory (default out/NAME): results.jsonl, models/, resume/, report.html
      --shard i/n           run runs i, i+n, ... (also from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + T2LAB_SHARDS)
      --dry-run             list the runs and stop
      --no-report           skip the report at the end
      --kernels matmul:V    use this kernel version instead of the measured choice (also T2LAB_KERNELS)
  merge DIR | FILE.jsonl ...  Unite shards' results files (one record per run) into DIR/results.jsonl or --out FILE.

  fit FILE.jsonl|FILE.csv     Fit Chinchilla and T² laws (intervals) and print the compute-optimal (N, D, k) table.
  report FILE.jsonl           Write one self-contained HTML report: curves, fits, frontier, held-out errors.
      (\`npx t2lab fit --help\` and \`npx t2lab report --help\` list their options)

Options for every command:
  --adapter auto|hardware|lavapipe|swiftshader|null   which adapter (default auto: a GPU, else software)
  --help`;

function usage(): string {
  const config = Object.entries(DEFAULTS).map(([k, v]) => `        --${k}=${v}`).join('\n');
  return USAGE.replace('${kernels}', kernelNames.join(', ')).replace('${config}', config).replace('${sample}', SAMPLE_USAGE);
}

async function train(args: string[]): Promise<number> {
  const { out = 'out/model.safetensors', log = 'out/train.jsonl', adapter, kernels, ...keys } = keyValues(args);
  let config;
  try {
    config = makeConfig(keys);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const gpu = await openGpu(adapter);
  console.log(`adapter: ${adapterLine(gpu.adapter)}`);
  const shape = modelShape(config);
  const N = paramCount(shape);
  // The fastest matmul version for this model's shapes on this adapter: measured once, then cached.
  const tuned = await autotuneNode(gpu, modelMatmulShapes(shape, config.batch_size), { kernels });
  console.log(`kernels: ${describeChoices(gpu)} (${tuned.source})`);
  const trainer = new Trainer(gpu, config);
  console.log(`model:   L=${shape.n_layer} C=${shape.n_embd} H=${shape.n_head} T=${shape.block_size} V=${shape.vocab_size}; N = ${N.total.toLocaleString()} params (${N.nonEmbedding.toLocaleString()} without embeddings)`);
  console.log(`budget:  D = ${config.tokens.toLocaleString()} tokens (${(config.tokens / N.nonEmbedding).toFixed(1)} per non-embedding param) in ${trainer.steps} steps of ${config.batch_size}x${config.block_size}; tasks ${config.tasks}`);
  for (const f of [out, log]) mkdirSync(dirname(f), { recursive: true });
  writeFileSync(log, '');
  const bar = new cliProgress.SingleBar(
    { format: 'train [{bar}] {percentage}% | {value}/{total} tokens | loss {loss} | eval {eval} | {tps} tok/s | {gflops} GFLOP/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  let lastEval = NaN;
  bar.start(config.tokens, 0, { loss: '-', eval: '-', tps: '-', gflops: '-' });
  let result;
  try {
    result = await trainer.run((p) => {
      if (p.evalLoss !== undefined) lastEval = p.evalLoss;
      bar.update(p.tokens, { loss: p.loss.toFixed(3), eval: lastEval.toFixed(3), tps: p.tokensPerSec.toFixed(0), gflops: p.gflops.toFixed(2) });
      appendFileSync(log, JSON.stringify({ type: 'step', ...p }) + '\n');
    });
  } finally {
    bar.stop();
  }
  appendFileSync(log, JSON.stringify({ type: 'result', ...result }) + '\n');
  if (result.diverged) {
    console.error(`DIVERGED at step ${result.diverged.step}: loss ${result.diverged.loss}. Lower --lr (now ${config.lr}) or raise --warmup_frac. No checkpoint written.`);
    trainer.dispose();
    return 1;
  }
  writeFileSync(out, await trainer.checkpoint(result));
  trainer.dispose();
  console.log(`trained on ${result.tokens.toLocaleString()} tokens in ${result.steps} steps, ${result.seconds.toFixed(1)} s (${(result.tokens / result.seconds).toFixed(0)} tok/s, ${(result.trainFlops / result.seconds / 1e9).toFixed(2)} GFLOP/s)`);
  console.log(`compute: ${result.trainFlops.toExponential(3)} FLOPs exact (matmuls + attention), 6ND = ${result.trainFlops6ND.toExponential(3)}`);
  console.log(`held-out loss: ${result.finalEvalLoss.toFixed(4)} (untrained: ${result.evals[0]!.loss.toFixed(4)})`);
  console.log(`checkpoint: ${out}\nlog: ${log}`);
  return 0;
}

async function devices(args: string[]): Promise<number> {
  const { values } = parse(args, { kernels: { type: 'string' }, tune: { type: 'boolean' } });
  const gpu = await openGpu(values.adapter);
  const a = gpu.adapter;
  console.log(`adapter:      ${adapterLine(a)}`);
  console.log(`vendor:       ${a.vendor}`);
  console.log(`architecture: ${a.architecture}`);
  console.log(`device:       ${a.device || '-'}`);
  console.log(`software:     ${a.software ? 'yes (CPU emulation of a GPU; fine for tests, slow for training)' : 'no'}`);
  console.log(`features:     ${a.features.join(', ')}`);
  console.log(`subgroups:    ${a.subgroupSize || 'unknown size'}`);
  console.log(`limits:       ${a.maxWorkgroupSize} invocations/workgroup, ${a.maxWorkgroupStorage} B workgroup storage, ${(a.maxStorageBinding / 2 ** 20).toFixed(0)} MiB per storage binding`);
  console.log(`timestamps:   ${gpu.hasTimestamps ? 'yes (kernel times from GPU timestamp queries)' : 'no (kernel times from the wall clock)'}`);
  await printKernelChoices(gpu, { kernels: values.kernels, tune: values.tune });
  gpu.destroy();
  return 0;
}

async function bench(args: string[]): Promise<number> {
  const { values } = parse(args, { kernel: { type: 'string' }, reps: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' }, kernels: { type: 'string' }, peers: { type: 'boolean' }, quick: { type: 'boolean' } });
  const reps = values.reps === undefined ? 5 : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new UsageError(`--reps must be an integer >= 1 (got ${values.reps})`);
  const only = values.kernel?.split(',');
  const unknown = only?.filter((k) => !kernelNames.includes(k));
  if (unknown?.length) throw new UsageError(`unknown kernel ${unknown.join(', ')}; known: ${kernelNames.join(', ')}`);
  const cases = benchCases.filter((c) => !only || only.includes(c.kernel));

  const gpu = await openGpu(values.adapter);
  const log = values.json ? console.error : console.log;
  log(`adapter: ${adapterLine(gpu.adapter)}`);
  const kernelChoices = await applyKernelChoices(gpu, values.kernels);
  log(`kernels: ${kernelChoices}`);
  if (values.peers) return benchPeers(gpu, { reps, json: values.json, out: values.out, quick: values.quick });
  const peak = await fma_peak_gflops(gpu);
  const report: BenchReport = { adapter: gpu.adapter, peakGflops: peak.gflops, peakClock: peak.clock, kernelChoices, rows: [] };
  for (const c of cases) {
    const row = await benchKernel(gpu, c, peak.gflops, reps);
    report.rows.push(row);
    if (!values.json) process.stderr.write(`  ${c.kernel} ${c.version} ${c.shape}: ${row.ms.toFixed(2)} ms\n`);
  }
  if (cases.some((c) => c.kernel === 'train_step')) report.overhead = await stepOverhead(gpu, reps);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatBench(report));
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2));
  gpu.destroy();
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { devices, bench, train, sample: sampleCommand, sweep: sweepCommand, merge: mergeCommand, fit: fitCommand, report: reportCommand };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`t2lab: unknown command "${command}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return 2;
  }
  if (rest.includes('--help') && command !== 'fit' && command !== 'report') {
    console.log(usage());
    return 0;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`t2lab ${command}: ${e.message}`);
      return 2;
    }
    console.error(`t2lab ${command}: ${(e as Error).message}`);
    if (process.env.T2LAB_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}
