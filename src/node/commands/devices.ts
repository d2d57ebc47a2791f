// `t2lab devices`: which WebGPU adapter runs, its features and limits, and the kernel versions chosen
// for it (measured once per adapter, kept in the kernel cache).
import { UsageError, parseCommand, openGpu, str, type CommandSpec } from '../args.ts';
import { describeChoices } from '../../sweep/kernel-choice.ts';
import { adapterLine } from '../../gpu/adapter.ts';
import { printKernelChoices } from '../autotune-store.ts';
import { kernelChoiceStore } from '../store.ts';

export const DEVICES_SPEC: CommandSpec = {
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

/**
 * Run a step that measures kernels and stores the choice; an unwritable cache is said before the
 * measurement (not after it) and the measured choice, already in gpu.choices, is used unstored.
 */
export async function cacheTolerant<T>(
  step: () => Promise<T>,
  unstored: () => Promise<T>,
): Promise<T> {
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

export async function devicesCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommand(DEVICES_SPEC, args);
  if (positionals.length)
    throw new UsageError(`devices takes no arguments, got ${positionals.join(' ')}`);
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
