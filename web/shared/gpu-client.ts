// The page's handle on the GPU worker. The UI only ever calls wrap(); all GPU work happens in the worker.
import { wrap, type Remote } from 'comlink';
import type { T2Api } from '../../src/worker/api.ts';

const worker = new Worker(new URL('./gpu-worker.ts', import.meta.url), { type: 'module' });

export const api: Remote<T2Api> = wrap<T2Api>(worker);

/** Resolves with a message if the worker cannot start (a script that fails to load, say); never otherwise. */
export const workerFailed: Promise<string> = new Promise((resolve) => {
  worker.addEventListener('error', (e) =>
    resolve(e.message || 'its script failed to load (the browser console has the details)'),
  );
});
