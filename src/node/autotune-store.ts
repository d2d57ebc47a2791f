// Node side of the measured kernel choice: the store is one JSON file under the user's cache folder
// ($XDG_CACHE_HOME/t2lab/kernels.json, default ~/.cache/t2lab/kernels.json; T2LAB_CACHE_DIR moves it),
// and T2LAB_KERNELS=matmul:2 overrides the measurement for every command.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Gpu } from '../gpu/context.ts';
import {
  autotune,
  describeRecord,
  describeChoices,
  defaultModelShapes,
  parseKernelChoices,
  storedRecords,
  type ChoiceStore,
  type MatmulShape,
  type TuneResult,
} from '../bench/autotune.ts';

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
 * Put the kernel choice for the default model in gpu.choices (override, stored, or measured now) and
 * say which, in one line: what `t2lab bench` prints above its table.
 */
export async function applyKernelChoices(gpu: Gpu, kernels?: string): Promise<string> {
  const r = await autotuneNode(gpu, defaultModelShapes(), { kernels });
  const how =
    r.source === 'override'
      ? 'override (--kernels / T2LAB_KERNELS)'
      : r.source === 'cached'
        ? `measured ${r.record!.measuredAt}, from ${choiceStorePath()}`
        : 'measured now';
  return `${describeChoices(gpu)}  [${how}]`;
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
  if (Object.keys(overrides).length)
    console.log(
      `kernels:      override ${Object.entries(overrides)
        .map(([k, v]) => `${k}:${v}`)
        .join(',')} (--kernels / T2LAB_KERNELS)`,
    );
  if (!records.length) {
    console.log(
      `kernels:      not measured on this adapter yet; until then ${describeChoices(gpu)} (a guess by adapter kind).`,
    );
    console.log(
      `              \`t2lab devices --tune\` measures now; \`t2lab train\` and \`t2lab bench\` measure at first use.`,
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
