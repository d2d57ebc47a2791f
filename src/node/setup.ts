// A bare CPU-only machine from the CLI: when no WebGPU adapter is found, bin/setup.sh (the one set-up
// script, shared with `npm test` and .ci/run) is asked whether it can install the software driver here
// (Debian, root or passwordless sudo, no GPU). If it can, the command says so, runs it, and runs itself
// again once; if not, the no-adapter error (src/node/gpu.ts) already says exactly what to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SETUP = fileURLToPath(new URL('../../bin/setup.sh', import.meta.url));
const T2LAB = fileURLToPath(new URL('../../bin/t2lab.mjs', import.meta.url));

/**
 * After a no-adapter error in `t2lab COMMAND argv`: the exit code of the set-up and the command's second
 * run, or null when set-up cannot help (nothing it would install, or it may not install here; or it ran
 * already: T2LAB_NO_SETUP=1 also turns this off).
 */
export function setUpAndRerun(argv: string[]): number | null {
  if (process.env.T2LAB_NO_SETUP || !existsSync(SETUP)) return null;
  if (spawnSync('bash', [SETUP, '--check'], { stdio: 'ignore' }).status !== 1) return null;
  console.error(
    't2lab: no WebGPU adapter was found; running bin/setup.sh to install the software Vulkan driver (lavapipe) and Chromium',
  );
  const setup = spawnSync('bash', [SETUP], { stdio: 'inherit' });
  if (setup.status !== 0) return setup.status ?? 1;
  console.error(`t2lab: set up; running t2lab ${argv.join(' ')} again`);
  const again = spawnSync(process.execPath, [T2LAB, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, T2LAB_NO_SETUP: '1' },
  });
  return again.status ?? 1;
}
