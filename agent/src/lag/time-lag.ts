import { assertNotBefore, assertTimeMs } from './input-checks';
import type { OffsetTimeline } from './offset-history';
import { partitionLag, type PartitionOffsets } from './partition-lag';

/**
 * How a time lag was obtained, so the API can show how far to trust it.
 *
 * - `caught-up`: nothing is waiting to be read; the lag is exactly 0.
 * - `record-timestamp`: the age of the oldest unread record, from its own timestamp.
 * - `interpolated`: estimated from the log end history, between two points that bracket
 *   the moment the record was appended (or between the newest point and now).
 * - `extrapolated-lower-bound`: the record is older than the whole history; the value is a
 *   conservative extrapolation, and the real lag is likely higher.
 * - `unknown`: no commit, or nothing to estimate from; `seconds` is null, never NaN or -1.
 */
export type TimeLagMethod =
  'record-timestamp' | 'interpolated' | 'extrapolated-lower-bound' | 'caught-up' | 'unknown';

/**
 * The documented rule that produced a time lag (machine-readable). See {@link timeLag}.
 */
export type TimeLagRule =
  | 'no-commit'
  | 'caught-up'
  | 'log-emptied-by-retention'
  | 'record-timestamp'
  | 'record-timestamp-clock-skew'
  | 'bracketed-by-history'
  | 'after-newest-point'
  | 'before-oldest-point'
  | 'no-history';

/** A partition's time lag and how it was computed. */
export interface TimeLag {
  /** Age in seconds of the oldest record the group has not consumed; null when unknown. Never NaN or negative. */
  readonly seconds: number | null;
  /** How `seconds` was obtained. */
  readonly method: TimeLagMethod;
  /** Which rule fired. */
  readonly rule: TimeLagRule;
  /** The least the lag can be given the evidence, seconds; null when unknown. */
  readonly minSeconds: number | null;
  /** The most the lag can be given the evidence, seconds; null when unknown or unbounded. */
  readonly maxSeconds: number | null;
  /**
   * True when retention deleted records the group never read (committed offset before the
   * log start): the lag is measured from the oldest record that still exists, which is
   * where the consumer will resume.
   */
  readonly measuredFromLogStart: boolean;
}

/** Inputs of {@link timeLag}: offsets read in one collection cycle, and what is known about their times. */
export interface TimeLagInput extends PartitionOffsets {
  /** The time to measure the lag at, epoch milliseconds (normally when the offsets were read). */
  readonly nowMs: number;
  /**
   * Timestamp (epoch ms) of the first record at or after `max(committedOffset, logStartOffset)`,
   * read by the caller with a one-record fetch from that offset; null or absent when not read.
   * On compacted topics the fetch returns the next surviving record, which is the one the
   * consumer waits on, so that is the right timestamp. Map Kafka's "no timestamp" (-1) to null.
   */
  readonly committedRecordTimestampMs?: number | null;
  /**
   * Log end history of the partition for the fallback estimate. Observe the `logEndOffset`
   * of this cycle into it before calling, so the newest point is current.
   */
  readonly history?: OffsetTimeline | null;
}

const UNKNOWN_NO_COMMIT: TimeLag = unknown('no-commit', false);

/**
 * Time lag of one group on one partition: how old, in seconds, the oldest record the group
 * has not consumed is.
 *
 * Rules, in order (each is unit-tested with synthetic histories):
 * 1. **No commit** (`no-commit`): unknown. Not 0 and not the age of the whole log.
 * 2. **Caught up** (`caught-up`): committed offset at or past the log end → exactly 0, however
 *    long the producer has been idle. kafka-lag-exporter instead reported the age of the
 *    last produced record here. A committed offset before the log start of an *empty* log
 *    also leaves nothing to read (`log-emptied-by-retention`) → 0.
 * 3. **Retention or compaction gap**: when the committed offset is before the log start, the
 *    records in between no longer exist and the consumer resumes at the log start; the lag
 *    is measured from there and `measuredFromLogStart` is set. Records compacted away inside
 *    the log need no rule: offsets are assigned in order, so the time an offset was assigned
 *    still bounds the surviving record after it.
 * 4. **Record timestamp** (primary): `now − timestamp` of the record at the committed offset.
 *    A timestamp in the future (producer clock ahead of ours) is clamped to 0
 *    (`record-timestamp-clock-skew`) instead of going negative.
 * 5. **Interpolation** (fallback). Record `c` was appended when the log end first passed `c`,
 *    so find the first history point whose offset is above `c` and the point before it:
 *    - `bracketed-by-history`: linear interpolation at offset `c + 1` between the two. The
 *      estimate is bounded by the bracket (`minSeconds`/`maxSeconds`), whatever the producer
 *      did in between. **Idle producers**: an idle run keeps its last observation, so a record
 *      produced after a long pause is bracketed by the pause's *end*, not its start; and the
 *      two bracket points always differ in offset, so there is no 0/0 and no NaN. **Bursts**:
 *      many offsets in one bracket share its time range, so the error is at most the bracket
 *      width (one collection interval), never the 0–30 s swings of interpolating across
 *      several idle and busy points.
 *    - `after-newest-point`: the history has not seen the log end pass `c` yet; the record
 *      was appended between the newest point and now, so interpolate between the newest point
 *      and (`logEndOffset`, `nowMs`).
 *    - `before-oldest-point` (**reprocessing**, e.g. a reset to earliest): the record is older
 *      than the oldest point. It was appended no later than the oldest point's time, which
 *      gives a hard floor (`minSeconds`); `seconds` extrapolates back from the oldest point at
 *      the fastest production rate seen in the history (the least lag consistent with the
 *      producer's observed behaviour), so it is a lower bound and flagged
 *      `extrapolated-lower-bound`. `maxSeconds` is null: unbounded.
 *    - `no-history`: no timestamp and no points → unknown.
 *
 * @throws RangeError on invalid offsets (see {@link partitionLag}), a `nowMs` or record
 *   timestamp that is NaN, infinite or negative, or a history whose newest point is after `nowMs`.
 */
export function timeLag(input: TimeLagInput): TimeLag {
  const { nowMs, logStartOffset, logEndOffset, committedOffset } = input;
  assertTimeMs('nowMs', nowMs);
  const recordTimestampMs = input.committedRecordTimestampMs ?? null;
  if (recordTimestampMs !== null) assertTimeMs('committedRecordTimestampMs', recordTimestampMs);
  const history = input.history ?? null;
  if (history !== null && history.size > 0) {
    assertNotBefore('nowMs', nowMs, "the history's newest point", history.timeMsAt(history.size - 1));
  }

  // Validates the offsets and classifies them.
  const lag = partitionLag({ logStartOffset, logEndOffset, committedOffset });
  if (lag.kind === 'no-commit' || committedOffset === null) return UNKNOWN_NO_COMMIT;
  const measuredFromLogStart = lag.kind === 'behind-log-start';
  if (lag.messages === 0) {
    return exact(
      0,
      'caught-up',
      measuredFromLogStart ? 'log-emptied-by-retention' : 'caught-up',
      measuredFromLogStart,
    );
  }

  // The oldest unread record that still exists.
  const waitingOffset = Math.max(committedOffset, logStartOffset);

  if (recordTimestampMs !== null) {
    if (recordTimestampMs > nowMs)
      return exact(0, 'record-timestamp', 'record-timestamp-clock-skew', measuredFromLogStart);
    return exact(
      (nowMs - recordTimestampMs) / 1000,
      'record-timestamp',
      'record-timestamp',
      measuredFromLogStart,
    );
  }

  if (history === null || history.size === 0) return unknown('no-history', measuredFromLogStart);
  return interpolate(history, waitingOffset, logEndOffset, nowMs, measuredFromLogStart);
}

function interpolate(
  history: OffsetTimeline,
  waitingOffset: number,
  logEndOffset: number,
  nowMs: number,
  measuredFromLogStart: boolean,
): TimeLag {
  // Record `waitingOffset` was appended when the log end went from waitingOffset to waitingOffset + 1.
  const appendedEnd = waitingOffset + 1;
  const above = firstIndexWithOffsetAbove(history, waitingOffset);

  if (above === history.size) {
    // The history has not seen this record yet (it lags behind the log end read this cycle).
    const newest = history.size - 1;
    return bracket(
      history.offsetAt(newest),
      history.timeMsAt(newest),
      logEndOffset,
      nowMs,
      appendedEnd,
      nowMs,
      'after-newest-point',
      measuredFromLogStart,
    );
  }
  if (above > 0) {
    return bracket(
      history.offsetAt(above - 1),
      history.timeMsAt(above - 1),
      history.offsetAt(above),
      history.timeMsAt(above),
      appendedEnd,
      nowMs,
      'bracketed-by-history',
      measuredFromLogStart,
    );
  }
  return extrapolateBeforeOldest(history, appendedEnd, nowMs, measuredFromLogStart);
}

/** Binary search: the first index whose log end offset is above `offset`, or `size` if none. */
function firstIndexWithOffsetAbove(history: OffsetTimeline, offset: number): number {
  let low = 0;
  let high = history.size;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (history.offsetAt(middle) > offset) high = middle;
    else low = middle + 1;
  }
  return low;
}

function bracket(
  lowerOffset: number,
  lowerTimeMs: number,
  upperOffset: number,
  upperTimeMs: number,
  appendedEnd: number,
  nowMs: number,
  rule: TimeLagRule,
  measuredFromLogStart: boolean,
): TimeLag {
  // lowerOffset < appendedEnd <= upperOffset, so the divisor is positive and the fraction in (0, 1].
  const fraction = (appendedEnd - lowerOffset) / (upperOffset - lowerOffset);
  const appendedAtMs = lowerTimeMs + fraction * (upperTimeMs - lowerTimeMs);
  return {
    seconds: (nowMs - appendedAtMs) / 1000,
    method: 'interpolated',
    rule,
    minSeconds: (nowMs - upperTimeMs) / 1000,
    maxSeconds: (nowMs - lowerTimeMs) / 1000,
    measuredFromLogStart,
  };
}

function extrapolateBeforeOldest(
  history: OffsetTimeline,
  appendedEnd: number,
  nowMs: number,
  measuredFromLogStart: boolean,
): TimeLag {
  const oldestOffset = history.offsetAt(0);
  const oldestTimeMs = history.timeMsAt(0);
  // The fastest rate is the conservative choice: it puts the record as recent as the
  // producer's observed behaviour allows. Points read in the same millisecond carry no rate.
  let fastestPerMs = 0;
  for (let index = 1; index < history.size; index += 1) {
    const elapsedMs = history.timeMsAt(index) - history.timeMsAt(index - 1);
    const produced = history.offsetAt(index) - history.offsetAt(index - 1);
    if (elapsedMs > 0 && produced > 0) fastestPerMs = Math.max(fastestPerMs, produced / elapsedMs);
  }
  // oldestOffset >= appendedEnd here, so the extrapolation only ever moves back in time.
  const appendedAtMs =
    fastestPerMs > 0 ? oldestTimeMs - (oldestOffset - appendedEnd) / fastestPerMs : oldestTimeMs;
  const floorSeconds = (nowMs - oldestTimeMs) / 1000;
  return {
    seconds: Math.max(floorSeconds, (nowMs - appendedAtMs) / 1000),
    method: 'extrapolated-lower-bound',
    rule: 'before-oldest-point',
    minSeconds: floorSeconds,
    maxSeconds: null,
    measuredFromLogStart,
  };
}

function exact(
  seconds: number,
  method: TimeLagMethod,
  rule: TimeLagRule,
  measuredFromLogStart: boolean,
): TimeLag {
  return { seconds, method, rule, minSeconds: seconds, maxSeconds: seconds, measuredFromLogStart };
}

function unknown(rule: TimeLagRule, measuredFromLogStart: boolean): TimeLag {
  return { seconds: null, method: 'unknown', rule, minSeconds: null, maxSeconds: null, measuredFromLogStart };
}
