import { OffsetHistory } from './offset-history';
import { timeLag, type TimeLag, type TimeLagInput } from './time-lag';

const SECOND = 1000;

/** A history polled every second from `fromS` to `toS` (inclusive), with the log end given per second. */
function polled(
  fromS: number,
  toS: number,
  logEndAt: (second: number) => number,
  capacity = 4096,
): OffsetHistory {
  const history = new OffsetHistory({ capacity });
  for (let second = fromS; second <= toS; second += 1) history.observe(logEndAt(second), second * SECOND);
  return history;
}

function expectConsistent(result: TimeLag): void {
  expect(result.seconds).not.toBeNull();
  const seconds = result.seconds ?? Number.NaN;
  expect(Number.isFinite(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(0);
  expect(result.minSeconds).not.toBeNull();
  expect(seconds).toBeGreaterThanOrEqual((result.minSeconds ?? Number.NaN) - 1e-9);
  if (result.maxSeconds !== null) expect(seconds).toBeLessThanOrEqual(result.maxSeconds + 1e-9);
}

describe('timeLag', () => {
  describe('no commit', () => {
    it('is unknown, not 0 and not the age of the whole log', () => {
      const result = timeLag({
        nowMs: 10 * SECOND,
        logStartOffset: 0,
        logEndOffset: 100,
        committedOffset: null,
        committedRecordTimestampMs: 1 * SECOND,
        history: polled(0, 10, (s) => s * 10),
      });
      expect(result).toEqual({
        seconds: null,
        method: 'unknown',
        rule: 'no-commit',
        minSeconds: null,
        maxSeconds: null,
        measuredFromLogStart: false,
      });
    });
  });

  describe('caught up (idle producers)', () => {
    // The producer last wrote an hour ago: kafka-lag-exporter reported that hour as lag.
    const idleForAnHour = polled(0, 3600, (s) => (s < 10 ? s * 10 : 100));

    it('is exactly 0 when the committed offset is the log end, however long the producer was idle', () => {
      const result = timeLag({
        nowMs: 3600 * SECOND,
        logStartOffset: 0,
        logEndOffset: 100,
        committedOffset: 100,
        committedRecordTimestampMs: 9 * SECOND,
        history: idleForAnHour,
      });
      expect(result).toEqual({
        seconds: 0,
        method: 'caught-up',
        rule: 'caught-up',
        minSeconds: 0,
        maxSeconds: 0,
        measuredFromLogStart: false,
      });
    });

    it('is 0 when the committed offset was read after the log end and is ahead of it', () => {
      const result = timeLag({ nowMs: 5, logStartOffset: 0, logEndOffset: 100, committedOffset: 104 });
      expect(result.seconds).toBe(0);
      expect(result.method).toBe('caught-up');
    });

    it('is 0 on an empty log', () => {
      expect(timeLag({ nowMs: 5, logStartOffset: 0, logEndOffset: 0, committedOffset: 0 }).seconds).toBe(0);
    });

    it('is 0 when retention emptied the log past the commit: nothing is left to read', () => {
      const result = timeLag({ nowMs: 5, logStartOffset: 500, logEndOffset: 500, committedOffset: 200 });
      expect(result).toMatchObject({
        seconds: 0,
        method: 'caught-up',
        rule: 'log-emptied-by-retention',
        measuredFromLogStart: true,
      });
    });
  });

  describe('record timestamp (primary method)', () => {
    const base: TimeLagInput = {
      nowMs: 100 * SECOND,
      logStartOffset: 0,
      logEndOffset: 50,
      committedOffset: 40,
    };

    it('is now minus the timestamp of the record at the committed offset', () => {
      expect(timeLag({ ...base, committedRecordTimestampMs: 97_500 })).toEqual({
        seconds: 2.5,
        method: 'record-timestamp',
        rule: 'record-timestamp',
        minSeconds: 2.5,
        maxSeconds: 2.5,
        measuredFromLogStart: false,
      });
    });

    it('is 0 for a record stamped now', () => {
      expect(timeLag({ ...base, committedRecordTimestampMs: 100 * SECOND }).seconds).toBe(0);
    });

    it('clamps a timestamp from the future (producer clock ahead) to 0 instead of going negative', () => {
      expect(timeLag({ ...base, committedRecordTimestampMs: 103 * SECOND })).toMatchObject({
        seconds: 0,
        method: 'record-timestamp',
        rule: 'record-timestamp-clock-skew',
      });
    });

    it('takes precedence over the history', () => {
      const result = timeLag({
        ...base,
        committedRecordTimestampMs: 90 * SECOND,
        history: polled(0, 100, (s) => s),
      });
      expect(result.method).toBe('record-timestamp');
      expect(result.seconds).toBe(10);
    });

    it('falls back to the history when the timestamp is null', () => {
      const result = timeLag({
        ...base,
        committedRecordTimestampMs: null,
        history: polled(0, 100, (s) => Math.floor(s / 2)),
      });
      expect(result.method).toBe('interpolated');
    });
  });

  describe('interpolation (fallback)', () => {
    it('is exact for a steady producer', () => {
      // 100 records/s; record 4999 was appended when the log end reached 5000, at 50 s.
      const result = timeLag({
        nowMs: 60 * SECOND,
        logStartOffset: 0,
        logEndOffset: 6000,
        committedOffset: 4999,
        history: polled(0, 60, (s) => s * 100),
      });
      expect(result).toEqual({
        seconds: 10,
        method: 'interpolated',
        rule: 'bracketed-by-history',
        minSeconds: 10,
        maxSeconds: 11,
        measuredFromLogStart: false,
      });
    });

    it('interpolates linearly inside a bracket', () => {
      const history = new OffsetHistory();
      history.observe(1000, 10 * SECOND);
      history.observe(2000, 20 * SECOND);
      // Record 1499: the log end passed it at offset 1500, halfway through the bracket (15 s).
      const result = timeLag({
        nowMs: 30 * SECOND,
        logStartOffset: 0,
        logEndOffset: 2000,
        committedOffset: 1499,
        history,
      });
      expect(result.seconds).toBeCloseTo(15, 9);
      expect(result.minSeconds).toBe(10);
      expect(result.maxSeconds).toBe(20);
    });

    it('is 200 ms, not 0–30 s, for a consumer 200 ms behind with a 30 s collection interval', () => {
      const history = polled(0, 0, () => 0);
      history.observe(3000, 30 * SECOND); // 100 records/s
      const result = timeLag({
        nowMs: 30 * SECOND,
        logStartOffset: 0,
        logEndOffset: 3000,
        committedOffset: 2979,
        history,
      });
      expect(result.seconds).toBeCloseTo(0.2, 9);
    });

    describe('idle producer, not caught up', () => {
      // 100 records in the first 10 s, idle for an hour, then one record (offset 100) at 3610.5 s.
      const history = polled(0, 3615, (s) => (s < 10 ? s * 10 : s < 3611 ? 100 : 101));

      it('brackets the new record by the idle run end and the first point that saw it: no astronomical lag', () => {
        const result = timeLag({
          nowMs: 3615 * SECOND,
          logStartOffset: 0,
          logEndOffset: 101,
          committedOffset: 100,
          history,
        });
        expect(result).toEqual({
          seconds: 4,
          method: 'interpolated',
          rule: 'bracketed-by-history',
          minSeconds: 4,
          maxSeconds: 5,
          measuredFromLogStart: false,
        });
      });

      it('still reports the real age of records from before the idle period', () => {
        const result = timeLag({
          nowMs: 3615 * SECOND,
          logStartOffset: 0,
          logEndOffset: 101,
          committedOffset: 50,
          history,
        });
        // Record 50 was appended when the end reached 51, between 5 s (50) and 6 s (60).
        expect(result.seconds).toBeCloseTo(3615 - 5.1, 9);
        expectConsistent(result);
      });

      it('never yields NaN when every point has the same offset', () => {
        const flat = polled(0, 600, () => 100);
        expect(flat.size).toBe(2);
        const behind = timeLag({
          nowMs: 600 * SECOND,
          logStartOffset: 0,
          logEndOffset: 100,
          committedOffset: 99,
          history: flat,
        });
        expectConsistent(behind);
        expect(behind.method).toBe('extrapolated-lower-bound');
        expect(behind.seconds).toBe(600); // no rate in the history: the hard floor
        const newRecord = timeLag({
          nowMs: 601 * SECOND,
          logStartOffset: 0,
          logEndOffset: 101,
          committedOffset: 100,
          history: flat,
        });
        expectConsistent(newRecord);
        expect(newRecord.rule).toBe('after-newest-point');
        expect(newRecord.maxSeconds).toBe(1);
      });
    });

    describe('bursts', () => {
      // Idle at 0 until 100 s, a burst of 10,000 records seen at 101 s, then idle.
      const history = polled(0, 120, (s) => (s <= 100 ? 0 : 10_000));

      it('keeps the error within one collection interval for a consumer in the middle of the burst', () => {
        const result = timeLag({
          nowMs: 120 * SECOND,
          logStartOffset: 0,
          logEndOffset: 10_000,
          committedOffset: 5000,
          history,
        });
        expect(result.minSeconds).toBe(19);
        expect(result.maxSeconds).toBe(20);
        expect(result.seconds).toBeCloseTo(120 - (100 + 5001 / 10_000), 9);
      });

      it('treats every offset of the burst alike: first and last records are within the same second', () => {
        const first = timeLag({
          nowMs: 120 * SECOND,
          logStartOffset: 0,
          logEndOffset: 10_000,
          committedOffset: 0,
          history,
        });
        const last = timeLag({
          nowMs: 120 * SECOND,
          logStartOffset: 0,
          logEndOffset: 10_000,
          committedOffset: 9999,
          history,
        });
        expect((first.seconds ?? 0) - (last.seconds ?? 0)).toBeLessThan(1);
        expectConsistent(first);
        expectConsistent(last);
      });

      it('handles a burst read twice in the same millisecond', () => {
        const sameMs = new OffsetHistory();
        sameMs.observe(0, 10 * SECOND);
        sameMs.observe(500, 11 * SECOND);
        sameMs.observe(900, 11 * SECOND);
        const result = timeLag({
          nowMs: 12 * SECOND,
          logStartOffset: 0,
          logEndOffset: 900,
          committedOffset: 700,
          history: sameMs,
        });
        expect(result.seconds).toBe(1);
        expectConsistent(result);
      });
    });

    describe('the history has not seen the record yet', () => {
      it('interpolates between the newest point and the log end read now', () => {
        const history = new OffsetHistory();
        history.observe(800, 40 * SECOND);
        history.observe(900, 50 * SECOND);
        const result = timeLag({
          nowMs: 52 * SECOND,
          logStartOffset: 0,
          logEndOffset: 1000,
          committedOffset: 950,
          history,
        });
        // Record 950 appended when the end reached 951: 51 % of the way from 50 s to 52 s.
        expect(result.rule).toBe('after-newest-point');
        expect(result.seconds).toBeCloseTo(52 - 51.02, 9);
        expect(result.minSeconds).toBe(0);
        expect(result.maxSeconds).toBe(2);
      });
    });

    describe('reprocessing (committed offset older than the history)', () => {
      // 64 points at 10 records/s from 1000 s: offsets 10,000 to 10,630.
      const history = polled(1000, 1063, (s) => (s - 1000) * 10 + 10_000, 64);

      it('extrapolates back at the fastest observed rate and flags the estimate as a lower bound', () => {
        const result = timeLag({
          nowMs: 1063 * SECOND,
          logStartOffset: 0,
          logEndOffset: 10_630,
          committedOffset: 0,
          history,
        });
        // Record 0 appended at 1000 − (10,000 − 1) / 10 = 0.1 s.
        expect(result.method).toBe('extrapolated-lower-bound');
        expect(result.rule).toBe('before-oldest-point');
        expect(result.seconds).toBeCloseTo(1062.9, 9);
        expect(result.minSeconds).toBe(63);
        expect(result.maxSeconds).toBeNull();
      });

      it('uses the fastest rate, so a burst in the history keeps the estimate near the hard floor', () => {
        const bursty = new OffsetHistory();
        bursty.observe(10_000, 1000 * SECOND);
        bursty.observe(1_010_000, 1001 * SECOND); // 1,000,000 records in one second
        bursty.observe(1_010_010, 1063 * SECOND);
        const result = timeLag({
          nowMs: 1063 * SECOND,
          logStartOffset: 0,
          logEndOffset: 1_010_010,
          committedOffset: 0,
          history: bursty,
        });
        expect(result.seconds).toBeCloseTo(63.01, 4);
        expect(result.minSeconds).toBe(63);
      });

      it('falls back to the hard floor when the history holds a single point', () => {
        const single = new OffsetHistory();
        single.observe(500, 10 * SECOND);
        const result = timeLag({
          nowMs: 70 * SECOND,
          logStartOffset: 0,
          logEndOffset: 500,
          committedOffset: 3,
          history: single,
        });
        expect(result).toEqual({
          seconds: 60,
          method: 'extrapolated-lower-bound',
          rule: 'before-oldest-point',
          minSeconds: 60,
          maxSeconds: null,
          measuredFromLogStart: false,
        });
      });

      it('counts a commit exactly at the oldest point as older than the history', () => {
        const result = timeLag({
          nowMs: 1063 * SECOND,
          logStartOffset: 0,
          logEndOffset: 10_630,
          committedOffset: 9999,
          history,
        });
        expect(result.rule).toBe('before-oldest-point');
        expect(result.seconds).toBe(63); // record 9999 was appended no later than 1000 s
        const atOldest = timeLag({
          nowMs: 1063 * SECOND,
          logStartOffset: 0,
          logEndOffset: 10_630,
          committedOffset: 10_000,
          history,
        });
        expect(atOldest.rule).toBe('bracketed-by-history');
        expect(atOldest.seconds).toBeCloseTo(62.9, 9);
      });
    });

    describe('retention and compaction gaps', () => {
      const history = polled(0, 60, (s) => s * 100);

      it('measures from the log start when retention deleted records the group never read', () => {
        const gap = timeLag({
          nowMs: 60 * SECOND,
          logStartOffset: 5000,
          logEndOffset: 6000,
          committedOffset: 1000,
          history,
        });
        const atStart = timeLag({
          nowMs: 60 * SECOND,
          logStartOffset: 5000,
          logEndOffset: 6000,
          committedOffset: 5000,
          history,
        });
        expect(gap.measuredFromLogStart).toBe(true);
        expect(atStart.measuredFromLogStart).toBe(false);
        expect(gap.seconds).toBe(atStart.seconds);
        expect(gap.seconds).toBeCloseTo(60 - 50.01, 9);
      });

      it('keeps the flag when the record timestamp was read from the log start', () => {
        const result = timeLag({
          nowMs: 60 * SECOND,
          logStartOffset: 5000,
          logEndOffset: 6000,
          committedOffset: 1000,
          committedRecordTimestampMs: 50 * SECOND,
        });
        expect(result).toMatchObject({ seconds: 10, method: 'record-timestamp', measuredFromLogStart: true });
      });

      it('bounds a committed offset whose record was compacted away by the time its offset was assigned', () => {
        // Offsets 3000–3999 were compacted; the consumer sits at 3500. The assignment time of 3500 still applies.
        const result = timeLag({
          nowMs: 60 * SECOND,
          logStartOffset: 0,
          logEndOffset: 6000,
          committedOffset: 3500,
          history,
        });
        // The end passed 3500 between 35 s (3500) and 36 s (3600).
        expect(result.minSeconds).toBe(24);
        expect(result.maxSeconds).toBe(25);
        expectConsistent(result);
      });
    });

    it('is unknown without a timestamp or any history', () => {
      const base = { nowMs: 10, logStartOffset: 0, logEndOffset: 10, committedOffset: 5 };
      for (const result of [
        timeLag(base),
        timeLag({ ...base, history: null }),
        timeLag({ ...base, history: new OffsetHistory() }),
      ]) {
        expect(result).toEqual({
          seconds: null,
          method: 'unknown',
          rule: 'no-history',
          minSeconds: null,
          maxSeconds: null,
          measuredFromLogStart: false,
        });
      }
    });
  });

  describe('never NaN, never negative, always inside its bounds', () => {
    // A deterministic pseudo-random walk of producers: idle stretches, bursts and steady runs.
    function random(seed: number): () => number {
      let state = seed >>> 0;
      return () => {
        state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
        return state / 2 ** 32;
      };
    }

    it.each([1, 2, 3, 4, 5, 6, 7, 8])('holds for random histories (seed %p)', (seed) => {
      const next = random(seed);
      const history = new OffsetHistory({ capacity: 16 });
      let logEnd = Math.floor(next() * 1000);
      let timeMs = Math.floor(next() * 10_000);
      for (let poll = 0; poll < 200; poll += 1) {
        const mode = next();
        if (mode > 0.6) logEnd += Math.floor(next() * (mode > 0.95 ? 100_000 : 50));
        timeMs += Math.floor(next() * 5000);
        history.observe(logEnd, timeMs);
      }
      const nowMs = timeMs + Math.floor(next() * 3000);
      const logStartOffset = Math.min(logEnd, Math.floor(next() * 500));
      for (let trial = 0; trial < 200; trial += 1) {
        const committedOffset = Math.floor(next() * (logEnd + 10));
        const result = timeLag({ nowMs, logStartOffset, logEndOffset: logEnd, committedOffset, history });
        expectConsistent(result);
        if (committedOffset >= logEnd) expect(result.seconds).toBe(0);
      }
    });
  });

  describe('bad input', () => {
    const valid: TimeLagInput = {
      nowMs: 10 * SECOND,
      logStartOffset: 0,
      logEndOffset: 10,
      committedOffset: 5,
    };

    it.each([
      [{ nowMs: Number.NaN }, /nowMs must be a finite, non-negative time/],
      [{ nowMs: -1 }, /nowMs must be/],
      [{ committedRecordTimestampMs: Number.NaN }, /committedRecordTimestampMs must be/],
      [{ committedRecordTimestampMs: -1 }, /committedRecordTimestampMs must be/],
      [{ committedOffset: -3 }, /committedOffset must be a non-negative safe integer/],
      [{ logEndOffset: Number.NaN }, /logEndOffset must be/],
      [{ logStartOffset: 20 }, /logStartOffset 20 is after logEndOffset 10/],
    ])('rejects %o', (override, message) => {
      expect(() => timeLag({ ...valid, ...override })).toThrow(RangeError);
      expect(() => timeLag({ ...valid, ...override })).toThrow(message);
    });

    it('rejects a history whose newest point is after nowMs', () => {
      const history = new OffsetHistory();
      history.observe(5, 11 * SECOND);
      expect(() => timeLag({ ...valid, history })).toThrow(
        /nowMs \(10000\) is before the history's newest point \(11000\)/,
      );
    });
  });
});
