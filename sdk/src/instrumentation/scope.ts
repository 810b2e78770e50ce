import { type CounterCell } from '../metrics/cell-metrics';
import { sdkMetricsFor, type SdkMetrics } from '../metrics/registry';
import { type ResolvedOptions } from '../options/resolve';
import { BusyTimeAccount } from '../processor/busy-time';
import { TraceContextCarrier } from '../propagation/trace-context';

/** Marks kafkajs objects the SDK has already instrumented, so nothing is wrapped twice. */
export const INSTRUMENTED = Symbol.for('@streamops/sdk.instrumented');

/** Whether `target` carries the instrumented mark. */
export function isInstrumented(target: object): boolean {
  return (target as Record<symbol, unknown>)[INSTRUMENTED] === true;
}

/** Sets the instrumented mark without making it enumerable (kafkajs objects are logged and spread). */
export function markInstrumented(target: object): void {
  Object.defineProperty(target, INSTRUMENTED, { value: true, enumerable: false, configurable: true });
}

const busyAccounts = new WeakMap<CounterCell, BusyTimeAccount>();

/**
 * What every instrumented client of one `instrument*()` call shares: the resolved
 * options, the registry's metrics and the trace-context carrier.
 */
export class InstrumentationScope {
  readonly metrics: SdkMetrics;
  readonly carrier: TraceContextCarrier;

  constructor(readonly options: ResolvedOptions) {
    this.metrics = sdkMetricsFor(options.registry, options.partitionLabel, options.maxValuesPerLabel);
    this.carrier = new TraceContextCarrier(options.propagator);
  }

  /** A label value through the registry's label limits. */
  label(name: string, value: string): string {
    return this.metrics.labelLimits.admit(name, value);
  }

  /**
   * The busy-time account of a stage. One per series, shared by every client and
   * pipeline of this process that uses the same pipeline and stage names, because the
   * stage is busy when any of them is.
   */
  busyAccount(pipeline: string, stage: string): BusyTimeAccount {
    const counter = this.metrics.counters.stageBusy;
    const cell = counter.cell({ pipeline, stage });
    let account = busyAccounts.get(cell);
    if (account === undefined) {
      const created = new BusyTimeAccount(this.options.clock, cell);
      account = created;
      busyAccounts.set(cell, created);
      counter.addCollectHook(() => created.flush());
    }
    return account;
  }

  /** Runs `action`, counting (never throwing) any failure of the SDK itself. */
  guard(operation: string, action: () => void): void {
    try {
      action();
    } catch {
      this.metrics.countInstrumentationError(operation);
    }
  }
}
