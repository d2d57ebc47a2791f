// In headless Chromium (software WebGPU through SwiftShader): the app names its adapter, and every
// kernel version matches its float64 CPU reference when run in the browser's worker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { tableProblems } from './walk.ts';

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
  // The table fits: at 1440 px and on a phone, no clipped column and no word broken mid-word.
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    expect(await tableProblems(page), `kernel checks at ${width} px`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      width,
    );
    await page.screenshot({ path: info.outputPath(`kernels-check-${width}.png`) });
  }
  expect(errors).toEqual([]);
});

test('the Kernels page shows the kernel choice, and Measure now races the default model as `t2lab devices --tune` does', async ({
  page,
}, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#view=kernels');
  await expect(page.getByTestId('choice-current')).toContainText(/software adapter/i, {
    timeout: 60_000,
  });
  await expect(page.getByTestId('choice-current')).toContainText(/matmul v\d/);
  await page.getByTestId('tune').click();
  const table = page.getByTestId('choices');
  await expect(table).toHaveAttribute('data-done', 'true', { timeout: 170_000 });
  await page.screenshot({ path: info.outputPath('kernels-choice.png'), fullPage: true });
  // The default model (L=2 C=64 H=4 B=16): one record, its choice named as `t2lab devices` names it.
  const row = table.locator('tbody tr');
  await expect(row).toHaveCount(1);
  const [choice, shapes, measured, timings] = await row.locator('td').allInnerTexts();
  expect(choice).toMatch(/^matmul v\d( rows=\d+)?, attention v\d$/);
  expect(shapes).toMatch(/^\d+ shapes$/);
  expect(measured).toMatch(
    /^measured \d{4}-\d\d-\d\dT.*clock\), ms (per step|on the costliest shape, .+)$/,
  );
  // The race's log names the winner as the record does, and every candidate the record times.
  const log = await page.getByTestId('tune-log').innerText();
  const matmul = choice!.split(',')[0]!.replace(/^matmul /, '');
  expect(timings).toContain(`${matmul} `);
  expect(log).toContain(`autotune matmul ${matmul}:`);
  expect(errors).toEqual([]);

  // Node on the same driver (Chromium's SwiftShader, through Dawn), `t2lab devices --tune` with an empty
  // cache: the same candidates race, and Node records a winner too. Which one wins is a timing, and on a
  // loaded machine the two races have picked different matmul versions, so the winners are only noted:
  // no run depends on a race (runs take pins or the adapter class's default; pinned-link.spec.ts).
  const cache = mkdtempSync(join(tmpdir(), 't2lab-choice-'));
  try {
    const node = spawnSync(
      process.execPath,
      ['bin/t2lab.mjs', 'devices', '--adapter', 'swiftshader', '--tune'],
      { encoding: 'utf8', env: { ...process.env, T2LAB_CACHE_DIR: cache }, timeout: 150_000 },
    );
    expect(node.status, node.stderr).toBe(0);
    const raced = (text: string) =>
      [...text.matchAll(/^autotune (matmul|attention) (v\d( rows=\d+)?):/gm)].map(
        (m) => `${m[1]} ${m[2]}`,
      );
    expect(raced(log).length).toBeGreaterThan(2); // every matmul candidate and attention version, named
    expect(raced(node.stderr)).toEqual(raced(log));
    expect(node.stdout).toMatch(/^ {2}matmul v\d[^,]*, attention v\d for \d+ shapes/m);
    info.annotations.push({
      type: 'kernel choice',
      description: `browser: ${choice}; node: ${/^ {2}(matmul .*) for/m.exec(node.stdout)?.[1]}`,
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
