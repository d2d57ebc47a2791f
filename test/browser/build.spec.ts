// `npm run build` makes static files that work from any static host: here served from a sub-folder
// (/t2lab/) by `vite preview`, the built app opens its worker, trains and samples a run, and plots it.
import { expect, test } from '@playwright/test';

test('the built app works from a sub-folder of a static host', async ({ page }, info) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(
    `${process.env.T2LAB_PREVIEW ?? 'http://127.0.0.1:5175/t2lab/'}#view=sweep&preset=smoke&limit=1`,
  );
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 60_000 });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('sweep-state')).toHaveAttribute('data-state', 'done', {
    timeout: 150_000,
  });
  await expect(page.locator('tr[data-status="done"]')).toHaveCount(1);
  await expect(page.getByTestId('passk-chart')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await page.screenshot({ path: info.outputPath('built-app.png'), fullPage: true });
  expect(errors).toEqual([]);
});
