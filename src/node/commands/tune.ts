// `npx t2lab tune [experiments/NAME.ts]`: the measured kernel choice, as its own step in the measurement
// wing. It races the candidate versions at each model size's shapes (the default model's without an
// experiment; src/bench/autotune.ts) and stores the winners per adapter in ~/.cache/t2lab/kernels.json,
// which later runs on this adapter read (src/sweep/kernel-choice.ts) instead of the adapter class's default. A run never
// races: on the CPU-only machines the candidates tie in whole steps (docs/results/README.md).
import { modelShape } from '../../config.ts';
import { expandRuns } from '../../sweep/experiment.ts';
import {
  modelMatmulShapes,
  defaultModelShapes,
  type KernelShapes,
} from '../../sweep/kernel-choice.ts';
import { adapterLine } from '../../gpu/adapter.ts';
import { UsageError, openGpu, parseCommand, str, type CommandSpec } from '../args.ts';
import { autotuneNode, kernelOverrides, printKernelChoices } from '../autotune-store.ts';
import { loadExperiment } from './sweep.ts';

export const TUNE_SPEC: CommandSpec = {
  name: 'tune',
  synopsis: '[experiments/NAME.ts]',
  summary:
    'Measure the fastest kernel versions on this adapter (for the default model, or each model size of an experiment) and store them for later runs.',
  options: {
    show: { type: 'boolean', help: 'print what is stored for this adapter; measure nothing' },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'measure only what this does not fix (also T2LAB_KERNELS)',
    },
  },
  more: `Runs use a stored measurement for their model's shapes when there is one, else the default for the
adapter class; an experiment's \`kernels\` pins win over both. Without a GPU the candidates tie in
whole steps, so tuning pays mostly on a GPU.`,
};

/** Each distinct model shape of an experiment (one per size and batch), or the default model's. */
async function shapesToTune(
  file: string | undefined,
): Promise<{ label: string; shapes: KernelShapes }[]> {
  if (!file) return [{ label: 'the default model', shapes: defaultModelShapes() }];
  const e = await loadExperiment(file);
  const seen = new Map<string, { label: string; shapes: KernelShapes }>();
  for (const run of expandRuns(e)) {
    const key = `${run.model} B=${run.config.batch_size}`;
    if (!seen.has(key))
      seen.set(key, {
        label: key,
        shapes: modelMatmulShapes(modelShape(run.config), run.config.batch_size),
      });
  }
  return [...seen.values()];
}

export async function tuneCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommand(TUNE_SPEC, args);
  if (positionals.length > 1)
    throw new UsageError(`one experiment file at most, got ${positionals.join(' ')}`);
  try {
    kernelOverrides(str(v.kernels)); // a malformed spec fails before the device opens
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const targets = v.show ? [] : await shapesToTune(positionals[0]);
  const gpu = await openGpu(str(v.adapter));
  try {
    console.log(`adapter: ${adapterLine(gpu.adapter)}`);
    for (const t of targets) {
      console.log(`${t.label}:`);
      await autotuneNode(gpu, t.shapes, { kernels: str(v.kernels), retune: true });
    }
    await printKernelChoices(gpu, { kernels: str(v.kernels) });
  } finally {
    gpu.destroy();
  }
  return 0;
}
