import { describe, expect, it } from 'vitest';
import { WaitPacer } from '../../src/gpu/pace.ts';
import { describeGpu } from '../helpers.ts';
import { residual_forward } from '../../kernels/residual/residual.ts';

describe('WaitPacer', () => {
  it('sleeps nothing until it has timed a wait, then its fraction of the expected time less what has passed', () => {
    const p = new WaitPacer(0.8, 2);
    for (let i = 0; i < 10; i++) p.dispatched(100 + i);
    expect(p.sleepMs(110)).toBe(0); // nothing learned yet
    p.done(150, null); // 10 dispatches from t=100 to 150: 5 ms each
    expect(p.msPerDispatch).toBe(5);
    for (let i = 0; i < 10; i++) p.dispatched(200);
    expect(p.sleepMs(210)).toBe(0.8 * 50 - 10);
    expect(p.sleepMs(238.5)).toBe(0); // 1.5 ms left: under minMs, not worth a timer
    expect(new WaitPacer().sleepMs(0)).toBe(0); // no dispatches: nothing to wait for
  });

  it('mixes each wait into its estimate, halves it when a sleep outlasted the work, and learns nothing on reset', () => {
    const p = new WaitPacer(0.8, 2);
    p.dispatched(0);
    p.done(4, null);
    expect(p.msPerDispatch).toBe(4);
    p.dispatched(10);
    p.done(12, null); // 2 ms this time: (4 + 2) / 2
    expect(p.msPerDispatch).toBe(3);
    p.dispatched(20);
    p.done(30, 29.5); // done 0.5 ms after waking: the work was over before, by an unknown amount
    expect(p.msPerDispatch).toBe(1.5);
    p.dispatched(40);
    p.done(45, 41); // still running 4 ms after waking: a real measurement, (1.5 + 5) / 2
    expect(p.msPerDispatch).toBe(3.25);
    p.dispatched(50);
    p.reset(); // e.g. a benchmark waited on these, or they included a compile
    p.done(5000, null);
    expect(p.msPerDispatch).toBe(3.25);
  });
});

describeGpu('Gpu pacing', (gpu) => {
  it('a Node Gpu on a software adapter paces its waits; timings and compiles teach the pacer nothing', async () => {
    expect(gpu.pacer !== null).toBe(gpu.adapter.software);
    if (!gpu.pacer) return;
    const a = gpu.tensor('pace a', 64, new Float32Array(64).fill(1));
    const b = gpu.tensor('pace b', 64, new Float32Array(64).fill(2));
    const out = gpu.tensor('pace out', 64);
    const add = () => residual_forward(gpu, out, a, b, 64);
    const before = gpu.pacer.msPerDispatch;
    add();
    await gpu.sync(); // may build the pipeline (lavapipe compiles in this wait): not learned from then
    const afterFirst = gpu.pacer.msPerDispatch;
    await gpu.time(add, 3, 1); // a timing's waits are not paced, nor learned from
    expect(gpu.pacer.msPerDispatch).toBe(afterFirst);
    add();
    expect(Array.from(await gpu.read(out))).toEqual(new Array(64).fill(3));
    expect(gpu.pacer.msPerDispatch).toBeGreaterThan(0); // the read's wait was learned from
    expect(gpu.pacer.msPerDispatch).not.toBe(before);
    for (const t of [a, b, out]) t.buffer.destroy();
  });
});
