// src/gpu/: the Gpu context, the kernel contract, adapter facts. Imports config, util; imported by
// kernels, model, train, sample, bench, sweep, worker, node, web (layers: test/structure.test.ts).
//
// The GPU context every launcher records into: device, adapter facts, a pipeline cache, tensors, and
// one command encoder per step. Host-agnostic: the GPU object is passed in by src/node/gpu.ts or the
// browser worker, so this file never touches navigator, process or fs.
import { preprocess, formatCompileMessages, type Defines } from './wgsl.ts';
import { describeAdapter, type AdapterSummary } from './adapter.ts';
import type { WaitPacer } from './pace.ts';

/** A float32 array on the GPU: a byte range of a buffer. */
export interface Tensor {
  readonly buffer: GPUBuffer;
  readonly offset: number; // bytes, a multiple of minStorageBufferOffsetAlignment
  readonly length: number; // float32 elements
  readonly label: string;
}

/** Where a kernel comes from: one versioned .wgsl file, specialised by defines and overrides. */
export interface KernelSource {
  name: string; // the kernel's one name, e.g. "matmul"; also the GPU label prefix
  file: string; // e.g. "kernels/matmul/matmul.v2.wgsl", for error messages
  code: string; // the file's text
  defines?: Defines; // `#if ${FLAG}` and `${NAME}` values
  overrides?: Record<string, number>; // WGSL `override` constants (shapes, tile sizes)
  entryPoint?: string;
  /** Shared WGSL appended after the file (e.g. struct Seq): after, so compile errors keep the file's line numbers. */
  append?: string;
}

export class GpuError extends Error {
  override name = 'GpuError';
}

/** The device was lost (driver reset, tab backgrounded too long, destroy()). Recreate the Gpu and resume. */
export class GpuDeviceLostError extends GpuError {
  override name = 'GpuDeviceLostError';
}

/**
 * Kernel versions (and tile settings) picked for this adapter, by kernel name: measured (autotune), stored,
 * or set by the user. Each kernel adds its own typed key from its launcher (TypeScript declaration merging:
 * `declare module '.../context.ts' { interface KernelChoices { matmul?: MatmulVersion } }`), so this layer
 * names no kernel and a launcher still reads its choice typed.
 */
export interface KernelChoices {
  [kernel: string]: number | undefined;
}

/** Pipelines this Gpu built and the time it spent building them (on a software adapter, most of a cold sweep). */
export interface CompileStats {
  pipelines: number;
  ms: number;
  /** Per kernel name: pipelines built and their milliseconds. */
  byKernel: Record<string, { pipelines: number; ms: number }>;
}

export interface GpuOptions {
  /** Ask for timestamp-query when the adapter has it (kernel timing). Default true. */
  timestamps?: boolean;
}

/** Bind groups kept per pipeline before the cache starts over (a model step uses a handful per pipeline). */
const BIND_GROUPS_PER_PIPELINE = 256;

export class Gpu {
  readonly adapter: AdapterSummary;
  readonly hasTimestamps: boolean;
  readonly limits: GPUSupportedLimits;
  /** Kernel versions picked for this adapter (by measurement or by the user), by kernel name. */
  choices: KernelChoices = {};
  /** Every pipeline compile so far; a pipeline reused from the cache is not counted. */
  readonly compiled: CompileStats = { pipelines: 0, ms: 0, byKernel: {} };
  /** Set once the device is lost; every later sync point throws. */
  lost: GPUDeviceLostInfo | null = null;
  /**
   * Sleeps through most of each wait (sync, read) instead of leaving the host to poll for it: set by a
   * host whose waits take a CPU core the adapter needs (Node with a software adapter: src/gpu/pace.ts).
   */
  pacer: WaitPacer | null = null;
  private pacedPipelines = 0; // compiled.pipelines when the pacer last learned

  private pipelines = new Map<string, GPUComputePipeline>();
  private pending: Promise<string | null>[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private lastKernel = '';
  private uncaptured: string[] = [];
  private timing: { querySet: GPUQuerySet; next: number; capacity: number } | null = null;
  /** While profile() records: the kernel of each timestamped pass, in order. */
  private profiled: string[] | null = null;
  private bindGroups = new WeakMap<
    GPUComputePipeline,
    { layout: GPUBindGroupLayout; groups: Map<string, GPUBindGroup> }
  >();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private dimsBuffers = new Map<string, GPUBuffer>();
  private nextBufferId = 0;

  constructor(
    readonly device: GPUDevice,
    gpuAdapter: GPUAdapter,
  ) {
    this.adapter = describeAdapter(gpuAdapter);
    this.limits = device.limits;
    this.hasTimestamps = device.features.has('timestamp-query');
    device.lost.then((info) => {
      this.lost = info;
    });
    device.addEventListener('uncapturederror', (e) => {
      const err = (e as GPUUncapturedErrorEvent).error;
      this.uncaptured.push(`after kernel "${this.lastKernel}": ${err.message}`);
    });
  }

  /** Request a device with the adapter's real limits and the optional features t2lab uses. */
  static async fromAdapter(adapter: GPUAdapter, opts: GpuOptions = {}): Promise<Gpu> {
    const wanted: GPUFeatureName[] = ['subgroups', 'shader-f16'];
    if (opts.timestamps !== false) wanted.push('timestamp-query');
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
    const requiredLimits: Record<string, number> = {};
    for (const key of [
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupStorageSize',
      'maxComputeInvocationsPerWorkgroup',
      'maxComputeWorkgroupSizeX',
      'maxComputeWorkgroupSizeY',
      'maxComputeWorkgroupsPerDimension',
      'maxStorageBuffersPerShaderStage',
    ] as const) {
      requiredLimits[key] = adapter.limits[key];
    }
    const device = await adapter.requestDevice({
      label: 't2lab',
      requiredFeatures,
      requiredLimits,
    });
    return new Gpu(device, adapter);
  }

  // ---------------------------------------------------------------- kernels

  /** A compute pipeline for `src`, compiled once per distinct (file, defines, overrides). */
  pipeline(src: KernelSource): GPUComputePipeline {
    const key = `${src.file}|${JSON.stringify(src.defines ?? {})}|${JSON.stringify(src.overrides ?? {})}|${src.entryPoint ?? 'main'}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    const code =
      preprocess(src.file, src.code, src.defines) + (src.append ? `\n${src.append}` : '');
    const label = `${src.name} (${src.file.split('/').pop()})`;
    const t0 = performance.now();
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label, code });
    p = this.device.createComputePipeline({
      label,
      layout: 'auto',
      compute: { module, entryPoint: src.entryPoint ?? 'main', constants: src.overrides },
    });
    // Dawn builds the backend pipeline inside createComputePipeline (lavapipe: LLVM), so this is the compile.
    const ms = performance.now() - t0;
    this.compiled.pipelines++;
    this.compiled.ms += ms;
    const k = (this.compiled.byKernel[src.name] ??= { pipelines: 0, ms: 0 });
    k.pipelines++;
    k.ms += ms;
    this.pending.push(
      this.device.popErrorScope().then(async (err) => {
        if (!err) return null;
        const info = await module.getCompilationInfo();
        const messages = formatCompileMessages(
          src.file,
          code,
          info.messages.filter((m) => m.type === 'error'),
        );
        return `kernel "${src.name}" failed to build (${JSON.stringify(src.overrides ?? {})}):\n${messages || err.message}`;
      }),
    );
    this.pipelines.set(key, p);
    return p;
  }

  /** Record one dispatch into the open compute pass. Bindings are @binding(0..n-1) of group 0, in order. */
  dispatch(
    kernel: string,
    pipeline: GPUComputePipeline,
    bindings: (Tensor | GPUBuffer | null)[],
    workgroups: readonly [number, number?, number?],
  ): void {
    const [x, y = 1, z = 1] = workgroups;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max)
      throw new GpuError(
        `kernel "${kernel}": dispatch ${x}x${y}x${z} exceeds ${max} workgroups per dimension`,
      );
    if (x === 0 || y === 0 || z === 0) return;
    const bindGroup = this.bindGroup(kernel, pipeline, bindings);
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.pacer?.dispatched(performance.now());
    this.lastKernel = kernel;
    if (this.profiled) {
      this.profiled.push(kernel);
      this.commandEncoder(); // ends the pass: each dispatch gets its own begin and end timestamps
    }
  }

  /**
   * The bind group for these bindings, made once and reused: a training step binds the same buffers
   * every time, and creating ~40 bind groups per step was most of its CPU cost on small models.
   * Keyed by buffer identity, offset and size; each pipeline keeps at most BIND_GROUPS_PER_PIPELINE.
   */
  private bindGroup(
    kernel: string,
    pipeline: GPUComputePipeline,
    bindings: (Tensor | GPUBuffer | null)[],
  ): GPUBindGroup {
    let cache = this.bindGroups.get(pipeline);
    if (!cache)
      this.bindGroups.set(
        pipeline,
        (cache = { layout: pipeline.getBindGroupLayout(0), groups: new Map() }),
      );
    let key = '';
    for (const b of bindings)
      key +=
        b === null
          ? '-,'
          : 'buffer' in b
            ? `${this.bufferId(b.buffer)}@${b.offset}+${b.length},`
            : `${this.bufferId(b)},`;
    let group = cache.groups.get(key);
    if (!group) {
      if (cache.groups.size >= BIND_GROUPS_PER_PIPELINE) cache.groups.clear(); // buffers made per call (tests): no unbounded growth
      group = this.device.createBindGroup({
        label: kernel,
        layout: cache.layout,
        // A null is a binding number this variant of the kernel does not declare.
        entries: bindings.flatMap((b, binding) =>
          b === null
            ? []
            : 'buffer' in b
              ? { binding, resource: { buffer: b.buffer, offset: b.offset, size: b.length * 4 } }
              : { binding, resource: { buffer: b } },
        ),
      });
      cache.groups.set(key, group);
    }
    return group;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  /** 1-D workgroup grid for `n` workgroups, folded into y when x would exceed the per-dimension limit. */
  grid(n: number): [number, number] {
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (n <= max) return [n, 1];
    const y = Math.ceil(n / max);
    return [Math.ceil(n / y), y];
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder({ label: 't2lab step' });
      let timestampWrites: GPUComputePassTimestampWrites | undefined;
      if (this.timing) {
        const { querySet, next, capacity } = this.timing;
        if (next + 2 > capacity)
          throw new GpuError(
            `time(): the recording opened more than ${capacity / 2} compute passes`,
          );
        timestampWrites = {
          querySet,
          beginningOfPassWriteIndex: next,
          endOfPassWriteIndex: next + 1,
        };
        this.timing.next += 2;
      }
      this.pass = this.encoder.beginComputePass({ label: 't2lab step', timestampWrites });
    }
    return this.pass;
  }

  /** The open encoder with no pass open, for copies and timestamp passes. */
  commandEncoder(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder({ label: 't2lab step' });
    return this.encoder;
  }

  /** Submit everything recorded so far as one command buffer. */
  submit(): void {
    if (!this.encoder) return;
    const enc = this.commandEncoder();
    this.encoder = null;
    this.device.queue.submit([enc.finish()]);
  }

  /** Submit, wait for the GPU, and throw any build, validation or device-loss error, naming the kernel. */
  async sync(): Promise<void> {
    this.submit();
    await this.paced(() => this.device.queue.onSubmittedWorkDone());
    await this.throwErrors();
  }

  /** Wait for `start()`'s promise, first sleeping through most of the work's expected time (pacer). */
  private async paced<T>(start: () => Promise<T>): Promise<T> {
    const pacer = this.pacer;
    if (!pacer) return start();
    const ms = pacer.sleepMs(performance.now());
    let wokeAt: number | null = null;
    if (ms > 0) {
      await new Promise((r) => setTimeout(r, ms));
      wokeAt = performance.now();
    }
    try {
      return await start();
    } finally {
      // A wait that included a compile (a new pipeline's first dispatch, on lavapipe) is not learned from.
      if (this.compiled.pipelines !== this.pacedPipelines) pacer.reset();
      else pacer.done(performance.now(), wokeAt);
      this.pacedPipelines = this.compiled.pipelines;
    }
  }

  private async throwErrors(): Promise<void> {
    if (this.lost)
      throw new GpuDeviceLostError(
        `GPU device lost (${this.lost.reason}): ${this.lost.message || 'no message'}. Recreate the device and resume from the last checkpoint.`,
      );
    const built = (await Promise.all(this.pending.splice(0))).filter(
      (m): m is string => m !== null,
    );
    const errors = [...built, ...this.uncaptured.splice(0)];
    if (errors.length) throw new GpuError(errors.join('\n'));
  }

  // ---------------------------------------------------------------- tensors

  get alignment(): number {
    return this.limits.minStorageBufferOffsetAlignment;
  }

  /** A new zero-filled tensor of `length` floats (or holding `data`). */
  tensor(label: string, length: number, data?: ArrayLike<number>): Tensor {
    const size = Math.max(4, Math.ceil((length * 4) / 16) * 16);
    if (size > this.limits.maxStorageBufferBindingSize) {
      throw new GpuError(
        `tensor "${label}" needs ${size} bytes, over this adapter's maxStorageBufferBindingSize of ${this.limits.maxStorageBufferBindingSize}`,
      );
    }
    const buffer = this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const t: Tensor = { buffer, offset: 0, length, label };
    if (data) this.write(t, data);
    return t;
  }

  /** A tensor of u32 values (token ids, targets); `length` counts 4-byte elements as for floats. */
  tensorU32(label: string, data: Uint32Array): Tensor {
    const t = this.tensor(label, data.length);
    this.device.queue.writeBuffer(t.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return t;
  }

  /** A uniform buffer for values that change between steps (learning rate, step count). */
  uniform(label: string, bytes: number): GPUBuffer {
    return this.device.createBuffer({
      label,
      size: Math.ceil(bytes / 16) * 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /**
   * A uniform holding `values` as u32 (a kernel's shape letters, in the order of its WGSL `struct Dims`),
   * made once per distinct values and kept: a training step reuses the same few, and the bind-group cache
   * keys on buffer identity, so one buffer per shape keeps those hits too.
   */
  dims(values: readonly number[]): GPUBuffer {
    const key = values.join(',');
    let buf = this.dimsBuffers.get(key);
    if (!buf) {
      for (const v of values)
        if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 32))
          throw new GpuError(`dims: ${v} is not a u32 (values ${key})`);
      // Many shapes (a test sweeping sizes) only drop references; buffers already recorded stay valid.
      if (this.dimsBuffers.size >= 4096) this.dimsBuffers.clear();
      buf = this.uniform(`dims ${key}`, Math.max(16, 4 * values.length));
      this.device.queue.writeBuffer(buf, 0, new Uint32Array(values));
      this.dimsBuffers.set(key, buf);
    }
    return buf;
  }

  /** A view of `length` floats starting at float `start` of `t`; the byte offset must meet the binding alignment. */
  view(
    t: Tensor,
    start: number,
    length: number,
    label = `${t.label}[${start}:${start + length}]`,
  ): Tensor {
    const offset = t.offset + start * 4;
    if (offset % this.alignment !== 0)
      throw new GpuError(
        `view "${label}": byte offset ${offset} is not a multiple of ${this.alignment}`,
      );
    if (start + length > t.length)
      throw new GpuError(`view "${label}" runs past the end of "${t.label}" (${t.length} floats)`);
    return { buffer: t.buffer, offset, length, label };
  }

  write(t: Tensor, data: ArrayLike<number>, start = 0): void {
    if (start + data.length > t.length)
      throw new GpuError(
        `write of ${data.length} floats at ${start} overflows "${t.label}" (${t.length} floats)`,
      );
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    this.device.queue.writeBuffer(
      t.buffer,
      t.offset + start * 4,
      f.buffer,
      f.byteOffset,
      f.byteLength,
    );
  }

  /** Submit pending work and read `t` back as u32. */
  async readU32(t: Tensor): Promise<Uint32Array> {
    const f = await this.read(t);
    return new Uint32Array(f.buffer, f.byteOffset, f.length);
  }

  /** Submit pending work and read `t` back. */
  async read(t: Tensor): Promise<Float32Array> {
    const bytes = t.length * 4;
    const staging = this.device.createBuffer({
      label: `read ${t.label}`,
      size: Math.max(4, Math.ceil(bytes / 4) * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.commandEncoder().copyBufferToBuffer(t.buffer, t.offset, staging, 0, bytes);
    this.submit();
    try {
      await this.paced(() => staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      await this.throwErrors();
      throw e;
    }
    const out = new Float32Array(staging.getMappedRange().slice(0, bytes));
    staging.unmap();
    staging.destroy();
    await this.throwErrors();
    return out;
  }

  // ---------------------------------------------------------------- timing

  /**
   * Median GPU time of `record` in nanoseconds over `reps` timed repetitions, after `warmup` untimed ones.
   * Uses timestamp queries around a compute pass when the device has them, else the wall clock around
   * submit + onSubmittedWorkDone (which includes submission overhead). `clock` says which was used.
   */
  async time(
    record: () => void,
    reps = 5,
    warmup = 1,
  ): Promise<{ ns: number; clock: 'timestamp' | 'wall'; samples: number[] }> {
    return this.unpaced(() => this.timeUnpaced(record, reps, warmup));
  }

  /** Run `f` with the pacer off (a timing must not include a sleep), then let it forget what `f` dispatched. */
  async unpaced<T>(f: () => Promise<T>): Promise<T> {
    const pacer = this.pacer;
    this.pacer = null;
    try {
      return await f();
    } finally {
      this.pacer = pacer;
      pacer?.reset();
    }
  }

  private async timeUnpaced(
    record: () => void,
    reps: number,
    warmup: number,
  ): Promise<{ ns: number; clock: 'timestamp' | 'wall'; samples: number[] }> {
    for (let i = 0; i < warmup; i++) record();
    await this.sync();
    const samples: number[] = [];
    if (this.hasTimestamps) {
      // Every compute pass opened while timing gets begin/end timestamps (a recording may span several
      // passes, e.g. around clearBuffer); a repetition's time is its first begin to its last end.
      const spans: [number, number][] = [];
      const t = await this.timestamps(Math.min(4096, 256 * reps), (timing) => {
        for (let i = 0; i < reps; i++) {
          const first = timing.next;
          record();
          this.submit();
          if (timing.next > first) spans.push([first, timing.next - 1]);
        }
      });
      for (const [a, b] of spans) samples.push(Number(t[b]! - t[a]!));
      // Some drivers return zeros for timestamps they cannot honour; fall back to the wall clock.
      if (samples.some((s) => s > 0)) return { ns: median(samples), clock: 'timestamp', samples };
      samples.length = 0;
    }
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      record();
      await this.sync();
      samples.push((performance.now() - t0) * 1e6);
    }
    return { ns: median(samples), clock: 'wall', samples };
  }

  /**
   * The GPU time of every dispatch `record` makes, in order, from timestamp queries: each dispatch runs
   * in its own compute pass, so the figures include a pass boundary each (the step profile, not the
   * step's time). Empty without timestamp queries.
   */
  async profile(record: () => void): Promise<{ kernel: string; ns: number }[]> {
    return this.unpaced(() => this.profileUnpaced(record));
  }

  private async profileUnpaced(record: () => void): Promise<{ kernel: string; ns: number }[]> {
    await this.sync();
    if (!this.hasTimestamps) return [];
    const kernels: string[] = [];
    this.profiled = kernels;
    let t: BigInt64Array;
    try {
      t = await this.timestamps(4096, () => {
        record();
        this.submit();
      });
    } finally {
      this.profiled = null;
    }
    return kernels.map((kernel, i) => ({ kernel, ns: Number(t[2 * i + 1]! - t[2 * i]!) }));
  }

  /** Run `record` with a timestamp query set of `capacity` slots open, then resolve and read the slots used. */
  private async timestamps(
    capacity: number,
    record: (timing: { next: number }) => void,
  ): Promise<BigInt64Array> {
    const querySet = this.device.createQuerySet({
      label: 'time',
      type: 'timestamp',
      count: capacity,
    });
    const timing = (this.timing = { querySet, next: 0, capacity });
    try {
      record(timing);
    } finally {
      this.timing = null;
    }
    let out = new BigInt64Array(0);
    if (timing.next > 0) {
      const bytes = 8 * timing.next;
      const resolve = this.device.createBuffer({
        label: 'time resolve',
        size: bytes,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      const staging = this.device.createBuffer({
        label: 'time read',
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const enc = this.commandEncoder();
      enc.resolveQuerySet(querySet, 0, timing.next, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
      this.submit();
      await staging.mapAsync(GPUMapMode.READ);
      out = new BigInt64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      resolve.destroy();
      staging.destroy();
    }
    querySet.destroy();
    await this.throwErrors();
    return out;
  }

  destroy(): void {
    this.pipelines.clear();
    this.dimsBuffers.clear();
    this.bindGroups = new WeakMap();
    this.device.destroy();
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
