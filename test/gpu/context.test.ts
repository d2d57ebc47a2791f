// The Gpu context's per-step economy: bind groups are made once per distinct set of bindings and reused,
// and a reused bind group never hands a kernel the wrong buffer.
import { expect, it } from 'vitest';
import { residual_forward, residual_forward_kernel } from '../../kernels/residual/residual.ts';
import { describeGpu } from '../helpers.ts';

describeGpu('Gpu bind groups', (gpu) => {
  it('are created once per distinct bindings, and new buffers or views get their own', async () => {
    const n = 64;
    const a = gpu.tensor(
      'a',
      2 * n,
      Array.from({ length: 2 * n }, (_, i) => i),
    );
    const b = gpu.tensor('b', n, new Array(n).fill(1000));
    const out = gpu.tensor('out', n);
    const create = gpu.device.createBindGroup.bind(gpu.device);
    let made = 0;
    gpu.device.createBindGroup = (d) => (made++, create(d));
    try {
      for (let i = 0; i < 5; i++) residual_forward(gpu, out, a, b, n);
      expect(made).toBe(1);
      expect((await gpu.read(out))[3]).toBe(1003);

      residual_forward(gpu, out, gpu.view(a, n, n), b, n); // same buffer, another offset
      expect(made).toBe(2);
      expect((await gpu.read(out))[3]).toBe(1000 + n + 3);

      const b2 = gpu.tensor('b2', n, new Array(n).fill(-1)); // another buffer in the same place
      residual_forward(gpu, out, a, b2, n);
      expect(made).toBe(3);
      expect((await gpu.read(out))[3]).toBe(2);

      residual_forward(gpu, out, a, b, n); // the first set again: reused
      expect(made).toBe(3);
      expect((await gpu.read(out))[3]).toBe(1003);
    } finally {
      gpu.device.createBindGroup = create;
    }
  });
});

describeGpu('Gpu.profile', (gpu) => {
  it('times each dispatch in its own pass, in order, and leaves the results as an unprofiled run would', async () => {
    const n = 4096;
    const a = gpu.tensor('a', n, new Array(n).fill(1)),
      b = gpu.tensor('b', n, new Array(n).fill(2));
    const out = gpu.tensor('out', n),
      out2 = gpu.tensor('out2', n);
    const record = () => {
      residual_forward(gpu, out, a, b, n);
      residual_forward(gpu, out2, out, b, n); // reads the first's output: the passes keep their order
    };
    const rows = await gpu.profile(record);
    if (!gpu.hasTimestamps) return expect(rows).toEqual([]);
    const label = `residual_forward.v${residual_forward_kernel.version(gpu)}`; // the default version, which ran
    expect(rows.map((r) => r.kernel)).toEqual([label, label]);
    for (const r of rows) expect(r.ns).toBeGreaterThan(0);
    expect((await gpu.read(out2))[n - 1]).toBe(5);
    record(); // profiling is over: dispatches share one pass again, and time() still works
    expect((await gpu.time(record, 2, 0)).samples).toHaveLength(2);
  });
});
