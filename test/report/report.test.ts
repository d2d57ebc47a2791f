// The HTML report: every plot's canvas and config and the comparison table are in the page; plots degrade
// with a message when the fits are impossible; `t2lab report` survives a corrupt JSONL line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHINCHILLA_GRID } from '../../src/fit/chinchilla.ts';
import { fitAll } from '../../src/fit/fit.ts';
import { pointsFromRecords } from '../../src/fit/points.ts';
import { allCharts, groupByBudget, overtrainedTable } from '../../src/report/charts.ts';
import { buildReportHtml, scriptJson } from '../../src/report/html.ts';
import { reportCommand } from '../../src/node/report-cmd.ts';
import { syntheticRecords } from './fixture.ts';

const FAST = { starts: CHINCHILLA_GRID.filter((_, i) => i % 9 === 0), bootstrap: 20, restarts: 8, seed: 1 };
const CHART_IDS = ['loss-curves', 'isoflop', 'pass-at-k', 'loss-fit', 'accuracy-fit', 'frontier-n', 'frontier-ratio', 'held-out'];
const FAKE_CHARTJS = '/* fake Chart.js */ globalThis.Chart = function Chart() {};';

/** The configs object the page hands to Chart.js. */
function pageConfigs(html: string): Record<string, { type: string; data: { datasets: unknown[] } }> {
  const m = html.match(/const configs = (.*);\nfor \(const \[id, config\]/);
  expect(m, 'configs script').not.toBeNull();
  return JSON.parse(m![1]!);
}

describe('report html', () => {
  const records = syntheticRecords({ sizes: [1e3, 4e3, 1.6e4, 6.4e4], budgets: [1e10, 4e10, 1.6e11], questions: 20 });
  const fit = fitAll(pointsFromRecords(records).points, FAST);

  it('has every plot’s canvas and config, the fit summary and the comparison table', () => {
    const html = buildReportHtml({ records, fit, chartJs: FAKE_CHARTJS, generatedAt: 'test' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(FAKE_CHARTJS);
    const configs = pageConfigs(html);
    for (const id of CHART_IDS) {
      expect(html, id).toContain(`<canvas id="${id}"`);
      expect(configs[id], id).toBeDefined();
      expect(configs[id]!.data.datasets.length, `${id} datasets`).toBeGreaterThan(0);
    }
    // isoFLOP: one observed curve and one fitted curve per budget level
    expect(configs.isoflop!.data.datasets.length).toBe(2 * 3);
    expect(html).toContain('<table class="comparison">');
    expect(html).toContain('Chinchilla-optimal (lowest loss at this C_train)');
    expect(html).toContain('best overtrained (highest pass@k at its k)');
    expect(html).toContain('Chinchilla Approach 3'); // the fit summary
  });

  it('the comparison table: isoFLOP minimum against a run with more tokens per parameter, at the largest budget', () => {
    const t = overtrainedTable(records, fit);
    const top = groupByBudget(records).at(-1)!;
    expect(t.C_train).toBeCloseTo(1.6e11, -8);
    expect(t.rows.length).toBe(2);
    const [chin, over] = t.rows;
    expect(chin!.loss).toBe(Math.min(...top.runs.map((r) => r.eval_loss)));
    expect(over!.ratio).toBeGreaterThan(chin!.ratio);
    expect(over!.k).toBeCloseTo(t.C_inf / (2 * over!.N), 10);
    expect(over!.k_sampling).toBeLessThanOrEqual(16);
  });

  it('groups runs whose C_train is within 10%', () => {
    const rs = syntheticRecords({ sizes: [1e3, 4e3], budgets: [1e10, 1.05e10, 2e10], questions: 4 });
    expect(groupByBudget(rs).map((g) => g.runs.length)).toEqual([4, 2]);
  });

  it('with too few runs every plot still renders or says why', () => {
    const few = syntheticRecords({ sizes: [1e3, 4e3, 1.6e4], budgets: [1e10], questions: 8 });
    const r = fitAll(pointsFromRecords(few).points, FAST);
    const html = buildReportHtml({ records: few, fit: r, chartJs: FAKE_CHARTJS });
    const specs = allCharts(few, r);
    expect(specs.map((s) => s.id)).toEqual(CHART_IDS);
    for (const s of specs) expect(s.config !== null || (s.message ?? '').length > 0, `${s.id} has a plot or a message`).toBe(true);
    expect(specs.find((s) => s.id === 'frontier-n')!.config).toBeNull();
    expect(html).toContain('No optimum table: needs the Chinchilla fit, which failed: Chinchilla fit needs at least 5 runs');
    expect(html).toContain('No Chinchilla fit: Chinchilla fit needs at least 5 runs');
    expect(html).not.toContain('<canvas id="frontier-n"');
    expect(html).toContain('<canvas id="isoflop"'); // observations still drawn
  });

  it('a run id cannot close the script element', () => {
    const rs = syntheticRecords({ sizes: [1e3, 4e3], budgets: [1e10], questions: 4 });
    rs[0]!.id = 'evil</script><script>alert(1)</script>';
    const html = buildReportHtml({ records: rs, fit: null, chartJs: FAKE_CHARTJS });
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<\/script>/g)!.length).toBe(2); // the library's and the configs'
    expect(scriptJson('</script>')).toBe('"\\u003c/script>"');
  });
});

describe('t2lab report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one self-contained HTML file from a JSONL with a corrupt line, naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-report-'));
    const records = syntheticRecords({ sizes: [1e3, 4e3, 1.6e4], budgets: [1e10, 4e10], questions: 8 });
    const lines = records.map((r) => JSON.stringify(r));
    lines.splice(2, 0, '{"format":"t2lab-run-1","id":"cut', '{"format":"t2lab-run-1","id":"nope","N":1}');
    const file = join(dir, 'results.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await reportCommand([file, '--bootstrap', '10'])).toBe(0);
    const warned = err.mock.calls.map((c) => String(c[0])).join('\n');
    expect(warned).toMatch(/line 3: not valid JSON/);
    expect(warned).toMatch(/line 4: missing or wrong N_nonemb \(positive number\), D \(positive number\), diverged \(boolean\), eval_loss \(number\) in run nope/);
    expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toContain(join(dir, 'report.html'));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Chart.js v4'); // the real library, inlined
    expect(html).not.toMatch(/<script src=/);
    expect(html).toContain('line 3: not valid JSON');
    expect(html).toContain(`${records.length} runs`);
    for (const id of ['isoflop', 'pass-at-k', 'frontier-n']) expect(html).toContain(`<canvas id="${id}"`);
  });

  it('bad arguments exit 2 with the usage; an unreadable or empty file exits 1', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await reportCommand([])).toBe(2);
    expect(await reportCommand(['x.csv'])).toBe(2);
    expect(await reportCommand(['x.jsonl', '--bogus'])).toBe(2);
    expect(await reportCommand(['x.jsonl', '--n', 'some'])).toBe(2);
    expect(String(err.mock.calls[0]![0])).toMatch(/missing FILE[\s\S]*Usage: npx t2lab report/);
    expect(await reportCommand([join(tmpdir(), 'does-not-exist.jsonl')])).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 't2lab-report-'));
    writeFileSync(join(dir, 'bad.jsonl'), 'garbage\n');
    expect(await reportCommand([join(dir, 'bad.jsonl')])).toBe(1);
  });
});
