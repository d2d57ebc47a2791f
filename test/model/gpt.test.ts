// The twin test (micrograd/llm.c style): the same GPT through the GPU kernels and the float64 CPU
// references, every activation and gradient compared by name; then the GPU model must overfit a batch.
import { describe, expect, it } from 'vitest';
import { GPT, paramCount, paramLayout, trainingFlopsPerToken } from '../../src/model/gpt.ts';
import { cpuOps } from '../../src/model/ops.cpu.ts';
import { gpuOps } from '../../src/model/ops.gpu.ts';
import { TrainStream } from '../../src/data/stream.ts';
import { VOCAB_SIZE } from '../../src/data/tokenizer.ts';
import type { ModelShape } from '../../src/config.ts';
import { describeGpu, expectClose } from '../helpers.ts';

const shape: ModelShape = {
  vocab_size: VOCAB_SIZE,
  n_layer: 2,
  n_embd: 32,
  n_head: 2,
  block_size: 16,
};
const B = 2;

function batch(seed = 7) {
  return new TrainStream({ seed, mix: { add: 1, chain: 1 } }).nextBatch(B, shape.block_size);
}

/** |got − want| <= 1e-4·max|want| + 1e-6: float32 kernels against float64, scaled to each tensor. */
function expectTensorClose(got: Float64Array, want: Float64Array, name: string) {
  let scale = 0;
  for (const x of want) scale = Math.max(scale, Math.abs(x));
  expect(scale, `${name} is all zeros: the comparison would be vacuous`).toBeGreaterThan(0);
  expectClose(got, want, 1e-4 * scale + 1e-6, 0, name);
}

describeGpu('GPT: GPU kernels against CPU references', (gpu) => {
  // Both GELU paths: in the fc matmuls' epilogues (the default) and as the gelu kernels (matmul_gelu:0).
  for (const fuse of [true, false])
    it(`loss, every activation and every parameter gradient match by name (GELU ${fuse ? 'in the matmul epilogues' : 'as its own kernels'})`, async () => {
      const saved = gpu.choices;
      gpu.choices = { ...saved, matmul_gelu: fuse ? 1 : 0 };
      const ops = gpuOps(gpu);
      gpu.choices = saved;
      const cpu = new GPT(cpuOps({ fuse_gelu: fuse }), shape, B);
      const gpuModel = new GPT(ops, shape, B);
      expect(gpuModel.fuseGelu).toBe(fuse);
      // The fused path never stores d(fch_gelu); the unfused one does, and the comparison covers it.
      expect('dfch_gelu' in gpuModel.dacts).toBe(!fuse);
      expect(Object.keys(gpuModel.dacts).sort()).toEqual(Object.keys(cpu.dacts).sort());
      const { inputs, targets } = batch();
      // The same float32 initial values on both backends.
      const init = gpuModel.init(42);
      const cpuFlat = new Float64Array(cpu.nParamsFlat);
      for (const p of cpu.specs) {
        const g = gpuModel.specs.find((s) => s.name === p.name)!;
        cpuFlat.set(init.subarray(g.offset, g.offset + g.length), p.offset);
      }
      cpu.ops.write(cpu.paramsFlat, cpuFlat);
      for (const m of [cpu, gpuModel] as const) {
        (m as GPT<unknown>).setBatch(inputs, targets);
        (m as GPT<unknown>).forward();
        (m as GPT<unknown>).backward();
      }
      const names = Object.keys(cpu.acts);
      expect(names.length).toBeGreaterThan(20);
      for (const name of names)
        expectTensorClose(
          await gpuModel.ops.read(gpuModel.acts[name]!),
          cpu.acts[name]!,
          `activation ${name}`,
        );
      for (const name of Object.keys(cpu.dacts)) {
        if (name === 'attn_scratch') continue; // scratch, not a gradient
        expectTensorClose(
          await gpuModel.ops.read(gpuModel.dacts[name]!),
          cpu.dacts[name]!,
          `activation gradient ${name} (last layer written)`,
        );
      }
      for (const p of cpu.specs)
        expectTensorClose(
          await gpuModel.ops.read(gpuModel.grads[p.name]!),
          cpu.grads[p.name]!,
          `gradient of ${p.name}`,
        );
      // The untrained loss is near ln(V): the model starts uniform.
      const losses = cpu.acts.losses!;
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
      expect(mean).toBeGreaterThan(0.8 * Math.log(VOCAB_SIZE));
      expect(mean).toBeLessThan(1.2 * Math.log(VOCAB_SIZE));
      ops.dispose();
    });
});

describe('GPT: the CPU model against finite differences', () => {
  for (const fuse of [true, false])
    it(`gradients of the mean loss match central differences for sampled parameters of every tensor (GELU ${fuse ? 'fused' : 'unfused'})`, async () => {
      // The twin test cannot see a wiring bug in gpt.ts (both backends share it); this can.
      const small: ModelShape = {
        vocab_size: VOCAB_SIZE,
        n_layer: 2,
        n_embd: 8,
        n_head: 2,
        block_size: 6,
      };
      const model = new GPT(cpuOps({ fuse_gelu: fuse }), small, 2);
      model.init(3);
      // Non-trivial biases and gains, so their gradients are exercised away from the initial values.
      const flat = model.paramsFlat;
      for (let i = model.nDecay; i < flat.length; i++) flat[i] = flat[i]! + 0.1 * Math.sin(i);
      const { inputs, targets } = new TrainStream({ seed: 5, mix: { add: 1 } }).nextBatch(2, 6);
      model.setBatch(inputs, targets);
      const loss = () => {
        model.forward();
        return model.acts.losses!.reduce((a, b) => a + b, 0) / targets.length;
      };
      loss();
      model.backward();
      const grads = Float64Array.from(model.gradsFlat);
      for (const p of model.specs) {
        for (const j of [0, Math.floor(p.length / 2), p.length - 1]) {
          const i = p.offset + j;
          const x0 = flat[i]!;
          flat[i] = x0 + 1e-5;
          const lp = loss();
          flat[i] = x0 - 1e-5;
          const lm = loss();
          flat[i] = x0;
          const fd = (lp - lm) / 2e-5;
          expect(
            Math.abs(grads[i]! - fd),
            `d loss / d ${p.name}[${j}]: backward ${grads[i]}, finite difference ${fd}`,
          ).toBeLessThan(1e-7 + 1e-5 * Math.abs(fd));
        }
      }
    });
});

describe('GPT: shape and accounting', () => {
  it('counts parameters with and without embeddings; the tied unembedding is counted once', () => {
    const { total, nonEmbedding } = paramCount(shape);
    const C = shape.n_embd,
      L = shape.n_layer;
    expect(nonEmbedding).toBe(L * (12 * C * C + 13 * C) + 2 * C);
    expect(total - nonEmbedding).toBe(VOCAB_SIZE * C + shape.block_size * C);
  });

  it('lays decayed tensors first, each aligned', () => {
    const { specs, nDecay } = paramLayout(shape, 64);
    for (const p of specs) {
      expect(p.offset % 64).toBe(0);
      expect(p.decay).toBe(p.offset < nDecay);
      expect(p.decay).toBe(p.shape.length === 2);
    }
  });

  it('training FLOPs per token exceed 6N at toy scale (unembedding and attention)', () => {
    expect(trainingFlopsPerToken(shape)).toBeGreaterThan(6 * paramCount(shape).nonEmbedding);
  });
});

// A pack (src/gpu/kernel.ts, Runs): R models of one shape in the same dispatches. Each run's losses and
// gradients must be the very bits it computes alone, on awkward sizes (odd B·T, C not a multiple of 4),
// with each run its own seed and batch, and with the top run left out (active < runs), as when it finishes.
describeGpu('GPT packed: each run computes what it computes alone, bit for bit', (gpu) => {
  const odd: ModelShape = {
    vocab_size: VOCAB_SIZE,
    n_layer: 2,
    n_embd: 18,
    n_head: 3,
    block_size: 7,
  };
  const Bodd = 3;
  const oddBatch = (seed: number) =>
    new TrainStream({ seed, mix: { add: 1, chain: 1 } }).nextBatch(Bodd, odd.block_size);

  async function alone(seed: number) {
    const m = new GPT(gpuOps(gpu), odd, Bodd);
    m.init(100 + seed);
    const { inputs, targets } = oddBatch(seed);
    m.setBatch(inputs, targets);
    m.forward();
    m.backward();
    const out = { losses: await gpu.read(m.acts.losses!), grads: await gpu.read(m.gradsFlat) };
    m.ops.dispose();
    return out;
  }

  // The default versions, then v1 of the small kernels with parameters and of residual, then every other
  // attention version (a pack uses whatever alone uses; the parameter-free kernels see one bigger batch).
  const V1 = {
    encoder_forward: 1,
    encoder_backward: 1,
    layernorm_forward: 1,
    layernorm_backward: 1,
    residual_forward: 1,
  } as const;
  const variants: [number, string, Partial<typeof gpu.choices>][] = [
    [3, '', {}],
    [2, '', {}],
    [3, ', encoder, layernorm and residual v1', V1],
    ...([1, 2, 4] as const).map((v): [number, string, Partial<typeof gpu.choices>] => [
      3,
      `, attention v${v}`,
      { attention: v },
    ]),
  ];
  for (const [active, what, choices] of variants)
    it(`R=3 runs, ${active} active${what}: losses and every gradient equal each run alone`, async () => {
      const saved = gpu.choices;
      gpu.choices = { ...saved, ...choices };
      try {
        const ops = gpuOps(gpu);
        const pack = new GPT(ops, odd, Bodd, undefined, 3);
        for (let r = 0; r < 3; r++) {
          pack.init(100 + r, r);
          const { inputs, targets } = oddBatch(r);
          pack.setBatch(inputs, targets, r);
        }
        pack.active = active;
        pack.forward();
        pack.backward();
        const losses = await gpu.read(pack.acts.losses!);
        const grads = await gpu.read(pack.gradsFlat);
        const BT = Bodd * odd.block_size,
          P = pack.nParamsFlat;
        for (let r = 0; r < active; r++) {
          const want = await alone(r);
          expect(losses.subarray(r * BT, (r + 1) * BT), `run ${r} losses`).toEqual(want.losses);
          expect(grads.subarray(r * P, (r + 1) * P), `run ${r} gradients`).toEqual(want.grads);
        }
        ops.dispose();
      } finally {
        gpu.choices = saved;
      }
    });

  it('the CPU references run a pack too: each run as alone, to the last bit of float64', async () => {
    const pack = new GPT(cpuOps(), odd, Bodd, undefined, 2);
    const alone = [0, 1].map(() => new GPT(cpuOps(), odd, Bodd));
    for (let r = 0; r < 2; r++) {
      const { inputs, targets } = oddBatch(r);
      pack.init(100 + r, r);
      pack.setBatch(inputs, targets, r);
      alone[r]!.init(100 + r);
      alone[r]!.setBatch(inputs, targets);
      alone[r]!.forward();
      alone[r]!.backward();
    }
    pack.forward();
    pack.backward();
    const P = pack.nParamsFlat,
      BT = Bodd * odd.block_size;
    for (let r = 0; r < 2; r++) {
      expect(pack.acts.losses!.subarray(r * BT, (r + 1) * BT)).toEqual(alone[r]!.acts.losses);
      expect(pack.gradsFlat.subarray(r * P, (r + 1) * P)).toEqual(alone[r]!.gradsFlat);
    }
  });
});
