// A t2lab checkpoint as a Hugging Face `transformers` GPT-2 folder, and back. t2lab's GPT is GPT-2's
// architecture (learned positions, pre-LayerNorm, tanh GELU, tied unembedding), so the mapping is names
// and one layout change: t2lab stores linear weights [out, in] and applies x·Wᵀ (nn.Linear), GPT-2's
// Conv1D stores [in, out] and applies x·W, so every matrix but the embeddings is transposed.
// The folder is what `GPT2LMHeadModel.from_pretrained(DIR)` and `AutoTokenizer.from_pretrained(DIR)`
// load with no custom code; docs/checkpoint.md gives the table.
import { CheckpointError, loadSafetensors, saveSafetensors, type Tensor } from './safetensors.ts';
import {
  loadCheckpoint,
  modelDescription,
  saveCheckpoint,
  type Checkpoint,
  type TrainState,
} from './checkpoint.ts';
import { ConfigError, makeConfig, type Config, modelShape } from '../config.ts';
import { EOS, PAD, VOCAB, VOCAB_SIZE } from '../data/tokenizer.ts';
import { paramLayout } from '../model/gpt.ts';

/** Per block: t2lab name (after `h{l}.`), GPT-2 name (after `h.{l}.`), and whether the layouts are transposes. */
const BLOCK: readonly (readonly [string, string, boolean])[] = [
  ['ln1w', 'ln_1.weight', false],
  ['ln1b', 'ln_1.bias', false],
  ['qkvw', 'attn.c_attn.weight', true],
  ['qkvb', 'attn.c_attn.bias', false],
  ['attprojw', 'attn.c_proj.weight', true],
  ['attprojb', 'attn.c_proj.bias', false],
  ['ln2w', 'ln_2.weight', false],
  ['ln2b', 'ln_2.bias', false],
  ['fcw', 'mlp.c_fc.weight', true],
  ['fcb', 'mlp.c_fc.bias', false],
  ['fcprojw', 'mlp.c_proj.weight', true],
  ['fcprojb', 'mlp.c_proj.bias', false],
];
const TOP: readonly (readonly [string, string])[] = [
  ['wte', 'wte.weight'],
  ['wpe', 'wpe.weight'],
  ['lnfw', 'ln_f.weight'],
  ['lnfb', 'ln_f.bias'],
];

/** GPT-2's tensor name (as GPT2LMHeadModel.save_pretrained writes it) for each t2lab parameter, and whether it is transposed. */
export function hfNames(nLayer: number): { t2lab: string; hf: string; transpose: boolean }[] {
  const out = TOP.map(([t2lab, hf]) => ({ t2lab, hf: `transformer.${hf}`, transpose: false }));
  for (let l = 0; l < nLayer; l++)
    for (const [t, h, transpose] of BLOCK)
      out.push({ t2lab: `h${l}.${t}`, hf: `transformer.h.${l}.${h}`, transpose });
  return out;
}

/** A 2-D tensor's transpose ([r, c] → [c, r]). */
function transposed(t: Tensor): Tensor {
  const [r, c] = t.shape as [number, number];
  const data = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[j * r + i] = t.data[i * c + j]!;
  return { shape: [c, r], data };
}

const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 2) + '\n');

/** What t2lab keeps in config.json (under "t2lab") so that `t2lab import` restores the checkpoint exactly. */
interface T2labBlock {
  config: Config;
  train_state: TrainState;
  model: ReturnType<typeof modelDescription>;
}

/** The added (special) tokens of the tokenizer: <pad> and <eos>, matched in text before the character model. */
const specialTokens = () =>
  [PAD, EOS].map((id) => ({
    id,
    content: VOCAB[id]!,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));

/**
 * The `tokenizers` library's tokenizer.json for t2lab's character vocabulary: a BPE model with no merges
 * (so each character is its own token, looked up by id) and no pre-tokenizer or normalizer (spaces and
 * newlines are tokens like any other), a Fuse decoder (tokens joined with nothing between them), and the
 * two specials as added tokens. One difference from t2lab's encode(): a character outside the vocabulary
 * is dropped (the library has no way to refuse it, and there is no <unk>) where t2lab throws.
 */
export function tokenizerJson(): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens(),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(VOCAB.map((t, id) => [t, id])),
      merges: [],
    },
  };
}

/** The files exportHf writes. */
export const HF_FILES = [
  'config.json',
  'generation_config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
] as const;

/** The files of a Hugging Face GPT-2 folder holding `ck`'s model, by file name (HF_FILES). */
export function exportHf(ck: Checkpoint): Record<(typeof HF_FILES)[number], Uint8Array> {
  const shape = modelShape(ck.config);
  const tensors: Record<string, Tensor> = {};
  for (const { t2lab, hf, transpose } of hfNames(shape.n_layer)) {
    const t = ck.params[t2lab];
    if (!t) throw new CheckpointError(`export: the checkpoint has no tensor "${t2lab}"`);
    tensors[hf] = transpose ? transposed(t) : t;
  }
  const { resume: _, ...state } = ck.state; // the optimizer's place in a run means nothing to another tool
  const t2lab: T2labBlock = {
    config: ck.config,
    train_state: state,
    model: modelDescription(shape),
  };
  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: shape.vocab_size,
    n_positions: shape.block_size,
    n_ctx: shape.block_size,
    n_embd: shape.n_embd,
    n_layer: shape.n_layer,
    n_head: shape.n_head,
    n_inner: null, // = 4·n_embd
    activation_function: 'gelu_new', // transformers' name for the tanh form
    layer_norm_epsilon: 1e-5,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    summary_first_dropout: 0,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    // t2lab prompts start with no BOS; <eos> ends an answer (GPT-2 too uses one token for both roles).
    bos_token_id: EOS,
    eos_token_id: EOS,
    pad_token_id: PAD,
    use_cache: true,
    dtype: 'float32',
    t2lab,
  };
  const special = { eos_token: VOCAB[EOS], pad_token: VOCAB[PAD] };
  return {
    'config.json': json(config),
    'generation_config.json': json({ bos_token_id: EOS, eos_token_id: EOS, pad_token_id: PAD }),
    // format "pt": transformers refuses a safetensors file without it.
    'model.safetensors': saveSafetensors(tensors, { format: 'pt' }),
    'tokenizer.json': json(tokenizerJson()),
    'tokenizer_config.json': json({
      tokenizer_class: 'PreTrainedTokenizerFast',
      model_max_length: shape.block_size,
      ...special,
      clean_up_tokenization_spaces: false, // the default would rewrite " ." and " ," on decode
      padding_side: 'right',
      added_tokens_decoder: Object.fromEntries(
        specialTokens().map(({ id, ...t }) => [String(id), t]),
      ),
    }),
    'special_tokens_map.json': json(special),
  };
}

/** GPT-2 config keys that change the computation, with the only value t2lab's kernels compute. */
const REQUIRED: [string, (v: unknown) => boolean, string][] = [
  ['model_type', (v) => v === 'gpt2', '"gpt2"'],
  [
    'activation_function',
    (v) => v === undefined || v === 'gelu_new' || v === 'gelu_pytorch_tanh',
    '"gelu_new" (the tanh GELU of kernels/gelu)',
  ],
  ['layer_norm_epsilon', (v) => v === undefined || v === 1e-5, '1e-5 (kernels/layernorm)'],
  ['n_inner', (v) => v === undefined || v === null, 'null (an MLP of 4·n_embd)'],
  [
    'scale_attn_weights',
    (v) => v === undefined || v === true,
    'true (attention scaled by 1/sqrt(head size))',
  ],
  ['scale_attn_by_inverse_layer_idx', (v) => v === undefined || v === false, 'false'],
  ['add_cross_attention', (v) => v === undefined || v === false, 'false (decoder-only)'],
  ['vocab_size', (v) => v === VOCAB_SIZE, `${VOCAB_SIZE} (t2lab's character vocabulary)`],
];

/** Tensors GPT-2 checkpoints may carry that are not parameters (the causal-mask buffers of older transformers). */
const BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * A Hugging Face GPT-2 folder (`files`: file name → bytes, as read) as a t2lab checkpoint. Anything the
 * kernels do not compute (another epsilon or activation, an untied lm_head, another vocabulary, a size
 * past the kernels' limits) is refused, naming the key and the value it needs.
 */
export function importHf(files: Record<string, Uint8Array>, source = 'folder'): Checkpoint {
  const fail = (why: string): never => {
    throw new CheckpointError(`${source}: ${why}`);
  };
  const parse = (name: string): Record<string, unknown> => {
    const bytes = files[name];
    if (!bytes) return fail(`no ${name}`);
    try {
      const v = JSON.parse(new TextDecoder().decode(bytes));
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
    } catch {
      // reported below
    }
    return fail(`${name} is not a JSON object`);
  };
  if (!files['config.json'])
    fail(
      'no config.json: not a Hugging Face model folder (written by save_pretrained or `t2lab export --format hf`)',
    );
  if (!files['model.safetensors']) {
    if (files['model.safetensors.index.json'])
      fail(
        'the weights are sharded (model.safetensors.index.json); a model t2lab\'s kernels run fits one file: re-save with save_pretrained(DIR, max_shard_size="10GB")',
      );
    if (files['pytorch_model.bin'])
      fail(
        'the weights are pytorch_model.bin (pickle), which t2lab does not read; re-save them as safetensors: model.save_pretrained(DIR, safe_serialization=True)',
      );
    fail('no model.safetensors');
  }
  const hf = parse('config.json');
  const wrong = REQUIRED.filter(([k, ok]) => !ok(hf[k])).map(
    ([k, , want]) => `${k} is ${JSON.stringify(hf[k])}, t2lab needs ${want}`,
  );
  if (wrong.length)
    fail(`config.json describes a model t2lab's kernels do not compute: ${wrong.join('; ')}`);

  // The tokenizer must be t2lab's: a vocabulary of the same size with other characters would load and be garbage.
  if (!files['tokenizer.json'])
    fail(
      `no tokenizer.json: t2lab can only use a model of its own character vocabulary, and without the tokenizer that cannot be checked`,
    );
  const tok = parse('tokenizer.json');
  const ids = new Map<number, string>();
  for (const [t, id] of Object.entries(
    ((tok.model as Record<string, unknown> | undefined)?.vocab ?? {}) as Record<string, number>,
  ))
    ids.set(id, t);
  for (const t of (tok.added_tokens ?? []) as { id: number; content: string }[])
    ids.set(t.id, t.content);
  const differ = VOCAB.map((t, id) => [id, t, ids.get(id)] as const).filter(
    ([, t, got]) => got !== t,
  );
  if (differ.length || ids.size !== VOCAB_SIZE) {
    fail(
      `tokenizer.json is not t2lab's character vocabulary (${
        differ
          .slice(0, 3)
          .map(
            ([id, t, got]) => `id ${id} is ${JSON.stringify(got)}, t2lab's is ${JSON.stringify(t)}`,
          )
          .join('; ') || `${ids.size} tokens, t2lab has ${VOCAB_SIZE}`
      })`,
    );
  }

  const shapeKeys = {
    n_layer: hf.n_layer,
    n_embd: hf.n_embd,
    n_head: hf.n_head,
    block_size: hf.n_positions ?? hf.n_ctx,
  }; // n_ctx: configs older than n_positions
  const t2lab = hf.t2lab as T2labBlock | undefined;
  if (
    t2lab !== undefined &&
    !(
      t2lab &&
      typeof t2lab === 'object' &&
      t2lab.config &&
      typeof t2lab.config === 'object' &&
      t2lab.train_state &&
      typeof t2lab.train_state === 'object'
    )
  ) {
    fail(
      'config.json\'s "t2lab" entry is malformed (it needs config and train_state); remove it to import the sizes alone',
    );
  }
  let config: Config;
  try {
    // A folder t2lab exported keeps the run's whole config; any other gets t2lab's defaults for training keys.
    config = makeConfig({ ...(t2lab?.config ?? {}), ...shapeKeys });
  } catch (e) {
    if (e instanceof ConfigError)
      return fail(
        `config.json: ${e.message.replace(/(config key )?"block_size"|block_size/g, 'n_positions (block_size)')}`,
      );
    throw e;
  }
  if (t2lab && JSON.stringify(makeConfig(t2lab.config)) !== JSON.stringify(config))
    fail(
      'config.json was edited: its sizes differ from the t2lab config it carries; remove the "t2lab" entry to import the sizes alone',
    );
  const shape = modelShape(config);

  let loaded;
  try {
    loaded = loadSafetensors(files['model.safetensors']);
  } catch (e) {
    return fail(`model.safetensors: ${(e as Error).message}`);
  }
  // Both spellings: GPT2LMHeadModel's ("transformer.h.0...") and the hub's GPT-2 files ("h.0...").
  const byName = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(loaded.tensors))
    byName.set(name.replace(/^transformer\./, ''), t);
  const params: Record<string, Tensor> = {};
  const specs = new Map(paramLayout(shape, 1).specs.map((p) => [p.name, p]));
  const problems: string[] = [];
  const used = new Set<string>();
  for (const { t2lab: name, hf: hfName, transpose } of hfNames(shape.n_layer)) {
    const short = hfName.replace(/^transformer\./, '');
    const t = byName.get(short);
    const want = specs.get(name)!.shape;
    const wantHf = transpose ? [want[1]!, want[0]!] : want;
    used.add(short);
    if (!t) problems.push(`missing "${hfName}"`);
    else if (JSON.stringify(t.shape) !== JSON.stringify(wantHf))
      problems.push(`"${hfName}" is [${t.shape}], expected [${wantHf}]`);
    else params[name] = transpose ? transposed(t) : t;
  }
  const head = byName.get('lm_head.weight');
  if (head) {
    used.add('lm_head.weight');
    const wte = byName.get('wte.weight');
    if (
      wte &&
      (head.data.length !== wte.data.length || head.data.some((x, i) => x !== wte.data[i]))
    ) {
      problems.push(
        'lm_head.weight differs from wte.weight: t2lab ties the unembedding to the token embedding (tie_word_embeddings)',
      );
    }
  } else if (hf.tie_word_embeddings === false) {
    problems.push('tie_word_embeddings is false but there is no lm_head.weight');
  }
  const extra = [...byName.keys()].filter((n) => !used.has(n) && !BUFFER.test(n));
  if (extra.length)
    problems.push(
      `unexpected tensor(s) ${extra
        .slice(0, 5)
        .map((n) => `"${n}"`)
        .join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}`,
    );
  if (problems.length)
    fail(
      `model.safetensors does not hold a GPT-2 of config.json's sizes as t2lab computes it: ${problems.join('; ')}`,
    );
  for (const [name, t] of Object.entries(params)) {
    if (t.data.some((x) => !Number.isFinite(x)))
      fail(`tensor for "${name}" holds a non-finite value (NaN or Inf)`);
  }
  const state: TrainState = t2lab?.train_state ?? {
    step: 0,
    tokens: 0,
    finalEvalLoss: NaN,
    origin: `hf:${source}`,
  };
  // Through the checkpoint format and back: the same checks as any checkpoint (train_state included).
  return loadCheckpoint(saveCheckpoint({ config, params, state }), source);
}
