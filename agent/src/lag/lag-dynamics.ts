import { assertNonNegative, assertNotBefore, assertOffset, assertTimeMs } from './input-checks';
import { partitionLag, type PartitionOffsets } from './partition-lag';

/** Lag in messages at one moment. */
export interface LagObservation {
  /** Lag in messages (never negative). */
  readonly lagMessages: number;
  /** When it was observed, epoch milliseconds. */
  readonly timeMs: number;
}

/** An offset (committed or log end) at one moment. */
export interface OffsetSample {
  /** The offset. */
  readonly offset: number;
  /** When it was read, epoch milliseconds. */
  readonly timeMs: number;
}

/** One partition's offsets as read in one collection cycle, with the time they were read. */
export interface PartitionSample extends PartitionOffsets {
  /** When the offsets were read, epoch milliseconds. */
  readonly timeMs: number;
}

/** How a group's lag on one partition is moving between two cycles. */
export interface LagDynamics {
  /** Records the group committed per second; null without two commits or after a rewind. */
  readonly consumeRate: number | null;
  /** Records produced per second; null when the log end went backwards. */
  readonly produceRate: number | null;
  /** Change of the lag per second (positive: falling behind); null without a lag at both ends. */
  readonly lagVelocity: number | null;
  /** Seconds until the lag reaches 0 at the current rates; see {@link timeToDrainSeconds}. */
  readonly timeToDrainSeconds: number | null;
  /** Share of the retained log the group still has to read; see {@link retentionRisk}. */
  readonly retentionRisk: number | null;
}

/**
 * Lag velocity in messages per second: the least-squares slope of lag over time, so two
 * observations give the plain difference quotient and more of them smooth out the noise of
 * commits landing just before or after a collection. Positive means the lag is growing.
 *
 * Returns null with fewer than two observations or when they were all taken at the same time.
 *
 * @throws RangeError on a negative or non-finite lag, a bad time, or times out of order.
 */
export function lagVelocity(observations: readonly LagObservation[]): number | null {
  let previousTimeMs = 0;
  observations.forEach((observation, index) => {
    assertNonNegative(`observations[${index}].lagMessages`, observation.lagMessages);
    assertTimeMs(`observations[${index}].timeMs`, observation.timeMs);
    if (index > 0) {
      assertNotBefore(
        `observations[${index}].timeMs`,
        observation.timeMs,
        `observations[${index - 1}].timeMs`,
        previousTimeMs,
      );
    }
    previousTimeMs = observation.timeMs;
  });
  if (observations.length < 2) return null;

  // Centre the times on their mean: epoch milliseconds squared would lose precision.
  const count = observations.length;
  let meanSeconds = 0;
  let meanLag = 0;
  for (const { timeMs, lagMessages } of observations) {
    meanSeconds += timeMs / 1000 / count;
    meanLag += lagMessages / count;
  }
  let covariance = 0;
  let variance = 0;
  for (const { timeMs, lagMessages } of observations) {
    const dt = timeMs / 1000 - meanSeconds;
    covariance += dt * (lagMessages - meanLag);
    variance += dt * dt;
  }
  return variance === 0 ? null : covariance / variance;
}

/**
 * Offsets advanced per second between two samples of the same offset (committed offsets for
 * the consume rate, log end offsets for the produce rate).
 *
 * Returns null when no time passed, or when the offset went backwards (a rewind, a reset or
 * a truncated log): there is no meaningful rate across such a jump.
 *
 * @throws RangeError on invalid offsets or times, or when `later` is before `earlier`.
 */
export function offsetRate(earlier: OffsetSample, later: OffsetSample): number | null {
  assertOffset('earlier.offset', earlier.offset);
  assertOffset('later.offset', later.offset);
  assertTimeMs('earlier.timeMs', earlier.timeMs);
  assertTimeMs('later.timeMs', later.timeMs);
  assertNotBefore('later.timeMs', later.timeMs, 'earlier.timeMs', earlier.timeMs);
  const elapsedSeconds = (later.timeMs - earlier.timeMs) / 1000;
  if (elapsedSeconds === 0 || later.offset < earlier.offset) return null;
  return (later.offset - earlier.offset) / elapsedSeconds;
}

/**
 * Seconds until the group catches up: lag ÷ (consume rate − produce rate).
 *
 * - 0 when the lag is 0, whatever the rates;
 * - +Infinity when the lag is above 0 and the group is not gaining (the gap is flat or growing);
 * - otherwise the lag divided by how fast the group gains.
 *
 * @throws RangeError when any argument is negative, NaN or infinite.
 */
export function timeToDrainSeconds(lagMessages: number, consumeRate: number, produceRate: number): number {
  assertNonNegative('lagMessages', lagMessages);
  assertNonNegative('consumeRate', consumeRate);
  assertNonNegative('produceRate', produceRate);
  if (lagMessages === 0) return 0;
  const gainPerSecond = consumeRate - produceRate;
  return gainPerSecond > 0 ? lagMessages / gainPerSecond : Number.POSITIVE_INFINITY;
}

/**
 * Retention risk: the group's lag as a share of the records the partition still holds,
 * lag ÷ (log end − log start), between 0 and 1. Near 1, the next retention pass deletes
 * records the group has not read.
 *
 * - An empty log (log end = log start) holds nothing to lose: 0.
 * - A committed offset before the log start means records were already deleted unread: 1.
 * - No commit: null (where the group will start depends on its reset policy).
 *
 * @throws RangeError on invalid offsets (see {@link partitionLag}).
 */
export function retentionRisk(offsets: PartitionOffsets): number | null {
  const lag = partitionLag(offsets);
  if (lag.kind === 'no-commit') return null;
  if (lag.kind === 'behind-log-start') return 1;
  const retained = offsets.logEndOffset - offsets.logStartOffset;
  return retained === 0 ? 0 : Math.min(1, lag.messages / retained);
}

/**
 * Rates, lag velocity, time to drain and retention risk of one partition between two
 * collection cycles. Each value is null when the two samples cannot support it (see the
 * fields of {@link LagDynamics}); time to drain is 0 at zero lag even when the rates are unknown.
 *
 * @throws RangeError on invalid offsets or times, or when `later` is before `earlier`.
 */
export function lagDynamics(earlier: PartitionSample, later: PartitionSample): LagDynamics {
  const earlierLag = partitionLag(earlier);
  const laterLag = partitionLag(later);
  const produceRate = offsetRate(
    { offset: earlier.logEndOffset, timeMs: earlier.timeMs },
    { offset: later.logEndOffset, timeMs: later.timeMs },
  );
  const consumeRate =
    earlier.committedOffset === null || later.committedOffset === null
      ? null
      : offsetRate(
          { offset: earlier.committedOffset, timeMs: earlier.timeMs },
          { offset: later.committedOffset, timeMs: later.timeMs },
        );
  const velocity =
    earlierLag.kind === 'no-commit' || laterLag.kind === 'no-commit'
      ? null
      : lagVelocity([
          { lagMessages: earlierLag.messages, timeMs: earlier.timeMs },
          { lagMessages: laterLag.messages, timeMs: later.timeMs },
        ]);

  let drainSeconds: number | null = null;
  if (laterLag.kind !== 'no-commit') {
    if (laterLag.messages === 0) drainSeconds = 0;
    else if (consumeRate !== null && produceRate !== null) {
      drainSeconds = timeToDrainSeconds(laterLag.messages, consumeRate, produceRate);
    }
  }

  return {
    consumeRate,
    produceRate,
    lagVelocity: velocity,
    timeToDrainSeconds: drainSeconds,
    retentionRisk: retentionRisk(later),
  };
}
