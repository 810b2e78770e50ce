import { CycleLoop, type Timers } from './cycle-loop';

class ManualTimers implements Timers {
  pending: { callback: () => void; ms: number } | null = null;
  setTimeout(callback: () => void, ms: number): unknown {
    this.pending = { callback, ms };
    return this.pending;
  }
  clearTimeout(handle: unknown): void {
    if (handle === this.pending) this.pending = null;
  }
  fire(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.callback();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CycleLoop', () => {
  it('runs at once, then schedules the next run an interval after the previous start', async () => {
    let now = 0;
    const timers = new ManualTimers();
    const starts: number[] = [];
    const loop = new CycleLoop(
      () => {
        starts.push(now);
        now += 300; // the cycle takes 300 ms
        return Promise.resolve();
      },
      1000,
      () => now,
      timers,
    );
    loop.start();
    await settle();
    expect(starts).toEqual([0]);
    expect(timers.pending?.ms).toBe(700);
    now = 1000;
    timers.fire();
    await settle();
    expect(starts).toEqual([0, 1000]);
    await loop.stop();
    expect(timers.pending).toBeNull();
  });

  it('starts the next cycle at once when one overruns, and survives failures', async () => {
    let now = 0;
    const timers = new ManualTimers();
    let calls = 0;
    const loop = new CycleLoop(
      () => {
        calls++;
        now += 2500;
        return Promise.reject(new Error('cluster unreachable'));
      },
      1000,
      () => now,
      timers,
    );
    loop.start();
    await settle();
    expect(calls).toBe(1);
    expect(timers.pending?.ms).toBe(0);
    await loop.stop();
  });

  it('waits for the cycle in flight when stopped', async () => {
    let finish: () => void = () => undefined;
    const timers = new ManualTimers();
    const loop = new CycleLoop(
      () => new Promise<void>((resolve) => (finish = resolve)),
      1000,
      () => 0,
      timers,
    );
    loop.start();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
    expect(timers.pending).toBeNull();
  });

  it('rejects a non-positive interval', () => {
    expect(
      () =>
        new CycleLoop(
          () => Promise.resolve(),
          0,
          () => 0,
        ),
    ).toThrow('intervalMs must be positive');
  });

  it('reports every error a cycle throws or rejects with, and keeps running', async () => {
    const timers = new ManualTimers();
    const errors: unknown[] = [];
    let run = 0;
    const loop = new CycleLoop(
      () => {
        run++;
        if (run === 1) return Promise.reject(new Error('rejected'));
        if (run === 2) throw new Error('thrown');
        return Promise.resolve();
      },
      1000,
      () => 0,
      timers,
      (error) => errors.push(error),
    );
    loop.start();
    await settle();
    timers.fire();
    await settle();
    timers.fire();
    await settle();
    expect(run).toBe(3);
    expect(errors.map((error) => (error as Error).message)).toEqual(['rejected', 'thrown']);
    expect(timers.pending).not.toBeNull();
    await loop.stop();
  });
});
