// `t2lab export` and `t2lab import` end to end on real files: outputs checked before work, inputs never
// overwritten, nothing half-written left behind.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCommand, importCommand } from '../../src/node/commands/export.ts';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { runRecord } from './records.ts';

const FIXTURE = new URL('../fixtures/add2-L1-C32.safetensors', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 't2lab-export-'));
let n = 0;
const fresh = () => {
  const d = join(root, String(n++));
  mkdirSync(d);
  return d;
};
/** Every file under `dir`, relative; a leftover temporary file would show here. */
const listing = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('t2lab export --format hf / t2lab import', () => {
  it('exports the fixture and imports it back to the same model', async () => {
    const d = fresh();
    expect(await exportCommand(['--format', 'hf', FIXTURE, join(d, 'hf')])).toBe(0);
    expect(listing(join(d, 'hf'))).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(await importCommand([join(d, 'hf'), join(d, 'back.safetensors')])).toBe(0);
    const [a, b] = [FIXTURE, join(d, 'back.safetensors')].map((f) =>
      loadCheckpoint(new Uint8Array(readFileSync(f))),
    );
    expect(b!.config).toEqual(a!.config);
    for (const [name, t] of Object.entries(a!.params))
      expect(b!.params[name]!.data, name).toEqual(t.data);
    // The format is inferred from a .safetensors input when --format is left out.
    expect(await exportCommand([FIXTURE, join(d, 'hf2')])).toBe(0);
    expect(readFileSync(join(d, 'hf2', 'model.safetensors'))).toEqual(
      readFileSync(join(d, 'hf', 'model.safetensors')),
    );
  });

  it('refuses to overwrite its own input, before writing anything', async () => {
    const d = fresh();
    const ck = join(d, 'model.safetensors');
    writeFileSync(ck, readFileSync(FIXTURE));
    await expect(exportCommand(['--format', 'hf', ck, d])).rejects.toThrow(
      /DIR .*model\.safetensors is also the CHECKPOINT input/,
    );
    expect(listing(d)).toEqual(['model.safetensors']);
    expect(readFileSync(ck)).toEqual(readFileSync(FIXTURE));

    await exportCommand(['--format', 'hf', FIXTURE, join(d, 'hf')]);
    const before = listing(d);
    await expect(
      importCommand([join(d, 'hf'), join(d, 'hf', 'model.safetensors')]),
    ).rejects.toThrow(/OUT .* is also the DIR input/);
    await expect(importCommand([join(d, 'hf'), join(d, 'hf')])).rejects.toThrow(
      /is a folder; give a file name/,
    );
    expect(listing(d)).toEqual(before);
  });

  it('says what is wrong with bad inputs and writes nothing', async () => {
    const d = fresh();
    await exportCommand(['--format', 'hf', FIXTURE, join(d, 'hf')]);
    const cfg = JSON.parse(readFileSync(join(d, 'hf', 'config.json'), 'utf8'));
    writeFileSync(
      join(d, 'hf', 'config.json'),
      JSON.stringify({ ...cfg, layer_norm_epsilon: 1e-6 }),
    );
    await expect(importCommand([join(d, 'hf'), join(d, 'x.safetensors')])).rejects.toThrow(
      /layer_norm_epsilon is 0.000001, t2lab needs 1e-5/,
    );
    await expect(importCommand([FIXTURE, join(d, 'x.safetensors')])).rejects.toThrow(
      /is a file; import reads a Hugging Face model folder/,
    );
    await expect(exportCommand(['--format', 'hf', join(d, 'hf'), join(d, 'y')])).rejects.toThrow(
      /is a folder; give a \.safetensors file \(a Hugging Face folder converts with: npx t2lab import/,
    );
    // The fixture is a v1 file (no checksum): re-save it in the current format through import, then damage it.
    await exportCommand(['--format', 'hf', FIXTURE, join(d, 'hf3')]);
    await importCommand([join(d, 'hf3'), join(d, 'v2.safetensors')]);
    const v2 = new Uint8Array(readFileSync(join(d, 'v2.safetensors')));
    v2[v2.length - 5]! ^= 0x10;
    writeFileSync(join(d, 'v2-bad.safetensors'), v2);
    await expect(
      exportCommand(['--format', 'hf', join(d, 'v2-bad.safetensors'), join(d, 'z')]),
    ).rejects.toThrow(/the tensor data is damaged/);
    expect(
      existsSync(join(d, 'x.safetensors')) || existsSync(join(d, 'y')) || existsSync(join(d, 'z')),
    ).toBe(false);
    await expect(exportCommand(['--format', 'onnx', FIXTURE, join(d, 'o')])).rejects.toThrow(
      /--format must be hf or csv, got "onnx"/,
    );
  });
});

describe('t2lab export --format csv', () => {
  const results = (d: string, lines: string[]) => {
    const f = join(d, 'results.jsonl');
    writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };

  it('writes the two tidy tables beside the results file, or into --out', async () => {
    const d = fresh();
    const f = results(d, [
      JSON.stringify(runRecord('L1-C16-H2/D/N=2/s3')),
      JSON.stringify(runRecord('L1-C16-H2/D/N=8/s3')),
    ]);
    expect(await exportCommand(['--format', 'csv', f])).toBe(0);
    expect(listing(d)).toEqual(['results.jsonl', 'results_pass_at_k.csv', 'results_questions.csv']);
    expect(readFileSync(join(d, 'results_pass_at_k.csv'), 'utf8').trim().split('\n')).toHaveLength(
      1 + 2 * 3,
    );
    expect(await exportCommand([d, '--format', 'csv', '--out', join(d, 'tables')])).toBe(0); // a sweep folder is read as its results.jsonl
    expect(listing(join(d, 'tables'))).toEqual(['results_pass_at_k.csv', 'results_questions.csv']);
  });

  it('reports unreadable lines, refuses a file with no records, and a file as --out', async () => {
    const d = fresh();
    const f = results(d, [JSON.stringify(runRecord('a/b/s1')), '{"torn']);
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    expect(await exportCommand(['--format', 'csv', f])).toBe(0);
    expect(errors.join('\n')).toMatch(/line 2: not valid JSON.*; line skipped/);
    const empty = fresh();
    await expect(exportCommand(['--format', 'csv', results(empty, ['{"torn'])])).rejects.toThrow(
      /holds no run records \(1 unreadable lines\)/,
    );
    expect(listing(empty)).toEqual(['results.jsonl']);
    await expect(exportCommand(['--format', 'csv', f, '--out', f])).rejects.toThrow(
      /--out .* is also the RESULTS input/,
    );
    await expect(
      exportCommand(['--format', 'csv', f, '--out', join(d, 'results_questions.csv')]),
    ).rejects.toThrow(/--out .* is a file, not a folder/);
  });
});

describe('npx t2lab export / import', () => {
  it('are registered commands: exit 0 on success, 2 with the reason on a refusal', () => {
    const d = fresh();
    const bin = new URL('../../bin/t2lab.mjs', import.meta.url).pathname;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const ok = run('export', '--format', 'hf', FIXTURE, join(d, 'hf'));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/as a Hugging Face GPT-2 folder/);
    const refused = run('import', join(d, 'hf'), join(d, 'hf', 'model.safetensors'));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/t2lab import: OUT .* is also the DIR input/);
    expect(run('export', '--help').stdout).toMatch(
      /Usage: npx t2lab export --format hf\|csv INPUT \[DIR\]/,
    );
  });
});
