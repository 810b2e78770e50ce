import { THRESHOLD_STATUS_CODE, type ThresholdStatus } from './status-codes';

/** Time lag limits of a group, in seconds: above `warnSeconds` is WARN, above `errSeconds` is ERR. */
export interface TimeLagThresholds {
  /** Time lag in seconds above which the group is WARN. */
  readonly warnSeconds: number;
  /** Time lag in seconds above which the group is ERR; at least `warnSeconds`. */
  readonly errSeconds: number;
}

/** Thresholds for the groups whose name matches `group`. */
export interface GroupThresholdOverride extends TimeLagThresholds {
  /** Groups this override applies to. Compile (and anchor, if wanted) where the config is read. */
  readonly group: RegExp;
}

/** One partition's time lag, as computed by `timeLag`. */
export interface PartitionTimeLag {
  /** Topic name. */
  readonly topic: string;
  /** Partition number. */
  readonly partition: number;
  /** Time lag in seconds, or null when unknown. */
  readonly seconds: number | null;
}

/** Which threshold rule decided the status (machine-readable); see {@link evaluateThresholdStatus}. */
export type ThresholdRuleId = 'no-time-lag' | 'over-err-seconds' | 'over-warn-seconds' | 'within-thresholds';

/** A partition named in a threshold result. */
export interface ThresholdPartitionReference {
  /** Topic name. */
  readonly topic: string;
  /** Partition number. */
  readonly partition: number;
  /** Its time lag in seconds. */
  readonly seconds: number;
}

/** A group's threshold status with the rule that decided it and the partitions over the limit. */
export interface ThresholdStatusResult {
  /** Threshold status. */
  readonly status: ThresholdStatus;
  /** Metric value of `status` (see `THRESHOLD_STATUS_CODE`). */
  readonly code: number;
  /** The rule that fired. */
  readonly rule: ThresholdRuleId;
  /** One sentence for people, naming the worst partition. */
  readonly reason: string;
  /** Partitions over the threshold that fired, worst first; empty when OK or UNKNOWN. */
  readonly partitions: readonly ThresholdPartitionReference[];
  /** The group's time lag: the largest known partition time lag, or null when none is known. */
  readonly maxSeconds: number | null;
  /** Partitions whose time lag is unknown; they cannot raise the status. */
  readonly unknownPartitions: number;
  /** The thresholds applied. */
  readonly thresholds: TimeLagThresholds;
}

/**
 * The thresholds for one group: the first override whose pattern matches the group name,
 * or the defaults when none does.
 *
 * @throws RangeError when a threshold pair is invalid (see {@link evaluateThresholdStatus}).
 */
export function thresholdsForGroup(
  group: string,
  overrides: readonly GroupThresholdOverride[],
  defaults: TimeLagThresholds,
): TimeLagThresholds {
  assertThresholds('defaults', defaults);
  // search() ignores the g and y flags' lastIndex, so a shared RegExp gives the same answer every time.
  const match = overrides.find((override) => group.search(override.group) !== -1);
  if (match === undefined) return defaults;
  assertThresholds(`override ${String(match.group)}`, match);
  return { warnSeconds: match.warnSeconds, errSeconds: match.errSeconds };
}

/**
 * Status of a group's time lag against its thresholds. The group's time lag is its worst
 * partition's; a limit counts as crossed when the lag is strictly above it.
 *
 * Rules, first match wins:
 * 1. `no-time-lag` → UNKNOWN: no partition has a known time lag (not OK: nothing was measured).
 * 2. `over-err-seconds` → ERR: some partition is above `errSeconds`; names those partitions.
 * 3. `over-warn-seconds` → WARN: some partition is above `warnSeconds`; names those partitions.
 * 4. `within-thresholds` → OK. Partitions with unknown time lag are counted in
 *    `unknownPartitions` but cannot raise the status.
 *
 * An `extrapolated-lower-bound` time lag is compared as is: when it is over a limit the real
 * lag is too, so the status never over-alerts on an estimate.
 *
 * @throws RangeError on thresholds that are negative, NaN or infinite, or with `errSeconds`
 *   below `warnSeconds`; on a time lag that is negative, NaN or infinite; on a bad partition number.
 */
export function evaluateThresholdStatus(
  partitions: readonly PartitionTimeLag[],
  thresholds: TimeLagThresholds,
): ThresholdStatusResult {
  assertThresholds('thresholds', thresholds);
  const known: ThresholdPartitionReference[] = [];
  for (const entry of partitions) {
    if (!Number.isSafeInteger(entry.partition) || entry.partition < 0) {
      throw new RangeError(
        `partition of topic ${entry.topic} must be a non-negative integer, got ${entry.partition}`,
      );
    }
    if (entry.seconds === null) continue;
    if (!Number.isFinite(entry.seconds) || entry.seconds < 0) {
      throw new RangeError(
        `time lag of ${entry.topic}/${entry.partition} must be a finite, non-negative number of seconds, got ${entry.seconds}`,
      );
    }
    known.push({ topic: entry.topic, partition: entry.partition, seconds: entry.seconds });
  }
  // Worst first; ties in a stable topic/partition order so results do not flap.
  known.sort(
    (a, b) =>
      b.seconds - a.seconds || (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1),
  );
  const unknownPartitions = partitions.length - known.length;
  const maxSeconds = known[0]?.seconds ?? null;
  const decide = (
    status: ThresholdStatus,
    rule: ThresholdRuleId,
    reason: string,
    over: readonly ThresholdPartitionReference[] = [],
  ): ThresholdStatusResult => ({
    status,
    code: THRESHOLD_STATUS_CODE[status],
    rule,
    reason,
    partitions: over,
    maxSeconds,
    unknownPartitions,
    thresholds: { warnSeconds: thresholds.warnSeconds, errSeconds: thresholds.errSeconds },
  });

  const worst = known[0];
  if (worst === undefined) {
    return decide('UNKNOWN', 'no-time-lag', `time lag unknown on all ${partitions.length} partitions`);
  }
  const overErr = known.filter((entry) => entry.seconds > thresholds.errSeconds);
  if (overErr.length > 0) {
    return decide('ERR', 'over-err-seconds', describe(overErr, 'errSeconds', thresholds.errSeconds), overErr);
  }
  const overWarn = known.filter((entry) => entry.seconds > thresholds.warnSeconds);
  if (overWarn.length > 0) {
    return decide(
      'WARN',
      'over-warn-seconds',
      describe(overWarn, 'warnSeconds', thresholds.warnSeconds),
      overWarn,
    );
  }
  const unknownNote = unknownPartitions > 0 ? ` (${unknownPartitions} partitions unknown)` : '';
  return decide(
    'OK',
    'within-thresholds',
    `max time lag ${formatSeconds(worst.seconds)} at ${worst.topic}/${worst.partition} is within warnSeconds ${thresholds.warnSeconds}${unknownNote}`,
  );
}

function describe(over: readonly ThresholdPartitionReference[], limitName: string, limit: number): string {
  const worst = over[0];
  const worstText =
    worst === undefined ? '' : `; worst ${worst.topic}/${worst.partition} at ${formatSeconds(worst.seconds)}`;
  return `${over.length} partitions above ${limitName} ${limit}${worstText}`;
}

function formatSeconds(seconds: number): string {
  return `${Math.round(seconds * 10) / 10} s`;
}

function assertThresholds(name: string, thresholds: TimeLagThresholds): void {
  const { warnSeconds, errSeconds } = thresholds;
  if (!Number.isFinite(warnSeconds) || warnSeconds < 0) {
    throw new RangeError(`${name}.warnSeconds must be a finite, non-negative number, got ${warnSeconds}`);
  }
  if (!Number.isFinite(errSeconds) || errSeconds < 0) {
    throw new RangeError(`${name}.errSeconds must be a finite, non-negative number, got ${errSeconds}`);
  }
  if (errSeconds < warnSeconds) {
    throw new RangeError(`${name}.errSeconds (${errSeconds}) must be at least warnSeconds (${warnSeconds})`);
  }
}
