// Command-line plumbing shared by every `t2lab` command: one spelling for options, per-command help,
// usage errors, opening the GPU.
//
// One spelling: an option is spelled like the key it sets, with underscores (`--n_layer=2`,
// `--top_k 40`, `--held_out_ratio 8`), because config keys and experiment keys are spelled that way in
// files too. The dashed spelling (`--top-k`, `--dry-run`) that earlier versions printed is still
// accepted everywhere: each option name is normalised before parsing, so old scripts keep working.
import { parseArgs } from 'node:util';
import { createNodeGpu, ADAPTER_CHOICES, type AdapterChoice } from './gpu.ts';
import type { Gpu } from '../gpu/context.ts';
import { didYouMean } from '../sweep/experiment.ts';
import { boundProblem, type BoundKey } from '../config.ts';
import { kernelOverrides } from './autotune-store.ts';

/** Thrown for bad command lines: printed without a stack trace, with the command's usage; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help ("FILE", "N"); none for a boolean. */
  arg?: string;
  help: string;
}

/** A command's options and its help text, in one place: the parser and `--help` read the same table. */
export interface CommandSpec {
  name: string;
  /** After "npx t2lab NAME": the positional arguments ("FILE.jsonl", "experiments/NAME.ts"). */
  synopsis: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Lines printed after the options (notes, config keys, examples). */
  more?: string;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  adapter: {
    type: 'string',
    arg: ADAPTER_CHOICES.join('|'),
    help: 'which WebGPU adapter (default auto: a GPU, else a software driver; also T2LAB_ADAPTER)',
  },
  help: { type: 'boolean', help: 'print this help' },
};

/** `--top-k=3` → `--top_k=3`: the one spelling. Values and positionals are left alone. */
export function normaliseOption(arg: string): string {
  if (!arg.startsWith('--') || arg === '--') return arg;
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
  return `--${name.replace(/-/g, '_')}${eq < 0 ? '' : arg.slice(eq)}`;
}

/** The help of one command: synopsis, summary, every option with its placeholder and what it does. */
export function commandHelp(spec: CommandSpec): string {
  const opts = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(opts).map(
    ([k, o]) => [`--${k}${o.arg ? ` ${o.arg}` : ''}`, o.help] as const,
  );
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = rows.map(([l, h]) =>
    l.length + 2 > width ? `  ${l}\n  ${''.padEnd(width)}${h}` : `  ${l.padEnd(width)}${h}`,
  );
  return `Usage: npx t2lab ${spec.name}${spec.synopsis ? ` ${spec.synopsis}` : ''} [options]\n\n${spec.summary}\n\nOptions:\n${lines.join('\n')}${spec.more ? `\n\n${spec.more}` : ''}`;
}

/**
 * Parse `args` against a command's table (plus the common options), strictly: an unknown option is an
 * error with the nearest known name. Both spellings (`--top_k`, `--top-k`) and both forms (`--k=v`,
 * `--k v`) are accepted.
 */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const options = Object.fromEntries(
    Object.entries(all).map(([k, o]) => [k, { type: o.type }]),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  const normalised = args.map(normaliseOption);
  for (const a of normalised) {
    if (!a.startsWith('--') || a === '--') continue;
    const name = a.slice(2).split('=')[0]!;
    if (!(name in all))
      throw new UsageError(`unknown option --${name}${didYouMean(name, Object.keys(all))}`);
  }
  try {
    const { values, positionals } = parseArgs({
      args: normalised,
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/ To specify .*$/s, ''));
  }
}

/** `parseCommand` for commands that take the flat config's keys as options (train). */
export function keyValues(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = normaliseOption(args[i]!);
    if (!a.startsWith('--'))
      throw new UsageError(`unexpected argument "${a}": options are --key=value`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) out[a.slice(2)] = args[++i]!;
    else if (a === '--help') out.help = 'true';
    // Every config key and train option takes a value: `--out` alone was a file named "true".
    else throw new UsageError(`${a} needs a value (${a}=VALUE)`);
  }
  return out;
}

export async function openGpu(adapter: string | boolean | undefined): Promise<Gpu> {
  if (adapter !== undefined && !ADAPTER_CHOICES.includes(adapter as AdapterChoice)) {
    throw new UsageError(`--adapter=${adapter} is not one of ${ADAPTER_CHOICES.join(', ')}`);
  }
  return createNodeGpu({ adapter: adapter as AdapterChoice | undefined });
}

/** A string option's value (parseCommand's values are string | boolean). */
export const str = (v: string | boolean | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

/** An integer option within [min, max], or a UsageError naming it and its range. */
export function intOption(
  name: string,
  raw: string | boolean | undefined,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(
      `--${name} must be an integer ${max < Number.MAX_SAFE_INTEGER ? `in [${min}, ${max.toLocaleString('en-US')}]` : `>= ${min}`}, got "${raw}"`,
    );
  }
  return v;
}

/** An option that sets a key of the bounds table (src/config.ts), checked against it as every door is. */
export function boundOption(
  key: BoundKey,
  raw: string | boolean | undefined,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const problem = boundProblem(key, Number.isNaN(v) ? raw : v, `--${key}`);
  if (problem) throw new UsageError(problem);
  return v;
}

/** --kernels (and T2LAB_KERNELS) parsed before any work; a bad spelling is a usage error. */
export function kernelsOption(raw: string | undefined): Record<string, number> {
  try {
    return kernelOverrides(raw);
  } catch (e) {
    throw new UsageError(`--kernels (or T2LAB_KERNELS): ${(e as Error).message}`);
  }
}

/** A number option within [min, max], or a UsageError naming it. */
export function numberOption(
  name: string,
  raw: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!(v >= min && v <= max))
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${raw}"`);
  return v;
}

/** Seeds are hashed as 32-bit words (src/util/rng.ts): 2^32 would silently be seed 0. */
export const MAX_SEED = 0xffff_ffff;
