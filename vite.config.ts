import { defineConfig } from 'vite';

// The app lives in web/; it imports the kernels and runtime from ../kernels and ../src.
export default defineConfig({
  root: 'web',
  base: './', // relative asset paths: the build works from any static host or sub-folder
  server: { fs: { allow: ['..'] } },
  // Pre-bundled up front, so the first visit never reloads the page mid-run to add them.
  optimizeDeps: { include: ['lit', 'comlink'] },
  worker: { format: 'es' },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
});
