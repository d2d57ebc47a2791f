// src/node/: the Node host: Dawn device, the CLI, set-up, atomic writes, locks. Imports
// experiments, report, fit, sweep, bench, sample, train, checkpoint, model, kernels, gpu, stats,
// data, config, util; imported by nothing: bin/t2lab.mjs runs it (layers: test/structure.test.ts).
//
// `npx t2lab <command>`: the Node front end. Host code lives in src/node/ only.
import cliProgress from 'cli-progress';
import { DEFAULTS, makeConfig, ConfigError, type Config, modelShape } from '../config.ts';
import { Trainer } from '../train/trainer.ts';
import { paramCount } from '../model/gpt.ts';
import {
  UsageError,
  commandHelp,
  intOption,
  keyValues,
  openGpu,
  parseCommand,
  str,
  type CommandSpec,
} from './args.ts';
import { describeChoices } from '../bench/autotune.ts';
import { SAMPLE_SPEC, sampleCommand } from './sample-cmd.ts';
import { MERGE_SPEC, SWEEP_SPEC, mergeCommand, sweepCommand } from './sweep-cmd.ts';
import { FIT_SPEC, fitCommand } from './fit-cmd.ts';
import { REPORT_SPEC, reportCommand } from './report-cmd.ts';
import { CALIBRATE_SPEC, calibrateCommand } from './calibrate-cmd.ts';
import { EXPORT_SPEC, IMPORT_SPEC, exportCommand, importCommand } from './export-cmd.ts';
import { adapterLine } from '../gpu/adapter.ts';
import { benchCases, kernelNames } from '../bench/cases.ts';
import { benchKernel, formatBench, type BenchReport } from '../bench/run.ts';
import { fma_peak_gflops } from '../../kernels/fma_peak/fma_peak.ts';
import { applyKernelChoices, kernelOverrides, printKernelChoices } from './autotune-store.ts';
import { benchPeers } from './peers.ts';
import { stepOverhead, stepProfile } from '../train/train.bench.ts';
import { formatSweepCompile, sweepCompile } from '../bench/compile.ts';
import smoke from '../../experiments/smoke.ts';
import {
  InputError,
  OutputError,
  PartialFile,
  checkOutput,
  fsWhy,
  writeFileAtomic,
} from './atomic.ts';
import { LockedError } from './lock.ts';
import { NoAdapterError } from './gpu.ts';
import { setUpAndRerun } from './setup.ts';
import { kernelChoiceStore } from './store.ts';
import { chooseKernels } from '../sweep/driver.ts';
import { checkRunLimits } from '../sweep/limits.ts';
import { ExperimentError, didYouMean } from '../sweep/experiment.ts';

// One spec per command (args.ts): the parser and `npx t2lab CMD --help` read the same table.
const CONFIG_KEYS = Object.entries(DEFAULTS)
  .map(([k, v]) => `  --${k}=${v}`)
  .join('\n');

const TRAIN_SPEC: CommandSpec = {
  name: 'train',
  synopsis: '[--key=value ...]',
  summary:
    'Train a GPT on exactly --tokens tokens of the task mix; progress bar, checkpoint, JSONL log.',
  options: {
    out: {
      type: 'string',
      arg: 'FILE',
      help: 'checkpoint (safetensors; default out/model.safetensors)',
    },
    log: {
      type: 'string',
      arg: 'FILE',
      help: 'JSONL log, one line per logged step and one for the result (default out/train.jsonl)',
    },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'use these kernel versions instead of the measured choice (also T2LAB_KERNELS)',
    },
  },
  more: `Config keys (default), each also a --key=value option:\n${CONFIG_KEYS}`,
};

const DEVICES_SPEC: CommandSpec = {
  name: 'devices',
  synopsis: '',
  summary:
    'Which WebGPU adapter runs, its features and limits, and the kernel versions chosen for it.',
  options: {
    tune: {
      type: 'boolean',
      help: 'measure the kernel choice now (for the default model), replacing the stored one',
    },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'show this override instead of the measured choice (also T2LAB_KERNELS)',
    },
  },
};

const BENCH_SPEC: CommandSpec = {
  name: 'bench',
  synopsis: '',
  summary: 'Time every kernel and version; GFLOP/s, GB/s, fraction of the FMA ceiling.',
  options: {
    kernel: {
      type: 'string',
      arg: 'NAME[,NAME]',
      help: `only these kernels (${kernelNames.join(', ')})`,
    },
    reps: {
      type: 'string',
      arg: 'N',
      help: 'timed repetitions per row (default 5; the median is printed)',
    },
    json: { type: 'boolean', help: 'print the table as JSON instead of text' },
    out: { type: 'string', arg: 'FILE', help: 'also write the JSON to FILE' },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'use these kernel versions instead of the measured choice (also T2LAB_KERNELS)',
    },
    peers: {
      type: 'boolean',
      help: 'instead: our kernels against jax-js and TF.js on this adapter; they must agree first',
    },
    quick: { type: 'boolean', help: 'with --peers: the smallest shape of each kind only' },
  },
};

const SPECS: Record<string, CommandSpec> = {
  devices: DEVICES_SPEC,
  bench: BENCH_SPEC,
  train: TRAIN_SPEC,
  sample: SAMPLE_SPEC,
  sweep: SWEEP_SPEC,
  merge: MERGE_SPEC,
  fit: FIT_SPEC,
  report: REPORT_SPEC,
  calibrate: CALIBRATE_SPEC,
  export: EXPORT_SPEC,
  import: IMPORT_SPEC,
};

function usage(): string {
  const rows = Object.values(SPECS).map(
    (s) => `  ${`${s.name} ${s.synopsis}`.padEnd(36)}${s.summary.split('\n')[0]}`,
  );
  return `t2lab: train tiny GPTs on WebGPU and sample them k times per question (T² scaling laws).

Usage: npx t2lab <command> [options]      npx t2lab <command> --help   lists a command's options

Commands:
${rows.join('\n')}

Options are spelled like the keys they set, with underscores (--n_layer=2, --top_k 40, --dry_run); the
dashed spelling (--top-k, --dry-run) is accepted too. Every command takes:
  --adapter auto|hardware|lavapipe|swiftshader|null   which adapter (default auto: a GPU, else software)
  --help`;
}

async function train(args: string[]): Promise<number> {
  const {
    out = 'out/model.safetensors',
    log = 'out/train.jsonl',
    adapter,
    kernels,
    help: _,
    ...keys
  } = keyValues(args);
  // A misspelled key is named with the nearest ones before anything else is read.
  const known = [...Object.keys(DEFAULTS), ...Object.keys(TRAIN_SPEC.options), 'adapter', 'help'];
  for (const k of Object.keys(keys))
    if (!known.includes(k))
      throw new UsageError(
        `unknown option --${k}${didYouMean(k, known)}; the config keys are ${Object.keys(DEFAULTS).join(', ')}`,
      );
  let config;
  try {
    config = makeConfig(keys);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  // Before any work: a run must not train for minutes and then find it cannot write its model.
  checkOutput(out, { option: '--out' });
  checkOutput(log, { option: '--log', inputs: [{ option: '--out', path: out }] });
  const gpu = await openGpu(adapter);
  console.log(`adapter: ${adapterLine(gpu.adapter)}`);
  try {
    checkRunLimits(config, gpu.limits);
  } catch (e) {
    gpu.destroy();
    throw new UsageError((e as Error).message);
  }
  const shape = modelShape(config);
  const N = paramCount(shape);
  // The fastest matmul version for this model's shapes on this adapter: measured once, then cached.
  const measured = await chooseKernels(gpu, config, {
    store: kernelChoiceStore((m) => console.error(`warning: ${m}`)),
    overrides: kernelOverrides(kernels),
  });
  if (measured) console.error(measured);
  console.log(
    `kernels: ${describeChoices(gpu)} (${measured ? 'measured now' : Object.keys(kernelOverrides(kernels)).length ? 'override' : 'cached'})`,
  );
  const trainer = new Trainer(gpu, config);
  console.log(
    `model:   L=${shape.n_layer} C=${shape.n_embd} H=${shape.n_head} T=${shape.block_size} V=${shape.vocab_size}; N = ${N.total.toLocaleString()} params (${N.nonEmbedding.toLocaleString()} without embeddings)`,
  );
  console.log(
    `budget:  D = ${config.tokens.toLocaleString()} tokens (${(config.tokens / N.nonEmbedding).toFixed(1)} per non-embedding param) in ${trainer.steps} steps of ${config.batch_size}x${config.block_size}; tasks ${config.tasks}`,
  );
  // The new log is written beside the old one and replaces it only with the new checkpoint: a run that
  // stops early (a signal, a crash, a divergence, a full disk) leaves the previous run's log whole.
  const logFile = new PartialFile(log);
  const bar = new cliProgress.SingleBar(
    {
      format:
        'train [{bar}] {percentage}% | {value}/{total} tokens | loss {loss} | eval {eval} | {tps} tok/s | {gflops} GFLOP/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let lastEval = NaN;
  bar.start(config.tokens, 0, { loss: '-', eval: '-', tps: '-', gflops: '-' });
  let result;
  try {
    result = await trainer.run((p) => {
      if (p.evalLoss !== undefined) lastEval = p.evalLoss;
      bar.update(p.tokens, {
        loss: p.loss.toFixed(3),
        eval: lastEval.toFixed(3),
        tps: p.tokensPerSec.toFixed(0),
        gflops: p.gflops.toFixed(2),
      });
      logFile.append(JSON.stringify({ type: 'step', ...p }) + '\n');
    });
  } catch (e) {
    logFile.close();
    throw e;
  } finally {
    bar.stop();
  }
  logFile.append(JSON.stringify({ type: 'result', ...result }) + '\n');
  if (result.diverged) {
    logFile.close();
    console.error(
      `DIVERGED at step ${result.diverged.step}: loss ${result.diverged.loss}. ${divergenceHint(config)} No checkpoint written; this run's log is ${logFile.partial}, and ${out} and ${log}, if there, are unchanged.`,
    );
    trainer.dispose();
    return 1;
  }
  try {
    writeFileAtomic(out, await trainer.checkpoint(result));
  } catch (e) {
    logFile.close();
    throw e;
  }
  logFile.commit();
  trainer.dispose();
  console.log(
    `trained on ${result.tokens.toLocaleString()} tokens in ${result.steps} steps, ${result.seconds.toFixed(1)} s (${(result.tokens / result.seconds).toFixed(0)} tok/s, ${(result.trainFlops / result.seconds / 1e9).toFixed(2)} GFLOP/s)`,
  );
  console.log(
    `compute: ${result.trainFlops.toExponential(3)} FLOPs exact (matmuls + attention), 6ND = ${result.trainFlops6ND.toExponential(3)}`,
  );
  console.log(
    `held-out loss: ${result.finalEvalLoss.toFixed(4)} (untrained: ${result.evals[0]!.loss.toFixed(4)})`,
  );
  console.log(`checkpoint: ${out}\nlog: ${log}`);
  return 0;
}

/** The likely cause of a divergence, from the config: AdamW's decay step lr·weight_decay, else the lr. */
export function divergenceHint(c: Config): string {
  const decay = c.lr * c.weight_decay;
  // Decoupled weight decay multiplies the weights by (1 − lr·wd) each step: at ≥ 1 it flips and grows them.
  if (decay >= 0.5)
    return `weight_decay ${c.weight_decay} × lr ${c.lr} = ${decay.toPrecision(3)} per step scales the weights by ${(1 - decay).toPrecision(3)} each step: lower --weight_decay (the default is ${DEFAULTS.weight_decay}).`;
  return `Lower --lr (now ${c.lr}), raise --warmup_frac (now ${c.warmup_frac}) or lower --grad_clip (now ${c.grad_clip}).`;
}

/**
 * Run a step that measures kernels and stores the choice; an unwritable cache is said before the
 * measurement (not after it) and the measured choice, already in gpu.choices, is used unstored.
 */
async function cacheTolerant<T>(step: () => Promise<T>, unstored: () => Promise<T>): Promise<T> {
  let unwritable = false;
  kernelChoiceStore((m) => {
    unwritable = true;
    console.error(`warning: ${m}`);
  });
  try {
    return await step();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (
      !unwritable ||
      !code ||
      !['EACCES', 'EROFS', 'EPERM', 'ENOTDIR', 'ENOENT', 'ENOSPC'].includes(code)
    )
      throw e;
    return unstored();
  }
}

async function devices(args: string[]): Promise<number> {
  const { values: v } = parseCommand(DEVICES_SPEC, args);
  const values = { adapter: str(v.adapter), kernels: str(v.kernels), tune: v.tune === true };
  const gpu = await openGpu(values.adapter);
  const a = gpu.adapter;
  console.log(`adapter:      ${adapterLine(a)}`);
  console.log(`vendor:       ${a.vendor}`);
  console.log(`architecture: ${a.architecture}`);
  console.log(`device:       ${a.device || '-'}`);
  console.log(
    `software:     ${a.software ? 'yes (CPU emulation of a GPU; fine for tests, slow for training)' : 'no'}`,
  );
  console.log(`features:     ${a.features.join(', ')}`);
  console.log(`subgroups:    ${a.subgroupSize || 'unknown size'}`);
  console.log(
    `limits:       ${a.maxWorkgroupSize} invocations/workgroup, ${a.maxWorkgroupStorage} B workgroup storage, ${(a.maxStorageBinding / 2 ** 20).toFixed(0)} MiB per storage binding`,
  );
  console.log(
    `timestamps:   ${gpu.hasTimestamps ? 'yes (kernel times from GPU timestamp queries)' : 'no (kernel times from the wall clock)'}`,
  );
  await cacheTolerant(
    () => printKernelChoices(gpu, { kernels: values.kernels, tune: values.tune }),
    async () => console.log(`kernels:      ${describeChoices(gpu)} (measured now, not kept)`),
  );
  gpu.destroy();
  return 0;
}

async function bench(args: string[]): Promise<number> {
  const { values: v } = parseCommand(BENCH_SPEC, args);
  const values = {
    kernel: str(v.kernel),
    json: v.json === true,
    out: str(v.out),
    kernels: str(v.kernels),
    peers: v.peers === true,
    quick: v.quick === true,
    adapter: str(v.adapter),
  };
  const reps = intOption('reps', v.reps, 5, 1, 10_000);
  if (values.out) checkOutput(values.out, { option: '--out' });
  const only = values.kernel?.split(',');
  const unknown = only?.filter((k) => !kernelNames.includes(k));
  if (unknown?.length)
    throw new UsageError(`unknown kernel ${unknown.join(', ')}; known: ${kernelNames.join(', ')}`);
  const cases = benchCases.filter((c) => !only || only.includes(c.kernel));

  const gpu = await openGpu(values.adapter);
  const log = values.json ? console.error : console.log;
  log(`adapter: ${adapterLine(gpu.adapter)}`);
  const kernelChoices = await cacheTolerant(
    () => applyKernelChoices(gpu, values.kernels),
    async () => `${describeChoices(gpu)}  [measured now, not kept]`,
  );
  log(`kernels: ${kernelChoices}`);
  if (values.peers)
    return benchPeers(gpu, { reps, json: values.json, out: values.out, quick: values.quick });
  // A sweep's compile bill, first, so no row before it has built its pipelines (with the train_step rows).
  const compile =
    only && !only.includes('train_step')
      ? undefined
      : await sweepCompile(gpu, smoke.base, smoke.models);
  if (compile) log(formatSweepCompile('experiments/smoke.ts', compile));
  const peak = await fma_peak_gflops(gpu);
  const report: BenchReport = {
    adapter: gpu.adapter,
    peakGflops: peak.gflops,
    peakClock: peak.clock,
    kernelChoices,
    rows: [],
    compile,
  };
  for (const c of cases) {
    const row = await benchKernel(gpu, c, peak.gflops, reps);
    report.rows.push(row);
    if (!values.json)
      process.stderr.write(`  ${c.kernel} ${c.version} ${c.shape}: ${row.ms.toFixed(2)} ms\n`);
  }
  if (cases.some((c) => c.kernel === 'train_step')) {
    report.overhead = await stepOverhead(gpu, reps);
    report.profile = await stepProfile(gpu, reps);
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatBench(report));
  if (values.out) writeFileAtomic(values.out, JSON.stringify(report, null, 2));
  gpu.destroy();
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  devices,
  bench,
  train,
  sample: sampleCommand,
  sweep: sweepCommand,
  merge: mergeCommand,
  fit: fitCommand,
  report: reportCommand,
  calibrate: calibrateCommand,
  export: exportCommand,
  import: importCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    if (command === 'help' && rest[0] && SPECS[rest[0]]) console.log(commandHelp(SPECS[rest[0]]!));
    else console.log(usage());
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(
      `t2lab: unknown command "${command}"${didYouMean(command, Object.keys(COMMANDS))}. Commands: ${Object.keys(COMMANDS).join(', ')}.\n`,
    );
    return 2;
  }
  const spec = SPECS[command];
  if (spec && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(commandHelp(spec));
    return 0;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof OutputError ||
      e instanceof InputError ||
      e instanceof LockedError ||
      e instanceof ExperimentError
    ) {
      console.error(
        `t2lab ${command}: ${e.message}${e instanceof UsageError ? `\n(npx t2lab ${command} --help lists the options)` : ''}`,
      );
      return 2;
    }
    // A bare CPU-only machine: install the software driver when bin/setup.sh can, and run again.
    const again = e instanceof NoAdapterError ? setUpAndRerun(argv) : null;
    if (again !== null) return again;
    // A system call's failure that no check foresaw: in words, with the path when Node gives one.
    const sys = e as NodeJS.ErrnoException;
    const message =
      sys?.code && sys.syscall
        ? `${sys.path ? `${sys.path}: ` : ''}${fsWhy(sys)} (${sys.syscall})`
        : ((e as Error)?.message ?? String(e));
    console.error(`t2lab ${command}: ${message}`);
    if (process.env.T2LAB_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}
