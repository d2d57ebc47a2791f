// What a class sees, in Chromium on SwiftShader, driven only through the page:
// - the train-to-test lab walked through on one screen: predict (kept in the link), the CPU size on a
//   software adapter, its time shown before it runs, run in place, look: each model at its own
//   k = C_inf/(2N), the winner marked, the verdict in view beside the knobs;
// - the explorer with no training at all, from the committed results (or a results file): the sliders move
//   the optima, Chinchilla stays put when only C_inf moves; "What is T²?"; the reversed-digit reading;
//   the page never wider than a 390 px phone, in normal or large text.
// Screenshots go to test-results/. Both run on the built app (npm run build, served by vite preview, as
// playwright.config.ts starts it), so no dev-server reload can cut a sweep short.
import { existsSync, readdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { syntheticRecords } from '../report/fixture.ts';

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/** The innermost visible elements (through shadow roots) that stick out past `limit` px: what widens the page. */
function tooWide(page: Page, limit: number): Promise<string> {
  return page.evaluate((limit) => {
    const out: string[] = [];
    const walk = (root: Element | ShadowRoot) => {
      for (const el of Array.from(root.children)) {
        const r = el.getBoundingClientRect();
        const inner = (
          el.shadowRoot ? Array.from(el.shadowRoot.children) : Array.from(el.children)
        ).some((c) => c.getBoundingClientRect().right > limit + 0.5);
        if (r.width > 0 && r.right > limit + 0.5 && !inner)
          out.push(
            `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''} (${Math.round(r.right)} px)`,
          );
        if (el.shadowRoot) walk(el.shadowRoot);
        walk(el);
      }
    };
    walk(document.body);
    return out.slice(0, 8).join(', ');
  }, limit);
}

// The built app (T2LAB_PREVIEW: another port, for a second checkout testing beside this one).
const PREVIEW = process.env.T2LAB_PREVIEW ?? 'http://127.0.0.1:5175/t2lab/';
test.use({ baseURL: PREVIEW });

const hashOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1));

/** Both boxes inside the viewport at once: what a student sees without scrolling. */
async function bothInView(page: Page, a: string, b: string): Promise<boolean> {
  const vp = page.viewportSize()!;
  const inView = async (id: string) => {
    const box = await page.getByTestId(id).boundingBox();
    return !!box && box.y >= 0 && box.y + Math.min(box.height, 40) <= vp.height;
  };
  return (await inView(a)) && (await inView(b));
}

test('the train-to-test lab on one screen: predict, its time shown first, run in place, the verdict beside the knobs', async ({
  page,
}, info) => {
  test.setTimeout(540_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const errors = watchErrors(page);
  await page.goto('./#view=labs');
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 60_000 });
  const software = (await page.getByTestId('adapter').textContent())!.includes('software');
  await page.locator('t2-labs').getByTestId('lab-train-to-test').click();
  await expect(page.getByTestId('lab-runs')).toHaveText('(2 runs)');
  // On a software adapter the lab opens at its CPU size, and the link says so.
  if (software) {
    await expect(page.getByTestId('lab-size')).toHaveValue('cpu');
    expect(hashOf(page.url()).get('size')).toBe('cpu');
  }

  // Predict: the guess goes into the link.
  await page.getByTestId('lab-guess').fill('the small model with ~8 samples wins');
  await page.getByTestId('lab-guess').blur();
  await expect
    .poll(() => hashOf(page.url()).get('guess'))
    .toBe('the small model with ~8 samples wins');

  // A teacher shrinks the budget further: the card follows the link at once (run count, decoded runs,
  // the link box), with no reload.
  const grid = JSON.parse(hashOf(page.url()).get('exp')!);
  grid.budgets = { flops: [1e9] };
  await page.evaluate((g) => {
    const p = new URLSearchParams(location.hash.slice(1));
    p.set('exp', JSON.stringify(g));
    location.hash = p.toString();
  }, grid);
  await expect(page.getByTestId('lab-runs')).toHaveText('(2 runs, grid edited)');
  await expect(page.getByTestId('lab')).toContainText('C_train = 1.0e+9 FLOPs');
  await expect(page.getByTestId('lab-link')).toHaveValue(page.url());

  // The time on this adapter, measured before anything trains, without asking.
  await expect(page.getByTestId('lab-estimate-text')).toContainText(
    /Time: about \d+(m \d+)?s on this (software adapter|GPU)/,
    { timeout: 180_000 },
  );
  await expect(page.getByTestId('lab-status')).toHaveText('Not started: 0 of 2 runs finished');
  await page.screenshot({ path: info.outputPath('1-predict.png') });

  // Run, here: the picture draws while it trains, and the status words agree with each other.
  await page.getByTestId('lab-run').click();
  await expect(page.getByTestId('lab-status')).toContainText(/^(Starting|Running)/);
  await expect(page.getByTestId('lab-progress')).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: info.outputPath('2-running.png') });
  await expect(page.getByTestId('lab-status')).toHaveText('Done: 2 of 2 runs finished', {
    timeout: 420_000,
  });
  await expect(page.getByTestId('lab-again')).toBeEnabled();

  // Look, on the same screen: both models, each at its own k; the verdict names the winner and quotes
  // the prediction; pass@k says how it was measured.
  const rows = page.getByTestId('lab-comparison').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  const ks = await rows.evaluateAll((trs) =>
    trs.map((tr) => Number(tr.querySelectorAll('td')[4]!.textContent)),
  );
  expect(ks[1]).toBeCloseTo(1, 5); // the big model affords one sample
  expect(ks[0]).toBeCloseTo(1908 / 888, 1); // the small one, N_big/N_small
  await expect(page.getByTestId('lab-verdict')).toContainText(/The (small|big) model wins/);
  await expect(page.getByTestId('lab-verdict')).toContainText(
    'the small model with ~8 samples wins',
  );
  await expect(page.getByTestId('lab-verdict')).toContainText('from the likelihood');
  await expect(page.getByTestId('lab-comparison').locator('thead')).toContainText(
    /sampled \(n = \d+\)/,
  );
  await expect(page.locator('tr.winner')).toHaveCount(1);
  await expect(page.getByTestId('lab-passk-chart')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await page.getByTestId('lab-again').scrollIntoViewIfNeeded();
  expect(await bothInView(page, 'lab-again', 'lab-verdict'), 'verdict beside the knobs').toBe(true);
  await page.screenshot({ path: info.outputPath('3-look.png') });
  expect(errors).toEqual([]);
});

// Committed reproduction results, if the repository has any yet; else a results file of synthetic isoFLOP runs.
// The reproduction (t2) first: docs/results/ also holds the calibration sweep, which has no isoFLOP levels.
const committed = (
  existsSync('docs/results')
    ? readdirSync('docs/results').filter((d) => existsSync(`docs/results/${d}/results.jsonl`))
    : []
).sort((a, b) => Number(b === 't2') - Number(a === 't2'));

test('the explorer works with no training; T² explained; reversed digits read; never wider than a phone', async ({
  page,
}, info) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto('./#view=explore');
  if (committed.length) {
    info.annotations.push({
      type: 'explorer source',
      description: `committed: docs/results/${committed[0]}/results.jsonl`,
    });
    await expect(page.getByTestId('explore-source')).toContainText(
      `${committed[0]} (committed in the repository`,
    );
    await page.getByTestId('explore-source').selectOption(`repo:${committed[0]}`);
  } else {
    info.annotations.push({
      type: 'explorer source',
      description: 'no committed results yet: a results file of synthetic isoFLOP runs',
    });
    const records = syntheticRecords({
      sizes: [1e3, 2e3, 4e3, 8e3, 1.6e4, 3.2e4],
      budgets: [1e10, 4e10, 1.6e11],
      questions: 16,
    });
    await page.getByTestId('explore-file').setInputFiles({
      name: 'mine.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')),
    });
  }
  const table = page.getByTestId('explore-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('explore-provenance')).toContainText('Fitted from');
  const nStar = (law: string) => table.locator(`tr[data-law="${law}"] td`).nth(1).textContent();
  // A T² row's whole text (N*, D*/N*, k*): k* = C_inf/(2N*) moves with C_inf even where a law's N* sits at
  // the edge of its scan, as the T² loss law's does on the committed t2 results.
  const t2Row = () => table.locator('tr[data-law="t2-loss"]').textContent();
  const chin0 = await nStar('chinchilla'),
    t20 = await t2Row();
  await page.screenshot({ path: info.outputPath('explore-1.png'), fullPage: true });

  // More inference compute: the T² optimum moves, Chinchilla (which ignores inference) does not.
  const cinf = page.getByTestId('slider-cinf');
  const max = Number(await cinf.getAttribute('max'));
  await cinf.fill(String(max - 0.5));
  await expect(page.getByTestId('value-cinf')).not.toHaveText('');
  await expect.poll(() => t2Row()).not.toBe(t20);
  expect(await nStar('chinchilla')).toBe(chin0);
  expect(hashOf(page.url()).get('cinf')).toBe((max - 0.5).toFixed(2));
  // More training compute: Chinchilla's optimum grows.
  const ctrain = page.getByTestId('slider-ctrain');
  await ctrain.fill(String(Number(await ctrain.getAttribute('max')) - 0.5));
  await expect.poll(() => nStar('chinchilla')).not.toBe(chin0);
  for (const id of ['explore-chart-n', 'explore-chart-ratio'])
    await expect(page.getByTestId(id)).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await page.screenshot({ path: info.outputPath('explore-2.png'), fullPage: true });

  // What is T², in one screen, linked from the explorer.
  await page.locator('t2-explorer a[href="#view=learn"]').click();
  await expect(page.getByTestId('learn-title')).toBeVisible();
  await expect(page.locator('t2-learn')).toContainText('C_train ≈ 6·N·D');
  await expect(page.locator('t2-learn')).toContainText('C_inf ≈ 2·N·k');
  await expect(page.getByTestId('learn-reversed')).toContainText('"39+8=101" means 93 + 8 = 101');
  await page.screenshot({ path: info.outputPath('learn.png'), fullPage: true });

  // A question in the reversed notation reads in ordinary notation beside it.
  await page.getByTestId('tab-results').click();
  const passk = { k: [1, 2], value: [0.25, 0.4], lo: [0.1, 0.2], hi: [0.4, 0.6] };
  const rec = {
    format: 't2lab-run-1',
    id: 'L1-C16-H2/D/N=2/s1',
    sweep: 'reading',
    config: { n_layer: 1, n_embd: 16, n_head: 2, seed: 1, tokens: 6624 },
    N: 4000,
    N_nonemb: 3312,
    D: 6624,
    C_train: 6 * 3312 * 6624,
    C_train_exact: 7 * 3312 * 6624,
    curve: [{ tokens: 6624, loss: 2 }],
    evals: [{ tokens: 6624, loss: 2.1 }],
    eval_loss: 2.1,
    diverged: false,
    sampling: { n: 2, temperature: 1, top_k: 0, top_p: 1, questions: 1, seed: 0 },
    questions: [
      {
        task: 'add',
        prompt: 'add 39+8=',
        answer: '101',
        n: 2,
        c: 1,
        p: 0.3,
        samples: ['101', '781'],
        correct: [true, false],
      },
    ],
    pass_at_k: { sampling: passk, likelihood: passk },
    device: 'test',
    timings: { train_s: 1, sample_s: 1, tokens_per_s: 1, samples_per_s: 2 },
    code_version: 'test',
    finished_at: '2026-01-01T00:00:00Z',
  };
  await page.getByTestId('import').setInputFiles({
    name: 'reading.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from(JSON.stringify(rec)),
  });
  await expect(page.getByTestId('results-message')).toContainText('Imported 1 run');
  await page.getByTestId('tab-samples').click();
  await page.getByTestId('samples-sweep').selectOption('reading');
  await expect(page.getByTestId('reversed-note')).toContainText('93 + 8 = 101');
  await expect(page.getByTestId('ordinary')).toHaveText('that is 93 + 8 = 101');
  await expect(page.locator('.s[title="wrong: 187 in ordinary notation"]')).toHaveText('781');

  // A phone: no view is wider than the screen, in normal or large text.
  await page.setViewportSize({ width: 390, height: 800 });
  for (const large of [false, true]) {
    if (large) await page.getByTestId('large-text').click();
    for (const view of [
      'home',
      'learn',
      'sweep',
      'results',
      'explore',
      'samples',
      'kernels',
      'labs',
    ]) {
      await page.getByTestId(`tab-${view}`).click();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(
        width,
        `${view} at 390 px${large ? ', large text' : ''}; too wide: ${width > 390 ? await tooWide(page, 390) : ''}`,
      ).toBeLessThanOrEqual(390);
    }
  }
  await page.screenshot({ path: info.outputPath('phone-large.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('grid controls write the grid; errors sit beside the control or jump to the line, with "did you mean"', async ({
  page,
}, info) => {
  const errors = watchErrors(page);
  await page.goto('./#view=sweep&preset=smoke');
  const status = page.getByTestId('grid-status');
  await expect(page.getByTestId('control-models')).toHaveValue('1x16x2, 1x24x2, 1x32x2');

  // A control writes the grid (and so the link); the JSON follows.
  await page.getByTestId('control-models').fill('1x16x2, 2x32x2');
  await page.getByTestId('control-models').press('Enter');
  await page.getByTestId('control-models').blur();
  await expect(status).toContainText('✓ valid: 6 runs');
  expect(JSON.parse(hashOf(page.url()).get('exp')!).models).toEqual([
    { n_layer: 1, n_embd: 16, n_head: 2 },
    { n_layer: 2, n_embd: 32, n_head: 2 },
  ]);
  await page.getByTestId('control-seeds').fill('1, 2');
  await page.getByTestId('control-seeds').blur();
  await expect(status).toContainText('✓ valid: 12 runs');

  // A value the control cannot read: the error is beside it, and the grid keeps its last good value.
  await page.getByTestId('control-models').fill('3x16');
  await page.getByTestId('control-models').blur();
  await expect(page.getByTestId('control-error-models')).toContainText(
    '"3x16" is not layers x width x heads',
  );
  await expect(status).toContainText('✓ valid: 12 runs');

  // A misspelled key in the JSON: named at the top of the page with its line and the nearest known key;
  // "Show the line" opens the editor on it.
  const grid = JSON.parse(hashOf(page.url()).get('exp')!);
  const { models, ...rest } = grid;
  const text = JSON.stringify({ ...rest, modles: models }, null, 2);
  await page.locator('summary', { hasText: 'The grid as JSON' }).click();
  await page.getByTestId('grid-editor').fill(text);
  const top = page.getByTestId('grid-error-top');
  await expect(top).toContainText(/unknown key modles \(did you mean models\?\)/);
  const line = text.slice(0, text.indexOf('"modles"')).split('\n').length;
  await expect(top).toContainText(`(line ${line})`);
  await page.locator('summary', { hasText: 'The grid as JSON' }).click(); // closed again: the button reopens it
  await page.getByTestId('show-error').click();
  const selected = await page
    .getByTestId('grid-editor')
    .evaluate((t: HTMLTextAreaElement) => t.value.slice(t.selectionStart, t.selectionEnd));
  expect(selected).toContain('"modles"');
  await expect(page.getByTestId('grid-editor')).toBeFocused();
  await expect(page.getByTestId('start')).toBeDisabled();
  await page.screenshot({ path: info.outputPath('grid-error.png'), fullPage: true });
  expect(errors).toEqual([]);
});
