import { type CounterCell } from '../metrics/cell-metrics';
import { type Clock } from '../options/types';

/**
 * Busy-time accounting for one stage: the wall time during which at least one message
 * was being handled. Overlapping messages (concurrent partitions) count once, so busy
 * seconds over wall seconds is the utilisation (0..1), and messages over busy seconds is
 * the service rate the agent's capacity model needs.
 *
 * Busy time is added to a counter cell when the stage goes idle, and brought up to date
 * before each scrape, so a stage that never idles still shows progress.
 */
export class BusyTimeAccount {
  private inFlight = 0;
  private busySince = 0;
  private busyTotal = 0;
  private readonly startedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly cell?: CounterCell,
  ) {
    this.startedAt = clock.monotonicSeconds();
  }

  /** A message entered the stage. */
  begin(): void {
    if (this.inFlight++ === 0) this.busySince = this.clock.monotonicSeconds();
  }

  /** A message left the stage (whatever its outcome). */
  end(): void {
    if (this.inFlight === 0) return;
    if (--this.inFlight === 0) this.addBusy(this.clock.monotonicSeconds());
  }

  /** Moves the open busy interval into the totals; called before metrics are read. */
  flush(): void {
    if (this.inFlight > 0) {
      const now = this.clock.monotonicSeconds();
      this.addBusy(now);
      this.busySince = now;
    }
  }

  /** Busy seconds since the account was created. */
  busySeconds(): number {
    this.flush();
    return this.busyTotal;
  }

  /** Wall seconds since the account was created. */
  wallSeconds(): number {
    return this.clock.monotonicSeconds() - this.startedAt;
  }

  /** Busy seconds over wall seconds, 0 before any time has passed. */
  utilisation(): number {
    const wall = this.wallSeconds();
    return wall > 0 ? Math.min(1, this.busySeconds() / wall) : 0;
  }

  private addBusy(now: number): void {
    const busy = Math.max(0, now - this.busySince);
    this.busyTotal += busy;
    this.cell?.inc(busy);
  }
}

const accountsOwnBusyTime = Symbol('streamops.accountsOwnBusyTime');

/**
 * Marks a consumer handler whose stages account their own busy time (the one pipeline()
 * runs), so the consumer instrumentation does not count the same time again under the
 * consumer's stage: the capacity model would otherwise see a pseudo-stage covering all
 * the real ones and take it for the bottleneck.
 */
export function markAccountsOwnBusyTime<F extends object>(handler: F): F {
  Object.defineProperty(handler, accountsOwnBusyTime, { value: true });
  return handler;
}

/** True for a handler marked by {@link markAccountsOwnBusyTime}. */
export function accountsOwnBusyTimeOf(handler: unknown): boolean {
  return (
    typeof handler === 'function' &&
    (handler as { [accountsOwnBusyTime]?: boolean })[accountsOwnBusyTime] === true
  );
}
