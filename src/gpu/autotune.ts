// Moved to src/bench/autotune.ts (benchmarks and tuning sit above the kernels and the model; src/gpu imports
// neither). This re-export keeps old importers working until they switch; it is the only upward import here.
export * from '../bench/autotune.ts';
