// src/model/: the GPT on an ops interface, with GPU and CPU backends. Imports kernels, gpu, config,
// util; imported by checkpoint, train, sample, bench, sweep, node, web (layers:
// test/structure.test.ts).
//
// The GPT, written once against Ops<T>: token + learned position embeddings, L pre-LayerNorm blocks
// (causal multi-head attention, 4x GELU MLP), a final LayerNorm, and an unembedding TIED to the token
// embedding (logits = lnf·wteᵀ): at character-level vocabularies the saving is small, but it is
// GPT-2's choice and keeps N honest (wte is counted once).
//
// All parameters live in one flat buffer, matrices and embeddings first (weight-decayed), then biases
// and LayerNorm gains (not decayed), each tensor aligned for GPU binding offsets; gradients mirror it.
// One AdamW and one gradient-norm dispatch then cover the whole model.
//
// GELU runs in the fc matmuls' epilogues when the ops say so (ops.fuse_gelu, the GPU's default): the fc
// matmul stores fch and fch_gelu = gelu(fch), and the matmul making the hidden layer's gradient applies
// gelu'(fch) itself, so d(fch_gelu) is never stored (it is not needed: dW of fcproj reads fch_gelu and
// dresidual). The unfused path (gelu_forward, gelu_backward, the dacts entry dfch_gelu) stays selectable.
//
// A pack (`runs` > 1): R models of this shape side by side, trained in the same dispatches. Run r's flat
// parameters (and gradients) start r·P floats after run 0's (P = nParamsFlat), each named tensor is a view
// from run 0's copy across all R; activations hold the R runs' batches one after another. Kernels with
// parameters get the pack's Runs; the others see one batch R times as big. The first `active` runs compute.
import type { ModelShape } from '../config.ts';
import type { MatmulFlags, MatmulRuns, Ops, Runs } from './ops.ts';
import { Rng } from '../util/rng.ts';

export interface ParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  offset: number; // floats into the flat buffer
  length: number;
}

/** Names, shapes and flat offsets of every parameter; decayed tensors first. */
export function paramLayout(
  s: ModelShape,
  align: number,
): { specs: ParamSpec[]; total: number; nDecay: number } {
  const { vocab_size: V, n_layer: L, n_embd: C, block_size: T } = s;
  const decayed: [string, number[]][] = [
    ['wte', [V, C]],
    ['wpe', [T, C]],
  ];
  const other: [string, number[]][] = [];
  for (let l = 0; l < L; l++) {
    decayed.push(
      [`h${l}.qkvw`, [3 * C, C]],
      [`h${l}.attprojw`, [C, C]],
      [`h${l}.fcw`, [4 * C, C]],
      [`h${l}.fcprojw`, [C, 4 * C]],
    );
    other.push(
      [`h${l}.ln1w`, [C]],
      [`h${l}.ln1b`, [C]],
      [`h${l}.qkvb`, [3 * C]],
      [`h${l}.attprojb`, [C]],
      [`h${l}.ln2w`, [C]],
      [`h${l}.ln2b`, [C]],
      [`h${l}.fcb`, [4 * C]],
      [`h${l}.fcprojb`, [C]],
    );
  }
  other.push(['lnfw', [C]], ['lnfb', [C]]);
  const specs: ParamSpec[] = [];
  let offset = 0;
  let nDecay = 0;
  for (const [list, decay] of [
    [decayed, true],
    [other, false],
  ] as const) {
    for (const [name, shape] of list) {
      const length = shape.reduce((a, b) => a * b, 1);
      specs.push({ name, shape, decay, offset, length });
      offset += Math.ceil(length / align) * align;
    }
    if (decay) nDecay = offset;
  }
  return { specs, total: offset, nDecay };
}

/** Named copies of the tensors of a flat buffer in `specs`' layout (parameters, gradients, AdamW moments). */
export function unflattenParams(
  specs: ParamSpec[],
  flat: Float32Array,
): Record<string, { shape: number[]; data: Float32Array }> {
  return Object.fromEntries(
    specs.map((p) => [p.name, { shape: p.shape, data: flat.slice(p.offset, p.offset + p.length) }]),
  );
}

/** The flat buffer (`total` floats, `specs`' layout) holding named tensors: unflattenParams inverted. */
export function flattenParams(
  specs: ParamSpec[],
  total: number,
  named: Record<string, { data: Float32Array }>,
): Float32Array {
  const flat = new Float32Array(total);
  for (const p of specs) flat.set(named[p.name]!.data, p.offset);
  return flat;
}

/** Parameter count N, with and without the embeddings (wte, which is also the unembedding, and wpe). */
export function paramCount(s: ModelShape): { total: number; nonEmbedding: number } {
  const { specs } = paramLayout(s, 1);
  const total = specs.reduce((a, p) => a + p.length, 0);
  const emb = specs
    .filter((p) => p.name === 'wte' || p.name === 'wpe')
    .reduce((a, p) => a + p.length, 0);
  return { total, nonEmbedding: total - emb };
}

/**
 * Exact FLOPs per training token of the matmuls and attention, forward and backward (elementwise
 * kernels excluded: a few % at these sizes). Compare with the 6N rule: at toy scale the unembedding
 * and attention are a large share (T2.md).
 */
export function trainingFlopsPerToken(s: ModelShape, T = s.block_size): number {
  const { vocab_size: V, n_layer: L, n_embd: C } = s;
  const matmulFwd = L * 2 * C * (3 * C + C + 4 * C + 4 * C) + 2 * C * V; // per token
  const attnFwd = L * 2 * 2 * C * ((T + 1) / 2); // q·k and p·v over the causal triangle, averaged per token
  // Backward: two matmuls (dx, dW) per forward one; attention backward recomputes q·k and does four more products.
  return 3 * matmulFwd + attnFwd + 2.5 * attnFwd;
}

const ACT = (s: ModelShape, B: number) => {
  const { n_layer: L, n_embd: C, n_head: H, vocab_size: V } = s;
  const T = s.block_size;
  const BT = B * T;
  const list: [string, number][] = [['encoded', BT * C]];
  for (let l = 0; l < L; l++) {
    list.push(
      [`h${l}.ln1`, BT * C],
      [`h${l}.ln1_mean`, BT],
      [`h${l}.ln1_rstd`, BT],
      [`h${l}.qkv`, BT * 3 * C],
      [`h${l}.atty`, BT * C],
      [`h${l}.att_lse`, B * H * T],
      [`h${l}.attproj`, BT * C],
      [`h${l}.residual2`, BT * C],
      [`h${l}.ln2`, BT * C],
      [`h${l}.ln2_mean`, BT],
      [`h${l}.ln2_rstd`, BT],
      [`h${l}.fch`, BT * 4 * C],
      [`h${l}.fch_gelu`, BT * 4 * C],
      [`h${l}.fcproj`, BT * C],
      [`h${l}.residual3`, BT * C],
    );
  }
  list.push(
    ['lnf', BT * C],
    ['lnf_mean', BT],
    ['lnf_rstd', BT],
    ['logits', BT * V],
    ['losses', BT],
  );
  return list;
};

/**
 * The MLP's up-projection and its GELU, for `rows` rows of width C: fch = x·fcwᵀ + fcb and
 * fch_gelu = gelu(fch), in the matmul's epilogue when `fused` (the training step and the decoder both);
 * `runs`: for each of a pack's runs, `rows` rows after the last's, fcw and fcb `runs.b` floats apart.
 */
export function fcGelu<T>(
  ops: Ops<T>,
  fused: boolean,
  fch: T,
  fchGelu: T,
  x: T,
  fcw: T,
  fcb: T,
  rows: number,
  C: number,
  runs?: MatmulRuns,
): void {
  if (fused)
    ops.matmul(fch, x, fcw, fcb, rows, C, 4 * C, { transB: true, gelu_out: fchGelu, runs });
  else {
    ops.matmul(fch, x, fcw, fcb, rows, C, 4 * C, { transB: true, runs });
    ops.gelu_forward(fchGelu, fch, (runs?.R ?? 1) * rows * 4 * C);
  }
}

export class GPT<T> {
  readonly params: Record<string, T> = {};
  readonly grads: Record<string, T> = {};
  readonly acts: Record<string, T> = {};
  /** Gradients of activations kept for inspection (the GPU-vs-CPU test compares them by name). */
  readonly dacts: Record<string, T> = {};
  readonly paramsFlat: T;
  readonly gradsFlat: T;
  readonly specs: ParamSpec[];
  readonly nParamsFlat: number;
  readonly nDecay: number;
  readonly tokens: T;
  readonly targets: T;
  readonly dlosses: T;
  readonly T: number;
  /** GELU in the matmul epilogues (ops.fuse_gelu when the model was built). */
  readonly fuseGelu: boolean;
  /** Runs of the pack that forward and backward compute: the first `active` of `runs`. */
  active: number;
  /** The parameter and gradient views, whose run stride in a pack is P. */
  private readonly perRun = new Set<T>();

  /**
   * `params`: share an existing flat parameter buffer (same layout), e.g. a trained model's, for evaluation.
   * `runs`: models side by side in one pack (B sequences each).
   */
  constructor(
    readonly ops: Ops<T>,
    readonly shape: ModelShape,
    readonly B: number,
    params?: T,
    readonly runs = 1,
  ) {
    const { specs, total, nDecay } = paramLayout(shape, ops.align);
    this.specs = specs;
    this.nParamsFlat = total;
    this.nDecay = nDecay;
    this.active = runs;
    const span = (p: ParamSpec) => (runs - 1) * total + p.length;
    this.paramsFlat = params ?? ops.alloc('params', runs * total);
    this.gradsFlat = ops.alloc('grads', runs * total);
    for (const p of specs) {
      this.params[p.name] = ops.view(this.paramsFlat, p.offset, span(p), p.name);
      this.grads[p.name] = ops.view(this.gradsFlat, p.offset, span(p), `d${p.name}`);
      this.perRun.add(this.params[p.name]!).add(this.grads[p.name]!);
    }
    for (const [name, n] of ACT(shape, runs * B)) this.acts[name] = ops.alloc(name, n);
    const { n_embd: C, vocab_size: V } = shape;
    this.T = shape.block_size;
    this.fuseGelu = ops.fuse_gelu;
    const BT = runs * B * this.T;
    const dacts: [string, number][] = [
      ['dlogits', BT * V],
      ['dlnf', BT * C],
      ['dresidual', BT * C],
      ['dfch', BT * 4 * C],
      ['dln', BT * C],
      ['datty', BT * C],
      ['dqkv', BT * 3 * C],
      ['attn_scratch', runs * B * shape.n_head * this.T],
    ];
    if (!this.fuseGelu) dacts.push(['dfch_gelu', BT * 4 * C]);
    for (const [name, n] of dacts) this.dacts[name] = ops.alloc(name, n);
    this.tokens = ops.alloc('tokens', BT);
    this.targets = ops.alloc('targets', BT);
    this.dlosses = ops.alloc('dlosses', BT);
  }

  /** GPT-2 initialisation of run `run` from `seed`, as float32 values (identical on every backend). */
  init(seed: number, run = 0): Float32Array {
    const rng = new Rng(seed);
    const flat = new Float32Array(this.nParamsFlat);
    const residualScale = 1 / Math.sqrt(2 * this.shape.n_layer);
    for (const p of this.specs) {
      const dst = flat.subarray(p.offset, p.offset + p.length);
      if (/ln.w$|lnfw$/.test(p.name)) dst.fill(1);
      else if (p.decay) {
        const std = /attprojw|fcprojw/.test(p.name) ? 0.02 * residualScale : 0.02;
        for (let i = 0; i < dst.length; i++) dst[i] = rng.normal() * std;
      } // biases stay 0
    }
    this.ops.write(this.paramsFlat, flat, run * this.nParamsFlat);
    return flat;
  }

  /** Upload one batch of run `run`: inputs and next-token targets (0xFFFFFFFF = not counted), B·T each. */
  setBatch(inputs: Uint32Array, targets: Uint32Array, run = 0): void {
    const BT = this.B * this.T;
    if (inputs.length !== BT || targets.length !== BT)
      throw new Error(
        `batch must hold B·T = ${BT} tokens, got ${inputs.length} inputs and ${targets.length} targets`,
      );
    if (!(Number.isInteger(run) && run >= 0 && run < this.runs))
      throw new Error(`setBatch: run ${run} is not one of the pack's ${this.runs}`);
    this.ops.writeU32(this.tokens, inputs, run * BT);
    this.ops.writeU32(this.targets, targets, run * BT);
    let counted = 0;
    for (const t of targets) if (t !== 0xffffffff) counted++;
    this.ops.write(this.dlosses, new Float32Array(BT).fill(counted ? 1 / counted : 0), run * BT);
  }

  /** The pack's Runs for kernels with parameters, or undefined for a model alone. */
  private pack(): Runs | undefined {
    return this.runs === 1 ? undefined : { R: this.active, P: this.nParamsFlat };
  }

  /** ops.matmul for every active run: a parameter's run stride is P, an activation's its own size. */
  private matmul(
    out: T,
    a: T,
    b: T,
    bias: T | null,
    M: number,
    K: number,
    N: number,
    flags: MatmulFlags<T> = {},
  ): void {
    if (this.runs === 1) return this.ops.matmul(out, a, b, bias, M, K, N, flags);
    const P = this.nParamsFlat;
    const s = (t: T, size: number) => (this.perRun.has(t) ? P : size);
    const runs = { R: this.active, a: s(a, M * K), b: s(b, K * N), out: s(out, M * N), bias: P };
    this.ops.matmul(out, a, b, bias, M, K, N, { ...flags, runs });
  }

  /** Forward pass to per-position losses (acts.losses); the mean loss needs a readback. */
  forward(): void {
    const { ops, acts: a, params: p, B, T } = this;
    const { n_layer: L, n_embd: C, n_head: H, vocab_size: V } = this.shape;
    const BT = B * T; // of each run
    const R = this.active;
    const pk = this.pack();
    ops.encoder_forward(a.encoded!, this.tokens, p.wte!, p.wpe!, B, T, C, pk);
    let residual = a.encoded!;
    for (let l = 0; l < L; l++) {
      const h = (n: string) => a[`h${l}.${n}`]!;
      const w = (n: string) => p[`h${l}.${n}`]!;
      ops.layernorm_forward(
        h('ln1'),
        h('ln1_mean'),
        h('ln1_rstd'),
        residual,
        w('ln1w'),
        w('ln1b'),
        BT,
        C,
        pk,
      );
      this.matmul(h('qkv'), h('ln1'), w('qkvw'), w('qkvb'), BT, C, 3 * C, { transB: true });
      ops.attention_forward(h('atty'), h('att_lse'), h('qkv'), R * B, T, C, H);
      this.matmul(h('attproj'), h('atty'), w('attprojw'), w('attprojb'), BT, C, C, {
        transB: true,
      });
      ops.residual_forward(h('residual2'), residual, h('attproj'), R * BT * C);
      ops.layernorm_forward(
        h('ln2'),
        h('ln2_mean'),
        h('ln2_rstd'),
        h('residual2'),
        w('ln2w'),
        w('ln2b'),
        BT,
        C,
        pk,
      );
      const fc = pk && { R, a: BT * C, b: pk.P, out: BT * 4 * C, bias: pk.P };
      fcGelu(ops, this.fuseGelu, h('fch'), h('fch_gelu'), h('ln2'), w('fcw'), w('fcb'), BT, C, fc);
      this.matmul(h('fcproj'), h('fch_gelu'), w('fcprojw'), w('fcprojb'), BT, 4 * C, C, {
        transB: true,
      });
      ops.residual_forward(h('residual3'), h('residual2'), h('fcproj'), R * BT * C);
      residual = h('residual3');
    }
    ops.layernorm_forward(a.lnf!, a.lnf_mean!, a.lnf_rstd!, residual, p.lnfw!, p.lnfb!, BT, C, pk);
    this.matmul(a.logits!, a.lnf!, p.wte!, null, BT, C, V, { transB: true });
    ops.crossentropy_forward(a.losses!, a.logits!, this.targets, R * BT, V);
  }

  /** Backward pass: fills `grads` (zeroed here first) from the last forward. */
  backward(): void {
    const { ops, acts: a, params: p, grads: g, dacts: d, B, T } = this;
    const { n_layer: L, n_embd: C, n_head: H, vocab_size: V } = this.shape;
    const BT = B * T; // of each run
    const R = this.active;
    const pk = this.pack();
    ops.zero(this.gradsFlat);
    ops.zero(d.dresidual!);
    ops.crossentropy_backward(d.dlogits!, a.logits!, this.targets, this.dlosses, R * BT, V);
    this.matmul(d.dlnf!, d.dlogits!, p.wte!, null, BT, V, C);
    this.matmul(g.wte!, d.dlogits!, a.lnf!, null, V, BT, C, { transA: true, accumulate: true });
    const residualL = L > 0 ? a[`h${L - 1}.residual3`]! : a.encoded!;
    ops.layernorm_backward(
      d.dresidual!,
      g.lnfw!,
      g.lnfb!,
      d.dlnf!,
      residualL,
      p.lnfw!,
      a.lnf_mean!,
      a.lnf_rstd!,
      BT,
      C,
      pk,
    );
    for (let l = L - 1; l >= 0; l--) {
      const h = (n: string) => a[`h${l}.${n}`]!;
      const w = (n: string) => p[`h${l}.${n}`]!;
      const dw = (n: string) => g[`h${l}.${n}`]!;
      const residual = l > 0 ? a[`h${l - 1}.residual3`]! : a.encoded!;
      // residual3 = residual2 + fcproj: d(fcproj) = d(residual3) = dresidual; d(residual2) gets it too.
      // dfch = gelu'(fch) ⊙ d(fch_gelu), d(fch_gelu) = dresidual·W_fcproj.
      if (this.fuseGelu)
        this.matmul(d.dfch!, d.dresidual!, w('fcprojw'), null, BT, C, 4 * C, {
          gelu_inp: h('fch'),
        });
      else {
        this.matmul(d.dfch_gelu!, d.dresidual!, w('fcprojw'), null, BT, C, 4 * C);
        ops.gelu_backward(d.dfch!, h('fch'), d.dfch_gelu!, R * BT * 4 * C);
      }
      this.matmul(dw('fcprojw'), d.dresidual!, h('fch_gelu'), null, C, BT, 4 * C, {
        transA: true,
        accumulate: true,
      });
      ops.matmul_backward_bias(dw('fcprojb'), d.dresidual!, BT, C, pk);
      this.matmul(d.dln!, d.dfch!, w('fcw'), null, BT, 4 * C, C);
      this.matmul(dw('fcw'), d.dfch!, h('ln2'), null, 4 * C, BT, C, {
        transA: true,
        accumulate: true,
      });
      ops.matmul_backward_bias(dw('fcb'), d.dfch!, BT, 4 * C, pk);
      ops.layernorm_backward(
        d.dresidual!,
        dw('ln2w'),
        dw('ln2b'),
        d.dln!,
        h('residual2'),
        w('ln2w'),
        h('ln2_mean'),
        h('ln2_rstd'),
        BT,
        C,
        pk,
      );
      // residual2 = residual + attproj: dresidual now holds d(residual2) = d(attproj).
      this.matmul(d.datty!, d.dresidual!, w('attprojw'), null, BT, C, C);
      this.matmul(dw('attprojw'), d.dresidual!, h('atty'), null, C, BT, C, {
        transA: true,
        accumulate: true,
      });
      ops.matmul_backward_bias(dw('attprojb'), d.dresidual!, BT, C, pk);
      ops.attention_backward(
        d.dqkv!,
        d.attn_scratch!,
        d.datty!,
        h('qkv'),
        h('atty'),
        h('att_lse'),
        R * B,
        T,
        C,
        H,
      );
      this.matmul(d.dln!, d.dqkv!, w('qkvw'), null, BT, 3 * C, C);
      this.matmul(dw('qkvw'), d.dqkv!, h('ln1'), null, 3 * C, BT, C, {
        transA: true,
        accumulate: true,
      });
      ops.matmul_backward_bias(dw('qkvb'), d.dqkv!, BT, 3 * C, pk);
      ops.layernorm_backward(
        d.dresidual!,
        dw('ln1w'),
        dw('ln1b'),
        d.dln!,
        residual,
        w('ln1w'),
        h('ln1_mean'),
        h('ln1_rstd'),
        BT,
        C,
        pk,
      );
    }
    ops.encoder_backward(g.wte!, g.wpe!, d.dresidual!, this.tokens, B, T, C, V, pk);
  }
}
