// The HTML report: every plot's canvas and config and the comparison table are in the page; plots degrade
// with a message when the fits are impossible; `t2lab report` survives a corrupt JSONL line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHINCHILLA_GRID } from '../../src/fit/chinchilla.ts';
import { fitAll, fmt } from '../../src/fit/fit.ts';
import { pointsFromRecords } from '../../src/fit/points.ts';
import {
  allCharts,
  chartRuntime,
  decodeRunId,
  fitWarnings,
  groupByBudget,
  isoflopLossChart,
  isoflopT2Chart,
  isoflopTable,
  METHOD_STYLE,
  overtrainedTable,
  passAtKChart,
  runColours,
} from '../../src/report/charts.ts';
import { isoflopAnalysis } from '../../src/fit/isoflop.ts';
import { buildReportHtml, scriptJson } from '../../src/report/html.ts';
import { reportCommand } from '../../src/node/commands/report.ts';
import { syntheticRecords } from './fixture.ts';

const FAST = {
  starts: CHINCHILLA_GRID.filter((_, i) => i % 9 === 0),
  bootstrap: 20,
  restarts: 8,
  seed: 1,
};
const CHART_IDS = [
  'loss-curves',
  'isoflop',
  'pass-at-k',
  'loss-fit',
  'accuracy-fit',
  'frontier-n',
  'frontier-ratio',
  'held-out',
];
const FAKE_CHARTJS = '/* fake Chart.js */ globalThis.Chart = function Chart() {};';

/** The configs object the page hands to Chart.js. */
function pageConfigs(
  html: string,
): Record<string, { type: string; data: { datasets: unknown[] } }> {
  const m = html.match(/const configs = (.*);\nfor \(const \[id, config\]/);
  expect(m, 'configs script').not.toBeNull();
  return JSON.parse(m![1]!);
}

describe('report html', () => {
  const records = syntheticRecords({
    sizes: [1e3, 4e3, 1.6e4, 6.4e4],
    budgets: [1e10, 4e10, 1.6e11],
    questions: 20,
  });
  const fit = fitAll(pointsFromRecords(records).points, FAST);

  it('has every plot’s canvas and config, the fit summary, the comparison table and the isoFLOP section', () => {
    const html = buildReportHtml({ records, fit, chartJs: FAKE_CHARTJS, generatedAt: 'test' });
    // Before any law: how much the runs solve at one try, by each method.
    expect(html).toMatch(
      /At one try, the best of these \d+ runs solves [\d.]+% of its questions sampled \(n = \d+ per question/,
    );
    expect(html).toContain('pass@k, sampled (n = ');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(FAKE_CHARTJS);
    const configs = pageConfigs(html);
    for (const id of CHART_IDS) {
      expect(html, id).toContain(`<canvas id="${id}"`);
      expect(configs[id], id).toBeDefined();
      expect(configs[id]!.data.datasets.length, `${id} datasets`).toBeGreaterThan(0);
    }
    // isoFLOP: one observed curve and one fitted curve per budget level, and the key to the fit's line style
    expect(configs.isoflop!.data.datasets.length).toBe(2 * 3 + 1);
    expect(html).toContain('<table class="comparison">');
    expect(html).toContain('Chinchilla-optimal (lowest loss at this C_train)');
    expect(html).toContain('best overtrained (highest pass@k at its k)');
    expect(html).toContain('Chinchilla Approach 3'); // the fit summary
    // The direct answer per level: a table row per level and both isoFLOP figures.
    expect(html).toContain('The direct answer per isoFLOP level');
    expect(
      html.match(/<table class="comparison isoflop">[\s\S]*?<\/table>/)![0].match(/<tr/g)!.length,
    ).toBe(1 + 3);
    for (const id of ['isoflop-loss', 'isoflop-t2']) expect(configs[id], id).toBeDefined();
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
    const rs = syntheticRecords({
      sizes: [1e3, 4e3],
      budgets: [1e10, 1.05e10, 2e10],
      questions: 4,
    });
    expect(groupByBudget(rs).map((g) => g.runs.length)).toEqual([4, 2]);
  });

  it('with too few runs every plot still renders or says why', () => {
    const few = syntheticRecords({ sizes: [1e3, 4e3, 1.6e4], budgets: [1e10], questions: 8 });
    const r = fitAll(pointsFromRecords(few).points, FAST);
    const html = buildReportHtml({ records: few, fit: r, chartJs: FAKE_CHARTJS });
    const specs = allCharts(few, r);
    expect(specs.map((s) => s.id)).toEqual(CHART_IDS);
    for (const s of specs)
      expect(
        s.config !== null || (s.message ?? '').length > 0,
        `${s.id} has a plot or a message`,
      ).toBe(true);
    // No law: the frontier shows only the level's direct optima, and says why the laws are missing.
    const frontier = allCharts(few, r, isoflopAnalysis(few, { bootstrap: 50 })).find(
      (s) => s.id === 'frontier-n',
    )!;
    const labels = (frontier.config?.data.datasets ?? []).map((d) => d.label);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels)
      expect([
        'loss optimum, measured (isoFLOP parabola)',
        'T² optimum, measured (pass@k from the likelihood)',
      ]).toContain(l);
    // The reason comes from the fitter (its words are its own); the report must pass it on.
    expect(html).toContain(`No optimum table: ${r.skipped.optimum}`);
    expect(html).toContain(`No Chinchilla fit: ${r.skipped.chinchilla}`);
    expect(r.skipped.chinchilla).toMatch(/\d/); // it names a count
    expect(specs.find((s) => s.id === 'frontier-n')!.config).toBeNull(); // nothing at all without the levels
    expect(html).toContain('<canvas id="isoflop"'); // observations still drawn
  });

  it('splits each task by difficulty level where questions have one, pass@1 / pass@k at each size’s own k', () => {
    // The fixture's add questions, given real prompts of 1 and 3 digits; chain's keep unreadable ones.
    const graded = records.map((r) => ({
      ...r,
      questions: r.questions.map((q, i) =>
        q.task === 'add' ? { ...q, prompt: i % 4 === 1 ? 'add 5+3=' : 'add 123+45=' } : q,
      ),
    }));
    const html = buildReportHtml({ records: graded, fit: null, chartJs: FAKE_CHARTJS });
    const section = html.match(/<section id="levels">[\s\S]*?<\/section>/)![0];
    expect(section).toContain('<th>add1</th><th>add3</th><th>chain</th>');
    expect(section.match(/<h3>/g)).toHaveLength(3); // one table per budget
    const big = graded.find((r) => r.id === 'N64000/C=1.6e+11/s1')!;
    const ones = big.questions.filter((q, i) => q.task === 'add' && i % 4 === 1);
    const p1 = Math.round((100 * ones.reduce((a, q) => a + q.p, 0)) / ones.length);
    expect(section).toMatch(new RegExp(`<td>64,000</td><td>1\\.00</td><td[^>]*>${p1}/${p1}</td>`));
    // No level anywhere (the fixture as it is): no section.
    expect(buildReportHtml({ records, fit: null, chartJs: FAKE_CHARTJS })).not.toContain(
      'id="levels"',
    );
  });

  it('a sweep without isoFLOP levels says so instead of drawing an empty figure', () => {
    const rs = syntheticRecords({ sizes: [1e3, 4e3, 1.6e4], budgets: [1e10], questions: 4 }).map(
      (r) => ({ ...r, id: r.id.replace(/C=[^/]+/, 'D/N=4') }),
    );
    const html = buildReportHtml({ records: rs, fit: null, chartJs: FAKE_CHARTJS });
    expect(html).toContain('No isoFLOP levels in these runs');
    expect(html).not.toContain('<canvas id="isoflop-loss"');
  });

  it('a run id cannot close the script element', () => {
    const rs = syntheticRecords({ sizes: [1e3, 4e3], budgets: [1e10], questions: 4 });
    rs[0]!.id = 'evil</script><script>alert(1)</script>';
    const html = buildReportHtml({ records: rs, fit: null, chartJs: FAKE_CHARTJS });
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<\/script>/g)!.length).toBe(2); // the library's and the configs'
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(scriptJson('</script>')).toBe('"\\u003c/script>"');
  });
});

describe('t2lab report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one self-contained HTML file from a JSONL with a corrupt line, naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2lab-report-'));
    const records = syntheticRecords({
      sizes: [1e3, 4e3, 1.6e4],
      budgets: [1e10, 4e10],
      questions: 8,
    });
    const lines = records.map((r) => JSON.stringify(r));
    lines.splice(
      2,
      0,
      '{"format":"t2lab-run-1","id":"cut',
      '{"format":"t2lab-run-1","id":"nope","N":1}',
    );
    const file = join(dir, 'results.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await reportCommand([file, '--bootstrap', '10'])).toBe(0);
    const warned = err.mock.calls.map((c) => String(c[0])).join('\n');
    expect(warned).toMatch(/line 3: not valid JSON/);
    expect(warned).toMatch(
      /line 4: missing or wrong N_nonemb \(positive number\), D \(positive number\), diverged \(boolean\), eval_loss \(number\) in run nope/,
    );
    expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toContain(join(dir, 'report.html'));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Chart.js v4'); // the real library, inlined
    expect(html).not.toMatch(/<script src=/);
    expect(html).toContain('line 3: not valid JSON');
    expect(html).toContain(`${records.length} runs`);
    for (const id of ['isoflop', 'pass-at-k', 'frontier-n'])
      expect(html).toContain(`<canvas id="${id}"`);
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

// A level whose losses are an exact parabola in ln N with its vertex at N0, and whose pass@k... comes from the
// fixture's Beta law: the figure must put the N_loss* marker at the analysis's vertex, on the parabola drawn.
describe('isoFLOP figure and table', () => {
  const N0 = 6000;
  const sizes = [1e3, 2e3, 4e3, 8e3, 1.6e4, 3.2e4];
  const records = syntheticRecords({
    sizes,
    budgets: [1e10, 4e10],
    questions: 24,
    seeds: 2,
    lossOf: (N) => 2 + 0.3 * Math.log(N / N0) ** 2,
  });
  const a = isoflopAnalysis(records, { bootstrap: 200, seed: 1 });

  it('marks N_loss* where the analysis found it, on its parabola, inside the level', () => {
    expect(a.levels.length).toBe(2);
    const spec = isoflopLossChart(a);
    const ds = spec.config!.data.datasets as {
      label: string;
      data: { x: number; y: number }[];
      t2legend?: boolean;
    }[];
    for (const lv of a.levels) {
      expect(lv.loss!.inside).toBe(true);
      expect(lv.loss!.N / N0).toBeGreaterThan(0.8); // seeds' 1% noise moves the vertex only a little
      expect(lv.loss!.N / N0).toBeLessThan(1.25);
      const marker = ds.find((d) => d.label === `N_loss*, ${lv.label}`)!;
      expect(marker.data).toHaveLength(1);
      expect(marker.data[0]!.x).toBe(lv.loss!.N);
      const curve = ds.find((d) => d.label === `parabola, ${lv.label}`)!.data;
      const lowest = Math.min(...curve.map((p) => p.y));
      expect(marker.data[0]!.y).toBeLessThanOrEqual(lowest + 1e-12); // the marker is the parabola's minimum
      const measured = ds.find((d) => d.label === `C = ${fmt(lv.C_train)}`)!.data;
      expect(measured.map((p) => p.x)).toEqual(sizes); // one point per size, seeds averaged
    }
    expect(spec.message).toBeUndefined();
  });

  it('draws pass@k at k = C_inf/(2N) with N_T²* at the maximum of its parabola (exp of the fit in log pass@k)', () => {
    const spec = isoflopT2Chart(a);
    const ds = spec.config!.data.datasets as { label: string; data: { x: number; y: number }[] }[];
    for (const lv of a.levels) {
      const measured = ds.find((d) => d.label === `C = ${fmt(lv.C_train)}`)!.data;
      expect(measured.map((p) => p.y)).toEqual(lv.points.map((p) => p.pass));
      if (!lv.t2) continue;
      const [pa, pb, pc] = lv.t2.parabola;
      const x = Math.log(lv.t2.N);
      const marker = ds.find((d) => d.label === `N_T²*, ${lv.label}`)!.data[0]!;
      expect(marker.y).toBeCloseTo(Math.exp(pa * x * x + pb * x + pc), 12);
      const curve = ds.find((d) => d.label === `parabola, ${lv.label}`)!.data;
      expect(marker.y).toBeGreaterThanOrEqual(Math.max(...curve.map((p) => p.y)) - 1e-12);
    }
  });

  it('the table: a row per level with both optima, k* = C_inf/(2N*), the ratio with its interval, and flags', () => {
    const t = isoflopTable(a);
    expect(t.head).toContain('ratio of D*/N*, T² ÷ loss [95%]');
    expect(t.rows).toHaveLength(2);
    for (const r of t.rows) {
      const lv = r.level;
      expect(r.cells[0]).toBe(fmt(lv.C_train));
      expect(r.cells[2]).toBe(`${fmt(lv.loss!.N)} [${fmt(lv.loss!.lo)}, ${fmt(lv.loss!.hi)}]`);
      expect(r.cells[3]).toBe(
        `${fmt(lv.C_train / (6 * lv.loss!.N ** 2))} [${fmt(lv.loss!.D_over_N_lo)}, ${fmt(lv.loss!.D_over_N_hi)}]`,
      );
      if (lv.t2) expect(r.cells[7]).toBe(fmt(a.C_inf / (2 * lv.t2.N)));
      if (lv.ratio)
        expect(r.cells[8]).toBe(
          `${fmt(lv.ratio.value)}× [${fmt(lv.ratio.lo)}, ${fmt(lv.ratio.hi)}]`,
        );
      expect(r.flagged).toBe(!lv.loss?.inside || !lv.t2?.inside);
    }
    // A level whose sizes all sit on one side of the minimum: the optimum is outside and the row says so.
    const edge = isoflopAnalysis(
      syntheticRecords({
        sizes: [1e3, 2e3, 4e3],
        budgets: [1e10],
        questions: 8,
        lossOf: (N) => 2 + 0.3 * Math.log(N / 5e4) ** 2,
      }),
      { bootstrap: 50 },
    );
    const row = isoflopTable(edge).rows[0]!;
    expect(row.flagged).toBe(true);
    expect(row.cells[2]).toMatch(/⚠ outside|^none$/);
    expect(isoflopLossChart(edge).message).toMatch(/Not an optimum: C=1\.0e\+10/);
  });

  it('the frontier plots carry the direct optima beside the laws', () => {
    const fit = fitAll(pointsFromRecords(records).points, FAST);
    const ds = allCharts(records, fit, a).find((c) => c.id === 'frontier-ratio')!.config!.data
      .datasets as { label: string; data: { x: number; y: number }[] }[];
    const direct = ds.find((d) => d.label === 'loss optimum, measured (isoFLOP parabola)')!;
    expect(direct.data.map((p) => p.x)).toEqual(a.levels.map((lv) => lv.C_train));
    expect(direct.data.map((p) => p.y)).toEqual(a.levels.map((lv) => lv.loss!.D_over_N));
    // Each law is named fitted, with its held-out error, and drawn dashed without points.
    const chin = ds.find((d) => d.label.startsWith('Chinchilla, fitted: ')) as unknown as {
      borderDash: number[];
      pointRadius: number;
    };
    expect(chin).toBeTruthy();
    expect(chin.borderDash.length).toBeGreaterThan(0);
    expect(chin.pointRadius).toBe(0);
    for (const d of ds.filter((d) => /law|Chinchilla/.test(d.label)))
      expect(d.label).toMatch(/, fitted: (held-out error \d|no held-out check)/);
  });
});

describe('one chart language', () => {
  const records = syntheticRecords({
    sizes: [1e3, 4e3, 1.6e4],
    budgets: [1e10, 4e10, 1.6e11],
    questions: 6,
  });
  // Three model shapes so the colours follow the model, as a sweep's runs do.
  const shaped = records.map((r, i) => ({
    ...r,
    id: `L1-C${[16, 24, 32][i % 3]}-H2/D/N=${2 ** (i % 3)}/s${1 + Math.floor(i / 3)}`,
    config: { ...r.config, n_embd: [16, 24, 32][i % 3]!, tokens: r.D },
  }));

  it('every run gets its own colour, a model keeps one hue, and the same run has the same colour in every plot', () => {
    const colours = runColours(shaped);
    expect(new Set(colours.values()).size).toBe(shaped.length);
    const spec = passAtKChart(shaped, null);
    const ds = spec.config!.data.datasets as {
      label: string;
      borderColor: string;
      borderDash: number[];
      t2legend?: boolean;
    }[];
    for (const r of shaped) {
      const both = ds.filter((d) => d.label === r.id);
      expect(both.map((d) => d.borderColor)).toEqual([colours.get(r.id), colours.get(r.id)]);
      // one legend entry per run; the methods differ by line style only
      expect(both.map((d) => d.t2legend)).toEqual([true, false]);
      expect(both.map((d) => d.borderDash)).toEqual([
        METHOD_STYLE.sampling.borderDash,
        METHOD_STYLE.likelihood.borderDash,
      ]);
    }
    const loss = allCharts(shaped, null).find((c) => c.id === 'loss-curves')!.config!.data
      .datasets as { label: string; borderColor: string }[];
    for (const d of loss) expect(d.borderColor).toBe(colours.get(d.label));
  });

  it('given the planned grid, a partial sweep colours its runs as the whole sweep will', () => {
    const grid = shaped.map((r) => ({ id: r.id, config: r.config }));
    const partial = shaped.slice(0, 3);
    const whole = runColours(grid);
    const ds = allCharts(partial, null, null, grid).find((c) => c.id === 'pass-at-k')!.config!.data
      .datasets as { label: string; borderColor: string; t2legend?: boolean }[];
    for (const r of partial)
      expect(ds.find((d) => d.label === r.id)!.borderColor).toBe(whole.get(r.id));
    expect(runColours(partial).get(partial[0]!.id)).not.toBe(whole.get(partial[0]!.id)); // without the grid it would differ
  });

  it('legends are never switched off, however many runs', () => {
    const many = syntheticRecords({
      sizes: [1e3, 2e3, 4e3, 8e3, 1.6e4, 3.2e4],
      budgets: [1e10, 2e10, 4e10, 8e10],
      questions: 2,
    });
    for (const c of allCharts(many, null)) {
      const legend = (c.config?.options?.plugins as { legend?: { display?: boolean } } | undefined)
        ?.legend;
      if (c.config) expect(legend?.display, c.id).not.toBe(false);
    }
  });

  it('the runtime labels log axes at 1, 2, 5 × 10^n, hides second-method legend entries and titles tooltips with the decoded run', () => {
    const cfg = chartRuntime(JSON.parse(JSON.stringify(passAtKChart(shaped, null).config))) as any;
    const cb = cfg.options.scales.x.ticks.callback as (
      v: number,
      i: number,
      t: { value: number }[],
    ) => string;
    const label = (vs: number[]) =>
      vs.map((v, i, a) =>
        cb(
          v,
          i,
          a.map((value) => ({ value })),
        ),
      );
    expect(label([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30])).toEqual([
      '1',
      '2',
      '',
      '',
      '5',
      '',
      '',
      '',
      '',
      '10',
      '20',
      '',
    ]);
    expect(label([5100, 5200, 5300])).toEqual(['5.1K', '', '5.3K']); // inside one decade: its ends, so never blank, never crowded
    expect(label([1e8, 2e8, 5e8, 1e9, 2e9, 5e9, 1e10, 2e10, 5e10, 1e11])).toEqual([
      '1e8',
      '',
      '5e8',
      '1e9',
      '',
      '5e9',
      '1e10',
      '',
      '5e10',
      '1e11',
    ]);
    expect(
      label([1e8, 5e8, 1e9, 5e9, 1e10, 5e10, 1e11, 5e11, 1e12, 5e12, 1e13]).filter(Boolean),
    ).toEqual(['1e8', '1e9', '1e10', '1e11', '1e12', '1e13']);
    const filter = cfg.options.plugins.legend.labels.filter;
    const shown = cfg.data.datasets.filter((_: unknown, i: number) =>
      filter({ datasetIndex: i }, cfg.data),
    );
    expect(shown.length).toBe(shaped.length + 2); // a run each, plus the two method keys
    const title = cfg.options.plugins.tooltip.callbacks.title([{ dataset: cfg.data.datasets[0] }]);
    // The tooltip names the method, and the sampled one its n.
    expect(title).toBe(
      `${decodeRunId(shaped[0]!.id)} · pass@k sampled, n = ${shaped[0]!.questions[0]!.n} (unbiased estimator)`,
    );
    expect(decodeRunId('L2-C32-H2/C=5.0e+10/s3')).toBe(
      '2 layers, width 32, 2 heads · C_train = 5.0e+10 FLOPs · seed 3',
    );
    expect(decodeRunId('L1-C16-H2/D/N=2/s1')).toBe('1 layer, width 16, 2 heads · D/N = 2 · seed 1');
    expect(decodeRunId('imported-run')).toBe('imported-run');
  });

  it('the report page applies the same runtime, from its inlined source', () => {
    const html = buildReportHtml({ records: shaped, fit: null, chartJs: FAKE_CHARTJS });
    const script = html.match(/<script>\n(\/\/ The same chart runtime[\s\S]*?)<\/script>/)![1]!;
    const drawn: any[] = [];
    new Function('Chart', script)(function (_id: string, config: unknown) {
      drawn.push(config);
    });
    expect(drawn.length).toBe(3); // loss curves, isoFLOP curves, pass@k: all a fit-less D/N sweep can draw
    const passk = drawn.find((c) =>
      c.data.datasets.some((d: { t2title?: string }) => d.t2title?.includes('sampled')),
    );
    expect(typeof passk.options.scales.x.ticks.callback).toBe('function');
    expect(
      passk.options.scales.x.ticks.callback(20, 1, [{ value: 10 }, { value: 20 }, { value: 30 }]),
    ).toBe('20');
  });
});

describe('fits that cannot be trusted say so', () => {
  it('warns on large held-out errors, unpinned exponents and optima on the edge', () => {
    const records = syntheticRecords({
      sizes: [1e3, 4e3, 1.6e4],
      budgets: [1e10, 4e10],
      questions: 8,
    });
    const fit = fitAll(pointsFromRecords(records).points, FAST);
    const bad = structuredClone(fit);
    bad.held_out = {
      ratio: 8,
      fit_runs: 4,
      test_runs: 2,
      rows: [],
      loss_err: 0.4,
      t2_loss_err: 2,
      accuracy_err: 0.05,
    };
    bad.chinchilla!.intervals!.alpha = { lo: -0.006, hi: 2.05 };
    const w = fitWarnings(bad);
    expect(w.join('\n')).toMatch(/Chinchilla law missed the overtrained runs' loss by 40%/);
    expect(w.join('\n')).toMatch(/T² loss law missed by 200%/);
    expect(w.join('\n')).not.toMatch(/accuracy law missed/);
    expect(w.join('\n')).toMatch(
      /α \(how loss falls with N\) has a 95% interval of \[-0\.006, 2\.05\]/,
    );
    const good = structuredClone(bad);
    good.held_out = { ...bad.held_out, loss_err: 0.03, t2_loss_err: 0.05 };
    good.chinchilla!.intervals!.alpha = { lo: 0.3, hi: 0.4 };
    good.chinchilla!.intervals!.beta = { lo: 0.3, hi: 0.4 };
    for (const r of good.optimum?.rows ?? [])
      for (const p of [r.t2_loss, r.t2_accuracy]) if (p) p.atBoundary = false;
    expect(fitWarnings(good)).toEqual([]);
    expect(fitWarnings(null)).toEqual([]);
    const html = buildReportHtml({ records, fit: bad, chartJs: FAKE_CHARTJS });
    expect(html).toContain('<ul class="trust">');
  });
});
