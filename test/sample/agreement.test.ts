// On a trained tiny model, pass@k from sampling (graded by the verifier, unbiased estimator) and from the
// teacher-forced p_i (exact) must agree within statistical error. The fixture is a real `t2lab train`
// checkpoint (add, 2 digits, L=1 C=32, 400k tokens, seed 7; pass@1 ≈ 3%, pass@64 ≈ 55%). Regenerate with:
//   npx t2lab train --n_layer=1 --n_embd=32 --n_head=2 --block_size=32 --batch_size=32 --tokens=400000 \
//     --tasks=add:1 --add_digits=2 --lr=1e-2 --seed=7 --out test/fixtures/add2-L1-C32.safetensors
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { evaluateModel } from '../../src/sample/evaluate.ts';
import { uploadParams } from '../../src/node/commands/sample.ts';
import { SAMPLING_DEFAULTS } from '../../src/config.ts';
import { describeGpu } from '../helpers.ts';

describeGpu('pass@k on a trained model', (gpu) => {
  it('sampling and likelihood agree within statistical error, and both rise with k', async () => {
    const ck = loadCheckpoint(
      new Uint8Array(readFileSync(new URL('../fixtures/add2-L1-C32.safetensors', import.meta.url))),
    );
    const params = uploadParams(gpu, ck);
    const k = [1, 2, 4, 8, 16, 32, 64];
    const ev = await evaluateModel(gpu, ck.config, params, {
      ...SAMPLING_DEFAULTS,
      questions: 24,
      n: 64,
      k,
      seed: 3,
    });
    params.buffer.destroy();
    // pass@1: Σc_i is a sum of Binomial(n, p_i) if the sampler draws from the model's distribution and
    // the verifier accepts exactly the gold answer; a z-score beyond 4 means one of them is off.
    let c = 0,
      mean = 0,
      variance = 0;
    for (const q of ev.questions) {
      c += q.c;
      mean += q.n * q.p;
      variance += q.n * q.p * (1 - q.p);
    }
    expect(
      mean,
      'the fixture must be neither hopeless nor perfect, or the test is vacuous',
    ).toBeGreaterThan(20);
    const z = (c - mean) / Math.sqrt(variance);
    expect(Math.abs(z), `Σc = ${c}, Σn·p = ${mean.toFixed(1)}`).toBeLessThan(4);
    const { sampling: S, likelihood: L } = ev.pass_at_k;
    for (let i = 0; i < k.length; i++) {
      expect(S.lo[i]! <= L.hi[i]! && L.lo[i]! <= S.hi[i]!, `pass@${k[i]} intervals overlap`).toBe(
        true,
      );
      if (i > 0) {
        expect(S.value[i]!).toBeGreaterThanOrEqual(S.value[i - 1]!);
        expect(L.value[i]!).toBeGreaterThan(L.value[i - 1]!);
      }
    }
    expect(L.value[k.length - 1]!).toBeGreaterThan(3 * L.value[0]!);
  });
});
