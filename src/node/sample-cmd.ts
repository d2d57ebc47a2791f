// `t2lab sample --checkpoint FILE --task NAME --n 64 --k 1,2,4,...`: n samples per question from a
// trained model, graded by the task's verifier, pass@k from the samples and from p_i, side by side.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError, intOption, numberOption, openGpu, parse } from './args.ts';
import { loadCheckpoint } from '../checkpoint/checkpoint.ts';
import { CheckpointError } from '../checkpoint/safetensors.ts';
import { taskNames } from '../data/tasks.ts';
import { flattenParams, paramLayout } from '../model/gpt.ts';
import { modelShape } from '../train/trainer.ts';
import { evaluateModel } from '../sample/evaluate.ts';
import { adapterLine } from '../gpu/adapter.ts';
import { SAMPLING_DEFAULTS, type SamplingSpec } from '../sweep/experiment.ts';
import type { Gpu, Tensor } from '../gpu/context.ts';
import type { Checkpoint } from '../checkpoint/checkpoint.ts';

export const SAMPLE_USAGE = `  sample --checkpoint FILE --task NAME   n samples per question, graded; pass@k two ways (samples, and p_i)
      --n N                 samples per question (default 64)
      --k K,K,...           the k of pass@k, each <= n (default powers of two up to n)
      --questions Q         evaluation questions (default 32)
      --temperature T       0 = greedy (default 1; p_i-based pass@k assumes 1)
      --top-k K --top-p P   truncation (default off: 0 and 1)
      --seed S              keys the questions and every sample (default 0)
      --max-new M           tokens per sample before it is cut (default 8)
      --batch S             most sequences decoded together (default: from the adapter's limits, <= 1024)
      --show N              print N samples per question, marked correct or wrong
      --json                print everything as JSON; --out FILE writes it to FILE`;

/** Upload a checkpoint's tensors into one flat GPU buffer in the model's layout. */
export function uploadParams(gpu: Gpu, ck: Checkpoint): Tensor {
  const { specs, total } = paramLayout(modelShape(ck.config), gpu.alignment / 4);
  const t = gpu.tensor('params', total);
  gpu.write(t, flattenParams(specs, total, ck.params));
  return t;
}

export async function sampleCommand(args: string[]): Promise<number> {
  const { values: v } = parse(args, {
    checkpoint: { type: 'string' }, task: { type: 'string' }, n: { type: 'string' }, k: { type: 'string' }, questions: { type: 'string' },
    temperature: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' }, seed: { type: 'string' }, 'max-new': { type: 'string' },
    batch: { type: 'string' }, show: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' },
  });
  if (!v.checkpoint) throw new UsageError('--checkpoint FILE is required (a model written by `npx t2lab train`, default out/model.safetensors)');
  if (!existsSync(v.checkpoint)) throw new UsageError(`checkpoint "${v.checkpoint}" not found; train one first: npx t2lab train`);
  let ck: Checkpoint;
  try {
    ck = loadCheckpoint(new Uint8Array(readFileSync(v.checkpoint)), v.checkpoint);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  const tasks = (v.task ?? ck.config.tasks.split(',').map((t) => t.split(':')[0]!.trim()).join(',')).split(',');
  for (const t of tasks) if (!taskNames.includes(t as never)) throw new UsageError(`unknown task "${t}"; known tasks: ${taskNames.join(', ')}`);
  const n = intOption('n', v.n, 64);
  const ks = v.k === undefined ? powersOfTwoUpTo(n) : v.k.split(',').map((s) => {
    const k = Number(s);
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k must be a comma-separated list of integers >= 1, got "${v.k}"`);
    if (k > n) throw new UsageError(`--k ${k} exceeds --n ${n}: pass@k needs at least k samples per question; raise --n to ${k} or drop it`);
    return k;
  });
  const spec: SamplingSpec = {
    ...SAMPLING_DEFAULTS,
    n, k: ks,
    questions: intOption('questions', v.questions, 32),
    temperature: numberOption('temperature', v.temperature, 1, 0, 100),
    top_k: intOption('top-k', v['top-k'], 0, 0),
    top_p: numberOption('top-p', v['top-p'], 1, 1e-6, 1),
    seed: intOption('seed', v.seed, 0, 0),
    max_new: intOption('max-new', v['max-new'], 8),
  };
  const show = intOption('show', v.show, 0, 0);
  const gpu = await openGpu(v.adapter);
  try {
    const params = uploadParams(gpu, ck);
    if (!v.json) {
      console.log(`adapter:    ${adapterLine(gpu.adapter)}`);
      console.log(`checkpoint: ${v.checkpoint} (L=${ck.config.n_layer} C=${ck.config.n_embd}, trained on ${ck.state.tokens.toLocaleString()} tokens of ${ck.config.tasks})`);
      console.log(`sampling:   ${spec.questions} questions per task (${tasks.join(', ')}), n = ${n}, temperature ${spec.temperature}${spec.top_k ? `, top-k ${spec.top_k}` : ''}${spec.top_p < 1 ? `, top-p ${spec.top_p}` : ''}, seed ${spec.seed}`);
    }
    let ev;
    try {
      ev = await evaluateModel(gpu, ck.config, params, spec, undefined, { tasks, maxSequences: v.batch === undefined ? undefined : intOption('batch', v.batch, 1024) });
    } catch (e) {
      if (/evaluation questions|block_size/.test((e as Error).message)) throw new UsageError((e as Error).message);
      throw e;
    }
    const result = { checkpoint: v.checkpoint, config: ck.config, sampling: spec, tasks, device: adapterLine(gpu.adapter), ...ev };
    if (v.out) {
      mkdirSync(dirname(v.out), { recursive: true });
      writeFileSync(v.out, JSON.stringify(result, null, 1));
    }
    if (v.json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    if (show) {
      for (const q of ev.questions) {
        console.log(`\n${JSON.stringify(q.prompt)} → ${JSON.stringify(q.answer)}   p_i = ${q.p.toPrecision(3)}, ${q.c}/${q.n} correct`);
        q.samples!.slice(0, show).forEach((s, j) => console.log(`   ${q.correct![j] ? '✓ correct' : '✗ wrong  '} ${JSON.stringify(s)}`));
      }
      console.log('');
    }
    const { sampling: S, likelihood: L } = ev.pass_at_k;
    const ci = (t: typeof S, i: number) => `${pct(t.value[i]!)} [${pct(t.lo[i]!)}, ${pct(t.hi[i]!)}]`;
    console.log(`${'k'.padStart(5)}  ${'pass@k sampled [95% CI]'.padEnd(28)}${'pass@k from p_i [95% CI]'.padEnd(28)}intervals overlap`);
    ks.forEach((k, i) => {
      const overlap = S.lo[i]! <= L.hi[i]! && L.lo[i]! <= S.hi[i]!;
      console.log(`${String(k).padStart(5)}  ${ci(S, i).padEnd(28)}${ci(L, i).padEnd(28)}${overlap ? 'yes' : 'NO'}`);
    });
    console.log(`\n${(ev.questions.length * n).toLocaleString()} samples in ${ev.seconds.toFixed(2)} s: ${ev.samplesPerSec.toFixed(0)} samples/s, ${ev.tokensPerSec.toFixed(0)} generated tokens/s, ${ev.batch} sequences decoded together`);
    if (spec.temperature !== 1 || spec.top_k || spec.top_p < 1) console.log('note: p_i is the model\'s own probability (temperature 1, no truncation); with other settings the two columns measure different samplers');
    return 0;
  } finally {
    gpu.destroy();
  }
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

function powersOfTwoUpTo(n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k *= 2) out.push(k);
  return out;
}
