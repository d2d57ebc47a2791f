// Ops on the float64 CPU references: slow, obviously right, the model's root of trust.
import type { Ops } from './ops.ts';
import * as matmul from '../../kernels/matmul/matmul.cpu.ts';
import * as encoder from '../../kernels/encoder/encoder.cpu.ts';
import * as layernorm from '../../kernels/layernorm/layernorm.cpu.ts';
import * as attention from '../../kernels/attention/attention.cpu.ts';
import * as gelu from '../../kernels/gelu/gelu.cpu.ts';
import * as residual from '../../kernels/residual/residual.cpu.ts';
import * as crossentropy from '../../kernels/crossentropy/crossentropy.cpu.ts';
import * as global_norm from '../../kernels/global_norm/global_norm.cpu.ts';
import * as adamw from '../../kernels/adamw/adamw.cpu.ts';
import * as attention_decode from '../../kernels/attention_decode/attention_decode.cpu.ts';
import * as sample from '../../kernels/sample/sample.cpu.ts';

/** `fuse_gelu`: take the model's fused GELU path (the matmul references with their GELU epilogues), as the GPU does by default. */
export function cpuOps(opts: { fuse_gelu?: boolean } = {}): Ops<Float64Array> {
  return {
    align: 1,
    fuse_gelu: opts.fuse_gelu ?? true,
    alloc: (_name, length) => new Float64Array(length),
    view: (t, start, length) => t.subarray(start, start + length),
    write: (t, data) =>
      t.set(data instanceof Float32Array || data instanceof Float64Array ? data : Array.from(data)),
    writeU32: (t, data) => t.set(data),
    read: async (t) => Float64Array.from(t),
    readU32: async (t) => Uint32Array.from(t),
    zero: (t) => t.fill(0),
    dispose: () => {},
    matmul: (out, a, b, bias, M, K, N, flags) => matmul.matmul(out, a, b, bias, M, K, N, flags),
    matmul_backward_bias: matmul.matmul_backward_bias,
    encoder_forward: encoder.encoder_forward,
    encoder_backward: encoder.encoder_backward,
    layernorm_forward: layernorm.layernorm_forward,
    layernorm_backward: layernorm.layernorm_backward,
    attention_forward: attention.attention_forward,
    attention_backward: attention.attention_backward,
    gelu_forward: gelu.gelu_forward,
    gelu_backward: gelu.gelu_backward,
    residual_forward: residual.residual_forward,
    crossentropy_forward: crossentropy.crossentropy_forward,
    crossentropy_backward: crossentropy.crossentropy_backward,
    global_norm: (norm, scratch, grads, n, max_norm) =>
      global_norm.global_norm(norm, scratch, grads, n, max_norm),
    adamw_update: adamw.adamw_update,
    encoder_decode: encoder.encoder_decode,
    attention_decode: attention_decode.attention_decode,
    sample: (tokens, generated, seqs, logits, p, S, V, maxNew, prefillT) => {
      // The reference works on u32 arrays; this backend keeps every tensor as float64.
      const [t, g, q] = [tokens, generated, seqs].map((x) => Uint32Array.from(x)) as [
        Uint32Array,
        Uint32Array,
        Uint32Array,
      ];
      sample.sample(t, g, q, logits, p, S, V, maxNew, { prefillT });
      tokens.set(t);
      generated.set(g);
      seqs.set(q);
    },
  };
}
