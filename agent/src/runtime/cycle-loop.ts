/** Timer functions, injectable so tests control time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers; the handle is unref'd so a pending cycle never keeps a stopping process alive. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Runs `cycle` every `intervalMs`, measured from the start of one run to the start of
 * the next, never two at once: a cycle that overruns delays the next instead of piling up.
 */
export class CycleLoop {
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly cycle: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly nowMs: () => number,
    private readonly timers: Timers = systemTimers,
    /** Told every error a cycle throws or rejects with; the loop goes on either way. */
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  }

  /** Starts at once with a first cycle. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.runNow();
  }

  private runNow(): void {
    const startedAt = this.nowMs();
    let cycle: Promise<void>;
    try {
      cycle = this.cycle();
    } catch (error) {
      cycle = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.running = cycle
      // The loop must survive a failed cycle, but never silently: the error is reported.
      .catch((error: unknown) => {
        try {
          this.onError(error);
        } catch {
          // A reporter that throws must not stop the loop.
        }
      })
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        const wait = Math.max(0, startedAt + this.intervalMs - this.nowMs());
        this.timer = this.timers.setTimeout(() => this.runNow(), wait);
      });
  }

  /** Stops scheduling and waits for a cycle in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
