// `t2lab tune`: measuring is its own command, and what it shows is what a run here would use. The race
// itself is tested in test/bench/autotune.test.ts; here only what needs no race.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import { describeGpu } from '../helpers.ts';

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err), out: () => text(log) };
}

describe('t2lab tune', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has its own --help, and refuses two experiment files or a malformed --kernels', async () => {
    let c = capture();
    expect(await main(['tune', '--help'])).toBe(0);
    expect(c.out()).toMatch(/^Usage: npx t2lab tune \[experiments\/NAME\.ts\]/);
    vi.restoreAllMocks();
    c = capture();
    expect(await main(['tune', 'a.ts', 'b.ts'])).toBe(2);
    expect(c.err()).toMatch(/one experiment file at most/);
    vi.restoreAllMocks();
    c = capture();
    expect(await main(['tune', '--show', '--kernels', 'matmul=2'])).toBe(2);
    expect(c.err()).toMatch(/kernel choice "matmul=2" is not name:number/);
  });
});

describeGpu('t2lab tune --show', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('with nothing stored, says a run uses the adapter class default and measures nothing', async () => {
    vi.stubEnv('T2LAB_CACHE_DIR', mkdtempSync(join(tmpdir(), 't2lab-tune-')));
    const c = capture();
    expect(await main(['tune', '--show'])).toBe(0);
    expect(c.out()).toMatch(
      /a run of the default model: matmul v\d( rows=\d+)?, attention v\d \(the default for /,
    );
    expect(c.out()).toMatch(/nothing measured on this adapter yet; `t2lab tune` measures/);
  });
});
