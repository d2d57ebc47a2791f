// The app in headless Chromium on software WebGPU (SwiftShader), driven only through the page:
// - a sweep of the smoke preset's first runs: live loss curve, pass@k plot, a reload in the middle that
//   keeps the finished runs and resumes the interrupted one from its checkpoint;
// - results import (a corrupt line is named, the rest imported) and export; labs in the link; keyboard tabs;
// - the kernel profiler and its trace export.
// Screenshots go to test-results/.
import { readFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import smoke from '../../experiments/smoke.ts';

/** Pixels of a canvas that are not transparent: a chart that drew something has thousands. */
async function inkedPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
    return n;
  });
}

async function expectChartDrawn(page: Page, testId: string, timeout = 5_000): Promise<void> {
  const chart = page.getByTestId(testId);
  await expect(chart).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout });
  await expect
    .poll(() => inkedPixels(chart.locator('canvas')), { message: `${testId} canvas has content` })
    .toBeGreaterThan(2000);
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

test('a sweep of the smoke preset runs from the page, draws its plots, and survives a reload', async ({
  page,
}, info) => {
  test.setTimeout(420_000);
  const errors = watchErrors(page);
  // First 3 runs of smoke; resume checkpoints every second, so a reload mid-run has one to resume from.
  // Long tasks on the page's main thread while the sweep runs (the work belongs in the worker). Installed
  // before every load, so a reload cannot drop the observer; emptied just before Start, so the page's own
  // start-up (module loading, first render) is not counted as sweep work.
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => w.longTasks.push(e.duration)),
    ).observe({ type: 'longtask' });
  });
  // The smoke grid with its D/N = 8 budget first, so the first 3 runs are long enough (~4x the D/N = 2
  // ones) that the one interrupted below still has steps left when the reload lands, even under load.
  const grid = { ...smoke, budgets: { tokens_per_param: [8, 2, 32] } };
  await page.goto(
    `/#${new URLSearchParams({ view: 'sweep', exp: JSON.stringify(grid), limit: '3', checkpoint: '1' })}`,
  );
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 60_000 });
  await expect(page.getByTestId('limit-notice')).toContainText(
    /first 3 of the \d+ runs of "smoke"/,
  );

  await page.evaluate(() => {
    (window as unknown as { longTasks: number[] }).longTasks = [];
  });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('sweep-state')).toHaveAttribute('data-state', 'running');
  // Live, while the first run trains. Before its first step the driver measures this adapter's kernel
  // choice and step times (the ETA's), which on SwiftShader takes seconds.
  await expectChartDrawn(page, 'loss-chart', 90_000);
  await page.screenshot({ path: info.outputPath('1-training.png'), fullPage: true });

  const rows = page.getByTestId('runs').locator('tr[data-run]');
  await expect(rows).toHaveCount(3);
  await expect(page.locator('tr[data-status="done"]')).toHaveCount(1, { timeout: 180_000 });
  await expectChartDrawn(page, 'passk-chart');
  const longTasks = await page.evaluate(
    () => (window as unknown as { longTasks: number[] }).longTasks,
  );
  info.annotations.push({
    type: 'long tasks during the first run (ms)',
    description: JSON.stringify(longTasks.map(Math.round)),
  });
  // The page stays responsive: no main-thread task over 250 ms (a click answered later feels ignored).
  expect(Math.max(0, ...longTasks)).toBeLessThan(250);

  // Reload while a later run trains and has saved a resume checkpoint.
  const interrupted = page.locator('tr[data-status="running"]:not([data-checkpoint=""])');
  await expect(interrupted).toHaveCount(1, { timeout: 120_000 });
  const runId = (await interrupted.getAttribute('data-run'))!;
  const budget = Number(await interrupted.getAttribute('data-tokens'));
  const finishedBefore = await page
    .locator('tr[data-status="done"]')
    .evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.run));
  // Reload at once: a full-page screenshot here takes seconds under load, long enough for this short run
  // to finish first, and then there is nothing left to resume.
  await page.reload();

  // The sweep picked itself up and the interrupted run resumed mid-way. Both notices are read in one fast
  // poll, every notice seen kept: a resumed run with a few steps left can finish within a second, and the
  // page drops the "resumed" notices once the sweep is done.
  const seen = new Set<string>();
  await expect
    .poll(
      async () => {
        for (const t of await page.getByTestId('notice').allTextContents()) seen.add(t);
        const all = [...seen].join('\n');
        return (
          all.includes('Resumed the sweep "smoke"') &&
          all.includes(`Run ${runId} resumed from its checkpoint at`)
        );
      },
      { timeout: 60_000, intervals: [50] },
    )
    .toBe(true);
  // Every finished run is still there.
  for (const id of finishedBefore)
    await expect(page.locator(`tr[data-run="${id}"]`)).toHaveAttribute('data-status', 'done');
  await page.screenshot({ path: info.outputPath('3-after-reload.png'), fullPage: true });

  // Pause (the run saves a checkpoint and the sweep stops), then resume.
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('sweep-state')).toHaveAttribute('data-state', 'paused', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('start')).toHaveText('Resume sweep');
  await page.getByTestId('start').click();

  await expect(page.getByTestId('sweep-state')).toHaveAttribute('data-state', 'done', {
    timeout: 240_000,
  });
  await expect(page.locator('tr[data-status="done"]')).toHaveCount(3);
  // Done: the "resumed" notices have served their purpose, and the sweep can be run again.
  await expect(page.getByTestId('notice').filter({ hasText: /resumed/i })).toHaveCount(0);
  await expect(page.getByTestId('sweep-done')).toBeVisible();
  await expect(page.getByTestId('run-again')).toBeEnabled();
  await expectChartDrawn(page, 'loss-chart');
  await expectChartDrawn(page, 'passk-chart');
  await page.screenshot({ path: info.outputPath('4-done.png'), fullPage: true });

  // The Results view has the same runs, its plots and the table; the resumed run trained its whole budget.
  await page.getByTestId('tab-results').click();
  await expect(page.getByTestId('results-table').locator('tbody tr')).toHaveCount(3);
  await expectChartDrawn(page, 'chart-pass-at-k');
  await expectChartDrawn(page, 'chart-isoflop');
  await expect(page.getByTestId('fit-status')).toHaveAttribute('data-fitted', 'true', {
    timeout: 60_000,
  });
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-csv').click(),
  ]);
  const table = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
  expect(table).toHaveLength(4);
  const head = table[0]!.split(',');
  const resumed = table.find((l) => l.includes(runId))!.split(',');
  const D = Number(resumed[head.indexOf('D')]);
  expect(D, 'the resumed run consumed its whole token budget').toBe(budget);
  await page.screenshot({ path: info.outputPath('5-results.png'), fullPage: true });

  // Samples: every question of a run with its samples, p_i beside them.
  await page.getByTestId('tab-samples').click();
  await expect(page.getByTestId('samples-list').locator('.q:not(.head)').first()).toBeVisible();
  await page.screenshot({ path: info.outputPath('6-samples.png'), fullPage: true });
  expect(errors).toEqual([]);
});

/** A minimal run record of the CLI's results format. */
function record(id: string, D: number) {
  const passk = { k: [1, 2], value: [0.25, 0.4], lo: [0.1, 0.2], hi: [0.4, 0.6] };
  return {
    format: 't2lab-run-1',
    id,
    sweep: 'imported',
    config: { n_layer: 1, n_embd: 16, n_head: 2, seed: 1, tokens: D },
    N: 4000,
    N_nonemb: 3312,
    D,
    C_train: 6 * 3312 * D,
    C_train_exact: 7 * 3312 * D,
    curve: [
      { tokens: D / 2, loss: 2.5 },
      { tokens: D, loss: 2 },
    ],
    evals: [{ tokens: D, loss: 2.1 }],
    eval_loss: 2.1,
    diverged: false,
    sampling: { n: 2, temperature: 1, top_k: 0, top_p: 1, questions: 1, seed: 0 },
    questions: [
      {
        task: 'add',
        prompt: '12+34=',
        answer: '64',
        n: 2,
        c: 1,
        p: 0.3,
        samples: ['64', '65'],
        correct: [true, false],
      },
    ],
    pass_at_k: { sampling: passk, likelihood: passk },
    device: 'test',
    timings: { train_s: 1, sample_s: 1, tokens_per_s: D, samples_per_s: 2 },
    code_version: 'test',
    finished_at: `2026-01-01T00:00:0${D % 10}Z`,
  };
}

test('results import names a corrupt line and keeps the rest; labs live in the link; tabs work from the keyboard', async ({
  page,
}, info) => {
  const errors = watchErrors(page);
  await page.goto('/#view=results');
  const jsonl = [
    JSON.stringify(record('a', 6624)),
    '{"format": "t2lab-run-1", "id": broken',
    '',
    JSON.stringify(record('b', 26496)),
  ].join('\n');
  await page.getByTestId('import').setInputFiles({
    name: 'sweep.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from(jsonl),
  });
  await expect(page.getByTestId('results-message')).toContainText('Imported 2 runs');
  await expect(page.getByTestId('import-errors')).toContainText('line 2: not valid JSON');
  await expect(page.getByTestId('results-table').locator('tbody tr')).toHaveCount(2);
  await expectChartDrawn(page, 'chart-pass-at-k');
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-jsonl').click(),
  ]);
  const lines = (await readFile((await dl.path())!, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((r) => r.id)).toEqual(['a', 'b']);
  await page.screenshot({ path: info.outputPath('import.png'), fullPage: true });

  // Samples of an imported run: the correct sample is marked.
  await page.getByTestId('tab-samples').click();
  await expect(page.getByTestId('samples-list').locator('.s.yes')).toHaveText('✓ 64');

  // Large text for a projector: one switch scales the whole page, and the link keeps it.
  const size = () =>
    page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const normal = await size();
  await page.getByTestId('large-text').click();
  await expect(page.getByTestId('large-text')).toHaveAttribute('aria-pressed', 'true');
  expect(await size()).toBeGreaterThan(normal * 1.2);
  expect(page.url()).toContain('text=large');
  await page.screenshot({ path: info.outputPath('large-text.png'), fullPage: true });
  await page.getByTestId('large-text').click();

  // Keyboard: arrows move between tabs, and the choice is in the link.
  await page.getByTestId('tab-samples').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-kernels')).toBeFocused();
  await expect(page.getByTestId('tab-kernels')).toHaveAttribute('aria-selected', 'true');
  expect(page.url()).toContain('view=kernels');

  // A lab writes its whole grid (seeds pinned) into the link; opening that link elsewhere gives the same grid.
  await page.getByTestId('tab-labs').click();
  await page.locator('t2-labs').getByTestId('lab-bigger-model').click();
  await expect(page.getByTestId('lab')).toContainText('Predict');
  await expect
    .poll(() => new URLSearchParams(new URL(page.url()).hash.slice(1)).get('exp'))
    .not.toBeNull();
  const link = page.url();
  const grid = JSON.parse(new URLSearchParams(new URL(link).hash.slice(1)).get('exp')!);
  expect(grid.seeds).toEqual([1]);
  // The same runs with every control: the Sweep tab names the lab's grid, not "(edited grid)".
  await page.getByTestId('lab-to-sweep').click();
  await expect(page.getByTestId('lab-banner')).toContainText('does a bigger model always win');
  await expect(page.getByTestId('grid-status')).toContainText('valid');
  await expect(page.getByTestId('preset')).toContainText("(the lab's grid: Loss against tokens)");
  await expect(page.getByTestId('sweep-state')).toContainText('not started');
  const fresh = await page.context().newPage();
  await fresh.goto(link.replace('view=labs', 'view=sweep'));
  await expect(fresh.getByTestId('grid-editor')).toHaveValue(/"lab-bigger-model(-cpu)?"/);
  await fresh.close();

  // The grid editor checks as you type and says what is wrong.
  await page.locator('summary', { hasText: 'The grid' }).click();
  await page.getByTestId('grid-editor').fill('{"name": "x", "models": []}');
  await expect(page.getByTestId('grid-status')).toContainText('"models" must be a non-empty list');
  await page.getByTestId('grid-editor').fill('{"name": "x",\n "models": [}');
  await expect(page.getByTestId('grid-status')).toContainText('line 2');
  await expect(page.getByTestId('start')).toBeDisabled();
  expect(errors).toEqual([]);
});

test('the kernel profiler times a kernel and exports a Perfetto trace', async ({ page }, info) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto('/#view=kernels&kernel=gelu_forward');
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 60_000 });
  await page.getByTestId('profile').click();
  const table = page.getByTestId('profile-table');
  await expect(table).toHaveAttribute('data-done', 'true', { timeout: 200_000 });
  await expect(table.locator('tbody tr')).not.toHaveCount(0);
  await expect(table).toContainText('gelu_forward');
  await page.screenshot({ path: info.outputPath('profile.png'), fullPage: true });
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-trace').click(),
  ]);
  const trace = JSON.parse(await readFile((await dl.path())!, 'utf8'));
  const slices = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
  expect(slices.length).toBeGreaterThanOrEqual(5); // 5 repetitions at least
  for (const e of slices) {
    expect(e.name).toMatch(/^gelu_forward v\d/);
    expect(e.dur).toBeGreaterThan(0);
  }
  expect(errors).toEqual([]);
});
