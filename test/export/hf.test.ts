// The Hugging Face GPT-2 export, checked without Python: the exported folder is read back and run by a
// GPT-2 forward written here from transformers' conventions alone (config.json's keys, GPT-2's tensor
// names, Conv1D's [in, out] weights applied as x·W), in float64, and must give t2lab's logits (its float64
// CPU reference model). test/python/check_hf_export.py does the same with transformers itself.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../../src/checkpoint/checkpoint.ts';
import { HF_FILES, exportHf, hfNames, importHf } from '../../src/checkpoint/hf.ts';
import { loadSafetensors, saveSafetensors, type Tensor } from '../../src/checkpoint/safetensors.ts';
import { GPT, flattenParams } from '../../src/model/gpt.ts';
import { cpuOps } from '../../src/model/ops.cpu.ts';
import { modelShape } from '../../src/config.ts';
import { evaluationQuestions } from '../../src/sample/evaluate.ts';
import { EOS, PAD, encode } from '../../src/data/tokenizer.ts';
import { randomCheckpoint } from '../checkpoint/random.ts';

const fixture = () =>
  loadCheckpoint(
    new Uint8Array(readFileSync(new URL('../fixtures/add2-L1-C32.safetensors', import.meta.url))),
  );
const text = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

/** GPT-2 as transformers computes it (modeling_gpt2.py), float64, from an exported folder's files only. */
function gpt2Logits(files: Record<string, Uint8Array>, ids: number[]): Float64Array[] {
  const cfg = text(files['config.json']!);
  const { tensors } = loadSafetensors(files['model.safetensors']!);
  const w = (name: string) => tensors[`transformer.${name}`]!.data;
  const { n_embd: C, n_head: H, n_layer: L, vocab_size: V, layer_norm_epsilon: eps } = cfg;
  expect([cfg.activation_function, cfg.tie_word_embeddings, cfg.n_inner]).toEqual([
    'gelu_new',
    true,
    null,
  ]);
  const hs = C / H,
    T = ids.length;
  const layerNorm = (x: Float64Array[], g: Float32Array, b: Float32Array) =>
    x.map((r) => {
      const m = r.reduce((a, v) => a + v, 0) / C;
      const v = r.reduce((a, u) => a + (u - m) ** 2, 0) / C;
      return r.map((u, c) => ((u - m) / Math.sqrt(v + eps)) * g[c]! + b[c]!);
    });
  // Conv1D: weight (nx, nf) = [in, out]; y = x·W + b.
  const conv1d = (x: Float64Array[], W: Float32Array, b: Float32Array, nf: number) =>
    x.map((r) => {
      const y = new Float64Array(nf);
      for (let o = 0; o < nf; o++) {
        let s = b[o]!;
        for (let i = 0; i < r.length; i++) s += r[i]! * W[i * nf + o]!;
        y[o] = s;
      }
      return y;
    });
  const geluNew = (x: number) =>
    0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  let h = ids.map((id, t) =>
    Float64Array.from(
      { length: C },
      (_, c) => w('wte.weight')[id * C + c]! + w('wpe.weight')[t * C + c]!,
    ),
  );
  for (let l = 0; l < L; l++) {
    const p = (n: string) => w(`h.${l}.${n}`);
    const qkv = conv1d(
      layerNorm(h, p('ln_1.weight'), p('ln_1.bias')),
      p('attn.c_attn.weight'),
      p('attn.c_attn.bias'),
      3 * C,
    );
    // split(n_embd) into q, k, v, then heads: (T, H, hs)
    const att = qkv.map(() => new Float64Array(C));
    for (let head = 0; head < H; head++) {
      for (let i = 0; i < T; i++) {
        const s: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < hs; d++) dot += qkv[i]![head * hs + d]! * qkv[j]![C + head * hs + d]!;
          s.push(dot / Math.sqrt(hs)); // scale_attn_weights
        }
        const max = Math.max(...s);
        const e = s.map((x) => Math.exp(x - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < hs; d++)
          att[i]![head * hs + d] = e.reduce(
            (a, pj, j) => a + (pj / z) * qkv[j]![2 * C + head * hs + d]!,
            0,
          );
      }
    }
    const proj = conv1d(att, p('attn.c_proj.weight'), p('attn.c_proj.bias'), C);
    h = h.map((r, t) => r.map((u, c) => u + proj[t]![c]!));
    const fc = conv1d(
      layerNorm(h, p('ln_2.weight'), p('ln_2.bias')),
      p('mlp.c_fc.weight'),
      p('mlp.c_fc.bias'),
      4 * C,
    ).map((r) => r.map(geluNew));
    const out = conv1d(fc, p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), C);
    h = h.map((r, t) => r.map((u, c) => u + out[t]![c]!));
  }
  const f = layerNorm(h, w('ln_f.weight'), w('ln_f.bias'));
  const wte = w('wte.weight'); // lm_head tied to wte: logits = h·wteᵀ
  return f.map((r) =>
    Float64Array.from({ length: V }, (_, v) => r.reduce((a, x, c) => a + x * wte[v * C + c]!, 0)),
  );
}

/** t2lab's logits at every position of `ids` (its float64 CPU reference model, padded to block_size). */
async function t2labLogits(ck: Checkpoint, ids: number[]): Promise<Float64Array[]> {
  const shape = modelShape(ck.config);
  const ops = cpuOps();
  const m = new GPT(ops, shape, 1);
  ops.write(m.paramsFlat, flattenParams(m.specs, m.nParamsFlat, ck.params));
  const T = shape.block_size;
  const inputs = new Uint32Array(T).fill(PAD);
  inputs.set(ids);
  m.setBatch(inputs, new Uint32Array(T).fill(0xffffffff));
  m.forward();
  const logits = await ops.read(m.acts.logits!);
  return ids.map((_, t) => logits.slice(t * shape.vocab_size, (t + 1) * shape.vocab_size));
}

describe('Hugging Face GPT-2 export', () => {
  it("reproduces t2lab's logits on held-out questions when read back by GPT-2's conventions", async () => {
    const ck = fixture();
    const files = exportHf(ck);
    const qs = evaluationQuestions(ck.config, 3, 0);
    let worst = 0;
    for (const q of qs) {
      const ids = [...encode(q.prompt), ...encode(q.answer), EOS];
      const [want, got] = [await t2labLogits(ck, ids), gpt2Logits(files, ids)];
      for (let t = 0; t < ids.length; t++)
        for (let v = 0; v < want[t]!.length; v++)
          worst = Math.max(worst, Math.abs(got[t]![v]! - want[t]![v]!));
      // Not vacuous: a trained model's logits are far from zero.
      expect(want[0]!.some((x) => Math.abs(x) > 1)).toBe(true);
    }
    // Both are float64 from the same float32 weights: only the order of additions differs.
    expect(worst).toBeLessThan(1e-9);
  });

  it('writes what transformers needs: GPT-2 names and [in, out] layouts, config keys, a character tokenizer with <eos>', () => {
    const ck = fixture();
    const files = exportHf(ck);
    expect(Object.keys(files).sort()).toEqual([...HF_FILES].sort());
    expect(HF_FILES).toHaveLength(6);
    const cfg = text(files['config.json']!);
    expect(cfg).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: 52,
      n_positions: 32,
      n_embd: 32,
      n_layer: 1,
      n_head: 2,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
      tie_word_embeddings: true,
      eos_token_id: 1,
      pad_token_id: 0,
    });
    const st = loadSafetensors(files['model.safetensors']!);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.tensors['transformer.h.0.attn.c_attn.weight']!.shape).toEqual([32, 96]);
    expect(st.tensors['transformer.h.0.mlp.c_proj.weight']!.shape).toEqual([128, 32]);
    // The square attention projection, where a wrong guess gives no shape error: transposed.
    const a = ck.params['h0.attprojw']!.data,
      b = st.tensors['transformer.h.0.attn.c_proj.weight']!.data;
    expect([b[1 * 32 + 0], b[0 * 32 + 1]]).toEqual([a[0 * 32 + 1], a[1 * 32 + 0]]);
    expect('lm_head.weight' in st.tensors).toBe(false);
    const tok = text(files['tokenizer.json']!);
    expect(tok.model.vocab['<eos>']).toBe(1);
    expect(tok.model.vocab['\n']).toBe(2);
    expect(
      tok.added_tokens.map((t: { content: string; special: boolean }) => [t.content, t.special]),
    ).toEqual([
      ['<pad>', true],
      ['<eos>', true],
    ]);
    expect(text(files['tokenizer_config.json']!)).toMatchObject({
      eos_token: '<eos>',
      pad_token: '<pad>',
      tokenizer_class: 'PreTrainedTokenizerFast',
    });
  });

  it('round-trips through `import`: the same config, state and tensors bit for bit', () => {
    for (const ck of [fixture(), randomCheckpoint({ n_layer: 3 })]) {
      const back = importHf(exportHf(ck), 'export');
      expect(back.config).toEqual(ck.config);
      expect(back.state).toEqual(ck.state);
      expect(Object.keys(back.params).sort()).toEqual(Object.keys(ck.params).sort());
      for (const [name, t] of Object.entries(ck.params))
        expect(
          Buffer.from(back.params[name]!.data.buffer).equals(Buffer.from(t.data.buffer)),
          name,
        ).toBe(true);
    }
  });

  it('imports a GPT-2 folder t2lab did not write: hub names, mask buffers, an explicit tied lm_head', () => {
    const ck = randomCheckpoint();
    const files = exportHf(ck);
    const cfg = text(files['config.json']!);
    delete cfg.t2lab;
    const st = loadSafetensors(files['model.safetensors']!);
    const tensors: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(st.tensors))
      tensors[name.replace(/^transformer\./, '')] = t;
    tensors['h.0.attn.bias'] = { shape: [1, 1, 16, 16], data: new Float32Array(256).fill(1) };
    tensors['lm_head.weight'] = tensors['wte.weight']!;
    const back = importHf(
      {
        ...files,
        'config.json': new TextEncoder().encode(JSON.stringify(cfg)),
        'model.safetensors': saveSafetensors(tensors, { format: 'pt' }),
      },
      'gpt2-dir',
    );
    expect([
      back.config.n_layer,
      back.config.n_embd,
      back.config.n_head,
      back.config.block_size,
    ]).toEqual([2, 16, 2, 16]);
    expect(back.state).toMatchObject({ step: 0, tokens: 0, origin: 'hf:gpt2-dir' });
    expect(back.params['h1.fcw']!.data).toEqual(ck.params['h1.fcw']!.data);
    expect(loadCheckpoint(saveCheckpoint(back)).params.wte!.data).toEqual(ck.params.wte!.data);
  });

  describe('refuses a folder the kernels would compute differently, saying which key and what it needs', () => {
    const files = exportHf(randomCheckpoint());
    const withConfig = (edit: Record<string, unknown>) => ({
      ...files,
      'config.json': new TextEncoder().encode(
        JSON.stringify({ ...text(files['config.json']!), ...edit }),
      ),
    });
    const withTensors = (edit: (t: Record<string, Tensor>) => void) => {
      const t = { ...loadSafetensors(files['model.safetensors']!).tensors };
      edit(t);
      return { ...files, 'model.safetensors': saveSafetensors(t, { format: 'pt' }) };
    };
    const cases: [string, Record<string, Uint8Array>, RegExp][] = [
      [
        'another epsilon',
        withConfig({ layer_norm_epsilon: 1e-6 }),
        /layer_norm_epsilon is 0.000001, t2lab needs 1e-5/,
      ],
      [
        'the exact (erf) GELU',
        withConfig({ activation_function: 'gelu' }),
        /activation_function is "gelu", t2lab needs "gelu_new"/,
      ],
      [
        "GPT-2's own vocabulary",
        withConfig({ vocab_size: 50257 }),
        /vocab_size is 50257, t2lab needs 52/,
      ],
      ['a wider MLP', withConfig({ n_inner: 100 }), /n_inner is 100, t2lab needs null/],
      [
        'another architecture',
        withConfig({ model_type: 'llama' }),
        /model_type is "llama", t2lab needs "gpt2"/,
      ],
      [
        'a context past the attention kernel',
        withConfig({ n_positions: 4096, t2lab: undefined }),
        /n_positions \(block_size\) 4,096 is above the bound 1,024 \(the attention kernel's limit\)/,
      ],
      [
        'a head past the attention kernel',
        withConfig({ n_head: 1, n_embd: 256, t2lab: undefined }),
        /head size .* exceeds the attention kernel's 128/,
      ],
      [
        'sizes edited away from the t2lab config',
        withConfig({ n_layer: 3 }),
        /its sizes differ from the t2lab config it carries/,
      ],
      [
        'an untied lm_head',
        withTensors((t) => {
          t['lm_head.weight'] = { shape: [52, 16], data: new Float32Array(52 * 16) };
        }),
        /lm_head.weight differs from wte.weight/,
      ],
      [
        'a missing tensor',
        withTensors((t) => {
          delete t['transformer.h.1.mlp.c_fc.bias'];
        }),
        /missing "transformer.h.1.mlp.c_fc.bias"/,
      ],
      [
        'a transposed matrix',
        withTensors((t) => {
          t['transformer.h.0.mlp.c_fc.weight'] = {
            shape: [64, 16],
            data: new Float32Array(64 * 16),
          };
        }),
        /"transformer.h.0.mlp.c_fc.weight" is \[64,16\], expected \[16,64\]/,
      ],
      [
        'an unknown tensor',
        withTensors((t) => {
          t['transformer.h.0.attn.q_norm.weight'] = { shape: [8], data: new Float32Array(8) };
        }),
        /unexpected tensor\(s\) "h.0.attn.q_norm.weight"/,
      ],
      [
        'another tokenizer',
        {
          ...files,
          'tokenizer.json': new TextEncoder().encode(
            JSON.stringify({ model: { vocab: { a: 0, b: 1 } }, added_tokens: [] }),
          ),
        },
        /tokenizer.json is not t2lab's character vocabulary \(id 0 is "a", t2lab's is "<pad>"/,
      ],
      [
        'no tokenizer',
        { ...files, 'tokenizer.json': undefined as unknown as Uint8Array },
        /no tokenizer.json/,
      ],
      [
        'pickled weights',
        { 'config.json': files['config.json']!, 'pytorch_model.bin': new Uint8Array(4) },
        /pytorch_model.bin \(pickle\).*safe_serialization=True/,
      ],
      [
        'sharded weights',
        { 'config.json': files['config.json']!, 'model.safetensors.index.json': new Uint8Array(4) },
        /sharded/,
      ],
      [
        'no config',
        { 'model.safetensors': files['model.safetensors']! },
        /no config.json: not a Hugging Face model folder/,
      ],
      [
        'half-precision weights',
        {
          ...files,
          'model.safetensors': (() => {
            const b = files['model.safetensors']!.slice();
            const n = new DataView(b.buffer).getUint32(0, true);
            const header = new TextDecoder()
              .decode(b.subarray(8, 8 + n))
              .replaceAll('"F32"', '"F16"');
            b.set(new TextEncoder().encode(header), 8);
            return b;
          })(),
        },
        /model.safetensors: .*dtype F16 is not supported; t2lab reads F32 only/,
      ],
    ];
    for (const [what, folder, message] of cases)
      it(what, () => expect(() => importHf(folder, 'dir')).toThrow(message));
  });

  it('names every tensor once', () => {
    const names = hfNames(4);
    expect(new Set(names.map((n) => n.hf)).size).toBe(names.length);
    expect(names.length).toBe(4 + 4 * 12);
  });
});
