// `t2lab sample --checkpoint FILE --task NAME --n 64 --k 1,2,4,...`: n samples per question from a
// trained model, graded by the task's verifier, pass@k from the samples and from p_i, side by side.
import { existsSync, statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import {
  UsageError,
  boundOption,
  intOption,
  numberOption,
  openGpu,
  parseCommand,
  type CommandSpec,
} from '../args.ts';
import { checkOutput, readInput, writeFileAtomic } from '../atomic.ts';
import { loadCheckpoint } from '../../checkpoint/checkpoint.ts';
import { CheckpointError } from '../../checkpoint/safetensors.ts';
import { taskNames } from '../../data/tasks.ts';
import { flattenParams, paramLayout } from '../../model/gpt.ts';
import {
  BOUNDS,
  evalTaskNames,
  modelShape,
  SAMPLING_DEFAULTS,
  type SamplingSpec,
} from '../../config.ts';
import { evaluateModel } from '../../sample/evaluate.ts';
import { adapterLine } from '../../gpu/adapter.ts';
import type { Gpu, Tensor } from '../../gpu/context.ts';
import type { Checkpoint } from '../../checkpoint/checkpoint.ts';

/** More questions than any task's held-out space holds at usual difficulties: drawing them would not end. */
export const MAX_QUESTIONS = BOUNDS.questions.max;
/** Samples kept in memory at once (their text and verdicts): beyond this a run is refused, not swapped. */
export const MAX_SAMPLES = BOUNDS.samples.max;

export const SAMPLE_SPEC: CommandSpec = {
  name: 'sample',
  synopsis: '--checkpoint FILE [--task NAME]',
  summary:
    "n samples per question from a trained model, graded by the task's verifier; pass@k two ways (from the samples, and from p_i).",
  options: {
    checkpoint: {
      type: 'string',
      arg: 'FILE',
      help: 'a model written by `t2lab train` or a sweep (models/*.safetensors)',
    },
    task: {
      type: 'string',
      arg: 'NAME[,NAME]',
      help: 'tasks to ask (default: the mix the model was trained on)',
    },
    n: { type: 'string', arg: 'N', help: 'samples per question (default 64)' },
    k: {
      type: 'string',
      arg: 'K,K,...',
      help: 'the k of pass@k, each <= n (default powers of two up to n; sorted, repeats dropped)',
    },
    questions: {
      type: 'string',
      arg: 'Q',
      help: `evaluation questions per task (default 32, at most ${MAX_QUESTIONS.toLocaleString('en-US')})`,
    },
    temperature: {
      type: 'string',
      arg: 'T',
      help: '0 = greedy (default 1; p_i-based pass@k assumes 1)',
    },
    top_k: { type: 'string', arg: 'K', help: 'keep the K most likely tokens (default 0: off)' },
    top_p: { type: 'string', arg: 'P', help: 'nucleus truncation (default 1: off)' },
    seed: {
      type: 'string',
      arg: 'S',
      help: 'keys the questions and every sample (default 0; 32-bit)',
    },
    max_new: { type: 'string', arg: 'M', help: 'tokens per sample before it is cut (default 8)' },
    batch: {
      type: 'string',
      arg: 'S',
      help: "most sequences decoded together (default: from the adapter's limits, <= 1024)",
    },
    show: {
      type: 'string',
      arg: 'N',
      help: 'print N samples per question, marked correct or wrong',
    },
    json: { type: 'boolean', help: 'print everything as JSON' },
    out: { type: 'string', arg: 'FILE', help: 'also write the JSON to FILE' },
  },
};

/** Upload a checkpoint's tensors into one flat GPU buffer in the model's layout. */
export function uploadParams(gpu: Gpu, ck: Checkpoint): Tensor {
  const { specs, total } = paramLayout(modelShape(ck.config), gpu.alignment / 4);
  const t = gpu.tensor('params', total);
  gpu.write(t, flattenParams(specs, total, ck.params));
  return t;
}

export async function sampleCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(SAMPLE_SPEC, args);
  const v = Object.fromEntries(
    Object.entries(values).map(([k, x]) => [k, typeof x === 'string' ? x : undefined]),
  ) as Record<string, string | undefined>;
  const json = values.json === true;
  if (!v.checkpoint)
    throw new UsageError(
      '--checkpoint FILE is required (a model written by `npx t2lab train`, default out/model.safetensors)',
    );
  if (!existsSync(v.checkpoint))
    throw new UsageError(
      `checkpoint "${v.checkpoint}" not found; train one first: npx t2lab train`,
    );
  if (statSync(v.checkpoint).isDirectory())
    throw new UsageError(
      `checkpoint "${v.checkpoint}" is a folder; give a .safetensors file (e.g. ${v.checkpoint.replace(/\/$/, '')}/model.safetensors)`,
    );
  if (v.out !== undefined)
    checkOutput(v.out, {
      option: '--out',
      example: 'samples.json',
      inputs: [{ option: '--checkpoint', path: v.checkpoint }],
    });
  let ck: Checkpoint;
  try {
    ck = loadCheckpoint(new Uint8Array(readInput(v.checkpoint, 'checkpoint')), v.checkpoint);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  const tasks = v.task ? v.task.split(',').map((t) => t.trim()) : evalTaskNames(ck.config);
  for (const t of tasks)
    if (!taskNames.includes(t as never))
      throw new UsageError(`unknown task "${t}"; known tasks: ${taskNames.join(', ')}`);
  const n = boundOption('n', v.n, 64);
  // Sorted, each k once: `--k 2,2,1` means the table for k = 1 and 2.
  const ks =
    v.k === undefined
      ? powersOfTwoUpTo(n)
      : [
          ...new Set(
            v.k.split(',').map((s) => {
              const k = Number(s);
              if (!Number.isInteger(k) || k < 1)
                throw new UsageError(
                  `--k must be a comma-separated list of integers >= 1, got "${v.k}"`,
                );
              if (k > n)
                throw new UsageError(
                  `--k ${k} exceeds --n ${n}: pass@k needs at least k samples per question; raise --n to ${k} or drop it`,
                );
              return k;
            }),
          ),
        ].sort((a, b) => a - b);
  const spec: SamplingSpec = {
    ...SAMPLING_DEFAULTS,
    n,
    k: ks,
    questions: boundOption('questions', v.questions, 32),
    temperature: boundOption('temperature', v.temperature, 1),
    top_k: boundOption('top_k', v.top_k, 0),
    top_p: numberOption('top_p', v.top_p, 1, 1e-6, 1),
    seed: boundOption('seed', v.seed, 0),
    max_new: boundOption('max_new', v.max_new, 8),
  };
  const show = intOption('show', v.show, 0, 0);
  const total = spec.questions * tasks.length * n;
  if (total > MAX_SAMPLES) {
    throw new UsageError(
      `${spec.questions.toLocaleString('en-US')} questions × ${tasks.length} task(s) × n = ${n.toLocaleString('en-US')} is ${total.toLocaleString('en-US')} samples, more than the ${MAX_SAMPLES.toLocaleString('en-US')} kept in memory at once; lower --n or --questions (pass@k at large k needs n ≥ k, not more)`,
    );
  }
  const bad = Object.entries(ck.params).find(([, t]) => t.data.some((x) => !Number.isFinite(x)));
  if (bad)
    throw new UsageError(
      `checkpoint ${v.checkpoint}: tensor ${bad[0]} holds NaN or infinite weights (a diverged run?); nothing to sample`,
    );
  const gpu = await openGpu(v.adapter);
  try {
    const params = uploadParams(gpu, ck);
    if (!json) {
      console.log(`adapter:    ${adapterLine(gpu.adapter)}`);
      console.log(
        `checkpoint: ${v.checkpoint} (L=${ck.config.n_layer} C=${ck.config.n_embd}, trained on ${ck.state.tokens.toLocaleString()} tokens of ${ck.config.tasks})`,
      );
      console.log(
        `sampling:   ${spec.questions} questions per task (${tasks.join(', ')}), n = ${n}, temperature ${spec.temperature}${spec.top_k ? `, top-k ${spec.top_k}` : ''}${spec.top_p < 1 ? `, top-p ${spec.top_p}` : ''}, seed ${spec.seed}`,
      );
    }
    let ev;
    // Progress on a terminal: a large n or many questions take minutes (Ctrl-C stops at once).
    const bar =
      process.stderr.isTTY && !json
        ? new cliProgress.SingleBar(
            {
              format:
                'sample [{bar}] {percentage}% | {value}/{total} sequences | {phase} | ETA {eta_formatted}',
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    bar?.start(total, 0, { phase: 'prefill' });
    try {
      ev = await evaluateModel(
        gpu,
        ck.config,
        params,
        spec,
        (p) => bar?.update(Math.round(p.fraction * total), { phase: p.phase }),
        {
          tasks,
          maxSequences: v.batch === undefined ? undefined : intOption('batch', v.batch, 1024),
        },
      );
    } catch (e) {
      const m = (e as Error).message;
      if (/evaluation questions|block_size/.test(m)) throw new UsageError(m);
      if (/got NaN/.test(m)) {
        const big = Math.max(
          ...Object.values(ck.params).map((t) =>
            t.data.reduce((a, x) => Math.max(a, Math.abs(x)), 0),
          ),
        );
        throw new UsageError(
          `the model's outputs are not finite numbers (its largest weight is ${big.toExponential(2)}): float32 logits overflow, so no p_i or sample can be scored; this checkpoint's weights are too large to evaluate`,
        );
      }
      throw e;
    } finally {
      bar?.stop();
    }
    const result = {
      checkpoint: v.checkpoint,
      config: ck.config,
      sampling: spec,
      tasks,
      device: adapterLine(gpu.adapter),
      ...ev,
    };
    if (v.out) writeFileAtomic(v.out, JSON.stringify(result, null, 1));
    if (json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    if (show) {
      for (const q of ev.questions) {
        console.log(
          `\n${JSON.stringify(q.prompt)} → ${JSON.stringify(q.answer)}   p_i = ${q.p.toPrecision(3)}, ${q.c}/${q.n} correct`,
        );
        q.samples!.slice(0, show).forEach((s, j) =>
          console.log(`   ${q.correct![j] ? '✓ correct' : '✗ wrong  '} ${JSON.stringify(s)}`),
        );
      }
      console.log('');
    }
    const { sampling: S, likelihood: L, chance: G } = ev.pass_at_k;
    const ci = (t: typeof S, i: number) =>
      `${pct(t.value[i]!)} [${pct(t.lo[i]!)}, ${pct(t.hi[i]!)}]`;
    console.log(
      `${'k'.padStart(5)}  ${'pass@k sampled [95% CI]'.padEnd(28)}${'pass@k from p_i [95% CI]'.padEnd(28)}${'intervals overlap'.padEnd(19)}by chance`,
    );
    ks.forEach((k, i) => {
      const overlap = S.lo[i]! <= L.hi[i]! && L.lo[i]! <= S.hi[i]!;
      console.log(
        `${String(k).padStart(5)}  ${ci(S, i).padEnd(28)}${ci(L, i).padEnd(28)}${(overlap ? 'yes' : 'NO').padEnd(19)}${G ? chancePct(G.value[i]!) : 'n/a'}`,
      );
    });
    console.log(
      "by chance: pass@k of a guesser that knows each answer's format (its length and alphabet) and nothing else",
    );
    console.log(
      `\n${(ev.questions.length * n).toLocaleString()} samples in ${ev.seconds.toFixed(2)} s: ${ev.samplesPerSec.toFixed(0)} samples/s, ${ev.tokensPerSec.toFixed(0)} generated tokens/s, ${ev.batch} sequences decoded together`,
    );
    if (spec.temperature !== 1 || spec.top_k || spec.top_p < 1)
      console.log(
        "note: p_i is the model's own probability (temperature 1, no truncation); with other settings the two columns measure different samplers",
      );
    return 0;
  } finally {
    gpu.destroy();
  }
}

/** A chance baseline is often far below 0.1%: keep two significant digits. */
const chancePct = (x: number) => (x >= 0.001 ? pct(x) : `${(100 * x).toPrecision(2)}%`);

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

function powersOfTwoUpTo(n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k *= 2) out.push(k);
  return out;
}
