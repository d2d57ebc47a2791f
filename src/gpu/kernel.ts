// The kernel contract: what every launcher in kernels/ does, written once. A kernel is a name (its WGSL
// file stem, GPU label, gpu.choices key and benchmark row), a folder, and numbered WGSL versions. The
// launcher states its shapes and bindings; this module resolves the version (asked > gpu.choices >
// the kernel's guess > the lowest), checks sizes with one error format, builds the pipeline (once per
// version and structural variant: the Gpu caches it) and records the dispatch.
//
// Shapes travel in a uniform (`dims`), not as WGSL overrides, so every model size of a sweep shares
// one compiled pipeline per (kernel, version, structural variant): on a software adapter a compile
// costs seconds, and a sweep of dozens of sizes used to spend most of its time compiling.
import type { Defines } from './wgsl.ts';
import type { Gpu, Tensor } from './context.ts';

export interface KernelSpec<V extends number> {
  /** The kernel's one name: "layernorm_forward" (kernels/layernorm/layernorm_forward.v1.wgsl). */
  name: string;
  /** Its folder under kernels/. */
  folder: string;
  /** WGSL text per version number. */
  versions: Record<V, string>;
  /** The version when none is asked for and gpu.choices has none: a guess by adapter kind. Default the lowest. */
  fallback?: (gpu: Gpu) => V;
  /** Why `version` cannot run on this device, or null when it can. */
  unsupported?: (gpu: Gpu, version: V) => string | null;
  /** Shared WGSL appended to every version (one definition of a struct several kernels read, e.g. struct Seq). */
  append?: string;
}

/**
 * One dispatch: bindings in @binding order (the dims uniform where the WGSL declares it; null for a number
 * the variant does not declare), and the grid.
 */
export interface KernelCall {
  bindings: (Tensor | GPUBuffer | null)[];
  workgroups: readonly [number, number?, number?];
  /** `#if ${FLAG}` structural variants and `${NAME}` values: each distinct set is its own pipeline. */
  defines?: Defines;
  /** WGSL override constants that are not shapes (tile settings); each distinct set is its own pipeline. */
  overrides?: Record<string, number>;
  entryPoint?: string;
}

export class Kernel<V extends number> {
  readonly name: string;
  readonly folder: string;
  readonly versions: Record<V, string>;
  /** The version numbers, ascending. */
  readonly numbers: V[];
  /** Shared WGSL appended to every version (KernelSpec.append). */
  readonly append?: string;

  constructor(private readonly spec: KernelSpec<V>) {
    this.name = spec.name;
    this.folder = spec.folder;
    this.versions = spec.versions;
    this.append = spec.append;
    this.numbers = (Object.keys(spec.versions).map(Number) as V[]).sort((a, b) => a - b);
  }

  /** The .wgsl path of `version`, for labels and compile errors. */
  file(version: V): string {
    return `kernels/${this.folder}/${this.name}.v${version}.wgsl`;
  }

  /** Why `version` cannot run here (no such version, or a missing feature), or null. */
  unsupported(gpu: Gpu, version: number): string | null {
    if (!this.numbers.includes(version as V))
      return `${this.name}: no version ${version} (have ${this.numbers.join(', ')})`;
    return this.spec.unsupported?.(gpu, version as V) ?? null;
  }

  /** The version to run: `asked`, else the adapter's choice (gpu.choices), else the kernel's guess, else the lowest. */
  version(gpu: Gpu, asked?: V): V {
    const v = (asked ??
      (gpu.choices[this.name] as V | undefined) ??
      this.spec.fallback?.(gpu) ??
      this.numbers[0]) as V;
    const why = this.unsupported(gpu, v);
    if (why) throw new Error(why);
    return v;
  }

  /** Build (or reuse) the pipeline of `version` with `call`'s variant, and record one dispatch into the open pass. */
  dispatch(gpu: Gpu, version: V, call: KernelCall): void {
    const pipeline = gpu.pipeline({
      name: this.name,
      file: this.file(version),
      code: this.versions[version],
      defines: call.defines,
      overrides: call.overrides,
      entryPoint: call.entryPoint,
      append: this.spec.append,
    });
    gpu.dispatch(`${this.name}.v${version}`, pipeline, call.bindings, call.workgroups);
  }
}

export const defineKernel = <V extends number>(spec: KernelSpec<V>): Kernel<V> => new Kernel(spec);

/**
 * One size check for every launcher: each shape letter an integer >= 1 (or >= 0 where `zeroOk` names it),
 * each tensor at least as long as it must be, with one message format naming the kernel, tensor and shape.
 */
export function checkSizes(
  kernel: string,
  dims: Record<string, number>,
  tensors: Record<string, [Tensor, number]>,
  zeroOk: readonly string[] = [],
): void {
  // Runs on every dispatch: build no strings unless something is wrong.
  const shape = () =>
    Object.entries(dims)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  for (const k in dims) {
    const v = dims[k]!;
    const min = zeroOk.length && zeroOk.includes(k) ? 0 : 1;
    if (Number.isInteger(v) && v >= min && v < 2 ** 32) continue;
    const names = Object.keys(dims);
    throw new Error(
      names.length === 1
        ? `${kernel}: ${k} must be an integer >= ${min} (got ${v})`
        : `${kernel}: ${names.join(', ')} must be integers >= 1 (got ${shape()})`,
    );
  }
  for (const what in tensors) {
    const [t, need] = tensors[what]!;
    if (t.length < need)
      throw new Error(
        `${kernel}: ${what} "${t.label}" has ${t.length} floats, needs ${need} for ${shape()}`,
      );
  }
}

/**
 * R runs of one model shape packed side by side (src/train/pack.ts): one dispatch serves them all, the
 * grid's z being the run. Run r's parameter-like tensors (parameters, gradients, AdamW moments) start
 * r·P floats after run 0's, P being one run's flat parameter length; its activations follow run r-1's.
 */
export interface Runs {
  R: number;
  P: number;
}

/** One run alone: what every launcher does when no pack is asked for. */
export const ONE_RUN: Runs = { R: 1, P: 0 };

/** `dims` for checkSizes, with the pack's run count R beside them when there is more than one run. */
export function withRuns(dims: Record<string, number>, R: number): Record<string, number> {
  return R === 1 ? dims : { ...dims, R };
}

/**
 * Two gradients a kernel writes, as one binding when they overlap: a pack's views of two tensors of one flat
 * buffer each span every run, and WebGPU refuses two writable bindings whose ranges overlap. Then `first`
 * grows to cover `second`, which starts `offset` floats into it (a kernel's SHARED variant); else null.
 */
export function sharedBinding(
  kernel: string,
  first: Tensor,
  second: Tensor,
): { binding: Tensor; offset: number } | null {
  const overlap =
    first.buffer === second.buffer &&
    first.offset < second.offset + second.length * 4 &&
    second.offset < first.offset + first.length * 4;
  if (!overlap) return null;
  if (second.offset < first.offset)
    throw new Error(`${kernel}: "${second.label}" overlaps "${first.label}" and starts before it`);
  const offset = (second.offset - first.offset) / 4;
  const length = Math.max(first.length, offset + second.length);
  return { binding: { ...first, length, label: `${first.label}+${second.label}` }, offset };
}

/** The bits of `x` as float32, for a float field of a dims uniform (WGSL reads it with bitcast<f32>). */
export function f32bits(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0]!;
}
