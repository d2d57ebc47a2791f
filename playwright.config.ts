import { defineConfig } from '@playwright/test';

// Debian's Chromium (Playwright cannot download its own browsers on these machines) with software
// WebGPU through SwiftShader. On a machine with a GPU, drop --use-webgpu-adapter to test the real one.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/browser',
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
  webServer: {
    command: 'npx vite --port 5174 --strictPort --host 127.0.0.1',
    url: 'http://127.0.0.1:5174',
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
