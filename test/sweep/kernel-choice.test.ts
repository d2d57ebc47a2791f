// The kernel choice on a run's path: pins > overrides > a stored measurement > the adapter class's default,
// never a race. No device: a Gpu is faked from the facts the choice reads (adapter kind, subgroups).
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/context.ts';
import {
  KERNELS_STAMP,
  STORE_PREFIX,
  chooseKernelVersions,
  defaultKernels,
  defaultModelShapes,
  describeKernelChoice,
  memoryStore,
  shapesKey,
  type TuneRecord,
} from '../../src/sweep/kernel-choice.ts';
import { adapterKey } from '../../src/gpu/adapter.ts';
import { validateExperiment } from '../../src/sweep/experiment.ts';
import smoke from '../../experiments/smoke.ts';

function fakeGpu(kind: 'lavapipe' | 'swiftshader' | 'gpu'): Gpu {
  const software = kind !== 'gpu';
  return {
    adapter: {
      vendor: kind === 'gpu' ? 'nvidia' : 'mesa',
      architecture: '',
      device: kind,
      description: kind,
      software,
      subgroupSize: kind === 'swiftshader' ? '4' : kind === 'lavapipe' ? '8' : '32',
      features: ['subgroups'],
    },
    device: { features: new Set(['subgroups']) },
    choices: {},
  } as unknown as Gpu;
}

const record = (choices: Record<string, number>, kernels = KERNELS_STAMP): TuneRecord => ({
  choices,
  shapes: shapesKey(defaultModelShapes()),
  timings: [],
  rejected: [],
  clock: 'wall',
  measuredAt: '2026-12-01T00:00:00Z',
  kernels,
});

describe('the kernel choice of a run', () => {
  it('defaults by adapter class: lavapipe v4 rows=16 + attention v3, SwiftShader v2 + v2, a GPU v3 + v1', () => {
    expect(defaultKernels(fakeGpu('lavapipe'))).toEqual({
      matmul: 4,
      matmul_rows: 16,
      attention: 3,
    });
    expect(defaultKernels(fakeGpu('swiftshader'))).toEqual({ matmul: 2, attention: 2 });
    expect(defaultKernels(fakeGpu('gpu'))).toEqual({ matmul: 3, attention: 1 });
  });

  it('with nothing stored it is the default, the same in any fresh profile', async () => {
    const [a, b] = [fakeGpu('lavapipe'), fakeGpu('lavapipe')];
    const ca = await chooseKernelVersions(a, defaultModelShapes(), { store: memoryStore() });
    const cb = await chooseKernelVersions(b, defaultModelShapes(), { store: memoryStore() });
    expect(ca).toEqual(cb);
    expect(ca.source).toBe('default');
    expect(a.choices).toMatchObject({ matmul: 4, matmul_rows: 16, attention: 3 });
    expect(describeKernelChoice(ca, a)).toMatch(
      /^matmul v4 rows=16, attention v3 \(the default for a software adapter/,
    );
  });

  it('a stored measurement for these shapes wins over the default; one from other kernel code does not', async () => {
    const gpu = fakeGpu('lavapipe');
    const store = memoryStore();
    const key = STORE_PREFIX + adapterKey(gpu.adapter);
    const sk = shapesKey(defaultModelShapes());
    await store.set(
      key,
      JSON.stringify({ [sk]: record({ matmul: 4, matmul_rows: 8, attention: 3 }) }),
    );
    const c = await chooseKernelVersions(gpu, defaultModelShapes(), { store });
    expect(c).toMatchObject({ source: 'stored', choices: { matmul: 4, matmul_rows: 8 } });
    await store.set(key, JSON.stringify({ [sk]: record({ matmul: 2 }, 'old') }));
    expect((await chooseKernelVersions(gpu, defaultModelShapes(), { store })).source).toBe(
      'default',
    );
  });

  it('an override wins over the store, and pins win over both, kernel by kernel', async () => {
    const gpu = fakeGpu('lavapipe');
    const store = memoryStore();
    await store.set(
      STORE_PREFIX + adapterKey(gpu.adapter),
      JSON.stringify({
        [shapesKey(defaultModelShapes())]: record({ matmul: 4, matmul_rows: 24, attention: 3 }),
      }),
    );
    const o = await chooseKernelVersions(gpu, defaultModelShapes(), {
      store,
      overrides: { attention: 2 },
    });
    expect(o).toMatchObject({
      source: 'override',
      choices: { matmul: 4, matmul_rows: 24, attention: 2 },
    });
    const p = await chooseKernelVersions(gpu, defaultModelShapes(), {
      store,
      overrides: { attention: 2 },
      pins: { matmul: 2, attention: 3 },
    });
    expect(p).toMatchObject({ source: 'pinned', choices: { matmul: 2, attention: 3 } });
    expect(p.choices.matmul_rows).toBeUndefined(); // a tile means nothing off v4
    expect(gpu.choices.matmul_rows).toBeUndefined(); // nor does the previous run's tile linger
    // A pin of another kernel belongs to its experiment: the next run on the same device starts clean.
    await chooseKernelVersions(gpu, defaultModelShapes(), { pins: { layernorm_forward: 1 } });
    expect(gpu.choices.layernorm_forward).toBe(1);
    await chooseKernelVersions(gpu, defaultModelShapes(), {});
    expect(gpu.choices).toEqual(defaultKernels(gpu));
  });

  it("pinning 'default' takes the adapter class's defaults whatever was measured or overridden", async () => {
    const gpu = fakeGpu('lavapipe');
    const store = memoryStore();
    await store.set(
      STORE_PREFIX + adapterKey(gpu.adapter),
      JSON.stringify({ [shapesKey(defaultModelShapes())]: record({ matmul: 4, matmul_rows: 8 }) }),
    );
    const c = await chooseKernelVersions(gpu, defaultModelShapes(), {
      store,
      overrides: { attention: 2 },
      pins: 'default',
    });
    expect(c).toEqual({ source: 'pinned', choices: defaultKernels(gpu) });
    expect(describeKernelChoice(c, gpu)).toMatch(
      /pinned by the experiment: the default for a software/,
    );
    expect(validateExperiment({ ...smoke, kernels: 'default' }).kernels).toBe('default');
  });

  it('an experiment may pin kernels; a wrong version or name is refused when the file is read', () => {
    expect(
      validateExperiment({ ...smoke, kernels: { matmul: 4, matmul_rows: 8 } }).kernels,
    ).toEqual({
      matmul: 4,
      matmul_rows: 8,
    });
    expect(() => validateExperiment({ ...smoke, kernels: { matmul: 9 } })).toThrow(
      /kernels: matmul:9: no such version/,
    );
    expect(() => validateExperiment({ ...smoke, kernels: [4] })).toThrow(
      /"kernels" must be "default" or an object/,
    );
  });
});
