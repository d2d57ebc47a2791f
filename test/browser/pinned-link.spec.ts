// One lab link, two fresh browser profiles: the same numbers, bit for bit. A run's kernel versions come
// from the link (the grid's `kernels` pins), else the adapter class's default; no run races kernels, so
// nothing measured in one profile can change what the other computes. The lab is shrunk to one tiny
// model so that both runs fit SwiftShader in a few minutes. Runs on the built app, as classroom.spec.ts.
import { expect, test, type Browser } from '@playwright/test';

test.use({ baseURL: 'http://127.0.0.1:5175/t2lab/' });

/** The train-to-test lab's grid cut to its small model at a tiny budget, with its kernels pinned. */
const grid = {
  name: 'lab-train-to-test',
  description: 'pinned-link check',
  base: {
    tasks: 'add:1',
    add_digits: 2,
    block_size: 32,
    batch_size: 32,
    lr: 1e-2,
    eval_interval: 25,
    eval_batches: 2,
    log_interval: 5,
  },
  models: [{ n_layer: 1, n_embd: 16, n_head: 2 }],
  budgets: { flops: [4e8] }, // ~20k tokens: about 20 steps of the smallest model
  min_tokens_per_param: 0.5,
  seeds: [1],
  sampling: {
    questions: 8,
    n: 8,
    k: [1, 2, 4, 8],
    temperature: 1,
    top_k: 0,
    top_p: 1,
    max_new: 5,
    seed: 0,
  },
  kernels: { matmul: 2, attention: 2 },
};

const link = `./#${new URLSearchParams({ view: 'labs', lab: 'train-to-test', exp: JSON.stringify(grid) })}`;

/** Everything a run computed (not when, or how fast), read from the page's IndexedDB. */
async function runInFreshProfile(browser: Browser): Promise<Record<string, unknown>[]> {
  const context = await browser.newContext(); // a fresh profile: empty IndexedDB, no stored choice
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(link);
    await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 60_000 });
    await expect(page.getByTestId('lab-runs')).toContainText('1 run');
    await page.getByTestId('lab-run').click(); // the lab trains in place
    await expect(page.getByTestId('lab-status')).toHaveText(/^Done: 1 of 1 runs? finished/, {
      timeout: 240_000,
    });
    const records = await page.evaluate(
      () =>
        new Promise<Record<string, unknown>[]>((resolve, reject) => {
          const open = indexedDB.open('t2lab');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const all = open.result.transaction('records').objectStore('records').getAll();
            all.onerror = () => reject(all.error);
            all.onsuccess = () => resolve(all.result as Record<string, unknown>[]);
          };
        }),
    );
    expect(errors).toEqual([]);
    return records.map(
      ({ id, kernels, kernels_source, curve, evals, eval_loss, questions, pass_at_k }) => ({
        id,
        kernels,
        kernels_source,
        curve,
        evals,
        eval_loss,
        questions,
        pass_at_k,
      }),
    );
  } finally {
    await context.close();
  }
}

test('the same lab link in two fresh browser profiles trains and samples to identical numbers', async ({
  browser,
}, info) => {
  test.setTimeout(600_000);
  const first = await runInFreshProfile(browser);
  const second = await runInFreshProfile(browser);
  expect(first).toHaveLength(1);
  expect(first[0]).toMatchObject({
    kernels: { matmul: 2, attention: 2 },
    kernels_source: 'pinned',
  });
  expect((first[0]!.curve as unknown[]).length).toBeGreaterThan(1);
  expect(second).toEqual(first);
  info.annotations.push({
    type: 'pinned run',
    description: `${String(first[0]!.id)}: held-out loss ${String(first[0]!.eval_loss)} in both profiles`,
  });
});
