// Project-wide checks: every kernel variant builds, src/ stays host-agnostic, and the import graph is
// layered: no circle, no folder importing one above it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../src/node/gpu.ts';
import { benchCases, checkCases } from '../src/bench/registry.ts';
import type { Kernel } from '../src/gpu/kernel.ts';
import type { BenchCase } from '../src/gpu/cases.ts';
import { matmul, matmul_versions, type MatmulVersion } from '../kernels/matmul/matmul.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)],
  );
}

describe('every kernel variant compiles', () => {
  // Dawn's null backend compiles and validates WGSL and pipelines without running them: fast.
  it('all matmul versions with every flag combination', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    const [out, a, b, bias] = ['out', 'a', 'b', 'bias'].map((n) => gpu.tensor(n, 64));
    for (const version of Object.keys(matmul_versions).map(Number) as MatmulVersion[]) {
      for (let bits = 0; bits < 16; bits++) {
        const [transA, transB, withBias, accumulate] = [1, 2, 4, 8].map((b) => (bits & b) !== 0);
        matmul(gpu, out!, a!, b!, withBias ? bias! : null, 3, 5, 7, {
          transA,
          transB,
          accumulate,
          version,
        });
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
    const checked = new Set(checkCases.filter((c) => c.quick !== false).map(key));
    // train_step and decode_step compose checked kernels; the model and decoder tests check them whole.
    const missing = [...new Set(benchCases.map(key))].filter(
      (k) => !checked.has(k) && !k.startsWith('train_step') && !k.startsWith('decode_step'),
    );
    expect(missing).toEqual([]);
  });

  it('a compile error names the .wgsl file and its line', async () => {
    const gpu = await createNodeGpu({ adapter: 'null' });
    const code = [
      '// broken on purpose',
      '#if ${X}',
      'fn unused() {}',
      '#endif',
      '@compute @workgroup_size(1)',
      'fn main() { let a: f32 = nope; }',
    ].join('\n');
    gpu.pipeline({
      name: 'broken',
      file: 'kernels/broken/broken.v1.wgsl',
      code,
      defines: { X: false },
    });
    await expect(gpu.sync()).rejects.toThrow(
      /kernel "broken" failed to build[\s\S]*kernels\/broken\/broken\.v1\.wgsl:6:\d+/,
    );
    gpu.destroy();
  });
});

describe('the README is a front door', () => {
  // Numbers live in docs/results/README.md and feature guides in docs/guide/ (docs/guide/testing.md); a
  // dated diary or an issue number in the README belongs in the commit history.
  const readme = readFileSync('README.md', 'utf8');
  it('is at most 200 lines, with no dated section and no issue number', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(readme.match(/\b20\d\d-\d\d-\d\d\b/g) ?? []).toEqual([]);
    expect(readme.match(/\bissues? #?\d+/gi) ?? []).toEqual([]);
  });
  it('links the guides and the index of current figures, and both exist', () => {
    expect(readme).toContain('](docs/results/README.md)');
    expect(statSync('docs/results/README.md').isFile()).toBe(true);
    const guides = [...readme.matchAll(/\]\((docs\/guide\/[\w.-]+\.md)/g)].map((m) => m[1]!);
    expect(guides.length).toBeGreaterThanOrEqual(8);
    expect(statSync('docs/guide').isDirectory()).toBe(true);
  });
});

describe('src/ is host-agnostic', () => {
  it('only src/node/ touches Node or browser globals', () => {
    const offenders = files('src')
      .filter((f) => f.endsWith('.ts') && !f.startsWith(join('src', 'node')))
      .flatMap((f) => {
        const text = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '');
        return [
          /\bwindow\./,
          /\bdocument\./,
          /\bnavigator\./,
          /\bprocess\./,
          /from 'node:/,
          /from 'webgpu'/,
          /\blocalStorage\b/,
        ]
          .filter((re) => re.test(text))
          .map((re) => `${f}: ${re}`);
      });
    expect(offenders).toEqual([]);
  });
});

describe('declarations WGSL cannot share', () => {
  // struct Seq lives once, in kernels/sample/seqs.wgsl, and the launchers append it (KernelSpec.append).
  // This keeps that one copy in the field order of SEQ (kernels/sample/seqs.ts) and no second copy anywhere.
  it('struct Seq is declared once, in seqs.wgsl, with the fields of SEQ in order, and every kernel that reads seqs gets it', async () => {
    const { SEQ, SEQ_WGSL } = await import('../kernels/sample/seqs.ts');
    const want = Object.entries(SEQ)
      .sort((a, b) => a[1] - b[1])
      .map(([k]) => k);
    const declaring = files('kernels').filter(
      (f) => f.endsWith('.wgsl') && /struct Seq \{/.test(readFileSync(f, 'utf8')),
    );
    expect(declaring).toEqual([join('kernels', 'sample', 'seqs.wgsl')]);
    const m = /struct Seq \{([^}]*)\}/.exec(SEQ_WGSL);
    expect([...m![1]!.matchAll(/(\w+)\s*:\s*u32/g)].map((x) => x[1])).toEqual(want);
    const { encoder_decode_kernel } = await import('../kernels/encoder/encoder.ts');
    const { attention_decode_kernel } =
      await import('../kernels/attention_decode/attention_decode.ts');
    const { sample_kernel } = await import('../kernels/sample/sample.ts');
    const readers = files('kernels').filter(
      (f) => f.endsWith('.wgsl') && /array<Seq>/.test(readFileSync(f, 'utf8')),
    );
    const appending = (
      [encoder_decode_kernel, attention_decode_kernel, sample_kernel] as Kernel<number>[]
    ).flatMap((k) => {
      expect(k.append, k.name).toBe(SEQ_WGSL);
      return k.numbers.map((v) => k.file(v));
    });
    expect(readers.length).toBeGreaterThanOrEqual(4);
    expect(readers.sort()).toEqual(appending.sort());
  });
});

describe('a new kernel is one folder plus one registration', () => {
  // README "Layout", Adding a kernel. The folder holds the kernel; src/bench/registry.ts lists its table once,
  // which puts it in `t2lab bench`, the Kernels page and the browser self-check; its test runs the table.
  const exists = (f: string) => statSync(f, { throwIfNoEntry: false }) !== undefined;
  const folders = readdirSync('kernels').filter((f) => statSync(join('kernels', f)).isDirectory());

  it('every folder under kernels/ has its table of cases registered in src/bench/registry.ts and a test that runs it', async () => {
    expect(folders.length).toBeGreaterThanOrEqual(12);
    const registered = importsOf('src/bench/registry.ts');
    const problems: string[] = [];
    for (const k of folders) {
      const table = exists(`kernels/${k}/${k}.cases.ts`) ? `kernels/${k}/${k}.cases.ts` : undefined;
      const test = `test/kernels/${k}.test.ts`;
      if (!table) problems.push(`kernels/${k}/ has no table of cases, kernels/${k}/${k}.cases.ts`);
      else if (!registered.includes(table))
        problems.push(`${table} is not imported by src/bench/registry.ts`);
      else {
        const { bench } = (await import(`../${table}`)) as { bench: BenchCase[] };
        if (!bench.length || !bench.every((c) => benchCases.includes(c)))
          problems.push(`${table}: its bench cases are not all in src/bench/registry.ts's list`);
      }
      if (!exists(test)) problems.push(`kernels/${k}/ has no ${test}`);
      else if (
        table &&
        !(
          importsOf(test).includes(table) &&
          /\bitChecks\(gpu, checks\)/.test(readFileSync(test, 'utf8'))
        )
      ) {
        problems.push(`${test} does not run ${table}'s checks (itChecks(gpu, checks))`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---- the import graph ----

// What each part of the code may import (besides its own files), bottom first. A part may name only
// parts listed before it, so the table itself cannot hold a circle; README's Layout section says the same.
const LAYERS: [part: string, mayImport: string[]][] = [
  ['src/util', []],
  ['src/data', ['src/util']],
  ['src/config.ts', ['src/data']],
  ['src/gpu', ['src/config.ts', 'src/util']],
  ['kernels', ['src/gpu', 'src/util']],
  ['src/stats', ['src/util']],
  ['src/model', ['kernels', 'src/gpu', 'src/config.ts', 'src/util']],
  ['src/checkpoint', ['src/model', 'src/data', 'src/config.ts']],
  ['src/train', ['src/checkpoint', 'src/model', 'kernels', 'src/gpu', 'src/data', 'src/config.ts']],
  ['src/sample', ['src/model', 'kernels', 'src/gpu', 'src/stats', 'src/data', 'src/config.ts']],
  [
    'src/sweep',
    [
      'src/train',
      'src/sample',
      'src/checkpoint',
      'src/model',
      'kernels',
      'src/gpu',
      'src/stats',
      'src/data',
      'src/config.ts',
    ],
  ],
  // The measurement wing: benchmarks and the kernel tuner, above everything a run uses, so that no run
  // can reach them (see TRAINING_PATH); a run reads only the stored result (src/sweep/kernel-choice.ts).
  [
    'src/bench',
    [
      'src/sweep',
      'src/train',
      'src/sample',
      'src/model',
      'kernels',
      'src/gpu',
      'src/data',
      'src/config.ts',
      'src/util',
    ],
  ],
  ['src/fit', ['src/sweep', 'src/stats', 'src/data', 'src/util']],
  ['src/report', ['src/fit', 'src/sweep', 'src/stats', 'src/config.ts']],
  ['experiments', ['src/sweep', 'src/config.ts']],
  // The hosts: the browser's GPU worker, the Node CLI, and the page, which never holds a device (it talks
  // to the worker through src/worker/api.ts) but may compute with the pure parts below.
  [
    'src/worker',
    [
      'src/fit',
      'src/sweep',
      'src/bench',
      'src/sample',
      'kernels',
      'src/gpu',
      'src/stats',
      'src/data',
      'src/config.ts',
    ],
  ],
  [
    'src/node',
    [
      'experiments',
      'src/report',
      'src/fit',
      'src/sweep',
      'src/bench',
      'src/sample',
      'src/train',
      'src/checkpoint',
      'src/model',
      'kernels',
      'src/gpu',
      'src/stats',
      'src/data',
      'src/config.ts',
      'src/util',
    ],
  ],
  [
    'web',
    [
      'src/worker',
      'experiments',
      'src/report',
      'src/fit',
      'src/sweep',
      'src/bench',
      'src/sample',
      'src/model',
      'src/gpu',
      'src/stats',
      'src/data',
      'src/config.ts',
    ],
  ],
];

/** The part of the code a file belongs to: src/<folder>, src/config.ts, or a top-level folder. */
function partOf(file: string): string {
  const p = file.split('/');
  return p[0] === 'src' ? (p.length > 2 ? `src/${p[1]}` : file) : p[0]!;
}

/** The files `f` imports by relative path, type-only ones included. */
function importsOf(f: string): string[] {
  // The compiler's own pre-parser: it sees import, import type, export ... from and import(), and skips
  // comments and strings.
  const specs = ts
    .preProcessFile(readFileSync(f, 'utf8'), true, true)
    .importedFiles.map((i) => i.fileName);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(f), s.replace(/\?.*$/, ''))));
}

/** Every relative import of every source file under src/, kernels/, web/ and experiments/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of ['src', 'kernels', 'web', 'experiments']
    .flatMap(files)
    .filter((f) => /\.m?ts$/.test(f) && !f.endsWith('.d.ts')))
    graph.set(f, importsOf(f));
  return graph;
}

/** One circle through the graph's files, as a path that returns to its start, or null. */
function findCircle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === 'done' || !graph.has(f)) return null;
    if (state.get(f) === 'open') return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f)!) {
      const c = visit(t);
      if (c) return c;
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of [...graph.keys()].sort()) {
    const c = visit(f);
    if (c) return c;
  }
  return null;
}

/** Each import that crosses parts against LAYERS, with a message naming it and what its part may import. */
function upwardImports(
  graph: Map<string, string[]>,
  layers = LAYERS,
): { from: string; to: string; message: string }[] {
  const allowed = new Map(layers.map(([part, may]) => [part, new Set(may)]));
  const bad: { from: string; to: string; message: string }[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [partOf(from), partOf(to)];
      if (a === b || allowed.get(a)?.has(b)) continue;
      bad.push({
        from,
        to,
        message: `${from} -> ${to} (${a} may import: ${[...(allowed.get(a) ?? [])].join(', ') || 'nothing'})`,
      });
    }
  }
  return bad.sort((x, y) => x.message.localeCompare(y.message));
}

// What a training run executes: the sweep driver and runner, the trainer, the sampler, the model. None of
// it may import the benchmarks or the kernel tuner, even through another file: a run reads the tuner's
// stored result (src/sweep/kernel-choice.ts) and never races kernels itself.
const TRAINING_PATH = ['src/sweep', 'src/train', 'src/sample', 'src/model'];
const MEASUREMENT = 'src/bench';

/** For each training-path file that reaches the measurement wing, one import chain to it. */
function measurementReach(graph: Map<string, string[]>): string[] {
  const chains: string[] = [];
  for (const start of [...graph.keys()].filter((f) => TRAINING_PATH.includes(partOf(f))).sort()) {
    const prev = new Map<string, string>([[start, '']]);
    const queue = [start];
    while (queue.length) {
      const f = queue.shift()!;
      if (partOf(f) === MEASUREMENT) {
        const chain = [f];
        for (let p = prev.get(f)!; p; p = prev.get(p)!) chain.unshift(p);
        chains.push(chain.join(' -> '));
        break;
      }
      for (const t of graph.get(f) ?? [])
        if (!prev.has(t)) {
          prev.set(t, f);
          queue.push(t);
        }
    }
  }
  return chains;
}

describe('the import graph', () => {
  const graph = importGraph();

  it('the layer table names each part once and lets a part import only parts listed before it', () => {
    const seen: string[] = [];
    for (const [part, may] of LAYERS) {
      expect(seen, `${part} listed twice`).not.toContain(part);
      expect(
        may.filter((m) => !seen.includes(m)),
        `${part} may import parts not below it`,
      ).toEqual([]);
      seen.push(part);
    }
  });

  it('every source file belongs to a part in the table', () => {
    const parts = new Set(LAYERS.map(([p]) => p));
    expect([...graph.keys()].filter((f) => !parts.has(partOf(f)))).toEqual([]);
    expect(graph.size).toBeGreaterThan(100);
  });

  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([f, targets]) =>
      targets
        .filter((t) => !graph.has(t) && !statSync(t, { throwIfNoEntry: false }))
        .map((t) => `${f} -> ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no circle, between folders or between files', () => {
    expect(findCircle(graph)?.join(' -> ') ?? null).toBeNull();
  });

  it('no folder imports upward (LAYERS)', () => {
    expect(upwardImports(graph).map((i) => i.message)).toEqual([]);
  });

  it("nothing on a training run's path reaches the measurement wing (TRAINING_PATH, src/bench)", () => {
    expect(measurementReach(graph)).toEqual([]);
    // And the check itself catches an indirect import: sweep -> train -> bench.
    const g = new Map([
      ['src/sweep/driver.ts', ['src/train/trainer.ts']],
      ['src/train/trainer.ts', ['src/bench/autotune.ts']],
      ['src/bench/autotune.ts', []],
    ]);
    expect(measurementReach(g)).toEqual([
      'src/sweep/driver.ts -> src/train/trainer.ts -> src/bench/autotune.ts',
      'src/train/trainer.ts -> src/bench/autotune.ts',
    ]);
  });

  it("each folder's main file opens with a banner that names the parts it imports and is imported by, as LAYERS does", () => {
    const MAIN: Record<string, string> = {
      'src/util': 'src/util/rng.ts',
      'src/data': 'src/data/tasks.ts',
      'src/gpu': 'src/gpu/context.ts',
      'src/stats': 'src/stats/passk.ts',
      'src/model': 'src/model/gpt.ts',
      'src/checkpoint': 'src/checkpoint/checkpoint.ts',
      'src/train': 'src/train/trainer.ts',
      'src/sample': 'src/sample/evaluate.ts',
      'src/bench': 'src/bench/registry.ts',
      'src/sweep': 'src/sweep/driver.ts',
      'src/fit': 'src/fit/fit.ts',
      'src/report': 'src/report/html.ts',
      experiments: 'experiments/index.ts',
      'src/worker': 'src/worker/api.ts',
      'src/node': 'src/node/cli.ts',
      web: 'web/t2-app.ts',
    };
    const short = (p: string) => p.replace(/^src\//, '').replace(/\.ts$/, '');
    const wrong = Object.entries(MAIN).flatMap(([part, file]) => {
      const banner = readFileSync(file, 'utf8')
        .split('\n\n')[0]!
        .split('\n//\n')[0]!
        .replace(/\n\/\/ /g, ' ')
        .replace(/^\/\/ /, '');
      const may =
        LAYERS.find(([p]) => p === part)![1]
          .map(short)
          .join(', ') || 'nothing';
      const by =
        LAYERS.filter(([, m]) => m.includes(part))
          .map(([p]) => short(p))
          .join(', ') || 'nothing';
      // The same parts in any order: moving a part in the table need not reword every banner below it.
      const set = (list: string) => list.split(', ').sort().join(', ');
      const m = /Imports (.+?); imported by (.+?)(?: \(|: |\.(?: |$)|$)/.exec(banner);
      const ok =
        banner.startsWith(`${part}${part.endsWith('.ts') ? '' : '/'}: `) &&
        m !== null &&
        set(m[1]!) === set(may) &&
        set(m[2]!) === set(by);
      return ok
        ? []
        : [
            `${file}: its banner should say "${part}/: ...Imports ${may}; imported by ${by}" (in any order), it says "${banner}"`,
          ];
    });
    expect(wrong).toEqual([]);
  });

  it('the checks fail on a circle and on an upward import', () => {
    // A made-up graph: model imports sweep (upward), and two sweep files import each other (a circle).
    const g = new Map([
      ['src/model/gpt.ts', ['src/sweep/record.ts']],
      ['src/sweep/record.ts', ['src/sweep/runner.ts']],
      ['src/sweep/runner.ts', ['src/sweep/record.ts', 'src/model/gpt.ts']],
    ]);
    expect(findCircle(g)).toEqual([
      'src/sweep/record.ts',
      'src/sweep/runner.ts',
      'src/sweep/record.ts',
    ]);
    expect(upwardImports(g).map((i) => i.message)).toEqual([
      'src/model/gpt.ts -> src/sweep/record.ts (src/model may import: kernels, src/gpu, src/config.ts, src/util)',
    ]);
  });
});
