// In headless Chromium (software WebGPU through SwiftShader): the app names its adapter, and every
// kernel version matches its float64 CPU reference when run in the browser's worker.
import { expect, test } from '@playwright/test';

test('the Kernels page checks every kernel against its CPU reference in the browser', async ({
  page,
}, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#view=kernels');
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 60_000 });
  await expect(page.getByTestId('adapter')).toContainText('software adapter');
  await page.getByTestId('check').click();
  const table = page.getByTestId('checks');
  await expect(table).toHaveAttribute('data-done', 'true', { timeout: 150_000 });
  await page.screenshot({ path: info.outputPath('kernels-check.png'), fullPage: true });
  const failed = await table.locator('td.bad').allInnerTexts();
  expect(failed, 'kernels failing in the browser').toEqual([]);
  expect(await table.locator('td.ok').count()).toBeGreaterThan(0);
  await expect(table).toHaveAttribute('data-all-ok', 'true');
  expect(errors).toEqual([]);
});
