#!/usr/bin/env node
// Packs what `bin/device-gpu.sh` needs on a lent GPU machine that has no Node, no node_modules and no
// network (the project's `device` tool: docs/guide/kernels-and-benchmarks.md, "On a lent GPU machine"):
//   .gpu/t2lab.mjs.xz     the CLI as one ES module (Vite's SSR build; the WGSL, cli-progress and the peers
//                         jax-js and TF.js inside, their versions baked in); only `webgpu` stays outside
//   .gpu/webgpu.tar.xz    node_modules/webgpu with Dawn for linux-x64 only
//   .gpu/node.xz          this Node binary (linux-x64), xz-compressed
//   .gl/*.deb             the Vulkan loader (libvulkan1), as the device tool's README says
// Both folders are git-ignored; the device call carries them: run({ command: 'bash bin/device-gpu.sh',
// carry: ['.gpu', '.gl'] }). About 30 MB in all, beside the working tree (the call's limit is 64 MiB).
//   node bin/device-pack.mjs
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const gpu = join(root, '.gpu');
const gl = join(root, '.gl');
mkdirSync(gpu, { recursive: true });
if (process.platform !== 'linux' || process.arch !== 'x64')
  throw new Error(
    `device-pack: the GPU machines are linux-x64; this is ${process.platform}-${process.arch}`,
  );

// 1. The CLI, bundled.
const version = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const peers = Object.fromEntries(
  ['@jax-js/jax', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'].map((n) => [
    n,
    version(n),
  ]),
);
const entry = join(gpu, 'entry.ts');
writeFileSync(
  entry,
  `import { main } from '../src/node/cli.ts';
process.exitCode = await main(process.argv.slice(2));
for (const s of [process.stdout, process.stderr]) await new Promise((done) => s.write('', done));
process.exit();
`,
);
const { build } = await import('vite');
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  define: { __T2LAB_BUNDLED_PEERS__: JSON.stringify(peers) },
  build: {
    ssr: entry,
    outDir: join(gpu, 'dist'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      external: ['webgpu', 'tsx/esm/api'],
      output: { format: 'es', codeSplitting: false },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
const built = readdirSync(join(gpu, 'dist')).find((f) => f.endsWith('.js'));
execFileSync('sh', [
  '-c',
  `xz -6 -c '${join(gpu, 'dist', built)}' > '${join(gpu, 't2lab.mjs.xz')}'`,
]);
rmSync(join(gpu, 'dist'), { recursive: true });
rmSync(entry);

// 2. Dawn for linux-x64 only (the package ships every platform).
const stage = join(gpu, 'stage');
rmSync(stage, { recursive: true, force: true });
const wg = join(stage, 'node_modules', 'webgpu');
mkdirSync(join(wg, 'dist'), { recursive: true });
for (const f of ['index.js', 'package.json'])
  execFileSync('cp', [join(root, 'node_modules/webgpu', f), wg]);
execFileSync('cp', ['-r', join(root, 'node_modules/webgpu/dist/linux-x64'), join(wg, 'dist')]);
execFileSync('tar', ['cJf', join(gpu, 'webgpu.tar.xz'), '-C', stage, 'node_modules']);
rmSync(stage, { recursive: true });

// 3. Node itself (kept when already packed from this binary).
const stamp = join(gpu, 'node.version');
const node = `${process.execPath} ${process.version} ${statSync(process.execPath).size}`;
if (
  !existsSync(join(gpu, 'node.xz')) ||
  !existsSync(stamp) ||
  readFileSync(stamp, 'utf8') !== node
) {
  console.log(`compressing ${process.execPath} (${process.version}) ...`);
  execFileSync('sh', ['-c', `xz -6 -c '${process.execPath}' > '${join(gpu, 'node.xz')}'`]);
  writeFileSync(stamp, node);
}

// 4. The Vulkan loader (the device tool's README recipe).
if (!existsSync(gl) || !readdirSync(gl).some((f) => f.endsWith('.deb'))) {
  mkdirSync(gl, { recursive: true });
  const lists = '/tmp/amd64';
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const o = [
    '-oAPT::Architecture=amd64',
    '-oAPT::Architectures=amd64',
    `-oDir::State::Lists=${lists}`,
  ];
  execFileSync('apt-get', [...o, 'update'], { stdio: 'ignore' });
  execFileSync('apt-get', [...o, 'download', 'libvulkan1'], { cwd: gl, stdio: 'inherit' });
}

const size = (d) => readdirSync(d).reduce((a, f) => a + statSync(join(d, f)).size, 0) / 2 ** 20;
console.log(
  `packed: .gpu ${size(gpu).toFixed(1)} MiB, .gl ${size(gl).toFixed(1)} MiB (peers ${JSON.stringify(peers)})`,
);
console.log(
  "device call: run({ command: 'bash bin/device-gpu.sh', carry: ['.gpu', '.gl'], timeout_s: 540 })",
);
