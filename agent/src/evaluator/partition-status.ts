import { assertNotBefore, assertOffset, assertTimeMs } from '../lag/input-checks';
import type { CommitRecord, CommitWindowSnapshot } from './commit-window';
import { PARTITION_STATUS_CODE, type PartitionStatus } from './status-codes';

/**
 * Which partition rule decided the status (machine-readable); see {@link evaluatePartitionStatus}.
 */
export type PartitionRuleId =
  | 'no-commits'
  | 'window-incomplete'
  | 'no-current-lag'
  | 'stopped'
  | 'rewind'
  | 'lag-zero-in-window'
  | 'stalled'
  | 'lag-not-decreasing'
  | 'too-few-commits'
  | 'lag-decreasing';

/** Inputs of {@link evaluatePartitionStatus}. */
export interface PartitionStatusInput {
  /** The group's recent commits on the partition. */
  readonly window: CommitWindowSnapshot;
  /** The partition's log end offset now. */
  readonly logEndOffset: number;
  /**
   * The group's committed offset now, as last polled. The current lag (log end now minus
   * this) gates every rule below "no current lag". Default: the latest commit in the window.
   * With commits read from `__consumer_offsets` the poll can be a little newer than the
   * latest commit read, and the current lag is the one the metrics show.
   */
  readonly committedOffset?: number;
  /**
   * Log end offsets seen over the last `windowSize` collection cycles (Burrow keeps the last
   * `intervals` broker offsets). When one of them is at or below the latest commit, the group
   * was caught up within that lookback and is not reported STOP: a slow partition that just
   * received a record gets time to be consumed. Default: none.
   */
  readonly recentLogEndOffsets?: readonly number[];
  /**
   * False while `recentLogEndOffsets` covers fewer cycles than the lookback (the agent has
   * just started watching the partition). STOP is then not reported: every log end seen may
   * postdate the latest commit, so a consumer that was caught up when it committed cannot be
   * told from one that stopped. Default true.
   */
  readonly lookbackComplete?: boolean;
  /** Evaluation time, epoch milliseconds. */
  readonly nowMs: number;
  /**
   * Share of the window (0..1) that must hold commits before any rule but "no commits" may
   * fire (Burrow's `minimum-complete`). Default 0: evaluate from the first commit.
   */
  readonly minimumComplete?: number;
}

/** A partition's status with the rule that decided it. */
export interface PartitionStatusResult {
  /** Burrow partition status. */
  readonly status: PartitionStatus;
  /** Metric value of `status` (see `PARTITION_STATUS_CODE`). */
  readonly code: number;
  /** The rule that fired. */
  readonly rule: PartitionRuleId;
  /** One sentence for people: what was seen. */
  readonly reason: string;
  /**
   * Log end now minus the committed offset now (`committedOffset`, else the latest commit),
   * at least 0; null when neither is known.
   */
  readonly currentLag: number | null;
  /** Share of the window holding commits, 0..1. */
  readonly complete: number;
  /** Oldest commit in the window, or null. */
  readonly start: CommitRecord | null;
  /** Latest commit in the window, or null. */
  readonly end: CommitRecord | null;
}

/**
 * Burrow-compatible status of one group on one partition, from its commit window.
 *
 * Rules, first match wins (Burrow's order, as of Burrow 1.3.7 and master):
 * 1. `no-commits` → OK: nothing to judge.
 * 2. `window-incomplete` → OK: fewer commits than `minimumComplete` asks for.
 * 3. `no-current-lag` → OK: a partition with no lag now is never in error.
 * 4. `stopped` → STOP: the time since the latest commit exceeds the time the window spans
 *    (latest − oldest commit), i.e. the group stopped committing; unless a recent log end
 *    offset shows the group was caught up within the lookback, or the lookback is not
 *    complete yet. With a single commit the span is 0, so any silence with lag counts, as in
 *    Burrow.
 * 5. `rewind` → REWIND: the committed offset went backwards inside the window and the latest
 *    commit has not yet come back to the highest offset committed before the drop. Checked
 *    even when the lag was zero somewhere in the window (a rewind from a caught-up position
 *    is still a rewind); a recovered rewind falls through to the next rules.
 * 6. `lag-zero-in-window` → OK: the lag was 0 at some commit in the window (unknown lags
 *    do not count).
 * 7. `stalled` → STALL: the group commits but the offset does not move (at least two
 *    commits, all at the same offset) while there is lag.
 * 8. `lag-not-decreasing` → WARN: the offset moves but the lag never decreased from one
 *    commit to the next (at least two commits with a known lag; equal lags are "not
 *    decreasing", as in Burrow): the group is falling behind.
 * 9. `too-few-commits` → OK: a single commit cannot show a stall or a trend.
 * 10. `lag-decreasing` → OK.
 *
 * Differences from Burrow (docs/concepts.md lists them with the reasons):
 * - rules 7–8: Burrow lets one commit count as "stalled" and "not decreasing" (a loop over
 *   zero pairs); here those need two commits to compare;
 * - rule 5: Burrow master takes the *first* drop and calls it recovered once any later commit
 *   reaches the offset just before it; here the *latest* drop must be climbed back above the
 *   highest offset before it. That flags every window master flags, plus a second drop after
 *   a recovered one. Burrow 1.2.1 checks no rewind once a zero lag is in the window and never
 *   calls one recovered;
 * - rule 4: Burrow truncates now to whole seconds; here milliseconds count. It waits for no
 *   complete lookback (it drops the commits it reads before its first broker offset, the
 *   agent keeps them).
 *
 * A latest commit stamped after `nowMs` (broker clock ahead of ours) is tolerated: it is
 * simply not stopped.
 *
 * @throws RangeError on an invalid log end, time, window capacity or `minimumComplete`, on
 *   invalid commits, commits out of time order, or more commits than the window's capacity.
 */
export function evaluatePartitionStatus(input: PartitionStatusInput): PartitionStatusResult {
  const { window, logEndOffset, nowMs } = input;
  const minimumComplete = input.minimumComplete ?? 0;
  const recentLogEndOffsets = input.recentLogEndOffsets ?? [];
  validate(input, minimumComplete, recentLogEndOffsets);

  const { commits } = window;
  const start = commits[0];
  const end = commits[commits.length - 1];
  const complete = commits.length / window.capacity;
  if (start === undefined || end === undefined) {
    const polledLag =
      input.committedOffset === undefined ? null : Math.max(0, logEndOffset - input.committedOffset);
    return result('OK', 'no-commits', 'no commits recorded yet', polledLag, 0, null, null);
  }
  const currentLag = Math.max(0, logEndOffset - (input.committedOffset ?? end.offset));
  const decide = (status: PartitionStatus, rule: PartitionRuleId, reason: string): PartitionStatusResult =>
    result(status, rule, reason, currentLag, complete, start, end);

  if (complete < minimumComplete) {
    return decide(
      'OK',
      'window-incomplete',
      `only ${commits.length} of ${window.capacity} commits recorded; ${Math.ceil(minimumComplete * window.capacity)} needed before judging`,
    );
  }
  if (currentLag === 0) return decide('OK', 'no-current-lag', `caught up at offset ${end.offset}`);

  const silentMs = nowMs - end.timestampMs;
  const spanMs = end.timestampMs - start.timestampMs;
  if (silentMs > spanMs && input.lookbackComplete !== false) {
    const recentlyCaughtUp = recentLogEndOffsets.some((recentEnd) => recentEnd <= end.offset);
    if (!recentlyCaughtUp) {
      return decide(
        'STOP',
        'stopped',
        `no commit for ${seconds(silentMs)}, longer than the ${seconds(spanMs)} the window spans; lag ${currentLag}`,
      );
    }
  }

  const rewind = unrecoveredRewind(commits);
  if (rewind !== null) {
    return decide(
      'REWIND',
      'rewind',
      `committed offset went back from ${rewind.from} to ${rewind.to}; latest commit ${end.offset} is still below ${rewind.peak}`,
    );
  }

  const zeroLag = commits.find((commit) => commit.lag === 0);
  if (zeroLag !== undefined) {
    return decide('OK', 'lag-zero-in-window', `lag was 0 at offset ${zeroLag.offset} within the window`);
  }

  if (commits.length >= 2 && commits.every((commit) => commit.offset === start.offset)) {
    return decide(
      'STALL',
      'stalled',
      `${commits.length} commits all at offset ${start.offset} while lag is ${currentLag}`,
    );
  }

  const known = commits.filter((commit) => commit.lag !== null);
  const knownLags = known.map((commit) => commit.lag ?? 0);
  if (knownLags.length < 2) {
    const counted = knownLags.length === 1 ? 'one commit' : 'no commit';
    return decide('OK', 'too-few-commits', `${counted} with a known lag; a trend needs two`);
  }
  if (!certainlyDecreased(known)) {
    return decide(
      'WARN',
      'lag-not-decreasing',
      `lag did not decrease over ${knownLags.length} commits (from ${knownLags[0]} to ${knownLags[knownLags.length - 1]})`,
    );
  }
  return decide('OK', 'lag-decreasing', `lag decreased within the window; now ${currentLag}`);
}

interface Rewind {
  readonly from: number;
  readonly to: number;
  readonly peak: number;
}

/** The latest drop of the committed offset, if the group has not yet climbed back above it. */
function unrecoveredRewind(commits: readonly CommitRecord[]): Rewind | null {
  let latestDrop = -1;
  for (let index = 1; index < commits.length; index += 1) {
    if ((commits[index]?.offset ?? 0) < (commits[index - 1]?.offset ?? 0)) latestDrop = index;
  }
  if (latestDrop < 0) return null;
  let peak = 0;
  for (let index = 0; index < latestDrop; index += 1) peak = Math.max(peak, commits[index]?.offset ?? 0);
  const latest = commits[commits.length - 1]?.offset ?? 0;
  if (latest >= peak) return null;
  return { from: commits[latestDrop - 1]?.offset ?? 0, to: commits[latestDrop]?.offset ?? 0, peak };
}

function validate(
  input: PartitionStatusInput,
  minimumComplete: number,
  recentLogEndOffsets: readonly number[],
): void {
  assertOffset('logEndOffset', input.logEndOffset);
  if (input.committedOffset !== undefined) assertOffset('committedOffset', input.committedOffset);
  assertTimeMs('nowMs', input.nowMs);
  const { capacity, commits } = input.window;
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`window.capacity must be a positive integer, got ${capacity}`);
  }
  if (commits.length > capacity) {
    throw new RangeError(`window holds ${commits.length} commits, more than its capacity ${capacity}`);
  }
  if (!(minimumComplete >= 0 && minimumComplete <= 1)) {
    throw new RangeError(`minimumComplete must be between 0 and 1, got ${minimumComplete}`);
  }
  recentLogEndOffsets.forEach((offset, index) => assertOffset(`recentLogEndOffsets[${index}]`, offset));
  commits.forEach((commit, index) => {
    assertOffset(`commits[${index}].offset`, commit.offset);
    assertTimeMs(`commits[${index}].timestampMs`, commit.timestampMs);
    if (commit.lag !== null) assertOffset(`commits[${index}].lag`, commit.lag);
    const previous = commits[index - 1];
    if (previous !== undefined) {
      assertNotBefore(
        `commits[${index}].timestampMs`,
        commit.timestampMs,
        `commits[${index - 1}].timestampMs`,
        previous.timestampMs,
      );
    }
  });
}

function result(
  status: PartitionStatus,
  rule: PartitionRuleId,
  reason: string,
  currentLag: number | null,
  complete: number,
  start: CommitRecord | null,
  end: CommitRecord | null,
): PartitionStatusResult {
  return { status, code: PARTITION_STATUS_CODE[status], rule, reason, currentLag, complete, start, end };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Whether the lag decreased within the window for certain: some commit's highest possible lag
 * is below an earlier commit's lowest. With exact lags this is Burrow's "some lag is below the
 * one before it". With sampled log ends each lag is only known within [lag, lagUpper]: a
 * decrease inside that band is sampling noise (a log end read just before or just after a
 * record landed), and must not hide a lag that is not going down.
 */
function certainlyDecreased(commits: readonly CommitRecord[]): boolean {
  let highestLower = -Infinity;
  for (const commit of commits) {
    const lower = commit.lag ?? 0;
    const upper = commit.lagUpper ?? lower;
    if (upper < highestLower) return true;
    highestLower = Math.max(highestLower, lower);
  }
  return false;
}
