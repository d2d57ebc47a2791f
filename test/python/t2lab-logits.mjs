#!/usr/bin/env node
// t2lab's logits for a few texts, from its float64 CPU reference model, as JSON on stdout: what
// check_hf_export.py compares transformers' logits with. Not run by npm test.
//   node test/python/t2lab-logits.mjs CHECKPOINT TEXT [TEXT ...]   → [{ text, ids, logits: [[V floats] per position] }]
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../../bin/wgsl-loader.mjs', import.meta.url);
const { readFileSync } = await import('node:fs');
const { loadCheckpoint } = await import('../../src/checkpoint/checkpoint.ts');
const { GPT, flattenParams } = await import('../../src/model/gpt.ts');
const { cpuOps } = await import('../../src/model/ops.cpu.ts');
const { modelShape } = await import('../../src/config.ts');
const { encode, PAD } = await import('../../src/data/tokenizer.ts');

const [file, ...texts] = process.argv.slice(2);
if (!file || !texts.length) {
  console.error('usage: node test/python/t2lab-logits.mjs CHECKPOINT TEXT [TEXT ...]');
  process.exit(2);
}
const ck = loadCheckpoint(new Uint8Array(readFileSync(file)), file);
const shape = modelShape(ck.config);
const ops = cpuOps();
const model = new GPT(ops, shape, 1);
ops.write(model.paramsFlat, flattenParams(model.specs, model.nParamsFlat, ck.params));
const out = [];
for (const text of texts) {
  const ids = [...encode(text)];
  if (ids.length > shape.block_size)
    throw new Error(`"${text}" is ${ids.length} tokens, past block_size ${shape.block_size}`);
  const inputs = new Uint32Array(shape.block_size).fill(PAD);
  inputs.set(ids);
  model.setBatch(inputs, new Uint32Array(shape.block_size).fill(0xffffffff));
  model.forward();
  const logits = await ops.read(model.acts.logits);
  out.push({
    text,
    ids,
    logits: ids.map((_, t) =>
      Array.from(logits.subarray(t * shape.vocab_size, (t + 1) * shape.vocab_size)),
    ),
  });
}
console.log(JSON.stringify(out));
