// The page's handle on the GPU worker. The UI only ever calls wrap(); all GPU work happens in the worker.
import { wrap, type Remote } from 'comlink';
import type { T2Api } from '../src/worker/api.ts';

export const api: Remote<T2Api> = wrap<T2Api>(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
