import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  expectTensors,
  loadSafetensors,
  saveSafetensors,
  type Tensor,
} from '../../src/checkpoint/safetensors.ts';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** A file from a hand-written header (object or raw text) and data bytes, padded like the reference writer. */
function build(header: object | string, data: Uint8Array | number = 0, pad = true): Uint8Array {
  let json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (pad) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const f32 = (shape: number[], data: number[]): Tensor => ({ shape, data: Float32Array.from(data) });

describe('safetensors', () => {
  it('round-trips names, shapes, values (bit for bit) and metadata', () => {
    const tensors: Record<string, Tensor> = {
      'wte.weight': f32([3, 2], [1, -2, 0.5, 1e-30, 3.4e38, -0]),
      'h.0.ln_1.bias': f32([2], [NaN, Infinity]),
      scalar: f32([], [7]),
      empty: f32([0, 3], []),
      '0': f32([1], [-1]),
    };
    const metadata = {
      config: JSON.stringify({ n_layer: 2, d: 64 }),
      vocab: JSON.stringify(['<pad>', '<eos>', 'é']),
      note: '',
    };
    const loaded = loadSafetensors(saveSafetensors(tensors, metadata));
    expect(Object.keys(loaded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(loaded.tensors[name]!.shape).toEqual(t.shape);
      expect(bits(loaded.tensors[name]!.data)).toEqual(bits(t.data));
    }
    expect(loaded.metadata).toEqual(metadata);
    const empty = loadSafetensors(saveSafetensors({}, {}));
    expect([empty.tensors, empty.metadata, empty.data.length]).toEqual([{}, {}, 0]);
  });

  it('writes the byte layout of the reference implementation', () => {
    // What Python's safetensors writes for save_file({"b": tensor([1., 2.]), "a": tensor([[3.]])}, {"format": "pt"}).
    const bytes = saveSafetensors({ b: f32([2], [1, 2]), a: f32([1, 1], [3]) }, { format: 'pt' });
    const header =
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    const N = Math.ceil(header.length / 8) * 8;
    expect(N % 8).toBe(0);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([N & 0xff, N >> 8, 0, 0, 0, 0, 0, 0]); // u64 little-endian
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + N))).toBe(header.padEnd(N, ' '));
    // 3.0 = 0x40400000, 1.0 = 0x3f800000, 2.0 = 0x40000000, little-endian, in offset order (a, then b).
    expect(Array.from(bytes.subarray(8 + N))).toEqual([
      0, 0, 0x40, 0x40, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40,
    ]);
    expect(bytes.length).toBe(8 + N + 12);
  });

  it('reads files from other writers: any key order, no padding, a view into a larger buffer', () => {
    const data = new Uint8Array(new Float32Array([5, 6, 7]).buffer);
    const file = build(
      '{"y":{"data_offsets":[4,12],"shape":[2],"dtype":"F32"},"x":{"shape":[],"dtype":"F32","data_offsets":[0,4]}}',
      data,
      false,
    );
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const loaded = loadSafetensors(shifted.subarray(3));
    expect(Array.from(loaded.tensors.x!.data)).toEqual([5]);
    expect(Array.from(loaded.tensors.y!.data)).toEqual([6, 7]);
    expect(loaded.metadata).toEqual({});
  });

  describe('refuses every corruption with a CheckpointError that says what is wrong', () => {
    const good = saveSafetensors(
      { a: f32([2, 2], [1, 2, 3, 4]), b: f32([3], [5, 6, 7]) },
      { step: '10' },
    );
    const t = (shape: number[], offsets: number[], dtype = 'F32') => ({
      dtype,
      shape,
      data_offsets: offsets,
    });
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'a file shorter than 8 bytes',
        good.subarray(0, 5),
        /file is 5 bytes, shorter than the 8-byte header length prefix/,
      ],
      [
        'a header length beyond the file',
        (() => {
          const b = good.slice();
          b[4] = 1;
          return b;
        })(),
        /header length \d+ .* exceeds the \d+ bytes after the prefix/,
      ],
      [
        'a header cut short',
        good.subarray(0, 20),
        /header length \d+ .* exceeds the 12 bytes after the prefix/,
      ],
      [
        'truncated data',
        good.subarray(0, good.length - 4),
        /tensor "b": data_offsets \[16, 28\] are out of range: the data buffer has 24 bytes/,
      ],
      [
        'corrupt JSON',
        (() => {
          const b = good.slice();
          b[8] = 0x78;
          return b;
        })(),
        /header is not valid JSON/,
      ],
      [
        'a header that is not an object',
        build('[1,2]'),
        /header must be a JSON object, got an array/,
      ],
      ['an unknown dtype', build({ a: t([1], [0, 4], 'Q7') }, 4), /tensor "a": unknown dtype "Q7"/],
      [
        'an unsupported dtype',
        build({ a: t([2], [0, 4], 'F16') }, 4),
        /tensor "a": dtype F16 is not supported; t2lab reads F32 only/,
      ],
      [
        'a shape that does not match its offsets',
        build({ a: t([3], [0, 8]) }, 8),
        /tensor "a": shape \[3\] needs 12 bytes .* span 8/,
      ],
      [
        'a bad shape',
        build({ a: t([-1], [0, 4]) }, 4),
        /tensor "a": shape \[-1\] must be a list of non-negative integers/,
      ],
      [
        'reversed offsets',
        build({ a: t([1], [8, 4]) }, 8),
        /tensor "a": data_offsets \[8,4\] must be \[begin, end\]/,
      ],
      [
        'overlapping tensors',
        build({ a: t([2], [0, 8]), b: t([2], [4, 12]) }, 12),
        /tensor "b": data_offsets \[4, 12\] overlap tensor "a"/,
      ],
      [
        'a gap between tensors',
        build({ a: t([1], [0, 4]), b: t([1], [8, 12]) }, 12),
        /data bytes \[4, 8\) belong to no tensor/,
      ],
      [
        'trailing bytes',
        (() => {
          const b = new Uint8Array(good.length + 4);
          b.set(good);
          return b;
        })(),
        /4 trailing bytes after the last tensor/,
      ],
      [
        'non-string metadata',
        build({ __metadata__: { step: 3 }, a: t([1], [0, 4]) }, 4),
        /metadata "step" is 3, not a string/,
      ],
      [
        'metadata that is not a map',
        build({ __metadata__: ['x'] }),
        /"__metadata__" must be an object of string to string/,
      ],
      ['an entry that is not an object', build({ a: 5 }), /tensor "a": entry must be an object/],
      [
        'an unexpected field',
        build({ a: { ...t([1], [0, 4]), extra: 1 } }, 4),
        /tensor "a": unexpected field\(s\) extra/,
      ],
    ];
    for (const [what, bytes, message] of cases) {
      it(what, () => {
        expect(() => loadSafetensors(bytes)).toThrow(message);
        expect(() => loadSafetensors(bytes)).toThrow(CheckpointError);
      });
    }
    it('invalid UTF-8 in the header', () => {
      const b = build('{"a":1}');
      b[10] = 0xff;
      expect(() => loadSafetensors(b)).toThrow(/header \(8 bytes\) is not valid UTF-8/);
    });
    it('and the untouched file loads', () => {
      expect(loadSafetensors(good).metadata).toEqual({ step: '10' });
    });
  });

  it('refuses to save tensors whose data does not fill the shape, or non-string metadata', () => {
    expect(() => saveSafetensors({ a: f32([2, 2], [1, 2, 3]) }, {})).toThrow(
      /tensor "a": 3 values do not fill shape \[2,2\] \(4 values\)/,
    );
    expect(() => saveSafetensors({ a: f32([1], [1]) }, { step: 3 as unknown as string })).toThrow(
      /metadata "step" is a number, not a string/,
    );
    expect(() => saveSafetensors({ __metadata__: f32([1], [1]) }, {})).toThrow(/reserved/);
  });

  it('expectTensors checks a checkpoint against the names and shapes a config expects', () => {
    const loaded = loadSafetensors(
      saveSafetensors({ a: f32([2, 2], [1, 2, 3, 4]), b: f32([3], [5, 6, 7]) }, {}),
    );
    expect(() => expectTensors(loaded, { a: [2, 2], b: [3] })).not.toThrow();
    expect(() => expectTensors(loaded, { a: [2, 2], b: [3], c: [1] })).toThrow(
      /missing tensor\(s\): "c"/,
    );
    expect(() => expectTensors(loaded, { a: [2, 2] })).toThrow(/unexpected tensor\(s\): "b"/);
    expect(() => expectTensors(loaded, { a: [4], b: [3] })).toThrow(
      /shape mismatch: "a" is \[2,2\], expected \[4\]/,
    );
    expect(() => expectTensors(loaded, { a: [2, 2, 1], b: [1] })).toThrow(CheckpointError);
    expect(() => expectTensors(loaded, {})).toThrow(
      /Load it with the config stored in its __metadata__/,
    );
  });
});
