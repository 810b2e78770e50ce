import { assertOffset, assertTimeMs } from '../lag/input-checks';

/** Commits kept per partition unless told otherwise: Burrow's default window of 10. */
export const DEFAULT_COMMIT_WINDOW_SIZE = 10;

/** One commit of a group on a partition, as the status rules see it. */
export interface CommitRecord {
  /** The committed offset. */
  readonly offset: number;
  /** When it was committed (or first seen), epoch milliseconds. */
  readonly timestampMs: number;
  /** Lag at that moment: log end − offset, at least 0; null when the log end was not known. */
  readonly lag: number | null;
  /**
   * The most the lag can have been at that moment (a log end read after the commit, minus the
   * offset), when known: `lag` is a lower bound from a log end sampled before the commit, and
   * the truth lies between the two. Absent or null: `lag` is taken as exact.
   */
  readonly lagUpper?: number | null;
}

/** A commit to record: the offset, its time and the log end offset known at that time. */
export interface CommitObservation {
  /** The committed offset. */
  readonly offset: number;
  /** When it was committed (or first seen), epoch milliseconds. */
  readonly timestampMs: number;
  /** The partition's log end offset at that time, or null when not known yet. */
  readonly logEndOffset: number | null;
  /** A log end offset read after the commit (an upper bound of the one at its time), when known. */
  readonly logEndOffsetAfter?: number | null;
}

/** The window's contents at one moment: what {@link evaluatePartitionStatus} reads. */
export interface CommitWindowSnapshot {
  /** How many commits the window holds when full. */
  readonly capacity: number;
  /** The commits held, oldest first. */
  readonly commits: readonly CommitRecord[];
}

/** Tuning of a {@link CommitWindow}. */
export interface CommitWindowOptions {
  /** Commits kept; the oldest is dropped when full. Default 10, Burrow's default. */
  readonly size?: number;
  /**
   * Commits closer than this to the latest kept one update it instead of taking a slot
   * (Burrow's `min-distance`), so a consumer auto-committing every 100 ms does not shrink the
   * window to one second. Default 0: every commit takes a slot.
   */
  readonly minDistanceMs?: number;
}

/** What {@link CommitWindow.record} did: stored a new commit, or folded it into the latest. */
export type CommitRecordOutcome = 'added' | 'merged-into-latest';

/**
 * Sliding window of a group's latest commits on one partition, the input of the Burrow rules.
 *
 * Feeding it: with commit timestamps (read from `__consumer_offsets`) record every commit with
 * the log end known at its time, and the rules behave like Burrow's. A collector that can
 * only poll committed offsets must choose: recording every poll means a consumer that stopped
 * committing shows as STALL (same offset across the window), never STOP; recording only polls
 * in which the offset moved means it shows as STOP once its silence outlasts the window's
 * span, never STALL.
 *
 * A commit stamped before the latest entry (coordinator clocks that differ by a few ms, or a
 * commit read a cycle late) is folded into the latest entry like one that comes sooner than
 * `minDistanceMs`, as Burrow does: out-of-order times never throw and never reorder the window.
 */
export class CommitWindow {
  /** How many commits the window holds when full. */
  readonly capacity: number;
  private readonly minDistanceMs: number;
  private entries: CommitRecord[] = [];

  /** Creates an empty window; see {@link CommitWindowOptions} for the defaults. */
  constructor(options: CommitWindowOptions = {}) {
    const size = options.size ?? DEFAULT_COMMIT_WINDOW_SIZE;
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`size must be a positive integer, got ${size}`);
    }
    const minDistanceMs = options.minDistanceMs ?? 0;
    if (!Number.isFinite(minDistanceMs) || minDistanceMs < 0) {
      throw new RangeError(`minDistanceMs must be a finite, non-negative number, got ${minDistanceMs}`);
    }
    this.capacity = size;
    this.minDistanceMs = minDistanceMs;
  }

  /** Number of commits held. */
  get length(): number {
    return this.entries.length;
  }

  /**
   * Adds a commit; the lag stored with it is `logEndOffset − offset`, at least 0 (offsets
   * are read from different brokers at slightly different times, so a commit can appear
   * ahead of the end).
   *
   * A commit less than `minDistanceMs` after the latest one, or stamped before it, replaces
   * the latest one's offset and lag and keeps its time.
   *
   * @throws RangeError on an invalid offset, log end or time.
   */
  record(commit: CommitObservation): CommitRecordOutcome {
    assertOffset('offset', commit.offset);
    assertTimeMs('timestampMs', commit.timestampMs);
    if (commit.logEndOffset !== null) assertOffset('logEndOffset', commit.logEndOffset);
    const lag = commit.logEndOffset === null ? null : Math.max(0, commit.logEndOffset - commit.offset);
    const after = commit.logEndOffsetAfter ?? null;
    if (after !== null) assertOffset('logEndOffsetAfter', after);
    const lagUpper = lag === null || after === null ? null : Math.max(lag, after - commit.offset);
    const latest = this.entries[this.entries.length - 1];
    if (latest !== undefined) {
      // minDistanceMs ≥ 0, so a commit stamped before the latest one merges too.
      if (commit.timestampMs - latest.timestampMs < this.minDistanceMs) {
        // Keep the stored time: moving it forward would let frequent commits hold the slot
        // forever, and moving it back would put the window out of order.
        this.entries[this.entries.length - 1] = {
          offset: commit.offset,
          timestampMs: latest.timestampMs,
          lag,
          ...(lagUpper === null ? {} : { lagUpper }),
        };
        return 'merged-into-latest';
      }
    }
    this.entries.push({
      offset: commit.offset,
      timestampMs: commit.timestampMs,
      lag,
      ...(lagUpper === null ? {} : { lagUpper }),
    });
    if (this.entries.length > this.capacity) this.entries = this.entries.slice(1);
    return 'added';
  }

  /** The latest commit, or null when none was recorded. */
  latest(): CommitRecord | null {
    return this.entries[this.entries.length - 1] ?? null;
  }

  /** The commits held, oldest first, with the window's capacity. */
  snapshot(): CommitWindowSnapshot {
    return { capacity: this.capacity, commits: this.entries.slice() };
  }

  /** Drops every commit (the group was deleted or the partition reassigned to a new log). */
  clear(): void {
    this.entries = [];
  }
}
