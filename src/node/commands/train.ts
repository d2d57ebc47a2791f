// `t2lab train [--key=value ...]`: one model on exactly --tokens tokens of the task mix, with a progress
// bar, a checkpoint and a JSONL log. Every output is checked before any work; the log is written beside
// the previous one and replaces it only with the new checkpoint (src/node/atomic.ts PartialFile).
import cliProgress from 'cli-progress';
import { DEFAULTS, makeConfig, ConfigError, type Config, modelShape } from '../../config.ts';
import { Trainer } from '../../train/trainer.ts';
import { paramCount } from '../../model/gpt.ts';
import { UsageError, keyValues, kernelsOption, openGpu, type CommandSpec } from '../args.ts';
import { describeKernelChoice } from '../../sweep/kernel-choice.ts';
import { adapterLine } from '../../gpu/adapter.ts';
import { PartialFile, checkOutput, writeFileAtomic } from '../atomic.ts';
import { kernelChoiceStore } from '../store.ts';
import { chooseKernels } from '../../sweep/driver.ts';
import { checkRunLimits } from '../../sweep/limits.ts';
import { didYouMean } from '../../sweep/experiment.ts';

// One spec per command (args.ts): the parser and `npx t2lab CMD --help` read the same table.
const CONFIG_KEYS = Object.entries(DEFAULTS)
  .map(([k, v]) => `  --${k}=${v}`)
  .join('\n');

export const TRAIN_SPEC: CommandSpec = {
  name: 'train',
  synopsis: '[--key=value ...]',
  summary:
    'Train a GPT on exactly --tokens tokens of the task mix; progress bar, checkpoint, JSONL log.',
  options: {
    out: {
      type: 'string',
      arg: 'FILE',
      help: 'checkpoint (safetensors; default out/model.safetensors)',
    },
    log: {
      type: 'string',
      arg: 'FILE',
      help: 'JSONL log, one line per logged step and one for the result (default out/train.jsonl)',
    },
    kernels: {
      type: 'string',
      arg: 'matmul:V[,...]',
      help: 'use these kernel versions instead of the measured choice (also T2LAB_KERNELS)',
    },
  },
  more: `Config keys (default), each also a --key=value option:\n${CONFIG_KEYS}`,
};

export async function trainCommand(args: string[]): Promise<number> {
  const {
    out = 'out/model.safetensors',
    log = 'out/train.jsonl',
    adapter,
    kernels,
    help: _,
    ...keys
  } = keyValues(args);
  // A misspelled key is named with the nearest ones before anything else is read.
  const known = [...Object.keys(DEFAULTS), ...Object.keys(TRAIN_SPEC.options), 'adapter', 'help'];
  for (const k of Object.keys(keys))
    if (!known.includes(k))
      throw new UsageError(
        `unknown option --${k}${didYouMean(k, known)}; the config keys are ${Object.keys(DEFAULTS).join(', ')}`,
      );
  let config;
  try {
    config = makeConfig(keys);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const overrides = kernelsOption(kernels);
  // Before any work: a run must not train for minutes and then find it cannot write its model.
  checkOutput(out, { option: '--out' });
  checkOutput(log, {
    option: '--log',
    example: 'train.jsonl',
    inputs: [{ option: '--out', path: out }],
  });
  const gpu = await openGpu(adapter);
  console.log(`adapter: ${adapterLine(gpu.adapter)}`);
  try {
    checkRunLimits(config, gpu.limits);
  } catch (e) {
    gpu.destroy();
    throw new UsageError((e as Error).message);
  }
  const shape = modelShape(config);
  const N = paramCount(shape);
  // This model's kernel versions here: an override, a stored measurement (`t2lab tune`), else the default.
  const choice = await chooseKernels(gpu, config, {
    store: kernelChoiceStore((m) => console.error(`warning: ${m}`)),
    overrides,
  });
  console.log(`kernels: ${describeKernelChoice(choice, gpu)}`);
  const trainer = new Trainer(gpu, config);
  console.log(
    `model:   L=${shape.n_layer} C=${shape.n_embd} H=${shape.n_head} T=${shape.block_size} V=${shape.vocab_size}; N = ${N.total.toLocaleString()} params (${N.nonEmbedding.toLocaleString()} without embeddings)`,
  );
  console.log(
    `budget:  D = ${config.tokens.toLocaleString()} tokens (${(config.tokens / N.nonEmbedding).toFixed(1)} per non-embedding param) in ${trainer.steps} steps of ${config.batch_size}x${config.block_size}; tasks ${config.tasks}`,
  );
  // The new log is written beside the old one and replaces it only with the new checkpoint: a run that
  // stops early (a signal, a crash, a divergence, a full disk) leaves the previous run's log whole.
  const logFile = new PartialFile(log);
  const bar = new cliProgress.SingleBar(
    {
      format:
        'train [{bar}] {percentage}% | {value}/{total} tokens | loss {loss} | eval {eval} | {tps} tok/s | {gflops} GFLOP/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let lastEval = NaN;
  bar.start(config.tokens, 0, { loss: '-', eval: '-', tps: '-', gflops: '-' });
  let result;
  try {
    result = await trainer.run((p) => {
      if (p.evalLoss !== undefined) lastEval = p.evalLoss;
      bar.update(p.tokens, {
        loss: p.loss.toFixed(3),
        eval: lastEval.toFixed(3),
        tps: p.tokensPerSec.toFixed(0),
        gflops: p.gflops.toFixed(2),
      });
      logFile.append(JSON.stringify({ type: 'step', ...p }) + '\n');
    });
  } catch (e) {
    logFile.close();
    throw e;
  } finally {
    bar.stop();
  }
  logFile.append(
    JSON.stringify({
      type: 'result',
      ...result,
      kernels: choice.choices,
      kernels_source: choice.source,
    }) + '\n',
  );
  if (result.diverged) {
    logFile.close();
    console.error(
      `DIVERGED at step ${result.diverged.step}: loss ${result.diverged.loss}. ${divergenceHint(config)} No checkpoint written; this run's log is ${logFile.partial}, and ${out} and ${log}, if there, are unchanged.`,
    );
    trainer.dispose();
    return 1;
  }
  try {
    writeFileAtomic(out, await trainer.checkpoint(result));
  } catch (e) {
    logFile.close();
    throw e;
  }
  logFile.commit();
  trainer.dispose();
  console.log(
    `trained on ${result.tokens.toLocaleString()} tokens in ${result.steps} steps, ${result.seconds.toFixed(1)} s (${(result.tokens / result.seconds).toFixed(0)} tok/s, ${(result.trainFlops / result.seconds / 1e9).toFixed(2)} GFLOP/s)`,
  );
  console.log(
    `compute: ${result.trainFlops.toExponential(3)} FLOPs exact (matmuls + attention), 6ND = ${result.trainFlops6ND.toExponential(3)}`,
  );
  console.log(
    `held-out loss: ${result.finalEvalLoss.toFixed(4)} (untrained: ${result.evals[0]!.loss.toFixed(4)})`,
  );
  console.log(`checkpoint: ${out}\nlog: ${log}`);
  return 0;
}

/** The likely cause of a divergence, from the config: AdamW's decay step lr·weight_decay, else the lr. */
export function divergenceHint(c: Config): string {
  const decay = c.lr * c.weight_decay;
  // Decoupled weight decay multiplies the weights by (1 − lr·wd) each step: at ≥ 1 it flips and grows them.
  if (decay >= 0.5)
    return `weight_decay ${c.weight_decay} × lr ${c.lr} = ${decay.toPrecision(3)} per step scales the weights by ${(1 - decay).toPrecision(3)} each step: lower --weight_decay (the default is ${DEFAULTS.weight_decay}).`;
  return `Lower --lr (now ${c.lr}), raise --warmup_frac (now ${c.warmup_frac}) or lower --grad_clip (now ${c.grad_clip}).`;
}
