// Issue 25, class 8: property-based tests (fast-check) over every parser that reads what a user or a
// file hands t2lab: command-line options, experiment files, results records, safetensors headers and
// Hugging Face configs. The one property: each either accepts the input, and then what it returns is
// within the bounds (src/config.ts BOUNDS) and passes the validators, or refuses it with its own error
// class and a message; never a TypeError, a hang or an unbounded allocation. Deterministic (fixed seed)
// and bounded (a few hundred cases per parser, about a second in all), so it runs with the unit tests;
// T2LAB_FUZZ_SEED and T2LAB_FUZZ_RUNS explore further (3,000 runs on seeds 1-3 found nothing more).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { BOUNDS, ConfigError, DEFAULTS, makeConfig, type BoundKey } from '../../src/config.ts';
import { UsageError, keyValues, parseCommand } from '../../src/node/args.ts';
import { SAMPLE_SPEC } from '../../src/node/commands/sample.ts';
import { SWEEP_SPEC } from '../../src/node/commands/sweep.ts';
import { ExperimentError, expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import { parseRecordLine, recordProblems } from '../../src/sweep/record.ts';
import { CheckpointError, loadSafetensors } from '../../src/checkpoint/safetensors.ts';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { exportHf, importHf } from '../../src/checkpoint/hf.ts';
import { syntheticRecords } from '../report/fixture.ts';

const params = {
  seed: Number(process.env.T2LAB_FUZZ_SEED ?? 25),
  numRuns: Number(process.env.T2LAB_FUZZ_RUNS ?? 300),
  endOnFailure: true,
} as const;

/** Refused with `cls` and a message, or accepted: anything else (a TypeError, say) fails the property. */
function acceptOrRefuse<T>(f: () => T, cls: new (...a: never[]) => Error): T | null {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof cls)) throw e;
    expect((e as Error).message.length).toBeGreaterThan(10);
    return null;
  }
}

/** Values a careless user or an adversary types: numbers of every size, words, nothing. */
const anyValue = fc.oneof(
  fc.integer({ min: -5, max: 100 }),
  fc.constantFrom(0, 1, -1, 1e9, 1e15, 2 ** 53 + 1, 1e308, NaN, Infinity, -0, 0.5, 1e-300),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', ' ', '1e9', '0x10', '1_000', 'NaN', '-3', 'true', null, true, [], {}),
);
const within = (c: Record<string, unknown>) => {
  for (const k of Object.keys(BOUNDS) as BoundKey[]) {
    if (!(k in c)) continue;
    const v = c[k] as number;
    expect(v, k).toBeGreaterThanOrEqual(BOUNDS[k].min);
    expect(v, k).toBeLessThanOrEqual(BOUNDS[k].max);
  }
};

describe('fuzz: command-line options', () => {
  it('parseCommand accepts or throws UsageError, for any argument list', () => {
    const arg = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('--', '-', '--=', '--n', '--n=', '--top-k=3', '--dry-run', '--out', '-h'),
      fc.string({ maxLength: 8 }).map((s) => `--${s}`),
      fc
        .tuple(fc.constantFrom(...Object.keys(SAMPLE_SPEC.options)), fc.string({ maxLength: 6 }))
        .map(([k, v]) => `--${k}=${v}`),
    );
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 6 }), fc.boolean(), (args, sweep) => {
        acceptOrRefuse(() => parseCommand(sweep ? SWEEP_SPEC : SAMPLE_SPEC, args), UsageError);
      }),
      params,
    );
  });

  it('train options: makeConfig(keyValues(args)) is within the bounds or a ConfigError', () => {
    const key = fc.constantFrom(...Object.keys(DEFAULTS));
    const value = anyValue.map((v) => String(v));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 4 }), (pairs) => {
        const args = pairs.map(([k, v]) => `--${k}=${v}`);
        const keys = acceptOrRefuse(() => keyValues(args), UsageError);
        if (!keys) return;
        const c = acceptOrRefuse(() => makeConfig(keys), ConfigError);
        if (c) within(c);
      }),
      params,
    );
  });
});

describe('fuzz: experiment files', () => {
  const grid = {
    name: 'fz',
    base: { tasks: 'add:1', add_digits: 2, block_size: 32, batch_size: 4 },
    models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
    budgets: { tokens_per_param: [4] },
    seeds: [1],
    sampling: { questions: 2, n: 2, k: [1, 2], max_new: 4 },
  };
  // One field of the grid set to a careless value, at the top level or inside a block.
  const paths = [
    ['name'],
    ['base'],
    ['base', 'n_layer'],
    ['base', 'tokens'],
    ['base', 'tasks'],
    ['base', 'n_layr'],
    ['models'],
    ['models', 0, 'n_layer'],
    ['models', 0, 'n_embd'],
    ['budgets'],
    ['budgets', 'tokens_per_param'],
    ['budgets', 'flops'],
    ['seeds'],
    ['sampling'],
    ['sampling', 'questions'],
    ['sampling', 'n'],
    ['sampling', 'k'],
    ['sampling', 'temperature'],
    ['sampling', 'max_new'],
    ['scan'],
    ['max_tokens'],
    ['extra_seeds'],
    ['overtrained'],
  ] as const;
  const mutate = (x: Record<string, unknown>, path: readonly (string | number)[], v: unknown) => {
    let o = x as Record<string | number, unknown>;
    for (const p of path.slice(0, -1)) {
      if (!o[p] || typeof o[p] !== 'object') return x; // the first edit replaced this block
      o = o[p] as Record<string | number, unknown>;
    }
    o[path[path.length - 1]!] = v;
    return x;
  };
  const value = fc.oneof(
    anyValue,
    fc.array(anyValue, { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), anyValue, { maxKeys: 3 }),
  );

  it('validateExperiment accepts a grid within the bounds, or throws ExperimentError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        value,
        fc.constantFrom(...paths),
        value,
        (p, v, q, w) => {
          const e = acceptOrRefuse(
            () =>
              validateExperiment(
                mutate(mutate(JSON.parse(JSON.stringify(grid)), q, w), p, v),
                'fuzz.json',
              ),
            ExperimentError,
          );
          if (!e) return;
          const runs = expandRuns(e);
          expect(runs.length).toBeLessThanOrEqual(BOUNDS.runs.max);
          for (const r of runs) within(r.config);
          within(e.sampling);
        },
      ),
      params,
    );
  });
});

describe('fuzz: results records', () => {
  const good = syntheticRecords({ sizes: [1e3], budgets: [1e10], questions: 3 })[0]!;
  const text = JSON.stringify(good);

  it('parseRecordLine returns a record the validator passes, or throws an Error saying why', () => {
    // Arbitrary edits of a good line: a field replaced by a careless value, deep or shallow.
    const keys = [
      ...Object.keys(good),
      'questions.0.p',
      'questions.0.c',
      'questions.0.n',
      'curve.0.loss',
      'evals.0.loss',
      'pass_at_k.sampling.value',
      'pass_at_k.likelihood',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })),
        (key, v) => {
          const r = JSON.parse(text);
          const path = key.split('.');
          let o = r;
          for (const p of path.slice(0, -1)) o = o[p];
          o[path[path.length - 1]!] = v;
          const parsed = acceptOrRefuse(() => parseRecordLine(JSON.stringify(r)), Error);
          if (parsed) expect(recordProblems(parsed)).toEqual([]);
        },
      ),
      params,
    );
  });

  it('any text is a record or an Error, never a TypeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constant(text.slice(0, 200))), (line) => {
        try {
          parseRecordLine(line);
        } catch (e) {
          expect(e).not.toBeInstanceOf(TypeError);
        }
      }),
      params,
    );
  });
});

describe('fuzz: safetensors headers and Hugging Face configs', () => {
  const bytes = new Uint8Array(readFileSync('test/fixtures/add2-L1-C32.safetensors'));
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  const withHeader = (h: unknown, len?: bigint) => {
    const text = Buffer.from(JSON.stringify(h));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(len ?? BigInt(text.length));
    return new Uint8Array(Buffer.concat([prefix, text, bytes.subarray(8 + n)]));
  };
  const tensorNames = Object.keys(header).filter((k) => k !== '__metadata__');

  it('loadSafetensors and loadCheckpoint refuse edited headers with CheckpointError, fast', () => {
    const edit = fc.oneof(
      // a tensor's dtype, shape or offsets
      fc.tuple(
        fc.constantFrom(...tensorNames),
        fc.constantFrom('dtype', 'shape', 'data_offsets'),
        fc.oneof(
          anyValue,
          fc.array(fc.oneof(fc.nat(), fc.constantFrom(2 ** 40, -1, 1e18)), { maxLength: 3 }),
        ),
      ),
      // a metadata entry
      fc.tuple(
        fc.constant('__metadata__'),
        fc.constantFrom('format', 'config', 'train_state', 'model', 'tensor_sha256'),
        fc.oneof(
          anyValue,
          anyValue.map((v) => JSON.stringify(v)),
        ),
      ),
    );
    fc.assert(
      fc.property(
        edit,
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
        ([t, k, v], len) => {
          const h = JSON.parse(JSON.stringify(header));
          h[t][k] = v;
          const b = withHeader(h, len ?? undefined);
          const t0 = performance.now();
          acceptOrRefuse(() => loadSafetensors(b), CheckpointError);
          acceptOrRefuse(() => loadCheckpoint(b, 'fuzz.safetensors'), CheckpointError);
          expect(performance.now() - t0).toBeLessThan(1000);
        },
      ),
      { ...params, numRuns: 200 },
    );
  });

  it('importHf accepts a config within the bounds, or throws CheckpointError', () => {
    const files = exportHf(loadCheckpoint(bytes));
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    delete config.t2lab;
    fc.assert(
      fc.property(
        fc.constantFrom(
          'n_layer',
          'n_embd',
          'n_head',
          'n_positions',
          'n_ctx',
          'vocab_size',
          'model_type',
          'activation_function',
          'layer_norm_epsilon',
          't2lab',
        ),
        anyValue,
        (k, v) => {
          const edited = {
            ...files,
            'config.json': new TextEncoder().encode(JSON.stringify({ ...config, [k]: v })),
          };
          const ck = acceptOrRefuse(() => importHf(edited, 'fuzz-hf'), CheckpointError);
          if (ck) within(ck.config);
        },
      ),
      params,
    );
  });
});
