// Pacing waits on a software adapter in Node. While a WebGPU promise is pending (onSubmittedWorkDone,
// mapAsync) dawn.node keeps the event loop busy polling for it, so a wait costs a whole CPU core; with a
// software adapter (lavapipe) the "GPU" runs on those same cores and slows down by as much. The pacer
// learns how long the work takes per dispatch and lets the host sleep through `fraction` of a wait before
// it starts the promise. A wait that finds the work already done on waking (the work got cheaper: over-
// slept) halves the estimate; other waits mix their time in; the host skips learning from waits that
// included pipeline compiles (seconds on lavapipe, at the first dispatch), which say nothing of the next.
export class WaitPacer {
  /** Learned wall time per dispatch, ms (0 until the first wait). */
  msPerDispatch = 0;
  private dispatches = 0; // recorded since the last wait ended
  private since = 0; // when the first of them was recorded

  /** `fraction`: how much of the expected time to sleep; `minMs`: shorter sleeps are skipped (timer granularity). */
  constructor(
    readonly fraction = 0.8,
    readonly minMs = 2,
  ) {}

  /** One dispatch was recorded at `now` (ms). */
  dispatched(now: number): void {
    if (this.dispatches === 0) this.since = now;
    this.dispatches++;
  }

  /** How long to sleep at `now` before waiting for the work recorded since the last wait. */
  sleepMs(now: number): number {
    if (this.dispatches === 0 || this.msPerDispatch === 0) return 0;
    const left = this.fraction * this.dispatches * this.msPerDispatch - (now - this.since);
    return left >= this.minMs ? left : 0;
  }

  /**
   * The wait ended at `now`; `wokeAt`: when its sleep ended (null: it did not sleep). Ending within
   * `minMs` of waking means the work was done before: the sleep was too long by an unknown amount.
   */
  done(now: number, wokeAt: number | null): void {
    if (this.dispatches === 0) return;
    if (wokeAt !== null && now - wokeAt < this.minMs) this.msPerDispatch /= 2;
    else {
      const per = (now - this.since) / this.dispatches;
      this.msPerDispatch = this.msPerDispatch ? (this.msPerDispatch + per) / 2 : per;
    }
    this.dispatches = 0;
  }

  /** Forget the dispatches since the last wait without learning from them (a benchmark or a compile). */
  reset(): void {
    this.dispatches = 0;
  }
}
