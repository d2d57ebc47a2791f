// The browser's GPU worker: training, sampling and benchmarks run here, off the main thread. Results
// and checkpoints go to IndexedDB, which workers can open too. (If this script fails to load, the page
// hears of it through the worker's error event: web/shared/gpu-client.ts.)
import { expose } from 'comlink';
import { createApi } from '../../src/worker/api.ts';
import { openIdb } from './idb.ts';

const nav = (self as unknown as { navigator: Navigator }).navigator;
expose(
  createApi(nav.gpu, {
    openDb: () => openIdb(),
    codeVersion: import.meta.env.VITE_T2LAB_VERSION ?? 'web',
  }),
);
