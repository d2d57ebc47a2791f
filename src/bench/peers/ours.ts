// t2lab's side of the peer benchmark: the same cases on our kernels, with the kernel versions the
// autotuner picks for each case's shapes (read from the store after the first time).
import type { Gpu, Tensor } from '../../gpu/context.ts';
import { autotune, candidateName } from '../autotune.ts';
import {
  modelMatmulShapes,
  type ChoiceStore,
  type MatmulShape,
} from '../../sweep/kernel-choice.ts';
import { matmul } from '../../../kernels/matmul/matmul.ts';
import {
  attention_default_version,
  attention_forward,
} from '../../../kernels/attention/attention.ts';
import { gpuOps } from '../../model/ops.gpu.ts';
import { GPT } from '../../model/gpt.ts';
import { global_norm_partials } from '../../../kernels/global_norm/global_norm.ts';
import type { AttentionCase, Implementation, MatmulCase, Runner, TrainCase } from './types.ts';

export function ours(gpu: Gpu, store?: ChoiceStore): Implementation {
  const tune = async (shapes: MatmulShape[]) => {
    // Each row's race starts with no tile in use, so a tie on its shape goes to the fastest (autotune keeps
    // the tile in use within 10% to save compiles; a benchmark row wants its fastest kernel).
    const { matmul: _m, matmul_rows: _r, ...rest } = gpu.choices;
    gpu.choices = rest;
    const r = await autotune(gpu, shapes, { store });
    return candidateName({
      version: r.choices.matmul as 2,
      rows: r.choices.matmul_rows as 16 | undefined,
    });
  };
  return {
    name: 't2lab',
    version: 'this checkout',

    async matmul(c: MatmulCase): Promise<Runner> {
      const { M, K, N, transB } = c;
      const label = await tune([
        { M, K, N, transA: false, transB, bias: false, accumulate: false, count: 1 },
      ]);
      const out = gpu.tensor('out', M * N),
        a = gpu.tensor('a', M * K, c.a),
        b = gpu.tensor('b', K * N, c.b);
      return {
        label,
        run: () => {
          matmul(gpu, out, a, b, null, M, K, N, { transB });
          gpu.submit();
        },
        sync: () => gpu.sync(),
        result: () => gpu.read(out),
        dispose: () => [out, a, b].forEach((t) => t.buffer.destroy()),
      };
    },

    async attention(c: AttentionCase): Promise<Runner> {
      const { B, T, C, H } = c;
      const out = gpu.tensor('out', B * T * C),
        lse = gpu.tensor('lse', B * H * T),
        qkv = gpu.tensor('qkv', B * T * 3 * C, c.qkv);
      return {
        label: `v${attention_default_version(gpu)}`,
        run: () => {
          attention_forward(gpu, out, lse, qkv, B, T, C, H);
          gpu.submit();
        },
        sync: () => gpu.sync(),
        result: () => gpu.read(out),
        dispose: () => [out, lse, qkv].forEach((t) => t.buffer.destroy()),
      };
    },

    async trainStep(c: TrainCase): Promise<Runner> {
      const shape = { vocab_size: c.V, n_layer: c.L, n_embd: c.C, n_head: c.H, block_size: c.T };
      const label = await tune(modelMatmulShapes(shape, c.B));
      const ops = gpuOps(gpu);
      const model = new GPT<Tensor>(ops, shape, c.B);
      for (const p of c.params) {
        const t = model.params[p.name];
        if (!t) throw new Error(`ours: the model has no parameter "${p.name}"`);
        ops.write(t, p.data);
      }
      model.setBatch(Uint32Array.from(c.tokens), Uint32Array.from(c.targets));
      const n = model.nParamsFlat;
      const m = ops.alloc('adam_m', n),
        v = ops.alloc('adam_v', n),
        norm = ops.alloc('grad_norm', 2),
        scratch = ops.alloc('grad_norm_partials', global_norm_partials(n));
      let step = 0;
      return {
        label: `matmul ${label}`,
        run: () => {
          step++;
          model.forward();
          model.backward();
          ops.global_norm(norm, scratch, model.gradsFlat, n, c.maxNorm);
          ops.adamw_update(
            model.paramsFlat,
            model.gradsFlat,
            m,
            v,
            norm,
            {
              lr: c.lr,
              beta1: c.beta1,
              beta2: c.beta2,
              eps: c.eps,
              weightDecay: c.weightDecay,
              step,
            },
            n,
            model.nDecay,
          );
          gpu.submit();
        },
        sync: () => gpu.sync(),
        result: async () => {
          const losses = await gpu.read(model.acts.losses!);
          let s = 0;
          for (const x of losses) s += x;
          return Float32Array.of(s / losses.length);
        },
        dispose: () => ops.dispose(),
      };
    },

    dispose: () => {},
  };
}
