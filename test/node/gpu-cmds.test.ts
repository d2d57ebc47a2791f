// Issue 14 reproductions that need the device: `sample --k 2,2,1` printed duplicate unsorted rows;
// `train --n_layer=100000` tuned kernels for 65 s before failing on an internal tensor name; a model
// with huge weights ended in "pass@k: p must be in [0, 1], got NaN".
import { afterEach, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/node/cli.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { describeGpu } from '../helpers.ts';

function capture() {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const text = (s: typeof err) => s.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  return { err: () => text(err), out: () => text(log) };
}

describeGpu('commands on the device', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sample --k 2,2,1 gives one sorted row per k', async () => {
    const c = capture();
    expect(
      await main([
        'sample',
        '--checkpoint',
        'test/fixtures/add2-L1-C32.safetensors',
        '--n',
        '2',
        '--questions',
        '2',
        '--k',
        '2,2,1',
        '--json',
      ]),
    ).toBe(0);
    const result = JSON.parse(c.out());
    expect(result.pass_at_k.sampling.k).toEqual([1, 2]);
    expect(result.pass_at_k.likelihood.k).toEqual([1, 2]);
    expect(result.sampling.k).toEqual([1, 2]);
  });

  it('train past the adapter limits is refused in config words before any tuning', async () => {
    const c = capture();
    expect(await main(['train', '--n_layer=64', '--n_embd=4096', '--n_head=32'])).toBe(2);
    expect(c.err()).toMatch(
      /this run does not fit this adapter:\n {2}n_layer 64 × n_embd 4096 makes N = [\d,]+ parameters: .*lower n_layer or n_embd/,
    );
    expect(c.err()).not.toMatch(/tensor "/);
    // The device opens (the limits are the adapter's); no kernel is chosen or tuned, no model built.
    expect(c.out()).not.toMatch(/^(kernels|model):/m);
  });

  it('a model whose weights overflow float32 logits is refused in words, not with a NaN inside pass@k', async () => {
    const ck = loadCheckpoint(
      new Uint8Array(readFileSync('test/fixtures/add2-L1-C32.safetensors')),
    );
    for (const t of Object.values(ck.params)) t.data = t.data.map((x) => x * 1e30);
    const f = join(mkdtempSync(join(tmpdir(), 't2lab-huge-')), 'huge.safetensors');
    writeFileSync(f, saveCheckpoint(ck));
    const c = capture();
    expect(await main(['sample', '--checkpoint', f, '--n', '2', '--questions', '2'])).toBe(2);
    expect(c.err()).toMatch(
      /the model's outputs are not finite numbers \(its largest weight is [\d.]+e\+\d+\)/,
    );
    expect(c.err()).not.toMatch(/p must be in/);
  });
});
