// `npx t2lab bench --peers` in Node: gives jax-js and TF.js what a browser would (navigator.gpu on the
// adapter our Gpu runs on, ES2025 iterator helpers, module resolution for tfjs-core's ESM gradient
// files), then runs the host-agnostic peer benchmark (src/bench/peers/) and prints its table.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
// The peers request their own devices, so they need a GPU instance of their own: same flags as
// src/node/gpu.ts, checked below to give the same adapter.
import { create } from 'webgpu';
import type { Gpu } from '../gpu/context.ts';
import { adapterKey, describeAdapter } from '../gpu/adapter.ts';
import {
  formatPeerBench,
  runPeerBench,
  type PeerBenchOptions,
  type PeerReport,
  type PeerRow,
} from '../bench/peers/peer-bench.ts';
import { fileChoiceStore } from './autotune-store.ts';

const instances: GPU[] = []; // Dawn instances must stay referenced while their devices live

/** navigator.gpu for the peers, on the same adapter as `gpu`; throws when Dawn's default adapter differs. */
async function installNavigatorGpu(gpu: Gpu): Promise<void> {
  const instance = create(['disable-dawn-features=timestamp_quantization']);
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  const theirs = adapter ? describeAdapter(adapter) : null;
  if (!theirs || adapterKey(theirs) !== adapterKey(gpu.adapter)) {
    throw new Error(
      `the peers would run on ${theirs ? adapterKey(theirs) : 'no adapter'}, t2lab on ${adapterKey(gpu.adapter)}: ` +
        'run the peer benchmark on the default adapter (or point VK_ICD_FILENAMES at the driver you want)',
    );
  }
  instances.push(instance);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: instance, userAgent: `Node.js/${process.version}` },
    configurable: true,
    writable: true,
  });
}

/** Iterator helpers (ES2025; Node 22 has them): jax-js calls .map on iterators. */
function polyfillIteratorHelpers(): void {
  const proto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as Record<
    string,
    unknown
  >;
  if (typeof proto.map === 'function') return;
  const define = (name: string, fn: unknown) =>
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
  define('map', function* (this: Iterable<unknown>, f: (x: unknown, i: number) => unknown) {
    let i = 0;
    for (const x of this) yield f(x, i++);
  });
  define('filter', function* (this: Iterable<unknown>, f: (x: unknown, i: number) => boolean) {
    let i = 0;
    for (const x of this) if (f(x, i++)) yield x;
  });
  define(
    'flatMap',
    function* (this: Iterable<unknown>, f: (x: unknown, i: number) => Iterable<unknown>) {
      let i = 0;
      for (const x of this) yield* f(x, i++);
    },
  );
  define('toArray', function (this: Iterable<unknown>) {
    return [...this];
  });
  define('forEach', function (this: Iterable<unknown>, f: (x: unknown, i: number) => void) {
    let i = 0;
    for (const x of this) f(x, i++);
  });
  define('some', function (this: Iterable<unknown>, f: (x: unknown, i: number) => boolean) {
    let i = 0;
    for (const x of this) if (f(x, i++)) return true;
    return false;
  });
  define('every', function (this: Iterable<unknown>, f: (x: unknown, i: number) => boolean) {
    let i = 0;
    for (const x of this) if (!f(x, i++)) return false;
    return true;
  });
  define('find', function (this: Iterable<unknown>, f: (x: unknown, i: number) => boolean) {
    let i = 0;
    for (const x of this) if (f(x, i++)) return x;
    return undefined;
  });
  define(
    'reduce',
    function (
      this: Iterable<unknown>,
      f: (acc: unknown, x: unknown, i: number) => unknown,
      ...init: unknown[]
    ) {
      let acc = init[0],
        first = init.length === 0,
        i = 0;
      for (const x of this) {
        acc = first ? x : f(acc, x, i);
        first = false;
        i++;
      }
      return acc;
    },
  );
}

// tfjs-core registers gradients only from its ESM sources, whose relative imports have no extension
// (written for bundlers). This resolve hook adds ".js" or "/index.js" there, as a bundler would.
const TFJS_RESOLVE_HOOK = `
import { existsSync, statSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (context.parentURL && context.parentURL.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !/\\.[cm]?js$/.test(specifier)) {
    const base = new URL(specifier, context.parentURL).href;
    for (const url of [base + '.js', base + '/index.js']) {
      const path = new URL(url).pathname;
      if (existsSync(path) && statSync(path).isFile()) return { url, format: 'module', shortCircuit: true };
    }
  }
  return next(specifier, context);
}`;
let hooked = false;

/**
 * Set by `bin/device-pack.mjs` when it bundles the CLI (with the peers inside) for a machine without Node or
 * node_modules: the peers' versions at bundling time, since no package.json travels with the bundle.
 */
declare const __T2LAB_BUNDLED_PEERS__: Record<string, string> | undefined;
const bundledPeers: Record<string, string> | undefined =
  typeof __T2LAB_BUNDLED_PEERS__ === 'undefined' ? undefined : __T2LAB_BUNDLED_PEERS__;

/** Installed version of a package, from its package.json (found from its main entry). */
function installedVersion(name: string): string {
  if (bundledPeers) return bundledPeers[name] ?? 'not installed';
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    while (
      !existsSync(join(dir, 'package.json')) ||
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name
    )
      dir = dirname(dir);
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'not installed';
  }
}

/** Run the peer benchmark in this process, on `gpu`'s adapter; rows go to onRow as they finish. */
export async function runPeerBenchNode(
  gpu: Gpu,
  opts: PeerBenchOptions = {},
  onRow?: (r: PeerRow) => void,
): Promise<PeerReport> {
  const missing = [
    '@jax-js/jax',
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-backend-webgpu',
  ].filter((n) => installedVersion(n) === 'not installed');
  if (missing.length)
    throw new Error(
      `the peer benchmark needs ${missing.join(', ')}: they are devDependencies, so run \`npm install\` in a clone of t2lab`,
    );
  polyfillIteratorHelpers();
  // A bundle holds the peers already: nothing is resolved from node_modules, so no hook is needed.
  if (!hooked && !bundledPeers) {
    register(`data:text/javascript,${encodeURIComponent(TFJS_RESOLVE_HOOK)}`);
    hooked = true;
  }
  await installNavigatorGpu(gpu);
  const report = await runPeerBench(gpu, { store: fileChoiceStore(), ...opts }, onRow);
  for (const n of Object.keys(report.versions))
    report.versions[n] = installedVersion(n === 'jax-js' ? '@jax-js/jax' : '@tensorflow/tfjs-core');
  return report;
}

export { formatPeerBench };

/** `t2lab bench --peers`: progress on stderr, the table (or JSON) on stdout, JSON to `out` when given. */
export async function benchPeers(
  gpu: Gpu,
  opts: { reps: number; json?: boolean; out?: string; quick?: boolean },
): Promise<number> {
  const report = await runPeerBenchNode(
    gpu,
    { reps: opts.reps, quick: opts.quick, log: (line) => process.stderr.write(`  ${line}\n`) },
    (r) => {
      const peers = r.peers
        .map(
          (p) =>
            `${p.name} ${p.ms === null ? (p.error ? 'failed' : 'DISAGREES') : `${p.ms.toFixed(2)} ms (${p.speedup!.toFixed(2)}x)`}`,
        )
        .join(', ');
      process.stderr.write(`    t2lab ${r.ours.ms.toFixed(2)} ms, ${peers}\n`);
    },
  );
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatPeerBench(report));
  if (opts.out) writeFileSync(opts.out, JSON.stringify(report, null, 2));
  const failed = report.rows.some((r) => r.peers.some((p) => !p.agree));
  if (failed) process.stderr.write('some rows disagree or failed: see the agree column\n');
  return failed ? 1 : 0;
}
