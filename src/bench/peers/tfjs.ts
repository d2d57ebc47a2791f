// TensorFlow.js (@tensorflow/tfjs-core with the WebGPU backend) on the peer benchmark's cases, in
// TF.js's own idiom: eager ops, tf.tidy for intermediates, tf.variableGrads for the backward, AdamW
// written with its ops (tfjs-core's optimizers have no decoupled weight decay).
import type { AttentionCase, Implementation, MatmulCase, Runner, TrainCase } from './types.ts';

type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Variable = import('@tensorflow/tfjs-core').Variable;

/** What the WebGPU backend needs to flush and wait (not in tfjs-core's types). */
interface WebGpuBackend {
  device: GPUDevice;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

let models = 0; // variable names are global in TF.js: each model's get a fresh prefix

/** The TF.js implementation, on the adapter the host's WebGPU entry point gives (the host sets it up). */
export async function tfjs(): Promise<Implementation> {
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    // Gradients are registered by the @tensorflow/tfjs bundle, not by tfjs-core: do what it does.
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  } catch (e) {
    throw new Error(
      `the peer benchmark needs @tensorflow/tfjs-core and @tensorflow/tfjs-backend-webgpu (devDependencies; run npm install): ${(e as Error).message}`,
    );
  }
  if (!(await tf.setBackend('webgpu')))
    throw new Error(
      'TF.js could not start its WebGPU backend (the WebGPU entry point the host provides gave no adapter)',
    );
  await tf.ready();
  const backend = tf.backend() as unknown as WebGpuBackend;
  // Submit what TF.js has recorded and wait for the device, without reading anything back.
  const sync = async () => {
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    await backend.device.queue.onSubmittedWorkDone();
  };

  function runner(f: () => Tensor, inputs: Tensor[]): Runner {
    let last: Tensor | null = null;
    return {
      run: () => {
        last?.dispose();
        last = f();
      },
      sync,
      result: async () => Float32Array.from((await last!.data()) as Float32Array),
      dispose: () => {
        last?.dispose();
        tf.dispose(inputs);
      },
    };
  }

  return {
    name: 'tfjs',
    version: tf.version_core,

    async matmul(c: MatmulCase): Promise<Runner> {
      const a = tf.tensor2d(c.a, [c.M, c.K]);
      const b = tf.tensor2d(c.b, c.transB ? [c.N, c.K] : [c.K, c.N]);
      return runner(() => tf.matMul(a, b, false, c.transB), [a, b]);
    },

    async attention(c: AttentionCase): Promise<Runner> {
      const { B, T, C, H } = c;
      const hs = C / H;
      const qkv = tf.tensor3d(c.qkv, [B, T, 3 * C]);
      const mask = causalMask(tf, T);
      return runner(() => tf.tidy(() => attention(tf, qkv, mask, B, T, C, H, hs)), [qkv, mask]);
    },

    async trainStep(c: TrainCase): Promise<Runner> {
      const { L, C, H, T, B, V } = c;
      const hs = C / H,
        BT = B * T;
      const p: Record<string, Variable> = {},
        m: Record<string, Variable> = {},
        v: Record<string, Variable> = {};
      const prefix = `gpt${models++}.`;
      for (const q of c.params) {
        p[q.name] = tf.variable(tf.tensor(q.data, q.shape), true, prefix + q.name);
        m[q.name] = tf.variable(tf.zeros(q.shape), false);
        v[q.name] = tf.variable(tf.zeros(q.shape), false);
      }
      const names = c.params.map((q) => q.name);
      const decay = new Set(c.params.filter((q) => q.decay).map((q) => q.name));
      const tokens = tf.tensor1d(c.tokens, 'int32');
      const positions = tf.tile(tf.range(0, T, 1, 'int32'), [B]);
      const targets = tf.oneHot(tf.tensor1d(c.targets, 'int32'), V);
      const mask = causalMask(tf, T);
      const layernorm = (x: Tensor, w: Tensor, b: Tensor) => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), w), b);
      };
      const linear = (x: Tensor, w: Tensor, b: Tensor | null) => {
        const y = tf.matMul(x, w, false, true);
        return b ? tf.add(y, b) : y;
      };
      const gelu = (x: Tensor) =>
        tf.mul(
          tf.mul(x, 0.5),
          tf.add(
            tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))),
            1,
          ),
        );
      const loss = () => {
        let x = tf.add(tf.gather(p.wte!, tokens), tf.gather(p.wpe!, positions)); // (BT,C)
        for (let l = 0; l < L; l++) {
          const w = (n: string) => p[`h${l}.${n}`]!;
          const qkv = tf.reshape(linear(layernorm(x, w('ln1w'), w('ln1b')), w('qkvw'), w('qkvb')), [
            B,
            T,
            3 * C,
          ]);
          const y = tf.reshape(attention(tf, qkv, mask, B, T, C, H, hs), [BT, C]);
          x = tf.add(x, linear(y, w('attprojw'), w('attprojb')));
          x = tf.add(
            x,
            linear(
              gelu(linear(layernorm(x, w('ln2w'), w('ln2b')), w('fcw'), w('fcb'))),
              w('fcprojw'),
              w('fcprojb'),
            ),
          );
        }
        const logits = linear(layernorm(x, p.lnfw!, p.lnfb!), p.wte!, null); // tied unembedding
        return tf.neg(
          tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits, -1), targets), -1)),
        ) as import('@tensorflow/tfjs-core').Scalar;
      };
      let t = 0;
      let last: Tensor | null = null;
      return {
        run: () => {
          t++;
          last?.dispose();
          last = tf.tidy(() => {
            const { value, grads: byVariable } = tf.variableGrads(
              loss,
              names.map((k) => p[k]!),
            );
            const grads = Object.fromEntries(names.map((k) => [k, byVariable[prefix + k]!]));
            // A sum, not tf.addN: addN binds every input at once, over the adapter's storage-buffer limit.
            const sq = names
              .map((k) => tf.sum(tf.square(grads[k]!)))
              .reduce((a, b) => tf.add(a, b));
            const scale = tf.minimum(tf.div(c.maxNorm, tf.add(tf.sqrt(sq), 1e-6)), 1);
            const bc1 = 1 - c.beta1 ** t,
              bc2 = 1 - c.beta2 ** t;
            for (const k of names) {
              const g = tf.mul(grads[k]!, scale);
              m[k]!.assign(tf.add(tf.mul(m[k]!, c.beta1), tf.mul(g, 1 - c.beta1)));
              v[k]!.assign(tf.add(tf.mul(v[k]!, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
              let update = tf.div(tf.div(m[k]!, bc1), tf.add(tf.sqrt(tf.div(v[k]!, bc2)), c.eps));
              if (decay.has(k)) update = tf.add(update, tf.mul(p[k]!, c.weightDecay));
              p[k]!.assign(tf.sub(p[k]!, tf.mul(update, c.lr)));
            }
            return value;
          });
        },
        sync,
        result: async () => Float32Array.from((await last!.data()) as Float32Array),
        dispose: () => {
          last?.dispose();
          tf.dispose([
            ...Object.values(p),
            ...Object.values(m),
            ...Object.values(v),
            tokens,
            positions,
            targets,
            mask,
          ]);
        },
      };
    },

    dispose: () => {},
  };
}

/** (T,T): 0 where key <= query, -1e9 above the diagonal. */
function causalMask(tf: Tf, T: number): Tensor {
  return tf.tensor2d(
    Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
    [T, T],
  );
}

/** Causal attention of qkv (B,T,3C) -> (B,T,C): the textbook form, softmax over a masked T×T matrix. */
function attention(
  tf: Tf,
  qkv: Tensor,
  mask: Tensor,
  B: number,
  T: number,
  C: number,
  H: number,
  hs: number,
): Tensor {
  const [q, k, v] = tf
    .split(qkv, 3, -1)
    .map((x) => tf.transpose(tf.reshape(x, [B, T, H, hs]), [0, 2, 1, 3])) as [
    Tensor,
    Tensor,
    Tensor,
  ];
  const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), mask), -1);
  return tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B, T, C]);
}
