// A finished run's record as the sweep runner leaves it, for tests of what reads records back (the
// settings check, dry runs); only the fields those read are meaningful. And a store in memory.
import type { Experiment, RunSpec } from '../../src/sweep/experiment.ts';
import { RECORD_FORMAT, type RunRecord } from '../../src/sweep/record.ts';
import type { SweepStore } from '../../src/sweep/runner.ts';

/** A sweep store in memory: records as their JSON would read back, checkpoints and models by run id. */
export class MemoryStore implements SweepStore {
  list: RunRecord[] = [];
  checkpoints = new Map<string, Uint8Array>();
  models = new Map<string, Uint8Array>();
  saves = 0;
  async records() {
    return [...this.list];
  }
  async append(r: RunRecord) {
    this.list.push(JSON.parse(JSON.stringify(r)));
  }
  async loadCheckpoint(id: string) {
    return this.checkpoints.get(id) ?? null;
  }
  async saveCheckpoint(id: string, b: Uint8Array) {
    this.saves++;
    this.checkpoints.set(id, b);
  }
  async deleteCheckpoint(id: string) {
    this.checkpoints.delete(id);
  }
  async saveModel(id: string, b: Uint8Array) {
    this.models.set(id, b);
  }
}

/** The record a finished run of `e` leaves (only what the settings check and the store read). */
export function recordOf(e: Experiment, r: RunSpec): RunRecord {
  const t = {
    k: e.sampling.k,
    value: e.sampling.k.map(() => 0.5),
    lo: e.sampling.k.map(() => 0.4),
    hi: e.sampling.k.map(() => 0.6),
  };
  const s = e.sampling;
  return {
    format: RECORD_FORMAT,
    id: r.id,
    sweep: e.name,
    config: r.config,
    N: r.N,
    N_nonemb: r.N_nonemb,
    D: r.config.tokens,
    C_train: 1,
    C_train_exact: 1,
    curve: [],
    evals: [],
    eval_loss: 2,
    diverged: false,
    sampling: {
      n: s.n,
      temperature: s.temperature,
      top_k: s.top_k,
      top_p: s.top_p,
      questions: s.questions,
      seed: s.seed,
    },
    questions: [],
    pass_at_k: { sampling: t, likelihood: t },
    device: 'test',
    timings: { train_s: 1, sample_s: 1, tokens_per_s: 1, samples_per_s: 1 },
    code_version: 'test',
    finished_at: new Date().toISOString(),
  };
}
