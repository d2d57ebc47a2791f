// A sweep's results on disk: DIR/results.jsonl (or results.shard-i-of-n.jsonl when sharded), one
// RunRecord per line, appended (and fsynced) as each run finishes; DIR/resume/<run>.safetensors while a
// run is in progress (deleted when it finishes); DIR/models/<run>.safetensors, each finished run's model;
// DIR/experiment.json, each run's settings when the sweep last started (the driver refuses a changed
// experiment against it). Every file but the results is written whole or not at all (src/node/atomic.ts).
//
// Reading never loses data: a line that does not parse (say, half-written when the machine died) is
// reported with its file and line number and skipped; the file itself is left as it is.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DriverStore, SweepManifest } from '../sweep/driver.ts';
import type { RunSpec } from '../sweep/experiment.ts';
import { parseRecordsJsonl, recordSetProblems, type RunRecord } from '../sweep/record.ts';
import {
  InputError,
  OutputError,
  appendDurable,
  checkOutput,
  kindOf,
  readInput,
  writeFileAtomic,
} from './atomic.ts';
import { choiceStorePath, fileChoiceStore } from './autotune-store.ts';
import type { ChoiceStore } from '../sweep/kernel-choice.ts';

/**
 * The kernel-choice file (~/.cache/t2lab/kernels.json) as a ChoiceStore that never fails a command: an
 * unwritable cache folder is said once, up front, and the choice is simply measured again next time.
 */
export function kernelChoiceStore(warn: (m: string) => void): ChoiceStore {
  const inner = fileChoiceStore();
  let warned = false;
  const tell = (e: unknown) => {
    if (!warned)
      warn(
        `the kernel cache cannot be written: ${(e as Error).message.split('\n')[0]}; choices and step times are measured again next time`,
      );
    warned = true;
  };
  try {
    checkOutput(choiceStorePath(), { option: 'T2LAB_CACHE_DIR' });
  } catch (e) {
    tell(e);
  }
  return {
    get: (key) => {
      try {
        return inner.get(key);
      } catch {
        return null;
      }
    },
    set: async (key, value) => {
      if (warned) return;
      try {
        await inner.set(key, value);
      } catch (e) {
        tell(e);
      }
    },
  };
}

/** File-system-safe name for a run id ("L1-C16-H2/D=20/s1" → "L1-C16-H2_D=20_s1"). */
export const runFileName = (id: string) => id.replace(/[^\w.=-]+/g, '_');
const fileName = runFileName;

/** results.jsonl and results.shard-i-of-n.jsonl: the files a sweep writes (every results*.jsonl is read back). */
export const RESULTS_FILE = /^results(\.shard-\d+-of-\d+)?\.jsonl$/;

/** Every record in the results files of `dir` (results*.jsonl), with a warning per unreadable line. */
export function readResultsDir(dir: string, warn: (m: string) => void): RunRecord[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => /^results.*\.jsonl$/.test(f))
    .sort();
  return files.flatMap((f) => readResultsFile(join(dir, f), warn));
}

export function readResultsFile(path: string, warn: (m: string) => void): RunRecord[] {
  const { records, errors } = parseRecordsJsonl(readInput(path, 'results file').toString('utf8'));
  for (const e of errors) warn(`${path} line ${e.line}: ${e.message}; line skipped`);
  return records;
}

/**
 * The records of one results file as merge, export, fit, report and calibrate read it, in the same
 * words for all: each line no record can hold is warned about by number and skipped (nothing is
 * deleted), and a file that holds one run twice or runs of several experiments is refused.
 */
export function readRecordsFile(path: string, warn: (m: string) => void): RunRecord[] {
  const text = readInput(path, 'results file').toString('utf8');
  const { records, errors, lines } = parseRecordsJsonl(text);
  for (const e of errors) warn(`${path} line ${e.line}: ${e.message}; line skipped`);
  const problems = recordSetProblems(records, (i) => `line ${lines[i]}`);
  if (problems.length) throw new InputError(`${path}: ${problems.join('; ')}`);
  return records;
}

export class DirStore implements DriverStore {
  readonly results: string;

  constructor(
    readonly dir: string,
    shard = { index: 0, count: 1 },
    private readonly warn: (m: string) => void = console.warn,
  ) {
    this.results = join(
      dir,
      shard.count > 1 ? `results.shard-${shard.index}-of-${shard.count}.jsonl` : 'results.jsonl',
    );
    // The folder's own names must be what the format says (links followed), before anything is made.
    const want: [string, 'file' | 'folder'][] = [
      [join(dir, 'resume'), 'folder'],
      [join(dir, 'models'), 'folder'],
      [this.results, 'file'],
      [this.manifestPath, 'file'],
    ];
    for (const [p, kind] of want) {
      if (!existsSync(p)) continue;
      const st = statSync(p);
      if (kind === 'folder' ? !st.isDirectory() : !st.isFile())
        throw new OutputError(
          `${p} is ${st.isDirectory() ? 'a folder' : (kindOf(st) ?? 'a file')}, but a sweep folder keeps its ${basename(p)}${kind === 'folder' ? '/ folder' : ''} there; move it away or choose another --out`,
        );
    }
    mkdirSync(join(dir, 'resume'), { recursive: true });
    mkdirSync(join(dir, 'models'), { recursive: true });
  }

  async records(): Promise<RunRecord[]> {
    return readResultsDir(this.dir, this.warn);
  }

  async append(record: RunRecord): Promise<void> {
    // A line left unterminated by a crash must not swallow this one.
    let sep = '';
    if (existsSync(this.results)) {
      const text = readInput(this.results, 'results file').toString('utf8');
      if (text.length && !text.endsWith('\n')) sep = '\n';
    }
    appendDurable(this.results, sep + JSON.stringify(record) + '\n');
  }

  get manifestPath(): string {
    return join(this.dir, 'experiment.json');
  }

  async loadManifest(): Promise<SweepManifest | null> {
    if (!existsSync(this.manifestPath)) return null;
    try {
      return JSON.parse(readInput(this.manifestPath, 'manifest').toString('utf8')) as SweepManifest;
    } catch (e) {
      // Written atomically, so this is damage from outside; the records still guard every finished run.
      this.warn(
        `${this.manifestPath}: unreadable (${(e as Error).message}); it is rewritten, and finished runs are checked against their records`,
      );
      return null;
    }
  }

  async saveManifest(m: SweepManifest): Promise<void> {
    writeFileAtomic(this.manifestPath, JSON.stringify(m, null, 1) + '\n');
  }

  async loadCheckpoint(id: string): Promise<Uint8Array | null> {
    const f = join(this.dir, 'resume', `${fileName(id)}.safetensors`);
    return existsSync(f) ? new Uint8Array(readInput(f, 'resume checkpoint')) : null;
  }

  async saveCheckpoint(id: string, bytes: Uint8Array): Promise<void> {
    // A crash or a full disk mid-write leaves the previous checkpoint intact.
    writeFileAtomic(join(this.dir, 'resume', `${fileName(id)}.safetensors`), bytes);
  }

  async deleteCheckpoint(id: string): Promise<void> {
    rmSync(join(this.dir, 'resume', `${fileName(id)}.safetensors`), { force: true });
  }

  async saveModel(id: string, bytes: Uint8Array): Promise<void> {
    writeFileAtomic(join(this.dir, 'models', `${fileName(id)}.safetensors`), bytes);
  }
}

/** Where the processes of one `t2lab sweep --jobs` take their runs (CLAIMS_ENV names it for them). */
export const claimsDir = (dir: string) => join(dir, 'claims');
export const CLAIMS_ENV = 'T2LAB_CLAIMS';

/**
 * SweepOptions.claim for processes sharing `claims` (a folder): a run is this process's when it creates
 * the run's claim file first (O_EXCL: exactly one process can), so each run trains once, wherever.
 */
export function claimRuns(claims: string): (runs: RunSpec[]) => Promise<RunSpec[]> {
  return async (runs) =>
    runs.filter((r) => {
      try {
        closeSync(openSync(join(claims, `${fileName(r.id)}.claim`), 'wx'));
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e;
      }
    });
}

/** Why `dir` belongs to another experiment than `name` (its records or its experiment.json), or null. */
export function otherExperiment(
  dir: string,
  name: string,
  records: RunRecord[],
  manifest: SweepManifest | null,
): string | null {
  const names = new Set(records.map((r) => r.sweep));
  if (manifest?.sweep) names.add(manifest.sweep);
  names.delete(name);
  if (!names.size) return null;
  const theirs = [...names].map((n) => `"${n}"`).join(', ');
  return `${dir} holds the runs of experiment ${theirs}, not "${name}": sweeping "${name}" there would train every run again beside them. Give this experiment its own folder (--out), or, if it is ${theirs} renamed, set its name back`;
}
