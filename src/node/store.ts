// A sweep's results on disk: DIR/results.jsonl (or results.shard-i-of-n.jsonl when sharded), one
// RunRecord per line, appended as each run finishes; DIR/resume/<run>.safetensors while a run is in
// progress (deleted when it finishes); DIR/models/<run>.safetensors, each finished run's model.
//
// Reading never loses data: a line that does not parse (say, half-written when the machine died) is
// reported with its file and line number and skipped; the file itself is left as it is.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepStore } from '../sweep/runner.ts';
import { parseRecordsJsonl, type RunRecord } from '../sweep/record.ts';

/** File-system-safe name for a run id ("L1-C16-H2/D=20/s1" → "L1-C16-H2_D=20_s1"). */
const fileName = (id: string) => id.replace(/[^\w.=-]+/g, '_');

/** Every record in the results files of `dir` (results*.jsonl), with a warning per unreadable line. */
export function readResultsDir(dir: string, warn: (m: string) => void): RunRecord[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => /^results.*\.jsonl$/.test(f)).sort();
  return files.flatMap((f) => readResultsFile(join(dir, f), warn));
}

export function readResultsFile(path: string, warn: (m: string) => void): RunRecord[] {
  const { records, errors } = parseRecordsJsonl(readFileSync(path, 'utf8'));
  for (const e of errors) warn(`${path}:${e.line}: skipped: ${e.message}`);
  return records;
}

export class DirStore implements SweepStore {
  readonly results: string;

  constructor(readonly dir: string, shard = { index: 0, count: 1 }, private readonly warn: (m: string) => void = console.warn) {
    mkdirSync(join(dir, 'resume'), { recursive: true });
    mkdirSync(join(dir, 'models'), { recursive: true });
    this.results = join(dir, shard.count > 1 ? `results.shard-${shard.index}-of-${shard.count}.jsonl` : 'results.jsonl');
  }

  async records(): Promise<RunRecord[]> {
    return readResultsDir(this.dir, this.warn);
  }

  async append(record: RunRecord): Promise<void> {
    // A line left unterminated by a crash must not swallow this one.
    if (existsSync(this.results)) {
      const text = readFileSync(this.results, 'utf8');
      if (text.length && !text.endsWith('\n')) appendFileSync(this.results, '\n');
    }
    appendFileSync(this.results, JSON.stringify(record) + '\n');
  }

  async loadCheckpoint(id: string): Promise<Uint8Array | null> {
    const f = join(this.dir, 'resume', `${fileName(id)}.safetensors`);
    return existsSync(f) ? new Uint8Array(readFileSync(f)) : null;
  }

  async saveCheckpoint(id: string, bytes: Uint8Array): Promise<void> {
    // Write then rename, so a crash mid-write leaves the previous checkpoint intact.
    const f = join(this.dir, 'resume', `${fileName(id)}.safetensors`);
    writeFileSync(`${f}.tmp`, bytes);
    renameSync(`${f}.tmp`, f);
  }

  async deleteCheckpoint(id: string): Promise<void> {
    rmSync(join(this.dir, 'resume', `${fileName(id)}.safetensors`), { force: true });
  }

  async saveModel(id: string, bytes: Uint8Array): Promise<void> {
    writeFileSync(join(this.dir, 'models', `${fileName(id)}.safetensors`), bytes);
  }
}
