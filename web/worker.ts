// The browser's GPU worker: training, sampling and benchmarks run here, off the main thread.
import { expose } from 'comlink';
import { createApi } from '../src/worker/api.ts';

expose(createApi((self as unknown as { navigator: Navigator }).navigator.gpu));
