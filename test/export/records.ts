// Results records for tests, without a sweep.
import { makeConfig } from '../../src/config.ts';
import { RECORD_FORMAT, type RunRecord } from '../../src/sweep/record.ts';

/** A sweep record as the runner writes it (values chosen so every column is distinguishable). */
export function runRecord(id: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    format: RECORD_FORMAT,
    id,
    sweep: 'smoke',
    config: makeConfig({
      n_layer: 1,
      n_embd: 16,
      n_head: 2,
      block_size: 32,
      seed: 3,
      tokens: 6624,
      lr: 0.01,
    }),
    N: 4656,
    N_nonemb: 3312,
    D: 6624,
    C_train: 6 * 3312 * 6624,
    C_train_exact: 179642880,
    curve: [],
    evals: [],
    eval_loss: 3.25,
    diverged: false,
    sampling: { n: 16, temperature: 1, top_k: 0, top_p: 1, questions: 2, seed: 0 },
    questions: [
      { task: 'add', prompt: 'add 39+8=', answer: '74', n: 16, c: 2, c_verifier: 3, p: 0.125 },
      {
        task: 'chain',
        prompt: 'a "quoted", two-line\nprompt ',
        answer: '01',
        n: 16,
        c: 0,
        p: 2.5e-7,
      },
    ],
    pass_at_k: {
      sampling: {
        k: [1, 4, 16],
        value: [0.0625, 0.2, 0.5],
        lo: [0, 0.1, 0.25],
        hi: [0.125, 0.3, 0.75],
      },
      likelihood: {
        k: [1, 4, 16],
        value: [0.0625, 0.22, 0.6],
        lo: [0.01, 0.12, NaN],
        hi: [0.11, 0.33, Infinity],
      },
    },
    device: 'test',
    timings: { train_s: 1, sample_s: 1, tokens_per_s: 1, samples_per_s: 1 },
    code_version: 'test',
    finished_at: '2026-01-01T00:00:00Z',
    ...extra,
  };
}
