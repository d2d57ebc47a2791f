// jax-js (WebGPU backend) on the peer benchmark's cases, each written the way jax-js is meant to be
// used: jit-compiled functions of numpy-style ops, valueAndGrad for the training step. jax-js owns its
// arrays by reference counting: an argument is consumed unless passed as `.ref`.
import type { AttentionCase, Implementation, MatmulCase, Runner, TrainCase } from './types.ts';

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;

/** The jax-js implementation, on the adapter the host's WebGPU entry point gives (the host sets it up). */
export async function jaxjs(): Promise<Implementation> {
  let jax: Jax;
  try {
    jax = await import('@jax-js/jax');
  } catch (e) {
    throw new Error(
      `the peer benchmark needs @jax-js/jax (a devDependency; run npm install): ${(e as Error).message}`,
    );
  }
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu'))
    throw new Error(
      'jax-js found no WebGPU device (the WebGPU entry point the host provides gave no adapter)',
    );
  jax.defaultDevice('webgpu');
  const { numpy: np, nn } = jax;

  /** A runner around a jitted function of fixed inputs; each run replaces the last output. */
  function runner(
    f: (...xs: JArray[]) => JArray | JArray[],
    inputs: JArray[],
    pick: (out: JArray) => Promise<Float32Array>,
  ): Runner {
    let last: JArray | null = null;
    return {
      run: () => {
        last?.dispose();
        const out = f(...inputs.map((x) => x.ref));
        last = Array.isArray(out) ? out[0]! : out;
      },
      sync: async () => {
        if (last) await last.blockUntilReady();
      },
      result: () => pick(last!),
      dispose: () => {
        last?.dispose();
        for (const x of inputs) x.dispose();
      },
    };
  }
  const floats = async (x: JArray) => Float32Array.from((await x.ref.data()) as Float32Array);

  return {
    name: 'jax-js',
    version: '',

    async matmul(c: MatmulCase): Promise<Runner> {
      const a = np.array(c.a).reshape([c.M, c.K]);
      const b = np.array(c.b).reshape(c.transB ? [c.N, c.K] : [c.K, c.N]);
      const f = jax.jit(
        c.transB
          ? (x: JArray, w: JArray) => np.matmul(x, np.transpose(w))
          : (x: JArray, y: JArray) => np.matmul(x, y),
      );
      return runner(f, [a, b], floats);
    },

    async attention(c: AttentionCase): Promise<Runner> {
      const { B, T, C, H } = c;
      const hs = C / H;
      const qkv = np.array(c.qkv).reshape([B, T, 3 * C]);
      const f = jax.jit((x: JArray) => {
        const [q, k, v] = np.split(x, 3, -1) as [JArray, JArray, JArray];
        const heads = (t: JArray) => t.reshape([B, T, H, hs]);
        return nn
          .dotProductAttention(heads(q), heads(k), heads(v), { isCausal: true })
          .reshape([B, T, C]);
      });
      return runner(f, [qkv], floats);
    },

    async trainStep(c: TrainCase): Promise<Runner> {
      const { L, C, H, T, B, V } = c;
      const hs = C / H;
      type Params = Record<string, JArray>;
      let params: Params = {},
        m: Params = {},
        v: Params = {};
      for (const p of c.params) {
        params[p.name] = np.array(p.data).reshape(p.shape);
        m[p.name] = np.zeros(p.shape);
        v[p.name] = np.zeros(p.shape);
      }
      const decay = new Set(c.params.filter((p) => p.decay).map((p) => p.name));
      const tokens = np.array(c.tokens, { dtype: np.int32 }).reshape([B, T]);
      const targets = np.array(c.targets, { dtype: np.int32 }).reshape([B, T]);

      const layernorm = (x: JArray, w: JArray, b: JArray) => {
        const xc = x.ref.sub(x.mean(-1, { keepdims: true }));
        const variance = np.square(xc.ref).mean(-1, { keepdims: true });
        return xc
          .mul(np.reciprocal(np.sqrt(variance.add(1e-5))))
          .mul(w)
          .add(b);
      };
      const linear = (x: JArray, w: JArray, b: JArray | null) => {
        const y = np.matmul(x, np.transpose(w));
        return b ? y.add(b) : y;
      };
      const loss = (p: Params, tok: JArray, tgt: JArray): JArray => {
        let x = np.take(p.wte!.ref, tok, 0).add(p.wpe!); // (B,T,C)
        for (let l = 0; l < L; l++) {
          const w = (n: string) => p[`h${l}.${n}`]!;
          const qkv = linear(layernorm(x.ref, w('ln1w'), w('ln1b')), w('qkvw'), w('qkvb'));
          const [q, k, vv] = np.split(qkv, 3, -1) as [JArray, JArray, JArray];
          const heads = (t: JArray) => t.reshape([B, T, H, hs]);
          const y = nn
            .dotProductAttention(heads(q), heads(k), heads(vv), { isCausal: true })
            .reshape([B, T, C]);
          x = x.add(linear(y, w('attprojw'), w('attprojb')));
          const f = nn.gelu(linear(layernorm(x.ref, w('ln2w'), w('ln2b')), w('fcw'), w('fcb')), {
            approximate: true,
          });
          x = x.add(linear(f, w('fcprojw'), w('fcprojb')));
        }
        const logits = linear(layernorm(x, p.lnfw!, p.lnfb!), p.wte!, null); // tied unembedding
        return nn
          .logsumexp(logits.ref, -1)
          .sub(logits.mul(nn.oneHot(tgt, V)).sum(-1))
          .mean();
      };
      const valueAndGrad = jax.valueAndGrad(loss);
      const step = jax.jit(
        (p: Params, mm: Params, vv: Params, t: JArray, tok: JArray, tgt: JArray) => {
          const [value, g] = valueAndGrad(jax.tree.ref(p), tok, tgt) as [JArray, Params];
          const names = Object.keys(g);
          let sq: JArray | null = null;
          for (const k of names) {
            const s = np.square(g[k]!.ref).sum();
            sq = sq ? sq.add(s) : s;
          }
          const scale = np.minimum(np.reciprocal(np.sqrt(sq!).add(1e-6)).mul(c.maxNorm), 1);
          const bc1 = np.reciprocal(np.power(c.beta1, t.ref).neg().add(1));
          const bc2 = np.reciprocal(np.power(c.beta2, t).neg().add(1));
          const np2: Params = {},
            m2: Params = {},
            v2: Params = {};
          for (const k of names) {
            const gk = g[k]!.mul(scale.ref);
            m2[k] = mm[k]!.mul(c.beta1).add(gk.ref.mul(1 - c.beta1));
            v2[k] = vv[k]!.mul(c.beta2).add(np.square(gk).mul(1 - c.beta2));
            let update = m2[k]!.ref.mul(bc1.ref).div(np.sqrt(v2[k]!.ref.mul(bc2.ref)).add(c.eps));
            if (decay.has(k)) update = update.add(p[k]!.ref.mul(c.weightDecay));
            np2[k] = p[k]!.sub(update.mul(c.lr));
          }
          scale.dispose();
          bc1.dispose();
          bc2.dispose();
          return [np2, m2, v2, value] as const;
        },
      );

      let t = 0;
      let lastLoss: JArray | null = null;
      return {
        run: () => {
          t++;
          lastLoss?.dispose();
          const [p2, m2, v2, value] = step(
            params,
            m,
            v,
            np.array(t),
            tokens.ref,
            targets.ref,
          ) as unknown as [Params, Params, Params, JArray];
          params = p2;
          m = m2;
          v = v2;
          lastLoss = value;
        },
        sync: async () => {
          await jax.blockUntilReady([params, m, v, lastLoss]);
        },
        result: () => floats(lastLoss!),
        dispose: () => {
          lastLoss?.dispose();
          jax.tree.dispose([params, m, v, tokens, targets]);
        },
      };
    },

    dispose: () => {},
  };
}
