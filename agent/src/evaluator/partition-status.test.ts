import type { CommitRecord, CommitWindowSnapshot } from './commit-window';
import { evaluatePartitionStatus, type PartitionStatusInput } from './partition-status';

const MINUTE = 60_000;

/** Commits as [offset, minute, lag]; a window of 10 unless told otherwise. */
function windowOf(
  commits: ReadonlyArray<readonly [number, number, number | null]>,
  capacity = 10,
): CommitWindowSnapshot {
  return {
    capacity,
    commits: commits.map(([offset, minute, lag]): CommitRecord => ({
      offset,
      timestampMs: minute * MINUTE,
      lag,
    })),
  };
}

/** Ten commits a minute apart (minutes 0–9) with the given offsets and lags. */
function tenCommits(offsets: readonly number[], lags: ReadonlyArray<number | null>): CommitWindowSnapshot {
  return windowOf(offsets.map((offset, index) => [offset, index, lags[index] ?? null] as const));
}

/** Evaluate at minute 10 (one minute after the 10th commit): not stopped for a 9-minute window. */
function evaluateAt10(
  window: CommitWindowSnapshot,
  logEndOffset: number,
  extra: Partial<PartitionStatusInput> = {},
) {
  return evaluatePartitionStatus({ window, logEndOffset, nowMs: 10 * MINUTE, ...extra });
}

const MOVING = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];

describe('evaluatePartitionStatus', () => {
  describe('OK without judging', () => {
    it('is OK with no commits', () => {
      expect(evaluatePartitionStatus({ window: windowOf([]), logEndOffset: 50, nowMs: 0 })).toEqual({
        status: 'OK',
        code: 1,
        rule: 'no-commits',
        reason: 'no commits recorded yet',
        currentLag: null,
        complete: 0,
        start: null,
        end: null,
      });
    });

    it('waits for minimumComplete of the window before judging', () => {
      const stoppedHalfWindow = windowOf([
        [10, 0, 5],
        [20, 1, 5],
        [30, 2, 5],
        [40, 3, 5],
        [50, 4, 5],
      ]);
      const waiting = evaluatePartitionStatus({
        window: stoppedHalfWindow,
        logEndOffset: 500,
        nowMs: 100 * MINUTE,
        minimumComplete: 1,
      });
      expect(waiting).toMatchObject({
        status: 'OK',
        rule: 'window-incomplete',
        complete: 0.5,
        currentLag: 450,
      });
      expect(waiting.reason).toBe('only 5 of 10 commits recorded; 10 needed before judging');
      const judged = evaluatePartitionStatus({
        window: stoppedHalfWindow,
        logEndOffset: 500,
        nowMs: 100 * MINUTE,
      });
      expect(judged.status).toBe('STOP');
    });

    it('is never in error without current lag, even when the group stopped committing long ago', () => {
      const window = tenCommits(MOVING, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
      const result = evaluatePartitionStatus({ window, logEndOffset: 1000, nowMs: 1000 * MINUTE });
      expect(result).toMatchObject({ status: 'OK', rule: 'no-current-lag', currentLag: 0 });
    });

    it('never reports negative current lag for a commit read ahead of the log end', () => {
      const window = tenCommits(MOVING, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
      expect(evaluateAt10(window, 990)).toMatchObject({ rule: 'no-current-lag', currentLag: 0 });
    });
  });

  describe('STOP', () => {
    const window = tenCommits(MOVING, [50, 60, 70, 80, 90, 100, 110, 120, 130, 140]);

    it('fires when the silence since the latest commit exceeds the window span', () => {
      // The window spans 9 minutes; now is 9 minutes and 1 ms after the latest commit.
      const result = evaluatePartitionStatus({ window, logEndOffset: 1200, nowMs: 18 * MINUTE + 1 });
      expect(result).toMatchObject({ status: 'STOP', code: 3, rule: 'stopped', currentLag: 200 });
      expect(result.reason).toBe('no commit for 540 s, longer than the 540 s the window spans; lag 200');
      expect(result.start).toEqual({ offset: 100, timestampMs: 0, lag: 50 });
      expect(result.end).toEqual({ offset: 1000, timestampMs: 9 * MINUTE, lag: 140 });
    });

    it('does not fire when the silence equals the span', () => {
      const result = evaluatePartitionStatus({ window, logEndOffset: 1200, nowMs: 18 * MINUTE });
      expect(result.status).not.toBe('STOP');
    });

    it('does not fire when a recent log end shows the group caught up moments ago', () => {
      const result = evaluatePartitionStatus({
        window,
        logEndOffset: 1001,
        nowMs: 30 * MINUTE,
        recentLogEndOffsets: [1000, 1001],
      });
      expect(result.status).not.toBe('STOP');
      expect(result.rule).toBe('lag-not-decreasing');
    });

    it('still fires when every recent log end was ahead of the latest commit', () => {
      const result = evaluatePartitionStatus({
        window,
        logEndOffset: 1200,
        nowMs: 30 * MINUTE,
        recentLogEndOffsets: [1100, 1200],
      });
      expect(result.status).toBe('STOP');
    });

    it('fires for a single commit followed by any silence, as in Burrow', () => {
      const single = windowOf([[10, 0, 90]]);
      expect(evaluatePartitionStatus({ window: single, logEndOffset: 100, nowMs: 1 }).status).toBe('STOP');
    });

    it('wins over REWIND, as Burrow checks it first', () => {
      const rewound = tenCommits(
        [100, 200, 300, 400, 500, 10, 20, 30, 40, 50],
        [9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
      );
      expect(evaluatePartitionStatus({ window: rewound, logEndOffset: 600, nowMs: 60 * MINUTE }).status).toBe(
        'STOP',
      );
    });

    it('looks back over every log end given: one at or below the latest commit, however old, holds STOP off', () => {
      // The store passes the log ends of the last windowSize cycles (Burrow: the last
      // `intervals` broker offsets). A caught-up moment eight cycles ago still counts.
      const lookback = [1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070, 1080, 1090];
      const held = evaluatePartitionStatus({
        window,
        logEndOffset: 1090,
        nowMs: 30 * MINUTE,
        recentLogEndOffsets: lookback,
      });
      expect(held.status).not.toBe('STOP');
      // Once that moment has left the lookback, the silence is a stop.
      const stopped = evaluatePartitionStatus({
        window,
        logEndOffset: 1090,
        nowMs: 30 * MINUTE,
        recentLogEndOffsets: lookback.slice(1),
      });
      expect(stopped).toMatchObject({ status: 'STOP', rule: 'stopped', currentLag: 90 });
    });

    it('waits for a complete lookback: log ends seen only after the commit cannot tell a stop', () => {
      const single = windowOf([[10, 0, null]]);
      const early = { window: single, logEndOffset: 100, nowMs: 1000, recentLogEndOffsets: [100] };
      expect(evaluatePartitionStatus({ ...early, lookbackComplete: false })).toMatchObject({
        status: 'OK',
        rule: 'too-few-commits',
      });
      expect(evaluatePartitionStatus({ ...early, lookbackComplete: true }).status).toBe('STOP');
    });

    it('tolerates a latest commit stamped after now (broker clock ahead): not stopped', () => {
      const result = evaluatePartitionStatus({ window, logEndOffset: 1200, nowMs: 9 * MINUTE - 500 });
      expect(result.status).not.toBe('STOP');
    });
  });

  /*
   * REWIND, window by window (offsets; lags 5 unless said; "—" = falls through to the next rules):
   *
   * | window                               | Burrow 1.2.1        | Burrow master       | agent  |
   * |--------------------------------------|---------------------|---------------------|--------|
   * | 100..700, 50, 60, 70                 | REWIND              | REWIND              | REWIND |
   * | 100..700 (lag 0), 0, 10, 20          | OK (zero lag first) | REWIND              | REWIND |
   * | 100, 200, 300, 50, 150 .. 650        | REWIND (in window)  | — (650 ≥ 300)       | —      |
   * | 100, 50, 400, 30, 60 .. 99           | REWIND              | — (400 ≥ 100)       | REWIND |
   * | 100, 50, 120, 60                     | REWIND              | — (120 ≥ 100)       | REWIND |
   *
   * The agent takes the latest drop and wants the newest commit back at the highest offset
   * before it: every window master flags, plus a second drop after a recovered one (which
   * master's first-drop scan misses). 1.2.1 never recovers inside the window and hides a
   * rewind behind any zero-lag entry, which master fixed (1.3.7, d69a8ec).
   */
  describe('REWIND', () => {
    it('fires when the committed offset went back and has not recovered', () => {
      const window = tenCommits(
        [100, 200, 300, 400, 500, 600, 700, 50, 60, 70],
        [9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
      );
      const result = evaluateAt10(window, 800);
      expect(result).toMatchObject({ status: 'REWIND', code: 5, rule: 'rewind' });
      expect(result.reason).toBe(
        'committed offset went back from 700 to 50; latest commit 70 is still below 700',
      );
    });

    it('fires even when the lag was 0 earlier in the window', () => {
      const window = tenCommits(
        [100, 200, 300, 400, 500, 600, 700, 0, 10, 20],
        [0, 0, 0, 0, 0, 0, 0, 700, 690, 680],
      );
      expect(evaluateAt10(window, 700).status).toBe('REWIND');
    });

    it('judges the latest drop against the highest offset before it', () => {
      const window = tenCommits([100, 50, 400, 30, 60, 70, 80, 90, 95, 99], [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
      const result = evaluateAt10(window, 500);
      expect(result.reason).toBe(
        'committed offset went back from 400 to 30; latest commit 99 is still below 400',
      );
    });

    it('flags a drop after a recovered one, which Burrow master would call recovered', () => {
      const window = windowOf([
        [100, 0, 5],
        [50, 1, 5],
        [120, 2, 5],
        [60, 3, 5],
      ]);
      expect(evaluatePartitionStatus({ window, logEndOffset: 200, nowMs: 4 * MINUTE })).toMatchObject({
        status: 'REWIND',
        reason: 'committed offset went back from 120 to 60; latest commit 60 is still below 120',
      });
    });

    it('is checked before STALL and WARN: a group stuck at the rewound offset is REWIND', () => {
      const window = tenCommits(
        [100, 200, 300, 400, 500, 20, 20, 20, 20, 20],
        [9, 9, 9, 9, 9, 500, 510, 520, 530, 540],
      );
      expect(evaluateAt10(window, 560).rule).toBe('rewind');
    });

    it('falls through to the other rules once the group is back past its old position', () => {
      const window = tenCommits(
        [100, 200, 300, 50, 150, 250, 350, 450, 550, 650],
        [40, 40, 40, 300, 250, 200, 150, 100, 60, 20],
      );
      expect(evaluateAt10(window, 700)).toMatchObject({ status: 'OK', rule: 'lag-decreasing' });
    });
  });

  describe('OK because the lag was zero within the window', () => {
    it('is OK when any commit in the window had zero lag', () => {
      const window = tenCommits(MOVING, [10, 20, 0, 40, 50, 60, 70, 80, 90, 100]);
      const result = evaluateAt10(window, 1100);
      expect(result).toMatchObject({ status: 'OK', rule: 'lag-zero-in-window' });
      expect(result.reason).toBe('lag was 0 at offset 300 within the window');
    });

    it('is not fooled by an unknown lag (null)', () => {
      const window = tenCommits(MOVING, [10, null, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(evaluateAt10(window, 1100).rule).not.toBe('lag-zero-in-window');
    });
  });

  describe('STALL', () => {
    it('fires when the group keeps committing the same offset while there is lag', () => {
      const window = tenCommits(Array<number>(10).fill(500), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      const result = evaluateAt10(window, 650);
      expect(result).toMatchObject({ status: 'STALL', code: 4, rule: 'stalled', currentLag: 150 });
      expect(result.reason).toBe('10 commits all at offset 500 while lag is 150');
    });

    it('needs two commits: one commit shows no stall', () => {
      const single = windowOf([[500, 0, 10]]);
      const result = evaluatePartitionStatus({ window: single, logEndOffset: 510, nowMs: 0 });
      expect(result).toMatchObject({ status: 'OK', rule: 'too-few-commits' });
      expect(result.reason).toBe('one commit with a known lag; a trend needs two');
    });

    it('fires on two commits at the same offset', () => {
      const two = windowOf([
        [500, 0, 10],
        [500, 1, 10],
      ]);
      expect(evaluatePartitionStatus({ window: two, logEndOffset: 510, nowMs: MINUTE }).status).toBe('STALL');
    });
  });

  describe('WARN', () => {
    it('fires when the offset moves but the lag never decreases', () => {
      const window = tenCommits(MOVING, [10, 10, 12, 15, 15, 20, 30, 30, 31, 40]);
      const result = evaluateAt10(window, 1050);
      expect(result).toMatchObject({ status: 'WARN', code: 2, rule: 'lag-not-decreasing' });
      expect(result.reason).toBe('lag did not decrease over 10 commits (from 10 to 40)');
    });

    it('counts equal lags as not decreasing, as Burrow does: a constant lag is WARN', () => {
      const window = tenCommits(MOVING, Array<number>(10).fill(45));
      expect(evaluateAt10(window, 1045)).toMatchObject({ status: 'WARN', rule: 'lag-not-decreasing' });
      const two = windowOf([
        [10, 0, 45],
        [20, 1, 45],
      ]);
      expect(evaluatePartitionStatus({ window: two, logEndOffset: 65, nowMs: MINUTE }).status).toBe('WARN');
    });

    it('takes a drop inside the sampling band [lag, lagUpper] as noise, and a drop below it as a decrease', () => {
      const banded = (lags: readonly number[], band: number): CommitWindowSnapshot => ({
        capacity: 10,
        commits: lags.map((lag, index) => ({
          offset: MOVING[index] ?? 0,
          timestampMs: index * MINUTE,
          lag,
          lagUpper: lag + band,
        })),
      });
      // A constant true lag of 47 sampled 9–10 records early: 37 and 38 alternate.
      const jitter = [37, 38, 37, 37, 38, 37, 38, 37, 37, 37];
      expect(evaluateAt10(banded(jitter, 20), 1057)).toMatchObject({
        status: 'WARN',
        rule: 'lag-not-decreasing',
      });
      // Exact lags (no band) keep Burrow's rule: the same drop of 1 is a decrease.
      expect(evaluateAt10(tenCommits(MOVING, jitter), 1057).rule).toBe('lag-decreasing');
      // A consumer catching up by 30 a commit with a band of 20: the drop is certain.
      const catchingUp = [300, 270, 240, 210, 180, 150, 120, 90, 60, 30];
      expect(evaluateAt10(banded(catchingUp, 20), 1030).rule).toBe('lag-decreasing');
      // By 10 a commit, each drop is inside the band, but over three commits it is not.
      const slowly = [300, 290, 280, 270, 260, 250, 240, 230, 220, 210];
      expect(evaluateAt10(banded(slowly, 20), 1210).rule).toBe('lag-decreasing');
      const firstTwo = { window: banded(slowly.slice(0, 2), 20), logEndOffset: 1210, nowMs: 2 * MINUTE };
      expect(evaluatePartitionStatus(firstTwo).rule).toBe('lag-not-decreasing');
    });

    it('is OK after all when one entry in the window had zero lag', () => {
      const window = tenCommits(MOVING, [0, 45, 45, 45, 45, 45, 45, 45, 45, 45]);
      expect(evaluateAt10(window, 1045).rule).toBe('lag-zero-in-window');
    });

    it('skips commits whose lag is unknown', () => {
      const rising = windowOf([
        [10, 0, 10],
        [20, 1, null],
        [30, 2, 12],
      ]);
      expect(evaluatePartitionStatus({ window: rising, logEndOffset: 50, nowMs: 3 * MINUTE }).status).toBe(
        'WARN',
      );
      const falling = windowOf([
        [10, 0, 10],
        [20, 1, null],
        [30, 2, 8],
      ]);
      expect(evaluatePartitionStatus({ window: falling, logEndOffset: 50, nowMs: 3 * MINUTE }).rule).toBe(
        'lag-decreasing',
      );
    });

    it('needs two known lags', () => {
      const unknownLags = windowOf([
        [10, 0, null],
        [20, 1, null],
        [30, 2, 12],
      ]);
      expect(evaluatePartitionStatus({ window: unknownLags, logEndOffset: 50, nowMs: 3 * MINUTE }).rule).toBe(
        'too-few-commits',
      );
      const noneKnown = windowOf([
        [10, 0, null],
        [20, 1, null],
      ]);
      expect(evaluatePartitionStatus({ window: noneKnown, logEndOffset: 50, nowMs: 2 * MINUTE }).reason).toBe(
        'no commit with a known lag; a trend needs two',
      );
    });
  });

  describe('current lag from the polled offset', () => {
    it('gates on the polled committed offset when given, not the latest commit in the window', () => {
      const window = tenCommits(MOVING, [50, 60, 70, 80, 90, 100, 110, 120, 130, 140]);
      // The poll saw the group at the log end although the latest commit read was older.
      expect(
        evaluatePartitionStatus({ window, logEndOffset: 1200, nowMs: 60 * MINUTE, committedOffset: 1200 }),
      ).toMatchObject({ status: 'OK', rule: 'no-current-lag', currentLag: 0 });
      expect(evaluatePartitionStatus({ window, logEndOffset: 1200, nowMs: 60 * MINUTE }).currentLag).toBe(
        200,
      );
    });

    it('reports the polled lag even before any commit is in the window', () => {
      expect(
        evaluatePartitionStatus({ window: windowOf([]), logEndOffset: 50, nowMs: 0, committedOffset: 20 }),
      ).toMatchObject({ status: 'OK', rule: 'no-commits', currentLag: 30 });
    });
  });

  it('is OK when the lag went down somewhere in the window', () => {
    const window = tenCommits(MOVING, [10, 20, 30, 40, 50, 45, 60, 70, 80, 90]);
    expect(evaluateAt10(window, 1090)).toMatchObject({
      status: 'OK',
      code: 1,
      rule: 'lag-decreasing',
      reason: 'lag decreased within the window; now 90',
      complete: 1,
    });
  });

  describe('bad input', () => {
    const window = tenCommits(MOVING, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const valid: PartitionStatusInput = { window, logEndOffset: 2000, nowMs: 10 * MINUTE };

    it.each<[Partial<PartitionStatusInput>, RegExp]>([
      [{ nowMs: Number.NaN }, /nowMs must be/],
      [{ logEndOffset: -1 }, /logEndOffset must be/],
      [{ committedOffset: 1.5 }, /committedOffset must be/],
      [{ minimumComplete: 1.5 }, /minimumComplete must be between 0 and 1, got 1.5/],
      [{ minimumComplete: Number.NaN }, /minimumComplete must be between 0 and 1/],
      [{ recentLogEndOffsets: [5, Number.NaN] }, /recentLogEndOffsets\[1\] must be/],
      [{ window: { capacity: 0, commits: [] } }, /window.capacity must be a positive integer, got 0/],
      [
        { window: { capacity: 2, commits: window.commits } },
        /window holds 10 commits, more than its capacity 2/,
      ],
      [{ window: windowOf([[-1, 0, 0]]) }, /commits\[0\]\.offset must be/],
      [{ window: windowOf([[1, Number.NaN, 0]]) }, /commits\[0\]\.timestampMs must be/],
      [{ window: windowOf([[1, 0, -4]]) }, /commits\[0\]\.lag must be/],
      [
        {
          window: windowOf([
            [1, 5, 0],
            [2, 4, 0],
          ]),
        },
        /commits\[1\]\.timestampMs \(240000\) is before commits\[0\]\.timestampMs \(300000\)/,
      ],
    ])('rejects %o', (override, message) => {
      expect(() => evaluatePartitionStatus({ ...valid, ...override })).toThrow(RangeError);
      expect(() => evaluatePartitionStatus({ ...valid, ...override })).toThrow(message);
    });
  });
});
