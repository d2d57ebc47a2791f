// `npx t2lab <command>`: the Node front end. Host code lives in src/node/ only.
import { writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createNodeGpu, ADAPTER_CHOICES, type AdapterChoice } from './gpu.ts';
import { adapterLine } from '../gpu/adapter.ts';
import type { Gpu } from '../gpu/context.ts';
import { benchCases, kernelNames } from '../bench/cases.ts';
import { benchKernel, formatBench, type BenchReport } from '../bench/run.ts';
import { fma_peak_gflops } from '../../kernels/fma_peak/fma_peak.ts';

const USAGE = `t2lab: train tiny GPTs on WebGPU and sample them k times per question (T² scaling laws).

Usage: npx t2lab <command> [options]

Commands:
  devices                 Which WebGPU adapter runs, its features and limits.
  bench                   Time every kernel and version; GFLOP/s, GB/s, fraction of the FMA ceiling.
      --kernel NAME[,NAME]  only these kernels (${'${kernels}'})
      --reps N              timed repetitions per row (default 5; the median is printed)
      --json                print the table as JSON instead of text
      --out FILE            also write the JSON to FILE

Options for every command:
  --adapter auto|hardware|lavapipe|swiftshader|null   which adapter (default auto: a GPU, else software)
  --help`;

function usage(): string {
  return USAGE.replace('${kernels}', kernelNames.join(', '));
}

/** Thrown for bad command lines: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const COMMON = { adapter: { type: 'string' }, help: { type: 'boolean' } } as const;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nRun \`npx t2lab --help\` for the options.`);
  }
}

async function openGpu(adapter: string | undefined): Promise<Gpu> {
  if (adapter !== undefined && !ADAPTER_CHOICES.includes(adapter as AdapterChoice)) {
    throw new UsageError(`--adapter=${adapter} is not one of ${ADAPTER_CHOICES.join(', ')}`);
  }
  return createNodeGpu({ adapter: adapter as AdapterChoice | undefined });
}

async function devices(args: string[]): Promise<number> {
  const { values } = parse(args, {});
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
  gpu.destroy();
  return 0;
}

async function bench(args: string[]): Promise<number> {
  const { values } = parse(args, { kernel: { type: 'string' }, reps: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' } });
  const reps = values.reps === undefined ? 5 : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new UsageError(`--reps must be an integer >= 1 (got ${values.reps})`);
  const only = values.kernel?.split(',');
  const unknown = only?.filter((k) => !kernelNames.includes(k));
  if (unknown?.length) throw new UsageError(`unknown kernel ${unknown.join(', ')}; known: ${kernelNames.join(', ')}`);
  const cases = benchCases.filter((c) => !only || only.includes(c.kernel));

  const gpu = await openGpu(values.adapter);
  const log = values.json ? console.error : console.log;
  log(`adapter: ${adapterLine(gpu.adapter)}`);
  const peak = await fma_peak_gflops(gpu);
  const report: BenchReport = { adapter: gpu.adapter, peakGflops: peak.gflops, peakClock: peak.clock, rows: [] };
  for (const c of cases) {
    const row = await benchKernel(gpu, c, peak.gflops, reps);
    report.rows.push(row);
    if (!values.json) process.stderr.write(`  ${c.kernel} ${c.version} ${c.shape}: ${row.ms.toFixed(2)} ms\n`);
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatBench(report));
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2));
  gpu.destroy();
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { devices, bench };

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
  if (rest.includes('--help')) {
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
