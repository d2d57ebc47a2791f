// Node side of the kernel choice: the store is one JSON file under the user's cache folder
// ($XDG_CACHE_HOME/t2lab/kernels.json, default ~/.cache/t2lab/kernels.json; T2LAB_CACHE_DIR moves it),
// and T2LAB_KERNELS=matmul:2 overrides the measurement for every command.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Gpu } from '../gpu/context.ts';
import { autotune, type TuneResult } from '../bench/autotune.ts';
import {
  chooseKernelVersions,
  describeKernelChoice,
  describeRecord,
  defaultModelShapes,
  parseKernelChoices,
  storedRecords,
  type ChoiceStore,
  type MatmulShape,
} from '../sweep/kernel-choice.ts';

export function choiceStorePath(): string {
  const dir =
    process.env.T2LAB_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 't2lab');
  return join(dir, 'kernels.json');
}

/** A ChoiceStore over one JSON file ({ key: value }), rewritten whole through a temporary file. */
export function fileChoiceStore(path = choiceStorePath()): ChoiceStore {
  const read = (): Record<string, string> => {
    if (!existsSync(path)) return {};
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    } catch {
      return {}; // unreadable: measured again and rewritten
    }
  };
  return {
    get: (key) => read()[key] ?? null,
    set: (key, value) => {
      const all = { ...read(), [key]: value };
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify(all, null, 1));
      renameSync(`${path}.tmp`, path);
    },
  };
}

/** Overrides from T2LAB_KERNELS and a --kernels value (the option wins); throws on a malformed spec. */
export function kernelOverrides(option?: string): Record<string, number> {
  const env = process.env.T2LAB_KERNELS;
  return { ...(env ? parseKernelChoices(env) : {}), ...(option ? parseKernelChoices(option) : {}) };
}

/**
 * autotune() with the Node store and overrides, logging to stderr: what `t2lab train` (and anything that
 * starts a run) calls once, after creating the Gpu and before the first step.
 */
export async function autotuneNode(
  gpu: Gpu,
  shapes: MatmulShape[],
  opts: { kernels?: string; retune?: boolean; quiet?: boolean } = {},
): Promise<TuneResult> {
  const log = opts.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  return autotune(gpu, shapes, {
    store: fileChoiceStore(),
    overrides: kernelOverrides(opts.kernels),
    retune: opts.retune,
    log,
  });
}

/**
 * Put the kernel versions a run of the default model would use in gpu.choices (override, stored
 * measurement, or the adapter class's default; nothing is timed) and say which, in one line: what
 * `t2lab bench` prints above its table.
 */
export async function applyKernelChoices(gpu: Gpu, kernels?: string): Promise<string> {
  const c = await chooseKernelVersions(gpu, defaultModelShapes(), {
    store: fileChoiceStore(),
    overrides: kernelOverrides(kernels),
  });
  return describeKernelChoice(c, gpu);
}

/** `t2lab devices`: the stored choices for this adapter, each with its timings; --tune measures the default model now. */
export async function printKernelChoices(
  gpu: Gpu,
  opts: { kernels?: string; tune?: boolean },
): Promise<void> {
  if (opts.tune)
    await autotuneNode(gpu, defaultModelShapes(), { kernels: opts.kernels, retune: true });
  const records = Object.values(await storedRecords(gpu, fileChoiceStore()));
  const overrides = kernelOverrides(opts.kernels);
  const run = await chooseKernelVersions(gpu, defaultModelShapes(), {
    store: fileChoiceStore(),
    overrides,
  });
  console.log(`kernels:      a run of the default model: ${describeKernelChoice(run, gpu)}`);
  if (!records.length) {
    console.log(
      `              nothing measured on this adapter yet; \`t2lab tune\` measures and stores a choice.`,
    );
    return;
  }
  console.log(`kernels:      measured choices for this adapter (${choiceStorePath()}):`);
  for (const r of records) {
    const d = describeRecord(r);
    console.log(`  ${d.choice} for ${d.shapes}, ${d.measured}:`);
    console.log(`    ${d.timings}`);
  }
}
