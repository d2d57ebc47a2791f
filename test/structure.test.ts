// Project-wide checks: every kernel variant builds, and src/ stays host-agnostic.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../src/node/gpu.ts';
import { benchCases, checkCases } from '../src/bench/cases.ts';
import { matmul, matmul_versions, type MatmulVersion } from '../kernels/matmul/matmul.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('every kernel variant compiles', () => {
  // Dawn's null backend compiles and validates WGSL and pipelines without running them: fast.
  it('all matmul versions with every flag combination', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    const [out, a, b, bias] = ['out', 'a', 'b', 'bias'].map((n) => gpu.tensor(n, 64));
    for (const version of Object.keys(matmul_versions).map(Number) as MatmulVersion[]) {
      for (let bits = 0; bits < 16; bits++) {
        const [transA, transB, withBias, accumulate] = [1, 2, 4, 8].map((b) => (bits & b) !== 0);
        matmul(gpu, out!, a!, b!, withBias ? bias! : null, 3, 5, 7, { transA, transB, accumulate, version });
      }
    }
    await gpu.sync();
    gpu.destroy();
  });

  it('every benchmark case', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    for (const c of benchCases) {
      const { record, dispose } = c.setup(gpu);
      record();
      await expect(gpu.sync(), `${c.kernel} ${c.version} ${c.shape}`).resolves.toBeUndefined();
      dispose();
    }
    gpu.destroy();
  });

  it('the browser self-check covers every kernel and version that the benchmark does', () => {
    const key = (c: { kernel: string; version: string }) => `${c.kernel} ${c.version}`;
    const checked = new Set(checkCases.map(key));
    // train_step and decode_step compose checked kernels; the model and decoder tests check them whole.
    const missing = [...new Set(benchCases.map(key))].filter((k) => !checked.has(k) && !k.startsWith('fma_peak') && !k.startsWith('train_step') && !k.startsWith('decode_step'));
    expect(missing).toEqual([]);
  });

  it('a compile error names the .wgsl file and its line', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    const code = ['// broken on purpose', '#if ${X}', 'fn unused() {}', '#endif', '@compute @workgroup_size(1)', 'fn main() { let a: f32 = nope; }'].join('\n');
    gpu.pipeline({ name: 'broken', file: 'kernels/broken/broken.v1.wgsl', code, defines: { X: false } });
    await expect(gpu.sync()).rejects.toThrow(/kernel "broken" failed to build[\s\S]*kernels\/broken\/broken\.v1\.wgsl:6:\d+/);
    gpu.destroy();
  });
});

describe('src/ is host-agnostic', () => {
  it('only src/node/ touches Node or browser globals', () => {
    const offenders = files('src')
      .filter((f) => f.endsWith('.ts') && !f.startsWith(join('src', 'node')))
      .flatMap((f) => {
        const text = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '');
        return [/\bwindow\./, /\bdocument\./, /\bnavigator\./, /\bprocess\./, /from 'node:/, /from 'webgpu'/, /\blocalStorage\b/]
          .filter((re) => re.test(text))
          .map((re) => `${f}: ${re}`);
      });
    expect(offenders).toEqual([]);
  });
});

describe('declarations WGSL cannot share', () => {
  // Each decode kernel declares `struct Seq` itself (WGSL has no includes; a reader sees the layout where
  // it is used). This keeps every copy in the field order of SEQ, the one definition (kernels/sample/seqs.ts).
  it('every struct Seq has the fields of SEQ, in order', async () => {
    const { SEQ } = await import('../kernels/sample/seqs.ts');
    const want = Object.entries(SEQ).sort((a, b) => a[1] - b[1]).map(([k]) => k);
    const wgsl = files('kernels').filter((f) => f.endsWith('.wgsl'));
    let found = 0;
    for (const f of wgsl) {
      const m = /struct Seq \{([^}]*)\}/.exec(readFileSync(f, 'utf8'));
      if (!m) continue;
      found++;
      const fields = [...m[1]!.matchAll(/(\w+)\s*:\s*u32/g)].map((x) => x[1]);
      expect(fields, f).toEqual(want);
    }
    expect(found).toBeGreaterThanOrEqual(3);
  });
});
