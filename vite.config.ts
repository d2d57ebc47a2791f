import { defineConfig } from 'vite';

// The app lives in web/; it imports the kernels and runtime from ../kernels and ../src.
export default defineConfig({
  root: 'web',
  base: './', // relative asset paths: the build works from any static host or sub-folder
  server: { fs: { allow: ['..'] } },
  // Pre-bundled up front, so the first visit never reloads the page mid-run to add them (the peers are
  // imported only when the Kernels page compares libraries, which would otherwise reload the page then).
  optimizeDeps: {
    include: [
      'lit',
      'comlink',
      'chart.js',
      'idb',
      '@jax-js/jax',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-webgpu',
    ],
  },
  worker: { format: 'es' },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
});
