// The smoke sweep's report (written by test/e2e/smoke.test.ts, which `npm test` runs first; made here if
// missing) opened from disk in Chromium: a self-contained file, every plot drawn, no script errors.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPORT = 'out/ci-smoke/report.html';

test('the smoke sweep report opens from a file with every plot drawn', async ({ page }, info) => {
  test.setTimeout(600_000);
  if (!existsSync(REPORT))
    execFileSync(
      'node',
      ['bin/t2lab.mjs', 'sweep', 'experiments/smoke.ts', '--out', 'out/ci-smoke'],
      { stdio: 'inherit' },
    );
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Nothing may load from the network: the report is one file.
  await page.route(/^https?:/, (route) => {
    errors.push(`network request: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(pathToFileURL(resolve(REPORT)).href);
  const canvases = page.locator('canvas');
  const count = await canvases.count();
  expect(count, 'plots in the report').toBeGreaterThanOrEqual(7);
  // Each canvas must hold drawn pixels (Chart.js ran), not a blank bitmap.
  const drawn = await page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c) => {
      const ctx = c.getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
      return { id: c.id, ink };
    }),
  );
  for (const d of drawn) expect(d.ink, `pixels drawn on #${d.id}`).toBeGreaterThan(1000);
  await expect(page.locator('section#fits pre.summary')).toContainText('Chinchilla Approach 3');
  await expect(page.locator('section#overtrained table.comparison')).toBeVisible();
  // Where samples help: the addition questions by digits, a table per budget.
  await expect(page.locator('section#levels table.levels')).toHaveCount(3);
  await expect(page.locator('section#levels table.levels').first()).toContainText('add2');
  expect(errors).toEqual([]);
  await page.screenshot({ path: info.outputPath('smoke-report.png'), fullPage: true });
});
