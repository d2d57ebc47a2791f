// The README's main job at CI scale: `t2lab sweep experiments/smoke.ts` from a clean directory trains,
// samples and records every run, fits, and writes the report; run again, it skips every finished run.
// test/browser/report.spec.ts then opens this report in Chromium and checks every plot is drawn.
import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { parseRecordLine } from '../../src/sweep/record.ts';
import { expandRuns, validateExperiment } from '../../src/sweep/experiment.ts';
import smoke from '../../experiments/smoke.ts';
import { describeGpu } from '../helpers.ts';

export const SMOKE_DIR = 'out/ci-smoke';
const t2lab = (...args: string[]) =>
  execFileSync('node', ['bin/t2lab.mjs', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });

describeGpu('t2lab sweep experiments/smoke.ts', () => {
  it('runs the whole grid to a report, then resumes as a no-op', { timeout: 600_000 }, () => {
    rmSync(SMOKE_DIR, { recursive: true, force: true });
    const t0 = performance.now();
    const out = t2lab('sweep', 'experiments/smoke.ts', '--out', SMOKE_DIR);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`smoke sweep: ${seconds.toFixed(1)} s\n${out}`);
    const runs = expandRuns(validateExperiment(smoke));
    const records = readFileSync(`${SMOKE_DIR}/results.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map(parseRecordLine);
    expect(records.map((r) => r.id).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const r of records) {
      expect(r.diverged).toBe(false);
      expect(r.eval_loss).toBeLessThan(r.evals[0]!.loss); // it learned something
      expect(r.questions.length).toBe(smoke.sampling.questions);
      expect(existsSync(`${SMOKE_DIR}/models/${r.id.replace(/[^\w.=-]+/g, '_')}.safetensors`)).toBe(
        true,
      );
    }
    const html = readFileSync(`${SMOKE_DIR}/report.html`, 'utf8');
    expect(html.length).toBeGreaterThan(100_000); // Chart.js is inlined: the file stands alone
    expect(html).not.toMatch(/<script[^>]+src=/);
    const again = t2lab('sweep', 'experiments/smoke.ts', '--out', SMOKE_DIR, '--no-report');
    expect(again).toMatch(new RegExp(`0 runs done now, ${runs.length} were already done`));
  });
});
