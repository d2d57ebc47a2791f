// Ops on the float64 CPU references: slow, obviously right, the model's root of trust. A pack (Runs) is
// each run's reference call in turn, every tensor advanced by its run stride.
import type { Ops, Runs } from './ops.ts';
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
import { SEQ_STRIDE } from '../../kernels/sample/seqs.ts';

/** `fuse_gelu`: take the model's fused GELU path (the matmul references with their GELU epilogues), as the GPU does by default. */
export function cpuOps(opts: { fuse_gelu?: boolean } = {}): Ops<Float64Array> {
  return {
    align: 1,
    fuse_gelu: opts.fuse_gelu ?? true,
    alloc: (_name, length) => new Float64Array(length),
    view: (t, start, length) => t.subarray(start, start + length),
    write: (t, data, start = 0) =>
      t.set(
        data instanceof Float32Array || data instanceof Float64Array ? data : Array.from(data),
        start,
      ),
    writeU32: (t, data, start = 0) => t.set(data, start),
    read: async (t) => Float64Array.from(t),
    readU32: async (t) => Uint32Array.from(t),
    zero: (t) => t.fill(0),
    dispose: () => {},
    matmul: (out, a, b, bias, M, K, N, flags = {}) => {
      const s = flags.runs ?? { R: 1, a: 0, b: 0, out: 0, bias: 0 };
      eachRun(s.R, (at) =>
        matmul.matmul(at(out, s.out), at(a, s.a), at(b, s.b), bias && at(bias, s.bias), M, K, N, {
          ...flags,
          gelu_out: flags.gelu_out && at(flags.gelu_out, s.out),
          gelu_inp: flags.gelu_inp && at(flags.gelu_inp, s.out),
        }),
      );
    },
    matmul_backward_bias: (dbias, dy, M, N, runs = ONE) =>
      eachRun(runs.R, (at) => matmul.matmul_backward_bias(at(dbias, runs.P), at(dy, M * N), M, N)),
    encoder_forward: (out, tokens, wte, wpe, B, T, C, runs = ONE) =>
      eachRun(runs.R, (at) =>
        encoder.encoder_forward(
          at(out, B * T * C),
          at(tokens, B * T),
          at(wte, runs.P),
          at(wpe, runs.P),
          B,
          T,
          C,
        ),
      ),
    encoder_backward: (dwte, dwpe, dout, tokens, B, T, C, V, runs = ONE) =>
      eachRun(runs.R, (at) =>
        encoder.encoder_backward(
          at(dwte, runs.P),
          at(dwpe, runs.P),
          at(dout, B * T * C),
          at(tokens, B * T),
          B,
          T,
          C,
          V,
        ),
      ),
    layernorm_forward: (out, mean, rstd, inp, weight, bias, N, C, runs = ONE) =>
      eachRun(runs.R, (at) =>
        layernorm.layernorm_forward(
          at(out, N * C),
          at(mean, N),
          at(rstd, N),
          at(inp, N * C),
          at(weight, runs.P),
          at(bias, runs.P),
          N,
          C,
        ),
      ),
    layernorm_backward: (dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C, runs = ONE) =>
      eachRun(runs.R, (at) =>
        layernorm.layernorm_backward(
          at(dinp, N * C),
          at(dweight, runs.P),
          at(dbias, runs.P),
          at(dout, N * C),
          at(inp, N * C),
          at(weight, runs.P),
          at(mean, N),
          at(rstd, N),
          N,
          C,
        ),
      ),
    attention_forward: attention.attention_forward,
    attention_backward: attention.attention_backward,
    gelu_forward: gelu.gelu_forward,
    gelu_backward: gelu.gelu_backward,
    residual_forward: residual.residual_forward,
    crossentropy_forward: crossentropy.crossentropy_forward,
    crossentropy_backward: crossentropy.crossentropy_backward,
    global_norm: (norm, scratch, grads, n, max_norm, runs = ONE) =>
      eachRun(runs.R, (at) =>
        global_norm.global_norm(at(norm, 2), scratch, at(grads, runs.P), n, max_norm),
      ),
    adamw_update: (params, grads, m, v, norm, hyper, n, n_decay, runs = ONE) =>
      eachRun(runs.R, (at, r) =>
        adamw.adamw_update(
          at(params, runs.P),
          at(grads, runs.P),
          at(m, runs.P),
          at(v, runs.P),
          at(norm, 2),
          Array.isArray(hyper) ? hyper[r]! : hyper,
          n,
          n_decay,
        ),
      ),
    encoder_decode: (out, tokens, seqs, wte, wpe, S, C, runs = ONE) =>
      eachRun(runs.R, (at) =>
        encoder.encoder_decode(
          at(out, S * C),
          at(tokens, S),
          at(seqs, S * SEQ_STRIDE),
          at(wte, runs.P),
          at(wpe, runs.P),
          S,
          C,
        ),
      ),
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

const ONE: Runs = { R: 1, P: 0 };

/** Call `f` for each run r of a pack with `at(t, stride)`: t from run r's start, r·stride floats in. */
function eachRun(
  R: number,
  f: (at: (t: Float64Array, stride: number) => Float64Array, r: number) => void,
): void {
  for (let r = 0; r < R; r++) f((t, stride) => t.subarray(r * stride), r);
}
