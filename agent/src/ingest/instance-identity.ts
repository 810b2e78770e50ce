import { type MetricReport } from './report';

/**
 * Who may report as an instance. An instance id (with its service name: the store's
 * instance key) is bound to the token that first reported it, and to the process start
 * time it reported, for as long as the instance lives (it reports within the TTL, the
 * instance store's `instanceTtlMs`). While the binding lives, a report under the same key
 * with another token, or with an earlier start time, is refused with `identity_conflict`:
 * it is another process claiming the instance's id, and accepting it would overwrite the
 * instance's series. A later start time under the same token is the instance restarted, once
 * the live process has missed a report (silent for 1.5 report intervals); from then on the
 * earlier process is the one refused. A live instance known by its start time also refuses
 * sums that carry none (delta points), which would add into its counters.
 *
 * Only accepted reports refresh a binding, so refused claims never keep one alive.
 */

/** Options of {@link InstanceIdentities}. */
export interface InstanceIdentitiesOptions {
  /** Silence after which a binding expires: the instance store's TTL. */
  readonly ttlMs: number;
  /** Bindings held at once: the instance store's `maxInstances`. */
  readonly maxInstances: number;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
}

/** Outcome of {@link InstanceIdentities.check}. */
export type IdentityDecision = { readonly ok: true } | { readonly ok: false; readonly message: string };

interface Binding {
  readonly tokenName: string;
  /** Process start time, epoch ms; null until a report carries one. */
  startTimeMs: number | null;
  lastSeenMs: number;
  /** Time between the last two accepted reports; null until there were two. */
  reportIntervalMs: number | null;
}

/** Silence before a later start time counts as a restart, while the report interval is unknown. */
const RESTART_SILENCE_UNKNOWN_INTERVAL_MS = 10_000;
/** Silence before a later start time counts as a restart never goes below this. */
const RESTART_SILENCE_MIN_MS = 1_000;

/**
 * How long an instance must have been silent before a later start time under its id is taken
 * as its restart: one and a half of its report intervals, so that it has missed a report. A live
 * instance keeps reporting, so a claimant cannot take its id by claiming a later start.
 */
function restartSilenceMs(binding: Binding, ttlMs: number): number {
  if (binding.reportIntervalMs === null) return Math.min(ttlMs, RESTART_SILENCE_UNKNOWN_INTERVAL_MS);
  return Math.min(ttlMs, Math.max(RESTART_SILENCE_MIN_MS, 1.5 * binding.reportIntervalMs));
}

/** Whether a report holds points that add into counters: sums and histograms. */
function addsToCounters(report: Pick<MetricReport, 'points'>): boolean {
  return report.points.some((point) => point.kind !== 'gauge');
}

/**
 * The process start time a report claims: the earliest start time of its cumulative sum and
 * histogram points (the SDK's reporter gives them all its own start; other OpenTelemetry
 * SDKs their meter's start or the series' first measurement, whose earliest is the first
 * series'). Delta points start at the previous export, gauges have none: both are left out.
 * Null when no point tells.
 */
export function reportedStartTimeMs(report: Pick<MetricReport, 'points'>): number | null {
  let earliest: number | null = null;
  for (const point of report.points) {
    if (point.kind === 'gauge' || point.temporality !== 'cumulative' || point.startTimeMs === null) continue;
    if (earliest === null || point.startTimeMs < earliest) earliest = point.startTimeMs;
  }
  return earliest;
}

function formatTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** Instance keys bound to a token name and a start time; bounded and expiring. */
export class InstanceIdentities {
  // Least recently seen first: refreshed entries are re-inserted.
  private readonly bindings = new Map<string, Binding>();

  /** @throws RangeError when the TTL or the bound is not a positive integer. */
  constructor(private readonly options: InstanceIdentitiesOptions) {
    for (const name of ['ttlMs', 'maxInstances'] as const) {
      const value = options[name];
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new RangeError(`${name} must be a positive integer, got ${value}`);
      }
    }
  }

  /** Whether `tokenName` may report `report` now. Changes nothing. */
  check(report: MetricReport, tokenName: string): IdentityDecision {
    const binding = this.live(report.instanceKey);
    if (binding === null) return { ok: true };
    const who = `instance ${report.instance.serviceInstanceId} of ${report.instance.serviceName}`;
    if (binding.tokenName !== tokenName) {
      return {
        ok: false,
        message: `${who} is reported with another token; an instance id belongs to the token that first reported it until it has been silent for the instance TTL`,
      };
    }
    if (binding.startTimeMs === null) return { ok: true };
    const startTimeMs = reportedStartTimeMs(report);
    const held = formatTime(binding.startTimeMs);
    if (startTimeMs === null) {
      // Gauges claim nothing about the process; sums without a process start (deltas) would add
      // into the counters of an instance known by its start time.
      if (!addsToCounters(report)) return { ok: true };
      return {
        ok: false,
        message: `${who} reports cumulative series of a process started at ${held}; this report's sums carry no process start time`,
      };
    }
    if (startTimeMs === binding.startTimeMs) return { ok: true };
    // An earlier start cannot be a successor: another process shares the id, or it is a replay.
    if (startTimeMs < binding.startTimeMs) {
      return {
        ok: false,
        message: `${who} is live with a process started at ${held}, this report's started earlier, at ${formatTime(startTimeMs)}: give every process its own service.instance.id`,
      };
    }
    // A later start is a restart only once the live process has missed a report.
    const silentMs = this.options.now() - binding.lastSeenMs;
    const neededMs = restartSilenceMs(binding, this.options.ttlMs);
    if (silentMs < neededMs) {
      return {
        ok: false,
        message: `${who} is live with a process started at ${held}, which reported ${Math.round(silentMs / 1000)} s ago; a restart under the same id (started ${formatTime(startTimeMs)}) is taken once the old process has been silent for ${Math.round(neededMs / 1000)} s: give every process its own service.instance.id`,
      };
    }
    return { ok: true };
  }

  /** Binds (or refreshes) the report's instance to `tokenName`, after the report was accepted. */
  record(report: MetricReport, tokenName: string): void {
    const nowMs = this.options.now();
    const startTimeMs = reportedStartTimeMs(report);
    const binding = this.live(report.instanceKey);
    if (binding !== null) {
      // check() ran first, so the token is the same and the start time not earlier: a later one is a restart.
      if (startTimeMs !== null && binding.startTimeMs !== null && startTimeMs > binding.startTimeMs) {
        // A restart: the silence before it is not the new process's report interval.
        binding.startTimeMs = startTimeMs;
        binding.reportIntervalMs = null;
      } else {
        binding.startTimeMs ??= startTimeMs;
        if (nowMs > binding.lastSeenMs) binding.reportIntervalMs = nowMs - binding.lastSeenMs;
      }
      binding.lastSeenMs = Math.max(binding.lastSeenMs, nowMs);
      this.bindings.delete(report.instanceKey);
      this.bindings.set(report.instanceKey, binding);
      return;
    }
    if (this.bindings.size >= this.options.maxInstances) this.expire();
    if (this.bindings.size >= this.options.maxInstances) {
      // The store holds no more live instances than this, so the least recently seen one
      // has most likely left it already.
      const oldest = this.bindings.keys().next();
      if (oldest.done !== true) this.bindings.delete(oldest.value);
    }
    this.bindings.set(report.instanceKey, {
      tokenName,
      startTimeMs,
      lastSeenMs: nowMs,
      reportIntervalMs: null,
    });
  }

  /** Drops bindings silent for the TTL. */
  expire(): void {
    const nowMs = this.options.now();
    // Map order is least recently seen first, so the expired ones are at the front.
    for (const [key, binding] of this.bindings) {
      if (nowMs - binding.lastSeenMs < this.options.ttlMs) break;
      this.bindings.delete(key);
    }
  }

  /** Bindings held (expired ones included until the next expiry). */
  get size(): number {
    return this.bindings.size;
  }

  private live(key: string): Binding | null {
    const binding = this.bindings.get(key);
    if (binding === undefined) return null;
    if (this.options.now() - binding.lastSeenMs >= this.options.ttlMs) {
      this.bindings.delete(key);
      return null;
    }
    return binding;
  }
}
