// Character-level tokenizer with a FIXED vocabulary, so a token id means the same thing in every run,
// checkpoint and browser tab (the vocabulary is also stored in each checkpoint's metadata).
//
// Vocabulary (id: token), 52 tokens:
//   0 <pad>   padding; never produced by the data stream, never a training target
//   1 <eos>   end of answer, and the separator between examples in the training stream
//   2 '\n'    3 ' '
//   4..13     digits '0'..'9'
//   14..39    lowercase letters 'a'..'z'
//   40..51    punctuation  + - * = ( ) . , ? : / ;
//
// Text form of the special tokens: decode() writes them as "<pad>" and "<eos>", and encode() reads those
// two spellings back, so encode(decode(ids)) round-trips for every id. This is unambiguous because '<'
// and '>' are not in the vocabulary: any other '<' is an unknown character.

export const PAD = 0;
export const EOS = 1;

const SPECIALS = ['<pad>', '<eos>'] as const;
const CHARS = '\n 0123456789abcdefghijklmnopqrstuvwxyz+-*=().,?:/;';

/** Token id → its text: the two specials, then one character per id. */
export const VOCAB: readonly string[] = Object.freeze([...SPECIALS, ...CHARS]);
export const VOCAB_SIZE = VOCAB.length;

const charToId = new Map<string, number>();
for (let i = SPECIALS.length; i < VOCAB.length; i++) charToId.set(VOCAB[i]!, i);

/** A printable description of one character for error messages ('\n' and control characters escaped). */
function showChar(c: string): string {
  return JSON.stringify(c);
}

/** Text → token ids. Throws on a character outside the vocabulary, naming it and its position. */
export function encode(text: string): Uint32Array {
  const out = new Uint32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const id = charToId.get(c);
    if (id !== undefined) {
      out[n++] = id;
      continue;
    }
    if (c === '<') {
      const special = SPECIALS.findIndex((s) => text.startsWith(s, i));
      if (special >= 0) {
        out[n++] = special;
        i += SPECIALS[special]!.length - 1;
        continue;
      }
    }
    const code = text.codePointAt(i)!;
    const ch = String.fromCodePoint(code);
    throw new Error(
      `tokenizer: character ${showChar(ch)} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${i} is not in the vocabulary ` +
        `(digits, lowercase a-z, space, newline, ${[...'+-*=().,?:/;'].join(' ')}, <pad>, <eos>); lowercase the text or add the character to VOCAB`,
    );
  }
  return n === out.length ? out : out.slice(0, n);
}

/** Token ids → text; specials are written "<pad>" / "<eos>". Throws on an id outside [0, VOCAB_SIZE). */
export function decode(ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const t = VOCAB[id];
    if (t === undefined)
      throw new Error(
        `tokenizer: token id ${id} at position ${i} is outside the vocabulary [0, ${VOCAB_SIZE})`,
      );
    s += t;
  }
  return s;
}
