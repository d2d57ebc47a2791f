import {
  packAgainstAlone,
  seededArray,
  type BenchCase,
  type CheckCase,
  type CheckOutput,
} from '../../src/gpu/cases.ts';
import {
  adamw_bytes,
  adamw_flops,
  adamw_hyper,
  adamw_update,
  adamw_versions,
  adamw_write_hyper,
  type AdamwHyper,
  type AdamwVersion,
} from './adamw.ts';
import * as cpu from './adamw.cpu.ts';
import { global_norm, global_norm_partials } from '../global_norm/global_norm.ts';
import * as cpuNorm from '../global_norm/global_norm.cpu.ts';

const versions = Object.keys(adamw_versions).map(Number) as AdamwVersion[];
const HYPER: AdamwHyper = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  step: 3,
};

// A bench-scale model's parameter count (~1M) and a larger one; two thirds of it decayed (matrices).
const SIZES = [1 << 20, 1 << 24];

export const bench: BenchCase[] = SIZES.flatMap((n) =>
  versions.map((version) => ({
    kernel: 'adamw_update',
    version: `v${version}`,
    shape: `n=${n}`,
    flops: adamw_flops(n),
    bytes: adamw_bytes(n),
    setup(gpu) {
      const t = (label: string, data?: Float64Array) => gpu.tensor(label, n, data);
      const params = t('params', seededArray(n, 1)),
        grads = t('grads', seededArray(n, 2)),
        m = t('m'),
        v = t('v');
      const norm = gpu.tensor('norm', 2, [1, 1]),
        hyper = adamw_hyper(gpu);
      adamw_write_hyper(gpu, hyper, HYPER);
      return {
        record: () =>
          adamw_update(
            gpu,
            params,
            grads,
            m,
            v,
            norm,
            hyper,
            n,
            Math.floor((2 * n) / 3),
            undefined,
            {
              version,
            },
          ),
        dispose: () => {
          [params, grads, m, v, norm].forEach((x) => x.buffer.destroy());
          hyper.destroy();
        },
      };
    },
  })),
);

// float32 state: params ≈ 1 carry ~6e-8 rounding per step, the update lr·(±1) adds a few ulps of lr; m, v ≤ 1
// round to ~6e-8 per step (v to 1e-5 of itself). Three steps stay well under 1e-6; a wrong term (decay, bias
// correction, clip scale) moves params by ≥ lr·wd·|p| ~ 1e-4.
const [ATOL, V_RTOL] = [1e-6, 1e-5];
const CHECK_HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

export const checks: CheckCase[] = versions.flatMap((version): CheckCase[] => [
  // Three steps from zero state, the norm and clip scale from the global_norm kernel as in training.
  ...[true, false].map((clip): CheckCase => {
    const n = 5003,
      nDecay = 2477; // not multiples of the workgroup; the decay boundary mid-workgroup
    return {
      kernel: 'adamw_update',
      version: `v${version}`,
      shape: `n=${n} n_decay=${nDecay} steps t=1,2,3, clipping ${clip ? 'active' : 'inactive'}`,
      atol: ATOL,
      rtol: 0,
      async run(gpu) {
        const max_norm = clip ? 1.0 : 1e6; // grads in [-1, 1): norm ≈ 41
        const p = seededArray(n, 1),
          m = new Float64Array(n),
          v = new Float64Array(n);
        const P = gpu.tensor('params', n, p),
          G = gpu.tensor('grads', n),
          M = gpu.tensor('m', n),
          V = gpu.tensor('v', n);
        const norm = gpu.tensor('norm', 2),
          partials = gpu.tensor('partials', global_norm_partials(n)),
          hyper = adamw_hyper(gpu);
        const outputs: CheckOutput[] = [];
        for (let t = 1; t <= 3; t++) {
          const g = seededArray(n, 10 + t),
            wantNorm = new Float64Array(2);
          cpuNorm.global_norm(wantNorm, null, g, n, max_norm);
          if (clip ? !(wantNorm[1]! < 0.1) : wantNorm[1] !== 1)
            throw new Error(
              `the case's gradients no longer ${clip ? '' : 'un'}clip (scale ${wantNorm[1]})`,
            );
          const h: AdamwHyper = { ...CHECK_HYPER, step: t };
          cpu.adamw_update(p, g, m, v, wantNorm, h, n, nDecay);
          gpu.write(G, g);
          adamw_write_hyper(gpu, hyper, h);
          global_norm(gpu, norm, partials, G, n, max_norm);
          adamw_update(gpu, P, G, M, V, norm, hyper, n, nDecay, undefined, { version });
          outputs.push(
            { what: `params t=${t}`, got: await gpu.read(P), want: Float64Array.from(p) },
            { what: `m t=${t}`, got: await gpu.read(M), want: Float64Array.from(m) },
            { what: `v t=${t}`, got: await gpu.read(V), want: Float64Array.from(v), rtol: V_RTOL },
          );
        }
        [P, G, M, V, norm, partials].forEach((x) => x.buffer.destroy());
        hyper.destroy();
        return outputs;
      },
    };
  }),
  // One step from nonzero state with a given norm: alone (no global_norm), and past 65535 workgroups, where
  // the grid folds into y (too big for the browser's software adapter).
  ...[
    { n: 4099, nDecay: 2050, norm: [20, 0.5], quick: true },
    { n: 65535 * 256 + 300, nDecay: 65535 * 256 + 200, norm: [12.5, 0.25], quick: false },
  ].map(({ n, nDecay, norm, quick }): CheckCase => ({
    kernel: 'adamw_update',
    version: `v${version}`,
    shape: `n=${n} n_decay=${nDecay} t=7 clip=${norm[1]}, nonzero m and v${quick ? '' : ' (grid folded into y)'}`,
    atol: ATOL,
    rtol: 0,
    quick,
    async run(gpu) {
      const p = seededArray(n, 2),
        g = seededArray(n, 3),
        m = seededArray(n, 4),
        v = seededArray(n, 5, 0, 1);
      const h: AdamwHyper = { ...CHECK_HYPER, step: 7 };
      const P = gpu.tensor('params', n, p),
        G = gpu.tensor('grads', n, g),
        M = gpu.tensor('m', n, m),
        V = gpu.tensor('v', n, v),
        N = gpu.tensor('norm', 2, norm);
      const hyper = adamw_hyper(gpu);
      adamw_write_hyper(gpu, hyper, h);
      adamw_update(gpu, P, G, M, V, N, hyper, n, nDecay, undefined, { version });
      cpu.adamw_update(p, g, m, v, norm, h, n, nDecay);
      const outputs: CheckOutput[] = [
        { what: 'params', got: await gpu.read(P), want: p },
        { what: 'm', got: await gpu.read(M), want: m },
        { what: 'v', got: await gpu.read(V), want: v, rtol: V_RTOL },
      ];
      [P, G, M, V, N].forEach((x) => x.buffer.destroy());
      hyper.destroy();
      return outputs;
    },
  })),
  // A pack (Runs): three runs' global_norm and AdamW step in one dispatch each, against each run alone, bit for
  // bit: each its own step count, learning rate and clip scale (run 1's gradients clip, the others' do not);
  // params, grads, m, v a parameter's stride apart, each run's norm and partials after the last's.
  {
    kernel: 'adamw_update',
    version: `v${version}`,
    shape:
      'n=1000 n_decay=600 R=3 runs packed (global_norm and adamw_update), steps 1, 5, 9, one clipping, against alone',
    atol: 0,
    rtol: 0,
    async run(gpu) {
      const n = 1000,
        nDecay = 600,
        P = 1024,
        Pn = global_norm_partials(n);
      const hypers: AdamwHyper[] = [1, 5, 9].map((step, r) => ({
        ...CHECK_HYPER,
        lr: CHECK_HYPER.lr * (r + 1),
        step,
      }));
      const runs = (seed: number, lo = -1, hi = 1, scale = [1, 1, 1]) =>
        [0, 1, 2].map((r) => seededArray(n, seed + r, lo, hi).map((x) => x * scale[r]!));
      const param = (seed: number, lo = -1, hi = 1, scale?: number[]) => ({
        stride: P,
        runs: runs(seed, lo, hi, scale),
      });
      const zeros = (k: number) => ({ stride: k, runs: [0, 1, 2].map(() => new Float64Array(k)) });
      return packAgainstAlone(
        gpu,
        {
          params: param(21),
          grads: param(24, -1, 1, [0.01, 1, 0.02]), // norms ≈ 0.18, 18, 0.37 against max_norm 1
          m: param(27),
          v: param(30, 0, 1),
          norm: zeros(2),
          partials: zeros(Pn),
        },
        (t, R, first) => {
          const hyper = adamw_hyper(gpu, R);
          adamw_write_hyper(gpu, hyper, hypers.slice(first, first + R));
          global_norm(gpu, t.norm!, t.partials!, t.grads!, n, 1.0, { R, P });
          adamw_update(
            gpu,
            t.params!,
            t.grads!,
            t.m!,
            t.v!,
            t.norm!,
            hyper,
            n,
            nDecay,
            { R, P },
            {
              version,
            },
          );
          gpu.submit();
          hyper.destroy();
        },
        ['params', 'm', 'v', 'norm'],
      );
    },
  },
]);
