// Cached decoding against the full forward pass, on both backends: at every position, the logits of one
// decode step (prefix keys shared from the prefill, generated keys from the cache) must equal the full
// forward's logits of the same text. Then generation: greedy equals argmax of the full forward, samples
// are identical whatever the batch size, and the CPU and GPU decoders draw the same tokens.
import { describe, expect, it } from 'vitest';
import { GPT } from '../../src/model/gpt.ts';
import { cpuOps } from '../../src/model/ops.cpu.ts';
import { gpuOps } from '../../src/model/ops.gpu.ts';
import type { Ops } from '../../src/model/ops.ts';
import { Decoder } from '../../src/sample/decoder.ts';
import { generate, generatePack, type DecodeSpec } from '../../src/sample/evaluate.ts';
import { SEQ_STRIDE } from '../../kernels/sample/seqs.ts';
import { EOS, VOCAB_SIZE } from '../../src/data/tokenizer.ts';
import { IGNORE } from '../../src/data/stream.ts';
import type { ModelShape } from '../../src/config.ts';
import { Rng } from '../../src/util/rng.ts';
import { describeGpu, expectClose } from '../helpers.ts';

const shape: ModelShape = {
  vocab_size: VOCAB_SIZE,
  n_layer: 2,
  n_embd: 24,
  n_head: 3,
  block_size: 16,
};

/** Texts of different lengths: prompt lengths 1..6, each continued to 12 tokens. */
function texts(count: number, seed = 3): { prompt: Uint32Array; rest: Uint32Array }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const P = 1 + (i % 6);
    const all = Uint32Array.from({ length: 12 }, () => 2 + rng.int(VOCAB_SIZE - 2));
    return { prompt: all.slice(0, P), rest: all.slice(P) };
  });
}

/** A model with float32 initial values, scaled up so its distributions are peaked (a sharper test). */
function model<T>(ops: Ops<T>, B: number, seed = 11): GPT<T> {
  const m = new GPT(ops, shape, B);
  const init = m.init(seed);
  for (let i = 0; i < init.length; i++) init[i] = Math.fround(init[i]! * 4);
  ops.write(m.paramsFlat, init);
  return m;
}

/** `R` models (seeds 11, 12, ...) as one pack's flat parameters, and each alone. */
function models<T>(ops: Ops<T>, R: number): { packed: T; alone: T[] } {
  const pack = new GPT(ops, shape, 1, undefined, R);
  const alone = Array.from({ length: R }, (_, r) => {
    const m = new GPT(ops, shape, 1);
    const init = Float32Array.from(m.init(11 + r), (x) => Math.fround(x * 4)); // as model() scales
    ops.write(m.paramsFlat, init);
    ops.write(pack.paramsFlat, init, r * m.nParamsFlat);
    return m.paramsFlat;
  });
  return { packed: pack.paramsFlat, alone };
}

/** Generation of a pack of three models against each model alone: every sample and NLL the same bits. */
async function checkPackEqualsAlone<T>(ops: Ops<T>, opts: { maxBinding?: number } = {}) {
  const { packed, alone } = models(ops, 3);
  const over = { maxSequences: 7, ...opts };
  const got = await generatePack(ops, shape, packed, prompts(), spec(), { ...over, runs: 3 });
  expect(got).toHaveLength(3);
  for (const [r, params] of alone.entries()) {
    const want = await generate(ops, shape, params, prompts(), spec(), over);
    expect(got[r]!.samples, `run ${r}'s samples`).toEqual(want.samples);
    expect([...got[r]!.nll], `run ${r}'s gold-answer NLL`).toEqual([...want.nll]);
    expect(got[r]!.generatedTokens).toBe(want.generatedTokens);
  }
  // The models differ, so a pack that gave every run run 0's model would fail above.
  expect(got[1]!.samples).not.toEqual(got[0]!.samples);
}

/** Full-forward logits (Q, T, V) of each text (prompt + rest), padded. */
async function fullLogits<T>(gpt: GPT<T>, items: ReturnType<typeof texts>): Promise<Float64Array> {
  const { block_size: T } = shape;
  const inputs = new Uint32Array(gpt.B * T),
    targets = new Uint32Array(gpt.B * T).fill(IGNORE);
  items.forEach((x, b) => inputs.set([...x.prompt, ...x.rest], b * T));
  gpt.setBatch(inputs, targets);
  gpt.forward();
  return gpt.ops.read(gpt.acts.logits!);
}

/** Teacher-forced decoding: 2 sequences per text; at each step feed the text's next token and compare logits. */
async function checkCachedEqualsFull<T>(ops: Ops<T>, atol: number) {
  const items = texts(5);
  const Q = items.length,
    S = 2 * Q,
    { block_size: T, vocab_size: V } = shape;
  const gpt = model(ops, Q);
  const want = await fullLogits(gpt, items); // the prefill is the same forward: prefix keys come from it
  const decoder = new Decoder(ops, shape, gpt.paramsFlat, S, 4);
  const prefix = Array.from({ length: shape.n_layer }, (_, l) => gpt.acts[`h${l}.qkv`]!);
  let compared = 0;
  for (let step = 0; step < 12; step++) {
    const table = new Uint32Array(S * SEQ_STRIDE),
      tokens = new Uint32Array(S);
    let any = false;
    for (let s = 0; s < S; s++) {
      const q = s % Q,
        x = items[q]!,
        P = x.prompt.length,
        pos = P + step;
      const text = [...x.prompt, ...x.rest];
      table.set(
        [q, q, s, P, Math.min(pos, text.length - 1), pos < text.length ? 0 : 1, 0, 0],
        s * SEQ_STRIDE,
      );
      tokens[s] = text[Math.min(pos, text.length - 1)]!;
      any ||= pos < text.length;
    }
    if (!any) break;
    ops.writeU32(decoder.seqs, table);
    ops.writeU32(decoder.tokens, tokens);
    decoder.step(prefix, T);
    const got = await ops.read(decoder.acts.logits!);
    for (let s = 0; s < S; s++) {
      const q = s % Q,
        pos = items[q]!.prompt.length + step;
      if (pos >= 12) continue;
      const g = got.subarray(s * V, (s + 1) * V),
        w = want.subarray((q * T + pos) * V, (q * T + pos + 1) * V);
      expectClose(g, w, atol, 0, `logits of sequence ${s} (question ${q}) at position ${pos}`);
      compared++;
    }
  }
  expect(compared).toBe(2 * items.reduce((a, x) => a + x.rest.length, 0));
}

describe('cached decoding (CPU)', () => {
  it("gives the full forward pass's logits at every position", async () => {
    await checkCachedEqualsFull(cpuOps(), 1e-9);
  });
});

const prompts = () => texts(6, 9).map((x) => ({ prompt: x.prompt, answer: x.rest.slice(0, 2) }));
const spec = (over: Partial<DecodeSpec> = {}): DecodeSpec => ({
  n: 5,
  temperature: 1,
  top_k: 0,
  top_p: 1,
  max_new: 6,
  seed: 5,
  ...over,
});

describe('generation (CPU)', () => {
  it('a pack of three models draws, run by run, what each draws alone', async () => {
    await checkPackEqualsAlone(cpuOps());
  });

  it('temperature 0 follows the argmax of the full forward, token by token', async () => {
    const ops = cpuOps();
    const gpt = model(ops, 6);
    const qs = prompts();
    const gen = await generate(ops, shape, gpt.paramsFlat, qs, spec({ temperature: 0, n: 2 }));
    const full = model(ops, 1);
    for (const [i, q] of qs.entries()) {
      const text = [...q.prompt];
      const want: number[] = [];
      while (want.length < 6 && text.length < shape.block_size) {
        const logits = await fullLogits(full, [
          { prompt: Uint32Array.from(text), rest: new Uint32Array() },
        ]);
        const row = logits.subarray((text.length - 1) * VOCAB_SIZE, text.length * VOCAB_SIZE);
        let best = 0;
        for (let v = 1; v < VOCAB_SIZE; v++) if (row[v]! > row[best]!) best = v;
        want.push(best);
        text.push(best);
        if (best === EOS) break;
      }
      for (const s of gen.samples[i]!) expect([...s], `question ${i}`).toEqual(want);
    }
  });

  it('samples do not depend on the batch size, and the same seed repeats them', async () => {
    const ops = cpuOps();
    const gpt = model(ops, 6);
    const a = await generate(ops, shape, gpt.paramsFlat, prompts(), spec(), { maxSequences: 30 });
    const b = await generate(ops, shape, gpt.paramsFlat, prompts(), spec(), { maxSequences: 7 });
    const c = await generate(ops, shape, gpt.paramsFlat, prompts(), spec({ seed: 6 }), {
      maxSequences: 7,
    });
    expect(b.batch).toBe(7);
    expect(b.samples.map((q) => q.map((s) => [...s]))).toEqual(
      a.samples.map((q) => q.map((s) => [...s])),
    );
    expect(c.samples.map((q) => q.map((s) => [...s]))).not.toEqual(
      a.samples.map((q) => q.map((s) => [...s])),
    );
    // Different sample indices of one question differ (with peaked but not degenerate distributions).
    const distinct = a.samples.map((q) => new Set(q.map((s) => s.join(','))).size);
    expect(Math.max(...distinct)).toBeGreaterThan(1);
  });

  it("caps each sequence by its own prompt: a long prompt in the set does not cut a short one's answers", async () => {
    const ops = cpuOps();
    const gpt = model(ops, 2);
    const rng = new Rng(21);
    const tokens = (n: number) =>
      Uint32Array.from({ length: n }, () => 2 + rng.int(VOCAB_SIZE - 2));
    const qs = [
      { prompt: tokens(2), answer: tokens(1) },
      { prompt: tokens(13), answer: tokens(1) },
    ];
    const gen = await generate(ops, shape, gpt.paramsFlat, qs, spec({ n: 16, max_new: 8 }));
    const longest = (q: number) => Math.max(...gen.samples[q]!.map((x) => x.length));
    // Capped by the longest prompt of the set (13 of T = 16), no sample could pass 3 tokens.
    expect(longest(0)).toBeGreaterThan(3);
    expect(longest(0)).toBeLessThanOrEqual(8);
    // The long prompt's samples end at the block: the last sampled token is predicted at position T − 1.
    expect(longest(1)).toBeLessThanOrEqual(shape.block_size - 13 + 1);
  });

  it("the prefill gives each question's gold-answer NLL, the sum of its teacher-forced token losses", async () => {
    const ops = cpuOps();
    const gpt = model(ops, 6);
    const qs = prompts();
    const gen = await generate(ops, shape, gpt.paramsFlat, qs, spec({ n: 1 }));
    const one = model(ops, 1);
    for (const [i, q] of qs.entries()) {
      const text = [...q.prompt, ...q.answer, EOS];
      const logits = await fullLogits(one, [
        { prompt: Uint32Array.from(text), rest: new Uint32Array() },
      ]);
      let nll = 0;
      for (let t = q.prompt.length - 1; t < text.length - 1; t++) {
        const row = logits.subarray(t * VOCAB_SIZE, (t + 1) * VOCAB_SIZE);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
        nll += lse - row[text[t + 1]!]!;
      }
      expect(gen.nll[i]).toBeCloseTo(nll, 9);
    }
  });
});

describeGpu('cached decoding (GPU)', (gpu) => {
  it("gives the full forward pass's logits at every position", async () => {
    const ops = gpuOps(gpu);
    try {
      await checkCachedEqualsFull(ops, 2e-4);
    } finally {
      ops.dispose();
    }
  });

  it('draws the same tokens as the CPU decoder (greedy: all; temperature 1: all but float32 boundary cases)', async () => {
    const g = gpuOps(gpu),
      c = cpuOps();
    try {
      const gm = model(g, 6),
        cm = model(c, 6);
      for (const temperature of [0, 1]) {
        const a = await generate(g, shape, gm.paramsFlat, prompts(), spec({ temperature, n: 8 }), {
          maxBinding: gpu.device.limits.maxStorageBufferBindingSize,
        });
        const b = await generate(c, shape, cm.paramsFlat, prompts(), spec({ temperature, n: 8 }));
        let same = 0,
          all = 0;
        a.samples.forEach((q, i) =>
          q.forEach((s, j) => {
            all++;
            if (s.join() === b.samples[i]![j]!.join()) same++;
          }),
        );
        if (temperature === 0) expect(same).toBe(all);
        else expect(same / all).toBeGreaterThan(0.9);
        expectClose(a.nll, b.nll, 1e-3, 1e-4, 'gold-answer NLL');
      }
    } finally {
      g.dispose();
    }
  });

  it('a pack of three models draws, run by run, the bits each draws alone (prefill in chunks, partial batches)', async () => {
    const ops = gpuOps(gpu);
    try {
      // 3 prompts a prefill chunk alone, 1 in the pack (each run gets a third of the binding).
      await checkPackEqualsAlone(ops, {
        maxBinding: 3 * 4 * shape.block_size * Math.max(VOCAB_SIZE, 4 * shape.n_embd),
      });
    } finally {
      ops.dispose();
    }
  });

  it('same samples at any batch size on the GPU', async () => {
    const ops = gpuOps(gpu);
    try {
      const gm = model(ops, 6);
      const a = await generate(ops, shape, gm.paramsFlat, prompts(), spec(), { maxSequences: 30 });
      const b = await generate(ops, shape, gm.paramsFlat, prompts(), spec(), { maxSequences: 4 });
      expect(b.samples.map((q) => q.map((s) => s.join()))).toEqual(
        a.samples.map((q) => q.map((s) => s.join())),
      );
    } finally {
      ops.dispose();
    }
  });
});
