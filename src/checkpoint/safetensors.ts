// The safetensors format (https://github.com/huggingface/safetensors), F32 tensors only:
//
//   [8 bytes]  N, the header length, unsigned 64-bit little-endian
//   [N bytes]  UTF-8 JSON: { "__metadata__": { string: string }, name: { "dtype": "F32", "shape": [...],
//              "data_offsets": [begin, end] }, ... }, padded with spaces to a multiple of 8 bytes
//   [rest]     the tensors' raw little-endian bytes; offsets are relative to the start of this buffer, and
//              the tensors tile it exactly (no gaps, no overlap, nothing after)
//
// Written like the reference implementation (tensors in name order, contiguous from offset 0, header padded
// with spaces, "__metadata__" first and left out when empty), so Python's safetensors.load_file reads our
// files and we read its F32 files. t2lab keeps JSON strings in __metadata__ (docs/checkpoint.md).
// Loading validates everything and says what is wrong and what to do about it.

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface LoadedSafetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** The data buffer as stored (the bytes after the header): what a checksum of the tensor data covers. */
  data: Uint8Array;
}

/** The dtypes of the safetensors spec: known, but only F32 is read here. */
const SPEC_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
]);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const isSize = (x: unknown): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fail = (what: string): never => {
  throw new CheckpointError(`safetensors: ${what}`);
};

/** Serialise F32 tensors and string metadata to safetensors bytes. */
export function saveSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = sortedNames(tensors);
  const entries: string[] = [];
  const metaKeys = Object.keys(metadata).sort();
  for (const k of metaKeys) {
    if (typeof metadata[k] !== 'string')
      fail(`metadata "${k}" is a ${typeof metadata[k]}, not a string; store JSON.stringify(value)`);
  }
  if (metaKeys.length)
    entries.push(
      `"__metadata__":{${metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`,
    );
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name]!;
    if (name === '__metadata__') fail('"__metadata__" is reserved and cannot name a tensor');
    if (!Array.isArray(shape) || !shape.every(isSize))
      fail(
        `tensor "${name}": shape ${JSON.stringify(shape)} must be a list of non-negative integers`,
      );
    if (!(data instanceof Float32Array)) fail(`tensor "${name}": data must be a Float32Array`);
    if (data.length !== product(shape))
      fail(
        `tensor "${name}": ${data.length} values do not fill shape [${shape}] (${product(shape)} values)`,
      );
    const end = offset + 4 * data.length;
    entries.push(
      `${JSON.stringify(name)}:{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const N = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + N + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, N % 2 ** 32, true);
  view.setUint32(4, Math.floor(N / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + N);
  writeData(tensors, names, out, 8 + N);
  return out;
}

const sortedNames = (tensors: Record<string, Tensor>) =>
  Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function writeData(
  tensors: Record<string, Tensor>,
  names: string[],
  out: Uint8Array,
  at: number,
): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const name of names) {
    const data = tensors[name]!.data;
    if (LITTLE_ENDIAN_HOST)
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
    at += data.byteLength;
  }
}

/** The data buffer saveSafetensors writes for `tensors` (name order, little-endian), e.g. to checksum before saving. */
export function safetensorsData(tensors: Record<string, Tensor>): Uint8Array {
  const names = sortedNames(tensors);
  const out = new Uint8Array(names.reduce((a, n) => a + 4 * tensors[n]!.data.length, 0));
  writeData(tensors, names, out, 0);
  return out;
}

/** Parse and validate safetensors bytes; every problem is a CheckpointError saying what and how to fix. */
export function loadSafetensors(bytes: Uint8Array): LoadedSafetensors {
  const advice = 'the file is truncated or not a safetensors file; re-save or re-download it';
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix: ${advice}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const N = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (N > bytes.length - 8)
    fail(
      `header length ${N} (u64 little-endian at byte 0) exceeds the ${bytes.length - 8} bytes after the prefix: ${advice}`,
    );

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + N));
  } catch {
    return fail(`header (${N} bytes) is not valid UTF-8: ${advice}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message}): ${advice}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail(
      `header must be a JSON object, got ${Array.isArray(header) ? 'an array' : String(header)}: ${advice}`,
    );

  const metadata: Record<string, string> = {};
  const bufferLength = bytes.length - 8 - N;
  const infos: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
        fail('"__metadata__" must be an object of string to string');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string')
          return fail(
            `metadata "${k}" is ${JSON.stringify(v)}, not a string (safetensors metadata maps strings to strings; store JSON.stringify(value))`,
          );
        metadata[k] = v;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return fail(`${where}: entry must be an object {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets, ...extra } = entry as Record<string, unknown>;
    if (Object.keys(extra).length)
      fail(
        `${where}: unexpected field(s) ${Object.keys(extra).join(', ')}; an entry has only dtype, shape, data_offsets`,
      );
    if (typeof dtype !== 'string' || !SPEC_DTYPES.has(dtype))
      fail(
        `${where}: unknown dtype ${JSON.stringify(dtype)}; the spec's dtypes are ${[...SPEC_DTYPES].join(', ')}`,
      );
    if (dtype !== 'F32')
      fail(
        `${where}: dtype ${dtype} is not supported; t2lab reads F32 only (convert in Python: {k: v.float() for k, v in tensors.items()})`,
      );
    if (!Array.isArray(shape) || !shape.every(isSize))
      return fail(
        `${where}: shape ${JSON.stringify(shape)} must be a list of non-negative integers`,
      );
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every(isSize) ||
      offsets[0] > offsets[1]
    ) {
      return fail(
        `${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end] with integers 0 <= begin <= end`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const size = product(shape) * 4;
    if (end - begin !== size)
      fail(
        `${where}: shape [${shape}] needs ${size} bytes (product of shape x 4) but data_offsets [${begin}, ${end}] span ${end - begin}: the header and data disagree; re-save the checkpoint`,
      );
    if (end > bufferLength)
      fail(
        `${where}: data_offsets [${begin}, ${end}] are out of range: the data buffer has ${bufferLength} bytes; ${advice}`,
      );
    infos.push({ name, shape, begin, end });
  }

  // The tensors must tile [0, bufferLength) exactly, as the reference implementation requires.
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last = '';
  for (const t of sorted) {
    if (t.begin < covered)
      fail(
        `tensor "${t.name}": data_offsets [${t.begin}, ${t.end}] overlap tensor "${last}" (which ends at ${covered}); re-save the checkpoint`,
      );
    if (t.begin > covered)
      fail(
        `data bytes [${covered}, ${t.begin}) belong to no tensor: offsets must cover the buffer exactly, with no gaps; re-save the checkpoint`,
      );
    covered = t.end;
    last = t.name;
  }
  if (covered < bufferLength)
    fail(
      `${bufferLength - covered} trailing bytes after the last tensor (data ends at ${covered} of ${bufferLength}): the file was appended to or its header is stale; re-save the checkpoint`,
    );

  const tensors: Record<string, Tensor> = {};
  const base = 8 + N;
  for (const { name, shape, begin, end } of infos) {
    let data: Float32Array;
    if (LITTLE_ENDIAN_HOST) {
      data = new Float32Array(bytes.slice(base + begin, base + end).buffer);
    } else {
      data = new Float32Array((end - begin) / 4);
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(base + begin + 4 * i, true);
    }
    tensors[name] = { shape: [...shape], data };
  }
  return { tensors, metadata, data: bytes.subarray(base) };
}

/** Refuse a checkpoint whose tensors are not exactly `expected` (name → shape), listing every difference. */
export function expectTensors(
  loaded: { tensors: Record<string, { shape: readonly number[] }> },
  expected: Record<string, readonly number[]>,
): void {
  const have = Object.keys(loaded.tensors);
  const missing = Object.keys(expected).filter((n) => !(n in loaded.tensors));
  const extra = have.filter((n) => !(n in expected));
  const shapes = have
    .filter((n) => n in expected)
    .filter((n) => {
      const a = loaded.tensors[n]!.shape,
        b = expected[n]!;
      return a.length !== b.length || a.some((x, i) => x !== b[i]);
    })
    .map((n) => `"${n}" is [${loaded.tensors[n]!.shape}], expected [${expected[n]}]`);
  const problems = [
    missing.length ? `missing tensor(s): ${missing.map((n) => `"${n}"`).join(', ')}` : '',
    extra.length ? `unexpected tensor(s): ${extra.map((n) => `"${n}"`).join(', ')}` : '',
    shapes.length ? `shape mismatch: ${shapes.join('; ')}` : '',
  ].filter(Boolean);
  if (problems.length) {
    throw new CheckpointError(
      `checkpoint does not match the model config: ${problems.join('. ')}. Load it with the config stored in its __metadata__, or pick a checkpoint saved from this config`,
    );
  }
}
