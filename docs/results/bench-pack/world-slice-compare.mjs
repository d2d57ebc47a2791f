// world-slice.sh: each slice mode's records against the world grid's full records (same ids), the sweep name,
// code version, timings and finish time aside. node world-slice-compare.mjs OUT GRID.jsonl
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const strip = ({ timings, finished_at, code_version, sweep, ...r }) => JSON.stringify(r);
const read = (f) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse);
const grid = new Map(read(process.argv[3]).map((r) => [r.id, strip(r)]));
const out = process.argv[2];
for (const mode of readdirSync(out).filter((d) => statSync(join(out, d)).isDirectory() && !d.startsWith('smoke'))) {
  const dir = join(out, mode);
  const files = readdirSync(dir).filter((f) => /^results.*\.jsonl$/.test(f) && f !== 'results.jsonl' || f === 'results.jsonl');
  const recs = new Map();
  for (const f of files) for (const r of read(join(dir, f))) recs.set(r.id, r);
  let same = 0, diff = 0;
  for (const [id, r] of recs) (grid.get(id) === strip(r) ? same++ : diff++);
  console.log(`${mode}: ${recs.size} runs, ${same} identical to the grid's records, ${diff} differ`);
}
