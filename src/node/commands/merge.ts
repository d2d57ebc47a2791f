// `t2lab merge DIR | FILE.jsonl ...`: unite results files (a sharded sweep's, or any) into one, one
// record per run, never dropping a line: what cannot be read, and every differing second copy of a run,
// is printed and kept in merge-skipped.jsonl beside the output. Records of two experiments are refused.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError, parseCommand, str, type CommandSpec } from '../args.ts';
import { RESULTS_FILE } from '../store.ts';
import { parseRecordsJsonl, recordSetProblems, type RunRecord } from '../../sweep/record.ts';
import {
  InputError,
  appendDurable,
  checkInput,
  checkOutput,
  readInput,
  writeFileAtomic,
} from '../atomic.ts';
import { acquireLock } from '../lock.ts';

export const MERGE_SPEC: CommandSpec = {
  name: 'merge',
  synopsis: 'DIR | FILE.jsonl ...',
  summary: `Unite results files (one record per run) into DIR/results.jsonl (or --out FILE). A DIR merges its
results.shard-i-of-n.jsonl files, warning about missing shards and mixed shard counts. Nothing is dropped:
every line that cannot be read, and every differing second copy of a run, is printed and kept in
merge-skipped.jsonl beside the output.`,
  options: {
    out: {
      type: 'string',
      arg: 'FILE',
      help: 'the merged file (default DIR/results.jsonl, or results.jsonl here)',
    },
  },
};

/** Shard files of a folder, and what is wrong with the set: mixed shard counts, missing shards. */
export function shardFiles(dir: string): { files: string[]; warnings: string[] } {
  const files = readdirSync(dir)
    .filter((f) => RESULTS_FILE.test(f) && f !== 'results.jsonl')
    .sort();
  const byCount = new Map<number, Set<number>>();
  for (const f of files) {
    const m = /^results\.shard-(\d+)-of-(\d+)\.jsonl$/.exec(f)!;
    const [i, n] = [Number(m[1]), Number(m[2])];
    if (!byCount.has(n)) byCount.set(n, new Set());
    byCount.get(n)!.add(i);
  }
  const warnings: string[] = [];
  if (byCount.size > 1)
    warnings.push(
      `shards of different counts in ${dir} (${[...byCount.keys()].map((n) => `of-${n}`).join(', ')}): the sweep was split in more than one way, so some runs may be missing or done twice; check the grid with \`t2lab sweep ... --dry-run\``,
    );
  for (const [n, have] of byCount) {
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !have.has(i));
    if (missing.length)
      warnings.push(
        `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} in ${dir}: ${missing.map((i) => `results.shard-${i}-of-${n}.jsonl`).join(', ')} not found; their runs are not in the merge (run them with --shard i/${n}, then merge again)`,
      );
  }
  return { files: files.map((f) => join(dir, f)), warnings };
}

/** `t2lab merge DIR|FILE... [--out FILE]`: unite results files, one record per run id, dropping nothing. */
export async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(MERGE_SPEC, args);
  if (!positionals.length)
    throw new UsageError('missing DIR or FILE.jsonl (a DIR merges its results.shard-*.jsonl)');
  const files: string[] = [];
  const warnings: string[] = [];
  for (const p of positionals) {
    if (p === '' || !existsSync(p) || !statSync(p).isDirectory()) {
      checkInput(p, 'results file', ' (merge takes results .jsonl files or a sweep folder)');
      if (!p.endsWith('.jsonl'))
        throw new UsageError(`"${p}" is not a .jsonl results file or a folder`);
      files.push(p);
      continue;
    }
    const found = shardFiles(p);
    if (!found.files.length) throw new UsageError(`${p} holds no results.shard-*.jsonl files`);
    files.push(...found.files);
    warnings.push(...found.warnings);
  }
  const out =
    str(values.out) ??
    (positionals.length === 1 && statSync(positionals[0]!).isDirectory()
      ? join(positionals[0]!, 'results.jsonl')
      : 'results.jsonl');
  checkOutput(out, { option: '--out', example: 'results.jsonl' });
  for (const w of warnings) console.warn(`warning: ${w}`);
  const side = join(dirname(out), 'merge-skipped.jsonl');
  const lock = acquireLock(out, `t2lab merge ${positionals.join(' ')}`, (m) =>
    console.error(`notice: ${m}`),
  );
  try {
    const byId = new Map<string, { record: RunRecord; text: string; from: string }>();
    const skipped: { source: string; line: number; reason: string; text: string }[] = [];
    let identical = 0;
    // The existing output first (a merge adds to it), then each input; a file given twice is read once.
    const sources = [
      ...new Set([...(existsSync(out) ? [out] : []), ...files].map((f) => resolve(f))),
    ];
    for (const f of sources) {
      const text = readInput(f, 'results file').toString('utf8');
      const lines = text.split(/\r?\n/);
      const { records, errors } = parseRecordsJsonl(text);
      for (const e of errors)
        skipped.push({ source: f, line: e.line, reason: e.message, text: lines[e.line - 1]! });
      // Records come back in line order, blank lines skipped: pair each with its line for the messages.
      const recordLines = lines
        .map((l, i) => ({ l, i }))
        .filter(({ l, i }) => l.trim() && !errors.some((e) => e.line === i + 1));
      records.forEach((r, j) => {
        const at = recordLines[j]!;
        const key = `${r.sweep}/${r.id}`;
        const had = byId.get(key);
        if (!had) return void byId.set(key, { record: r, text: at.l, from: `${f}:${at.i + 1}` });
        if (JSON.stringify(had.record) === JSON.stringify(r)) return void identical++;
        skipped.push({
          source: f,
          line: at.i + 1,
          reason: `a second, different record of run ${key} (the first, from ${had.from}, is kept)`,
          text: at.l,
        });
      });
    }
    // One results file holds one experiment: records of several are not merged into one.
    const mixed = recordSetProblems([...byId.values()].map((x) => x.record));
    if (mixed.length)
      throw new InputError(
        `${mixed.join('; ')}; nothing was written (merge each experiment's files into its own --out)`,
      );
    for (const s of skipped) console.warn(`skipped ${s.source}:${s.line}: ${s.reason}`);
    if (skipped.length) {
      // Kept, not deleted: lines already in the side file (an earlier merge) are not added twice.
      const seen = new Set(
        existsSync(side)
          ? readFileSync(side, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => {
                try {
                  const x = JSON.parse(l) as { source: string; line: number; text: string };
                  return `${x.source}\u0000${x.line}\u0000${x.text}`;
                } catch {
                  return l;
                }
              })
          : [],
      );
      const fresh = skipped.filter((s) => !seen.has(`${s.source}\u0000${s.line}\u0000${s.text}`));
      if (fresh.length) appendDurable(side, fresh.map((s) => JSON.stringify(s) + '\n').join(''));
    }
    // Each record exactly as it was written (byte for byte), in the order first seen.
    writeFileAtomic(out, [...byId.values()].map((x) => x.text + '\n').join(''));
    const notes = [
      identical ? `${identical} identical copies counted once` : '',
      skipped.length
        ? `${skipped.length} lines not merged, each printed above and kept in ${side}`
        : '',
      warnings.length ? `${warnings.length} warnings above` : '',
    ].filter(Boolean);
    console.log(
      `${basename(out)}: ${byId.size} runs from ${files.length} files${notes.length ? ` (${notes.join('; ')})` : ''} → ${out}`,
    );
    return 0;
  } finally {
    lock.release();
  }
}
