#!/usr/bin/env node
// Render every figure of a `t2lab report` HTML file to PNG, for the README and docs/results/:
//   node bin/figures.mjs REPORT.html OUT_DIR [fig-id ...]
// Opens the report in Debian's headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium; the same
// browser the Playwright tests use) and screenshots each <figure id="fig-…">, so the PNGs are exactly the
// report's charts. A dev tool: it needs the dev dependency @playwright/test and a Chromium.
import { chromium } from '@playwright/test';
import { mkdirSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, outDir, ...only] = process.argv.slice(2);
if (!report || !outDir) {
  console.error(
    'usage: node bin/figures.mjs REPORT.html OUT_DIR [fig-id ...]   (ids as in the report, e.g. fig-isoflop-loss)',
  );
  process.exit(2);
}
if (!existsSync(report)) {
  console.error(
    `figures: no report at ${report}; make one with \`npx t2lab report RESULTS.jsonl --out ${report}\``,
  );
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(
    `figures: no Chromium at ${executablePath}; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
  );
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({
    viewport: { width: 900, height: 700 },
    deviceScaleFactor: 2,
  });
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.waitForTimeout(1500); // Chart.js animates in; let every chart settle
  const ids = only.length
    ? only
    : await page.$$eval('figure[id^="fig-"]', (fs) => fs.map((f) => f.id));
  for (const id of ids) {
    const fig = await page.$(`#${id}`);
    if (!fig) {
      console.error(`figures: no figure #${id} in ${report}`);
      process.exitCode = 1;
      continue;
    }
    const file = join(outDir, `${id.replace(/^fig-/, '')}.png`);
    await fig.screenshot({ path: file });
    console.log(file);
  }
} finally {
  await browser.close();
}
