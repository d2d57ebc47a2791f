// src/node/: the Node host: Dawn device, the CLI, set-up, atomic writes, locks. Imports
// experiments, report, fit, sweep, bench, sample, train, checkpoint, model, kernels, gpu, stats,
// data, config, util; imported by nothing: bin/t2lab.mjs runs it (layers: test/structure.test.ts).
//
// `npx t2lab <command>`: the dispatcher. Each command lives in its own file under src/node/commands/
// (its spec, for the parser and --help, and its function); this file only maps names to them, prints
// the usage and turns the errors every command shares into one line and an exit code.
import { UsageError, commandHelp, type CommandSpec } from './args.ts';
import { TRAIN_SPEC, trainCommand } from './commands/train.ts';
import { DEVICES_SPEC, devicesCommand } from './commands/devices.ts';
import { BENCH_SPEC, benchCommand } from './commands/bench.ts';
import { SAMPLE_SPEC, sampleCommand } from './commands/sample.ts';
import { SWEEP_SPEC, sweepCommand } from './commands/sweep.ts';
import { MERGE_SPEC, mergeCommand } from './commands/merge.ts';
import { FIT_SPEC, fitCommand } from './commands/fit.ts';
import { REPORT_SPEC, reportCommand } from './commands/report.ts';
import { CALIBRATE_SPEC, calibrateCommand } from './commands/calibrate.ts';
import { EXPORT_SPEC, IMPORT_SPEC, exportCommand, importCommand } from './commands/export.ts';
import { TUNE_SPEC, tuneCommand } from './commands/tune.ts';
import { InputError, OutputError, fsWhy } from './atomic.ts';
import { LockedError } from './lock.ts';
import { NoAdapterError } from './gpu.ts';
import { setUpAndRerun } from './setup.ts';
import { ExperimentError, didYouMean } from '../sweep/experiment.ts';

export { divergenceHint } from './commands/train.ts';

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
  tune: TUNE_SPEC,
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

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  devices: devicesCommand,
  bench: benchCommand,
  train: trainCommand,
  sample: sampleCommand,
  sweep: sweepCommand,
  merge: mergeCommand,
  fit: fitCommand,
  report: reportCommand,
  calibrate: calibrateCommand,
  export: exportCommand,
  import: importCommand,
  tune: tuneCommand,
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
