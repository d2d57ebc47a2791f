// `t2lab calibrate FILE.jsonl`: the calibration table of a sweep of experiments/calibrate.ts (or any sweep
// with a `scan`): held-out loss and pass@1 per size and setting, and the best learning rate per size and
// difficulty. Exit codes: 0 printed, 1 no usable runs, 2 bad arguments.
import { commandHelp, parseCommand, type CommandSpec } from '../args.ts';
import { InputError } from '../atomic.ts';
import { readRecordsFile } from '../store.ts';
import { calibrationTable, formatCalibration } from '../../sweep/calibrate.ts';

export const CALIBRATE_SPEC: CommandSpec = {
  name: 'calibrate',
  synopsis: 'FILE.jsonl',
  summary: `Prints the calibration table of a sweep (\`npx t2lab sweep experiments/calibrate.ts\` first): for each
size, budget and scanned setting, D/N, learning rate, held-out loss and pass@1 (from p_i and from the
samples), then per size the learning rate with the lowest held-out loss averaged over the budgets, each
budget's own best beside it, and a flag where the pick is at the scan's edge (widen the scan, do not take
it). experiments/t2.ts and world.ts take their learning rates from such tables.`,
  options: {
    json: { type: 'boolean', help: 'print the table as JSON' },
  },
};

export async function calibrateCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(CALIBRATE_SPEC, args);
  } catch (e) {
    console.error(`t2lab calibrate: ${(e as Error).message}\n\n${commandHelp(CALIBRATE_SPEC)}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(commandHelp(CALIBRATE_SPEC));
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(
      `t2lab calibrate: expected one FILE.jsonl (a sweep's results.jsonl)\n\n${commandHelp(CALIBRATE_SPEC)}`,
    );
    return 2;
  }
  const file = parsed.positionals[0]!;
  let records;
  try {
    records = readRecordsFile(file, (m) => console.error(`warning: ${m}`));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    console.error(`t2lab calibrate: ${e.message}`);
    return 1;
  }
  const table = calibrationTable(records);
  if (!table.rows.length) {
    console.error(`t2lab calibrate: ${file} has no finished, evaluated run`);
    return 1;
  }
  console.log(parsed.values.json ? JSON.stringify(table, null, 2) : formatCalibration(table));
  return 0;
}
