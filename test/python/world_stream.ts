// Dump a t2lab mix for the PyTorch twin (test/python/world_twin.py; not run by npm test): its training
// stream (seed 1) as uint8 token ids, its held-out text (seed 2, 8 × 64 × 64 + 1 tokens) and 128 evaluation
// questions per task with their chance baselines. The twin then trains on exactly the text t2lab would.
//   node --import tsx test/python/world_stream.ts MIX TOKENS PREFIX TASKS
//   e.g. node --import tsx test/python/world_stream.ts bio:2,hop:1,sum:3,cpy:2,rev:2 12000000 /tmp/w2 bio,hop,sum,cpy,rev
import { writeFileSync } from 'node:fs';
import { TrainStream, heldOutTokens } from '../../src/data/stream.ts';
import { TASKS, evalQuestions, type TaskName } from '../../src/data/tasks.ts';
import { encode, EOS } from '../../src/data/tokenizer.ts';
import { parseMix } from '../../src/config.ts';

const [mixSpec, tokens, prefix, tasks] = process.argv.slice(2);
if (!mixSpec || !tokens || !prefix || !tasks) {
  console.error('usage: node --import tsx test/python/world_stream.ts MIX TOKENS PREFIX TASKS');
  process.exit(2);
}
const mix = parseMix(mixSpec);
const stream = new TrainStream({ seed: 1, mix });
const n = Number(tokens);
const train = new Uint8Array(n);
for (let i = 0; i < n; i += 4096) {
  const { inputs } = stream.nextBatch(64, 64);
  train.set(inputs.subarray(0, Math.min(4096, n - i)), i);
}
writeFileSync(`${prefix}_train.bin`, train);
writeFileSync(
  `${prefix}_eval.bin`,
  Uint8Array.from(heldOutTokens({ seed: 2, mix }, 8 * 64 * 64 + 1)),
);
const questions: Record<string, { p: number[]; a: number[]; chance: number }[]> = {};
for (const t of tasks.split(',') as TaskName[])
  questions[t] = evalQuestions(t, 128, 0).map((q) => ({
    p: [...encode(q.prompt)],
    a: [...encode(q.answer), EOS],
    chance: TASKS[t].chance(q.prompt, q.answer),
  }));
writeFileSync(`${prefix}_qs.json`, JSON.stringify(questions));
console.log(
  `${prefix}: ${n} training tokens (${stream.state().example} documents), held-out text, questions`,
);
