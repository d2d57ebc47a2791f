import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CHECKPOINT_FORMAT,
  loadCheckpoint,
  modelDescription,
  saveCheckpoint,
  type TrainState,
} from '../../src/checkpoint/checkpoint.ts';
import {
  CheckpointError,
  loadSafetensors,
  saveSafetensors,
} from '../../src/checkpoint/safetensors.ts';
import { sha256Hex } from '../../src/checkpoint/sha256.ts';
import { modelShape } from '../../src/config.ts';
import { randomCheckpoint } from './random.ts';

const FIXTURE = new URL('../fixtures/add2-L1-C32.safetensors', import.meta.url);

/** The header length and data offset of a safetensors file. */
const dataStart = (b: Uint8Array) => 8 + new DataView(b.buffer, b.byteOffset).getUint32(0, true);

/** Re-save `bytes` with its metadata edited (and, unless told otherwise, a fresh checksum), as another tool might. */
function edited(
  bytes: Uint8Array,
  edit: (m: Record<string, string>) => void,
  rehash = true,
): Uint8Array {
  const { tensors, metadata } = loadSafetensors(bytes);
  edit(metadata);
  const once = saveSafetensors(tensors, metadata);
  if (rehash && metadata.tensor_sha256)
    metadata.tensor_sha256 = sha256Hex(once.subarray(dataStart(once)));
  return saveSafetensors(tensors, metadata);
}

describe('sha256', () => {
  it('matches node:crypto at every padding boundary and on the standard vector', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 4099]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7919 + n) & 255);
      expect(sha256Hex(b), `length ${n}`).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});

describe('checkpoint', () => {
  it('round-trips config, state and every tensor bit for bit, in the current format', () => {
    const ck = randomCheckpoint();
    const back = loadCheckpoint(saveCheckpoint(ck));
    expect(back.config).toEqual(ck.config);
    expect(back.state).toEqual(ck.state);
    for (const [name, t] of Object.entries(ck.params)) {
      expect(back.params[name]!.shape).toEqual(t.shape);
      expect(
        Buffer.from(back.params[name]!.data.buffer).equals(Buffer.from(t.data.buffer)),
        name,
      ).toBe(true);
    }
  });

  it('describes itself: format, conventions, tokenizer, and a SHA-256 of the data that any tool can recompute', () => {
    const bytes = saveCheckpoint(randomCheckpoint());
    const { metadata } = loadSafetensors(bytes);
    expect(metadata.format).toBe(CHECKPOINT_FORMAT);
    const model = JSON.parse(metadata.model!);
    expect(model).toMatchObject({
      architecture: 'gpt2',
      vocab_size: 52,
      n_layer: 2,
      n_embd: 16,
      n_head: 2,
      head_size: 8,
      block_size: 16,
      mlp_hidden: 64,
      layer_norm_epsilon: 1e-5,
      activation: 'gelu_tanh',
      tied_embeddings: true,
      linear_layout: 'out_in',
      qkv_order: ['q', 'k', 'v'],
      attention_scale: 1 / Math.sqrt(8),
    });
    const tok = JSON.parse(metadata.tokenizer!);
    expect([tok.type, tok.vocab.length, tok.vocab[tok.eos_id], tok.vocab[tok.pad_id]]).toEqual([
      'character',
      52,
      '<eos>',
      '<pad>',
    ]);
    // What `hashlib.sha256(b[8 + n:]).hexdigest()` gives in Python (docs/checkpoint.md).
    expect(metadata.tensor_sha256).toBe(
      createHash('sha256')
        .update(bytes.subarray(dataStart(bytes)))
        .digest('hex'),
    );
  });

  it('still loads the v1 test fixture unchanged', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    expect(loadSafetensors(bytes).metadata.format).toBe('t2lab-gpt-1');
    const ck = loadCheckpoint(bytes);
    expect([
      ck.config.n_layer,
      ck.config.n_embd,
      ck.config.n_head,
      ck.config.block_size,
      ck.state.step,
      ck.state.tokens,
    ]).toEqual([1, 32, 2, 32, 391, 400000]);
    // Saving it again writes the current format, with the same tensors.
    const again = loadCheckpoint(saveCheckpoint(ck));
    expect(again.params.wte!.data).toEqual(ck.params.wte!.data);
  });

  it('refuses a bit flip anywhere in the tensor data, naming the checksum', () => {
    const bytes = saveCheckpoint(randomCheckpoint());
    const start = dataStart(bytes);
    for (const at of [start, start + 1234, bytes.length - 1]) {
      for (const bit of [0, 7]) {
        const b = bytes.slice();
        b[at]! ^= 1 << bit;
        expect(() => loadCheckpoint(b, 'flipped.safetensors'), `byte ${at} bit ${bit}`).toThrow(
          /flipped\.safetensors: the tensor data is damaged: its SHA-256 is [0-9a-f]{64}, the file records [0-9a-f]{64}/,
        );
      }
    }
    expect(() => loadCheckpoint(edited(bytes, (m) => delete m.tensor_sha256))).toThrow(
      /no "tensor_sha256"/,
    );
  });

  describe('refuses a training state no run can produce', () => {
    const bytes = saveCheckpoint(randomCheckpoint()); // tokens = 640 = 10 steps of 4·16
    const cases: [string, Partial<TrainState> | unknown, RegExp][] = [
      [
        'tokens: -1',
        { step: 10, tokens: -1, finalEvalLoss: 1 },
        /tokens must be an integer >= 0, got -1/,
      ],
      [
        'fractional tokens',
        { step: 10, tokens: 1.5, finalEvalLoss: 1 },
        /tokens must be an integer >= 0, got 1.5/,
      ],
      [
        'a negative step',
        { step: -3, tokens: 0, finalEvalLoss: 1 },
        /step must be an integer >= 0/,
      ],
      [
        'more tokens than the budget',
        { step: 100, tokens: 641, finalEvalLoss: 1 },
        /tokens 641 exceed the run's budget \(config.tokens = 640\)/,
      ],
      [
        'more tokens than the steps hold',
        { step: 2, tokens: 200, finalEvalLoss: 1 },
        /tokens 200 exceed what 2 steps of batch_size·block_size = 64 can hold/,
      ],
      [
        'a negative loss',
        { step: 10, tokens: 640, finalEvalLoss: -2 },
        /finalEvalLoss must be a loss >= 0 or null/,
      ],
      ['a string', 'trained', /it is not an object/],
      [
        'a broken resume block',
        { step: 10, tokens: 640, finalEvalLoss: 1, resume: { curve: 3 } },
        /resume must hold stream, curve and evals/,
      ],
    ];
    for (const [what, state, message] of cases) {
      it(what, () => {
        const b = edited(bytes, (m) => {
          m.train_state = JSON.stringify(state);
        });
        expect(() => loadCheckpoint(b)).toThrow(message);
        expect(() => loadCheckpoint(b)).toThrow(CheckpointError);
      });
    }
    it('and accepts what runs do write: no held-out loss yet (NaN, stored as null), step 0', () => {
      const b = edited(bytes, (m) => {
        m.train_state = JSON.stringify({ step: 0, tokens: 0, finalEvalLoss: NaN });
      });
      expect(loadCheckpoint(b).state.finalEvalLoss).toBeNaN();
    });
  });

  it('refuses metadata that describes a model this code does not compute', () => {
    const bytes = saveCheckpoint(randomCheckpoint());
    const model = (edit: Record<string, unknown>) =>
      edited(bytes, (m) => {
        m.model = JSON.stringify({ ...JSON.parse(m.model!), ...edit });
      });
    expect(() => loadCheckpoint(model({ layer_norm_epsilon: 1e-6 }))).toThrow(
      /layer_norm_epsilon: 0.000001, this code: 0.00001/,
    );
    expect(() => loadCheckpoint(model({ activation: 'gelu', tied_embeddings: false }))).toThrow(
      /activation: "gelu", this code: "gelu_tanh"; tied_embeddings: false/,
    );
    // The prose is documentation, not a contract.
    expect(() => loadCheckpoint(model({ formulas: { note: 'reworded' } }))).not.toThrow();
    expect(modelDescription(modelShape(randomCheckpoint().config)).formulas.linear).toMatch(
      /\[out, in\], applied as y = x·Wᵀ \+ b/,
    );
  });

  it('says what a file is when it is not a t2lab checkpoint', () => {
    const plain = saveSafetensors(
      { 'wte.weight': { shape: [1], data: new Float32Array(1) } },
      { format: 'pt' },
    );
    expect(() => loadCheckpoint(plain, 'hf.safetensors')).toThrow(
      /hf\.safetensors: format is "pt"; this t2lab reads "t2lab-gpt-1" and "t2lab-gpt-2": a PyTorch .* `t2lab import DIR OUT\.safetensors`/,
    );
    const bare = saveSafetensors({ 'wte.weight': { shape: [1], data: new Float32Array(1) } });
    expect(() => loadCheckpoint(bare)).toThrow(
      /without t2lab metadata .*`t2lab import DIR OUT\.safetensors`/,
    );
  });
});
