/** Offsets of one partition, as read from the brokers and the group coordinator. */
export interface PartitionOffsets {
  /** First offset still held by the log (after retention or compaction). */
  readonly logStartOffset: number;
  /** Offset the next produced record will get (the high watermark). */
  readonly logEndOffset: number;
  /** The group's committed offset (the next record it will read), or null when it never committed. */
  readonly committedOffset: number | null;
}

/**
 * Lag of one group on one partition.
 *
 * - `committed`: the normal case; `messages` is never negative.
 * - `no-commit`: the group has never committed here; there is no lag to report, and
 *   it must not be shown as -1 or as the whole log.
 * - `behind-log-start`: retention deleted records the group had not read yet; the
 *   readable lag is the whole log and `lostMessages` were never consumed.
 */
export type PartitionLag =
  | { readonly kind: 'committed'; readonly messages: number }
  | { readonly kind: 'no-commit' }
  | { readonly kind: 'behind-log-start'; readonly messages: number; readonly lostMessages: number };

function assertOffset(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/**
 * Computes a group's lag on one partition from its offsets.
 *
 * A committed offset ahead of the log end (possible for a moment when offsets are
 * read from different brokers at different times) counts as zero lag, not negative.
 */
export function partitionLag(offsets: PartitionOffsets): PartitionLag {
  const { logStartOffset, logEndOffset, committedOffset } = offsets;
  assertOffset('logStartOffset', logStartOffset);
  assertOffset('logEndOffset', logEndOffset);
  if (logStartOffset > logEndOffset) {
    throw new RangeError(`logStartOffset ${logStartOffset} is after logEndOffset ${logEndOffset}`);
  }
  if (committedOffset === null) return { kind: 'no-commit' };
  assertOffset('committedOffset', committedOffset);
  if (committedOffset < logStartOffset) {
    return {
      kind: 'behind-log-start',
      messages: logEndOffset - logStartOffset,
      lostMessages: logStartOffset - committedOffset,
    };
  }
  return { kind: 'committed', messages: Math.max(0, logEndOffset - committedOffset) };
}
