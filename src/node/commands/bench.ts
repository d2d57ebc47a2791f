// `t2lab bench`: time every kernel and version (GFLOP/s, GB/s, fraction of the FMA ceiling), or, with
// --peers, our kernels against jax-js and TF.js on this adapter.
import { UsageError, intOption, openGpu, parseCommand, str, type CommandSpec } from '../args.ts';
import { describeChoices } from '../../sweep/kernel-choice.ts';
import { adapterLine } from '../../gpu/adapter.ts';
import { benchCases, kernelNames } from '../../bench/registry.ts';
import { benchKernel, formatBench, type BenchReport } from '../../bench/run.ts';
import { fma_peak_gflops } from '../../../kernels/fma_peak/fma_peak.ts';
import { applyKernelChoices } from '../autotune-store.ts';
import { benchPeers } from '../peers.ts';
import { packWall, stepOverhead, stepProfile } from '../../train/train.bench.ts';
import { formatSweepCompile, sweepCompile } from '../../bench/compile.ts';
import smoke from '../../../experiments/smoke.ts';
import { checkOutput, writeFileAtomic } from '../atomic.ts';
import { cacheTolerant } from './devices.ts';

export const BENCH_SPEC: CommandSpec = {
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

export async function benchCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommand(BENCH_SPEC, args);
  if (positionals.length)
    throw new UsageError(
      `bench takes no arguments (kernels are --kernel NAME), got ${positionals.join(' ')}`,
    );
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
  if (values.out !== undefined) checkOutput(values.out, { option: '--out', example: 'bench.json' });
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
    report.packWall = await packWall(gpu, reps);
    report.profile = await stepProfile(gpu, reps);
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatBench(report));
  if (values.out) writeFileAtomic(values.out, JSON.stringify(report, null, 2));
  gpu.destroy();
  return 0;
}
