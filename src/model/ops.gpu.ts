// Ops on the WGSL kernels: every call records a dispatch into the Gpu's open command encoder; nothing
// here waits for the GPU except read().
import type { Gpu, Tensor } from '../gpu/context.ts';
import type { AdamwHyper, Ops } from './ops.ts';
import { matmul, matmul_backward_bias } from '../../kernels/matmul/matmul.ts';
import { encoder_backward, encoder_forward } from '../../kernels/encoder/encoder.ts';
import { layernorm_backward, layernorm_forward } from '../../kernels/layernorm/layernorm.ts';
import { attention_backward, attention_forward } from '../../kernels/attention/attention.ts';
import { gelu_backward, gelu_forward } from '../../kernels/gelu/gelu.ts';
import { residual_forward } from '../../kernels/residual/residual.ts';
import {
  crossentropy_backward,
  crossentropy_forward,
} from '../../kernels/crossentropy/crossentropy.ts';
import { global_norm } from '../../kernels/global_norm/global_norm.ts';
import {
  ADAMW_HYPER_BYTES,
  adamw_hyper,
  adamw_update,
  adamw_write_hyper,
} from '../../kernels/adamw/adamw.ts';
import { encoder_decode } from '../../kernels/encoder/encoder.ts';
import { attention_decode } from '../../kernels/attention_decode/attention_decode.ts';
import { sample, sample_params, sample_write_params } from '../../kernels/sample/sample.ts';

export function gpuOps(gpu: Gpu): Ops<Tensor> {
  let hyper: GPUBuffer | null = null;
  let sampling: GPUBuffer | null = null;
  const owned: GPUBuffer[] = [];
  return {
    align: gpu.alignment / 4,
    // Read once, when the model is built (its activation list depends on it): gpu.choices.matmul_gelu = 0
    // (`--kernels matmul_gelu:0`) keeps GELU as its own dispatches, for the profiler and comparisons.
    fuse_gelu: gpu.choices.matmul_gelu !== 0,
    alloc: (name, length) => {
      const t = gpu.tensor(name, length);
      owned.push(t.buffer);
      return t;
    },
    dispose: () => {
      for (const b of owned.splice(0)) b.destroy();
      hyper?.destroy();
      sampling?.destroy();
      hyper = sampling = null;
    },
    view: (t, start, length, name) => gpu.view(t, start, length, name),
    write: (t, data, start = 0) => gpu.write(t, data, start),
    writeU32: (t, data, start = 0) => {
      if (start + data.length > t.length)
        throw new Error(
          `writeU32 of ${data.length} values at ${start} overflows "${t.label}" (${t.length} floats)`,
        );
      gpu.device.queue.writeBuffer(
        t.buffer,
        t.offset + 4 * start,
        data.buffer,
        data.byteOffset,
        data.byteLength,
      );
    },
    read: async (t) => Float64Array.from(await gpu.read(t)),
    readU32: (t) => gpu.readU32(t),
    zero: (t) => gpu.commandEncoder().clearBuffer(t.buffer, t.offset, t.length * 4),
    matmul: (out, a, b, bias, M, K, N, flags) => matmul(gpu, out, a, b, bias, M, K, N, flags),
    matmul_backward_bias: (...a) => matmul_backward_bias(gpu, ...a),
    encoder_forward: (...a) => encoder_forward(gpu, ...a),
    encoder_backward: (...a) => encoder_backward(gpu, ...a),
    layernorm_forward: (...a) => layernorm_forward(gpu, ...a),
    layernorm_backward: (...a) => layernorm_backward(gpu, ...a),
    attention_forward: (...a) => attention_forward(gpu, ...a),
    attention_backward: (...a) => attention_backward(gpu, ...a),
    gelu_forward: (...a) => gelu_forward(gpu, ...a),
    gelu_backward: (...a) => gelu_backward(gpu, ...a),
    residual_forward: (...a) => residual_forward(gpu, ...a),
    crossentropy_forward: (...a) => crossentropy_forward(gpu, ...a),
    crossentropy_backward: (...a) => crossentropy_backward(gpu, ...a),
    global_norm: (norm, scratch, grads, n, max_norm, runs) =>
      global_norm(gpu, norm, scratch, grads, n, max_norm, runs),
    adamw_update: (params, grads, m, v, norm, h: AdamwHyper | AdamwHyper[], n, n_decay, runs) => {
      const R = runs?.R ?? 1;
      if (hyper && hyper.size < R * ADAMW_HYPER_BYTES) {
        hyper.destroy(); // steps already submitted keep it until they finish
        hyper = null;
      }
      hyper ??= adamw_hyper(gpu, R);
      // Written before this step's submit; one step per submit, so each step sees its own values.
      adamw_write_hyper(gpu, hyper, h);
      adamw_update(gpu, params, grads, m, v, norm, hyper, n, n_decay, runs);
    },
    encoder_decode: (...a) => encoder_decode(gpu, ...a),
    attention_decode: (...a) => attention_decode(gpu, ...a),
    sample: (tokens, generated, seqs, logits, p, S, V, maxNew, prefillT) => {
      sampling ??= sample_params(gpu);
      // Constant over a decode, so one buffer serves every step recorded before a submit.
      sample_write_params(gpu, sampling, p);
      sample(gpu, tokens, generated, seqs, logits, sampling, S, V, maxNew, { prefillT });
    },
  };
}
