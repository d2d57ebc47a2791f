// Command-line plumbing shared by every `t2lab` command: usage errors, option parsing, opening the GPU.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createNodeGpu, ADAPTER_CHOICES, type AdapterChoice } from './gpu.ts';
import type { Gpu } from '../gpu/context.ts';

/** Thrown for bad command lines: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const COMMON = { adapter: { type: 'string' }, help: { type: 'boolean' } } as const;

/** node:util parseArgs with the common options, turning its errors into UsageErrors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nRun \`npx t2lab --help\` for the options.`);
  }
}

/** --key=value and --key value pairs; bare --flag is "true". */
export function keyValues(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}": options are --key=value`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) out[a.slice(2)] = args[++i]!;
    else out[a.slice(2)] = 'true';
  }
  return out;
}

export async function openGpu(adapter: string | undefined): Promise<Gpu> {
  if (adapter !== undefined && !ADAPTER_CHOICES.includes(adapter as AdapterChoice)) {
    throw new UsageError(`--adapter=${adapter} is not one of ${ADAPTER_CHOICES.join(', ')}`);
  }
  return createNodeGpu({ adapter: adapter as AdapterChoice | undefined });
}

/** A positive integer option, or a UsageError naming it. */
export function intOption(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return v;
}

/** A number option within [min, max], or a UsageError naming it. */
export function numberOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!(v >= min && v <= max)) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${raw}"`);
  return v;
}
