// The Node adapter: the only file that imports the `webgpu` package (Dawn). It finds a hardware
// adapter when there is one and otherwise falls back, by itself, to a software Vulkan driver
// (lavapipe from Mesa >= 24, or the SwiftShader inside Debian's Chromium).
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { Gpu, GpuError, type GpuOptions } from '../gpu/context.ts';
import { describeAdapter } from '../gpu/adapter.ts';
import { WaitPacer } from '../gpu/pace.ts';

Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... as in a browser

export type AdapterChoice = 'auto' | 'hardware' | 'lavapipe' | 'swiftshader' | 'null';
export const ADAPTER_CHOICES: readonly AdapterChoice[] = [
  'auto',
  'hardware',
  'lavapipe',
  'swiftshader',
  'null',
];

/** Software Vulkan drivers Dawn accepts, best first, with their ICD manifests. */
const SOFTWARE_ICDS = [
  {
    name: 'lavapipe',
    files: [
      '/usr/share/vulkan/icd.d/lvp_icd.json',
      '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json',
      '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json',
    ],
  },
  {
    name: 'swiftshader',
    files: [
      '/usr/lib/chromium/vk_swiftshader_icd.json',
      '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
    ],
  },
] as const;

// The set-up script's path as the user would type it (a clone: bin/setup.sh; an installed package: its own copy).
const SETUP =
  relative(process.cwd(), fileURLToPath(new URL('../../bin/setup.sh', import.meta.url))) ||
  'bin/setup.sh';
const INSTALL_HINT = `No WebGPU adapter was found. t2lab needs a GPU with a Vulkan driver, or a software Vulkan driver.
  Debian 12, no GPU:  sudo bash ${SETUP}    # lavapipe from bookworm-backports and chromium, each step printed
  by hand:    echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo tee /etc/apt/sources.list.d/backports.list
              sudo apt-get update && sudo apt-get install -t bookworm-backports mesa-vulkan-drivers   # lavapipe (Mesa >= 24)
  or:         sudo apt-get install chromium                                                          # ships SwiftShader
  Ubuntu 24.04 and newer: sudo apt-get install mesa-vulkan-drivers
(Mesa older than 24 has a lavapipe that Dawn rejects.)`;

/** No adapter at all, hardware or software: what the CLI answers by offering the set-up script (src/node/setup.ts). */
export class NoAdapterError extends GpuError {
  override name = 'NoAdapterError';
}

export interface NodeGpuOptions extends GpuOptions {
  /** Which adapter: 'auto' (hardware, else software fallback), or force one. Env T2LAB_ADAPTER sets the default. */
  adapter?: AdapterChoice;
}

// Dawn instances must stay referenced while their devices live.
const instances: GPU[] = [];

async function tryAdapter(flags: string[], icd?: string): Promise<GPUAdapter | null> {
  const saved = process.env.VK_ICD_FILENAMES;
  if (icd) process.env.VK_ICD_FILENAMES = icd;
  try {
    const instance = create(flags);
    const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) instances.push(instance);
    return adapter;
  } catch {
    return null;
  } finally {
    if (icd) {
      if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = saved;
    }
  }
}

async function findAdapter(choice: AdapterChoice): Promise<GPUAdapter> {
  // Unquantized timestamps: Dawn rounds them to 100 µs otherwise, useless for small kernels.
  const flags = ['disable-dawn-features=timestamp_quantization'];
  if (choice === 'null') {
    const a = await tryAdapter([...flags, 'backend=null']);
    if (!a) throw new GpuError('Dawn has no null backend in this build');
    return a;
  }
  if (choice === 'auto' || choice === 'hardware') {
    const a = await tryAdapter(flags);
    if (a && !describeAdapter(a).software) return a;
    if (choice === 'hardware')
      throw new GpuError(
        `No hardware GPU adapter found${a ? ` (only the software ${describeAdapter(a).description})` : ''}. Use --adapter=auto to allow a software fallback.`,
      );
    if (a) return a; // a software driver registered system-wide (e.g. lavapipe)
  }
  for (const icd of SOFTWARE_ICDS) {
    if (choice !== 'auto' && choice !== icd.name) continue;
    for (const file of icd.files) {
      if (!existsSync(file)) continue;
      const a = await tryAdapter(flags, file);
      if (a) return a;
    }
    if (choice === icd.name)
      throw new GpuError(
        `The ${icd.name} Vulkan driver was not found or was rejected by Dawn (looked for ${icd.files.join(', ')}).\n${INSTALL_HINT}`,
      );
  }
  throw new NoAdapterError(INSTALL_HINT);
}

/** A Gpu in Node: hardware when present, else a software Vulkan driver; errors say what to install. */
export async function createNodeGpu(opts: NodeGpuOptions = {}): Promise<Gpu> {
  const env = process.env.T2LAB_ADAPTER as AdapterChoice | undefined;
  if (env && !ADAPTER_CHOICES.includes(env))
    throw new GpuError(`T2LAB_ADAPTER=${env} is not one of ${ADAPTER_CHOICES.join(', ')}`);
  const adapter = await findAdapter(opts.adapter ?? env ?? 'auto');
  const gpu = await Gpu.fromAdapter(adapter, opts);
  // dawn.node polls the event loop while a wait is pending: a CPU core a software adapter runs on.
  if (gpu.adapter.software) gpu.pacer = new WaitPacer();
  return gpu;
}
