// Getting a device in a browser or worker. The host passes its `navigator.gpu` in (or undefined when
// the browser has none), so this file touches no host globals.
import { Gpu, GpuError } from './context.ts';

export const NO_WEBGPU = `This browser has no WebGPU. Use a recent Chrome or Edge (113+), Safari 26+ or Firefox 141+.
On Linux, Chrome needs: chrome --enable-unsafe-webgpu --enable-features=Vulkan
Without a GPU, Chrome can still run WebGPU in software: add --use-webgpu-adapter=swiftshader (slow).`;

export async function createBrowserGpu(gpu: GPU | undefined): Promise<Gpu> {
  if (!gpu) throw new GpuError(NO_WEBGPU);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter)
    throw new GpuError(
      `WebGPU is present but offers no adapter (blocked GPU or driver).\n${NO_WEBGPU}`,
    );
  return Gpu.fromAdapter(adapter);
}
