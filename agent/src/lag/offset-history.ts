import { assertNotBefore, assertOffset, assertTimeMs } from './input-checks';

/** How many points a history keeps unless told otherwise. */
export const DEFAULT_OFFSET_HISTORY_CAPACITY = 64;

/** One observation of a partition: at `timeMs` the log end offset was `offset`. */
export interface OffsetPoint {
  /** The partition's log end offset (the offset the next produced record gets). */
  readonly offset: number;
  /** When that log end offset was read, in epoch milliseconds. */
  readonly timeMs: number;
}

/**
 * A read-only, oldest-first sequence of log end observations, with offsets and times
 * non-decreasing. Time lag estimation reads histories through this interface so it
 * never needs a copy of the points.
 */
export interface OffsetTimeline {
  /** Number of points held. */
  readonly size: number;
  /** Log end offset of the point at `index` (0 is the oldest). */
  offsetAt(index: number): number;
  /** Time of the point at `index` (0 is the oldest), epoch milliseconds. */
  timeMsAt(index: number): number;
}

/** Tuning of an {@link OffsetHistory}. */
export interface OffsetHistoryOptions {
  /** Fixed number of points kept; the oldest is dropped when full. At least 2. Default 64. */
  readonly capacity?: number;
  /**
   * Minimum time between two kept points while the log end is moving. While the latest point
   * is a moving point less than this after its predecessor, a new moving observation replaces
   * it instead of taking a new slot; so every kept point but the newest is at least this far
   * from the one before, and a busy partition polled often still spans about
   * `capacity × minSpacingMs` of history. Default 0: every observation in which the offset
   * moved is kept.
   */
  readonly minSpacingMs?: number;
}

/**
 * What {@link OffsetHistory.observe} did with an observation.
 *
 * - `appended`: stored as a new point.
 * - `replaced-latest`: the offset moved within `minSpacingMs`; the latest point was replaced.
 * - `extended-idle`: the offset has not moved; the time of the idle run's last point was updated.
 * - `reset`: the log end went backwards (topic recreated, or truncated by an unclean leader
 *   election); the old points describe another log, so they were dropped and this is the first point.
 */
export type ObserveOutcome = 'appended' | 'replaced-latest' | 'extended-idle' | 'reset';

/**
 * A bounded history of one partition's log end offset over time: the table time lag is
 * interpolated from when the record at the committed offset cannot be read.
 *
 * Fixed-capacity ring buffer over two typed arrays, so 10,000 partitions × 64 points cost
 * about 10 MB and no per-point objects.
 *
 * Retention rules, which keep interpolation right for idle producers:
 * - a point is kept whenever the log end moved;
 * - while the log end stands still, only the first and the last observation of the idle
 *   run are kept: the second unchanged observation is appended, later ones move its time
 *   forward. A record produced after an idle run is then bracketed by the run's last point
 *   and the first point that saw it, never by the run's first point (which would make it
 *   look as old as the idle period: the "astronomical lag" of kafka-lag-exporter), and no
 *   two kept points share an offset across a bracket (no division by zero, no NaN).
 */
export class OffsetHistory implements OffsetTimeline {
  /** Fixed number of points this history can hold. */
  readonly capacity: number;
  private readonly minSpacingMs: number;
  private readonly offsets: Float64Array;
  private readonly times: Float64Array;
  /** Physical index of the oldest point. */
  private start = 0;
  private count = 0;

  /** Creates an empty history; see {@link OffsetHistoryOptions} for the defaults. */
  constructor(options: OffsetHistoryOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_OFFSET_HISTORY_CAPACITY;
    // Two points are the least that can represent an idle run (its first and last observation).
    if (!Number.isSafeInteger(capacity) || capacity < 2) {
      throw new RangeError(`capacity must be an integer of at least 2, got ${capacity}`);
    }
    const minSpacingMs = options.minSpacingMs ?? 0;
    if (!Number.isFinite(minSpacingMs) || minSpacingMs < 0) {
      throw new RangeError(`minSpacingMs must be a finite, non-negative number, got ${minSpacingMs}`);
    }
    this.capacity = capacity;
    this.minSpacingMs = minSpacingMs;
    this.offsets = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Number of points held (at most {@link capacity}). */
  get size(): number {
    return this.count;
  }

  /**
   * Records that the log end offset was `logEndOffset` at `timeMs`.
   *
   * @throws RangeError when the offset is not a non-negative safe integer, the time is not a
   *   finite non-negative number, or the time is before the latest point's.
   */
  observe(logEndOffset: number, timeMs: number): ObserveOutcome {
    assertOffset('logEndOffset', logEndOffset);
    assertTimeMs('timeMs', timeMs);
    if (this.count === 0) {
      this.append(logEndOffset, timeMs);
      return 'appended';
    }
    const latest = this.count - 1;
    assertNotBefore('timeMs', timeMs, 'the latest point', this.timeMsAt(latest));
    const latestOffset = this.offsetAt(latest);

    if (logEndOffset < latestOffset) {
      this.clear();
      this.append(logEndOffset, timeMs);
      return 'reset';
    }

    const hasPrevious = this.count >= 2;
    const previousOffset = hasPrevious ? this.offsetAt(latest - 1) : Number.NaN;

    if (logEndOffset === latestOffset) {
      // The latest two points already hold this offset: they are the idle run's first and last
      // observation, so only the last one's time moves.
      if (hasPrevious && previousOffset === latestOffset) {
        this.times[this.physical(latest)] = timeMs;
        return 'extended-idle';
      }
      this.append(logEndOffset, timeMs);
      return 'appended';
    }

    // The end moved. Thin out points that come faster than minSpacingMs, but never overwrite
    // the last point of an idle run: it is the lower bracket of every record produced after it.
    const latestIsMovingPoint = hasPrevious && latestOffset > previousOffset;
    if (latestIsMovingPoint && this.timeMsAt(latest) - this.timeMsAt(latest - 1) < this.minSpacingMs) {
      const slot = this.physical(latest);
      this.offsets[slot] = logEndOffset;
      this.times[slot] = timeMs;
      return 'replaced-latest';
    }
    this.append(logEndOffset, timeMs);
    return 'appended';
  }

  /** Log end offset of the point at `index` (0 is the oldest). */
  offsetAt(index: number): number {
    return this.offsets[this.physical(this.checkIndex(index))] ?? Number.NaN;
  }

  /** Time of the point at `index` (0 is the oldest), epoch milliseconds. */
  timeMsAt(index: number): number {
    return this.times[this.physical(this.checkIndex(index))] ?? Number.NaN;
  }

  /** The oldest point, or null when the history is empty. */
  oldest(): OffsetPoint | null {
    return this.count === 0 ? null : { offset: this.offsetAt(0), timeMs: this.timeMsAt(0) };
  }

  /** The newest point, or null when the history is empty. */
  latest(): OffsetPoint | null {
    const last = this.count - 1;
    return last < 0 ? null : { offset: this.offsetAt(last), timeMs: this.timeMsAt(last) };
  }

  /** A copy of all points, oldest first. */
  points(): readonly OffsetPoint[] {
    const copy: OffsetPoint[] = [];
    for (let index = 0; index < this.count; index += 1) {
      copy.push({ offset: this.offsetAt(index), timeMs: this.timeMsAt(index) });
    }
    return copy;
  }

  /**
   * The log end offsets in effect at some time from `sinceMs` on, oldest first: the point
   * in effect at `sinceMs` (the latest at or before it) and every later point. Status
   * evaluation uses these to tell whether the consumer had caught up recently.
   */
  logEndOffsetsSince(sinceMs: number): number[] {
    assertTimeMs('sinceMs', sinceMs);
    let first = this.count;
    while (first > 0 && this.timeMsAt(first - 1) > sinceMs) first -= 1;
    // Also include the point that was still current at sinceMs.
    if (first > 0) first -= 1;
    const offsets: number[] = [];
    for (let index = first; index < this.count; index += 1) offsets.push(this.offsetAt(index));
    return offsets;
  }

  /**
   * The latest point taken at or before `timeMs`, or null when every point is later (or the
   * history is empty). Since each point's offset is the log end at some moment no later than
   * its time, the answer's offset is a lower bound of the log end at `timeMs`: what the lag
   * of a commit made at `timeMs` is measured against (see {@link logEndAtOrBefore}).
   *
   * Thinning keeps this a lower bound: a replaced or extended point only moves forward in
   * time with an offset at least as large, which still holds ("the end was at least this
   * then"); a query between two kept points gets the earlier one.
   */
  pointAtOrBefore(timeMs: number): OffsetPoint | null {
    assertTimeMs('timeMs', timeMs);
    // Newest first: commits are usually recent, so this stops after a step or two.
    for (let index = this.count - 1; index >= 0; index -= 1) {
      const pointMs = this.timeMsAt(index);
      if (pointMs <= timeMs) return { offset: this.offsetAt(index), timeMs: pointMs };
    }
    return null;
  }

  /**
   * The log end offset of the latest point at or before `timeMs`; null when no point is that
   * old. A lower bound of the log end at `timeMs` (see {@link pointAtOrBefore}).
   */
  logEndAtOrBefore(timeMs: number): number | null {
    return this.pointAtOrBefore(timeMs)?.offset ?? null;
  }

  /** Drops every point. */
  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  private append(offset: number, timeMs: number): void {
    if (this.count === this.capacity) {
      // Full: the new point takes the oldest point's slot.
      this.start = (this.start + 1) % this.capacity;
      this.count -= 1;
    }
    const slot = this.physical(this.count);
    this.offsets[slot] = offset;
    this.times[slot] = timeMs;
    this.count += 1;
  }

  private physical(index: number): number {
    return (this.start + index) % this.capacity;
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`index ${index} is outside the history's ${this.count} points`);
    }
    return index;
  }
}
