// `t2lab export` and `t2lab import`: models and results out to the tools people already use, and
// Hugging Face GPT-2 folders in. Every output is checked before any work (a folder, read-only, one of
// the command's own inputs) and written atomically (src/node/atomic.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError, parseCommand, str, type CommandSpec } from '../args.ts';
import {
  checkInput,
  checkOutput,
  readInput,
  writeFileAtomic,
  writeFilesAtomic,
} from '../atomic.ts';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../checkpoint/checkpoint.ts';
import { CheckpointError } from '../../checkpoint/safetensors.ts';
import { HF_FILES, exportHf, importHf } from '../../checkpoint/hf.ts';
import { paramCount } from '../../model/gpt.ts';
import { modelShape } from '../../config.ts';
import { readRecordsFile } from '../store.ts';
import { tidyPassAtKCsv, tidyQuestionsCsv } from '../../report/tidy.ts';

export const EXPORT_SPEC: CommandSpec = {
  name: 'export',
  synopsis: '--format hf|csv INPUT [DIR]',
  summary:
    'A checkpoint as a Hugging Face GPT-2 folder (transformers loads it), or a results file as two tidy CSV tables for pandas.',
  options: {
    format: {
      type: 'string',
      arg: 'hf|csv',
      help: "hf: DIR gets config.json, model.safetensors and a tokenizer; csv: two CSV files (default: from the input's extension)",
    },
    out: {
      type: 'string',
      arg: 'DIR',
      help: 'with --format csv: the folder for the CSV files (default: beside the results file)',
    },
  },
  more: `Examples:
  npx t2lab export --format hf out/model.safetensors out/model-hf     # then GPT2LMHeadModel.from_pretrained("out/model-hf")
  npx t2lab export --format csv out/smoke/results.jsonl               # out/smoke/results_pass_at_k.csv, results_questions.csv
Layouts and names: docs/checkpoint.md and docs/results-csv.md.`,
};

export const IMPORT_SPEC: CommandSpec = {
  name: 'import',
  synopsis: 'DIR OUT.safetensors',
  summary:
    "A Hugging Face GPT-2 folder (of t2lab's vocabulary and a size the kernels run) as a t2lab checkpoint, for `t2lab sample`.",
  options: {},
};

/** A checkpoint file, or a UsageError saying what is wrong with it. */
function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new UsageError(`checkpoint "${path}" not found`);
  if (statSync(path).isDirectory())
    throw new UsageError(
      `checkpoint "${path}" is a folder; give a .safetensors file${existsSync(join(path, 'config.json')) ? ` (a Hugging Face folder converts with: npx t2lab import ${path} OUT.safetensors)` : ''}`,
    );
  try {
    return loadCheckpoint(new Uint8Array(readInput(path, 'checkpoint')), path);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
}

function describe(ck: Checkpoint): string {
  const N = paramCount(modelShape(ck.config));
  return `L=${ck.config.n_layer} C=${ck.config.n_embd} H=${ck.config.n_head} T=${ck.config.block_size}, N = ${N.total.toLocaleString('en-US')} params`;
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(EXPORT_SPEC, args);
  const input = positionals[0];
  if (!input)
    throw new UsageError(
      'which file? npx t2lab export --format hf CHECKPOINT DIR, or --format csv RESULTS.jsonl',
    );
  const format =
    str(values.format) ??
    (extname(input) === '.safetensors' ? 'hf' : extname(input) === '.jsonl' ? 'csv' : undefined);
  if (format === 'hf') return exportHfCommand(input, positionals.slice(1), str(values.out));
  if (format === 'csv') return exportCsvCommand(input, positionals.slice(1), str(values.out));
  throw new UsageError(
    format === undefined
      ? `--format hf or --format csv is needed: "${input}" is neither a .safetensors checkpoint nor a .jsonl results file`
      : `--format must be hf or csv, got "${format}"`,
  );
}

function exportHfCommand(checkpoint: string, rest: string[], out: string | undefined): number {
  const dir = rest[0] ?? out;
  if (!dir) throw new UsageError(`where to? npx t2lab export --format hf ${checkpoint} DIR`);
  if (rest.length > 1 || (rest[0] && out))
    throw new UsageError('export --format hf takes one CHECKPOINT and one DIR');
  // config.json last: it is what makes a folder a model, so an interrupted export is not mistaken for a whole one.
  const names: (typeof HF_FILES)[number][] = [
    ...HF_FILES.filter((n) => n !== 'config.json'),
    'config.json',
  ];
  const inputs = [{ option: 'CHECKPOINT', path: checkpoint }];
  checkOutput(dir, { option: 'DIR', directory: true, inputs });
  for (const n of names) checkOutput(join(dir, n), { option: 'DIR', inputs });
  const ck = readCheckpoint(checkpoint);
  const files = exportHf(ck);
  writeFilesAtomic(
    dir,
    names.map((n) => [n, files[n]!]),
  );
  console.log(`exported ${checkpoint} (${describe(ck)}) as a Hugging Face GPT-2 folder: ${dir}/`);
  console.log(`  ${names.join(', ')}`);
  console.log(
    `load it in Python:\n  from transformers import GPT2LMHeadModel, AutoTokenizer\n  model = GPT2LMHeadModel.from_pretrained(${JSON.stringify(dir)}); tok = AutoTokenizer.from_pretrained(${JSON.stringify(dir)})`,
  );
  return 0;
}

function exportCsvCommand(input: string, rest: string[], out: string | undefined): number {
  if (rest.length)
    throw new UsageError(
      `export --format csv takes one results file; the output folder is --out DIR (got "${rest.join(' ')}")`,
    );
  const file =
    input && existsSync(input) && statSync(input).isDirectory()
      ? join(input, 'results.jsonl')
      : input;
  checkInput(
    file,
    'results file',
    file === input
      ? ''
      : ` (a folder without results.jsonl; give a results file written by \`t2lab sweep\`)`,
  );
  const dir = out ?? dirname(file);
  const stem = basename(file).replace(/\.jsonl$/, '');
  const targets = {
    pass_at_k: join(dir, `${stem}_pass_at_k.csv`),
    questions: join(dir, `${stem}_questions.csv`),
  };
  if (out !== undefined)
    checkOutput(dir, {
      option: '--out',
      directory: true,
      inputs: [{ option: 'RESULTS', path: file }],
    });
  for (const t of Object.values(targets))
    checkOutput(t, { option: '--out', inputs: [{ option: 'RESULTS', path: file }] });
  let skipped = 0;
  const records = readRecordsFile(file, (m) => {
    skipped++;
    console.error(`warning: ${m}`);
  });
  if (!records.length)
    throw new UsageError(
      `${file} holds no run records${skipped ? ` (${skipped} unreadable lines)` : ''}; nothing to export`,
    );
  const passAtK = tidyPassAtKCsv(records),
    questions = tidyQuestionsCsv(records);
  writeFileAtomic(targets.pass_at_k, passAtK);
  writeFileAtomic(targets.questions, questions);
  const rows = (s: string) => s.split('\n').length - 2;
  console.log(
    `${records.length} runs from ${file}${skipped ? ` (${skipped} lines skipped, see the warnings)` : ''}:`,
  );
  console.log(`  ${targets.pass_at_k}: ${rows(passAtK)} rows, one per (run, k)`);
  console.log(`  ${targets.questions}: ${rows(questions)} rows, one per (run, question)`);
  console.log(`load them in Python: pandas.read_csv(${JSON.stringify(targets.pass_at_k)})`);
  return 0;
}

/** The files importHf reads, from a folder; weights in formats t2lab does not read are only noted, not read. */
function readHfFolder(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const present = new Set(readdirSync(dir));
  for (const n of ['config.json', 'model.safetensors', 'tokenizer.json'])
    if (present.has(n)) files[n] = new Uint8Array(readInput(join(dir, n), 'Hugging Face file'));
  for (const n of ['model.safetensors.index.json', 'pytorch_model.bin'])
    if (present.has(n)) files[n] = new Uint8Array(0);
  return files;
}

export async function importCommand(args: string[]): Promise<number> {
  const { positionals } = parseCommand(IMPORT_SPEC, args);
  const [dir, out] = positionals;
  if (!dir || !out || positionals.length > 2)
    throw new UsageError(
      'npx t2lab import DIR OUT.safetensors: a Hugging Face GPT-2 folder and the checkpoint to write',
    );
  if (!existsSync(dir)) throw new UsageError(`folder "${dir}" not found`);
  if (!statSync(dir).isDirectory())
    throw new UsageError(
      `"${dir}" is a file; import reads a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)`,
    );
  const inputs = ['config.json', 'model.safetensors', 'tokenizer.json'].map((n) => ({
    option: 'DIR',
    path: join(dir, n),
  }));
  checkOutput(out, { option: 'OUT', inputs });
  let ck: Checkpoint;
  try {
    ck = importHf(readHfFolder(dir), dir);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  writeFileAtomic(out, saveCheckpoint(ck));
  const trained = ck.state.origin
    ? 'weights from another tool: t2lab defaults for the training keys'
    : `trained by t2lab on ${ck.state.tokens.toLocaleString('en-US')} tokens of ${ck.config.tasks}`;
  console.log(`imported ${dir} (${describe(ck)}; ${trained}) as ${out}`);
  console.log(
    `sample it: npx t2lab sample --checkpoint ${out}${ck.state.origin ? ' --task add' : ''}`,
  );
  return 0;
}
