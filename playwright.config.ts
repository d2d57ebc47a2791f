import { defineConfig } from '@playwright/test';

// Debian's Chromium (Playwright cannot download its own browsers on these machines) with software
// WebGPU through SwiftShader. On a machine with a GPU, drop --use-webgpu-adapter to test the real one.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/browser',
  // Only *.spec.ts: the *.test.ts files beside them are Vitest tests of the app's host-free parts, run in Node.
  testMatch: '**/*.spec.ts',
  timeout: 180_000,
  outputDir: 'test-results',
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:5174',
    screenshot: 'on',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--enable-webgpu-developer-features',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: [
    {
      command: 'npx vite --port 5174 --strictPort --host 127.0.0.1',
      url: 'http://127.0.0.1:5174',
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      // `npm run build` served from a sub-folder, as any static host would (test/browser/build.spec.ts).
      command:
        'npm run build && npx vite preview --port 5175 --strictPort --host 127.0.0.1 --base /t2lab/',
      url: 'http://127.0.0.1:5175/t2lab/',
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
