// What the user is running on, in words: vendor, architecture, whether it is a software rasteriser,
// and the features and limits that decide kernel choices.

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of WebGPU (SwiftShader, lavapipe/llvmpipe, WARP): 2–4 orders of magnitude slower. */
  software: boolean;
  features: string[];
  subgroupSize: string; // "min-max", or "" when unknown
  maxWorkgroupSize: number;
  maxWorkgroupStorage: number;
  maxStorageBinding: number;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|warp|basic render|microsoft basic/i;

export function describeAdapter(a: GPUAdapter): AdapterSummary {
  const info = a.info as GPUAdapterInfo & {
    isFallbackAdapter?: boolean;
    subgroupMinSize?: number;
    subgroupMaxSize?: number;
    description?: string;
  };
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description ?? ''}`;
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    device: info.device || '',
    description: info.description ?? '',
    software: Boolean(info.isFallbackAdapter) || SOFTWARE.test(text),
    features: [...a.features].sort(),
    subgroupSize: info.subgroupMinSize ? `${info.subgroupMinSize}-${info.subgroupMaxSize}` : '',
    maxWorkgroupSize: a.limits.maxComputeInvocationsPerWorkgroup,
    maxWorkgroupStorage: a.limits.maxComputeWorkgroupStorageSize,
    maxStorageBinding: a.limits.maxStorageBufferBindingSize,
  };
}

/** One line naming the adapter, with a plain warning for software ones. */
export function adapterLine(s: AdapterSummary): string {
  const name = [s.vendor, s.architecture, s.description || s.device].filter(Boolean).join(' / ');
  return s.software
    ? `${name}  [SOFTWARE adapter: runs on the CPU, expect 100-10000x slower than a GPU]`
    : name;
}

/** A stable key for caching per-adapter choices (kernel versions, tile sizes). */
export function adapterKey(s: AdapterSummary): string {
  return `${s.vendor}|${s.architecture}|${s.device}|${s.description}`;
}
