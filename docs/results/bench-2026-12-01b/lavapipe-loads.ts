// lavapipe's cost of one load per lane: 8 invocations each load a vec4f, ITER times in a loop, from a storage
// buffer, a texture (textureLoad) or a uniform buffer, against no load (none). Run from the repository root:
//   node --import tsx docs/results/bench-2026-12-01b/lavapipe-loads.ts
import { createNodeGpu } from '../../../src/node/gpu.ts';
const gpu = await createNodeGpu({});
const dev = gpu.device;
const W = 64, H = 1024; // texels
const tex = dev.createTexture({ size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
const data = new Float32Array(W * H * 4).map((_, i) => Math.sin(i));
dev.queue.writeTexture({ texture: tex }, data, { bytesPerRow: W * 16 }, [W, H]);
const sb = dev.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
dev.queue.writeBuffer(sb, 0, data);
const ub = dev.createBuffer({ size: 65536, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
dev.queue.writeBuffer(ub, 0, data.subarray(0, 16384));
const out = dev.createBuffer({ size: 4 * 8 * 65536, usage: GPUBufferUsage.STORAGE });
const ITER = 1024, WG = 4096;
const src = (body: string) => `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var t: texture_2d<f32>;
@group(0) @binding(2) var<storage, read> s: array<vec4f>;
@group(0) @binding(3) var<uniform> u: array<vec4f, 4096>;
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  var acc = vec4f(f32(lid.x));
  for (var k = 0u; k < ${ITER}u; k++) {
    let i = (wid.x * 8u + k * 8u + lid.x) & 65535u;
    ${body}
  }
  out[wid.x * 8u + lid.x] = acc.x + acc.y + acc.z + acc.w + textureLoad(t, vec2u(0u), 0).x * 0.0 + s[0].x * 0.0 + u[0].x * 0.0;
}`;
const bodies: Record<string, string> = {
  none: 'acc = acc * 0.999 + vec4f(0.5);',
  ssbo: 'acc += s[i];',
  tex: 'acc += textureLoad(t, vec2u(i & 63u, i >> 6u), 0);',
  ubo: 'acc += u[i & 4095u];',
  ssbo4: 'acc += s[i] + s[i ^ 1u] + s[i ^ 2u] + s[i ^ 3u];',
  tex4: 'acc += textureLoad(t, vec2u(i & 63u, i >> 6u), 0) + textureLoad(t, vec2u((i ^ 1u) & 63u, i >> 6u), 0) + textureLoad(t, vec2u((i ^ 2u) & 63u, i >> 6u), 0) + textureLoad(t, vec2u((i ^ 3u) & 63u, i >> 6u), 0);',
  ubo4: 'acc += u[i & 4095u] + u[(i ^ 1u) & 4095u] + u[(i ^ 2u) & 4095u] + u[(i ^ 3u) & 4095u];',
};
for (const round of [0, 1]) for (const [name, body] of Object.entries(bodies)) {
  const module = dev.createShaderModule({ code: src(body) });
  const pipe = dev.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bg = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: out } }, { binding: 1, resource: tex.createView() },
    { binding: 2, resource: { buffer: sb } }, { binding: 3, resource: { buffer: ub } }] });
  const run = async () => { const e = dev.createCommandEncoder(); const p = e.beginComputePass(); p.setPipeline(pipe); p.setBindGroup(0, bg); p.dispatchWorkgroups(WG); p.end(); dev.queue.submit([e.finish()]); await dev.queue.onSubmittedWorkDone(); };
  await run();
  let best = Infinity;
  for (let r = 0; r < 5; r++) { const t0 = performance.now(); await run(); best = Math.min(best, performance.now() - t0); }
  if (round) console.log(name.padEnd(6), best.toFixed(1), 'ms', ((best * 1e6) / (ITER * WG)).toFixed(2), 'ns/iter');
}
process.exit(0);
