import { DEFAULT_OFFSET_HISTORY_CAPACITY, OffsetHistory, type OffsetPoint } from './offset-history';

function historyOf(observations: ReadonlyArray<readonly [number, number]>, capacity?: number): OffsetHistory {
  const history = new OffsetHistory(capacity === undefined ? {} : { capacity });
  for (const [offset, timeMs] of observations) history.observe(offset, timeMs);
  return history;
}

function pairs(points: readonly OffsetPoint[]): Array<[number, number]> {
  return points.map((point) => [point.offset, point.timeMs]);
}

describe('OffsetHistory', () => {
  describe('construction', () => {
    it('starts empty with the default capacity of 64', () => {
      const history = new OffsetHistory();
      expect(history.capacity).toBe(DEFAULT_OFFSET_HISTORY_CAPACITY);
      expect(DEFAULT_OFFSET_HISTORY_CAPACITY).toBe(64);
      expect(history.size).toBe(0);
      expect(history.oldest()).toBeNull();
      expect(history.latest()).toBeNull();
      expect(history.points()).toEqual([]);
    });

    it.each([0, 1, 2.5, Number.NaN, -3])('rejects capacity %p', (capacity) => {
      expect(() => new OffsetHistory({ capacity })).toThrow(/capacity must be an integer of at least 2/);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects minSpacingMs %p', (minSpacingMs) => {
      expect(() => new OffsetHistory({ minSpacingMs })).toThrow(/minSpacingMs must be a finite/);
    });
  });

  describe('a moving log end', () => {
    it('keeps a point for every observation in which the offset moved', () => {
      const history = new OffsetHistory();
      expect(history.observe(0, 1000)).toBe('appended');
      expect(history.observe(10, 2000)).toBe('appended');
      expect(history.observe(25, 3000)).toBe('appended');
      expect(pairs(history.points())).toEqual([
        [0, 1000],
        [10, 2000],
        [25, 3000],
      ]);
      expect(history.oldest()).toEqual({ offset: 0, timeMs: 1000 });
      expect(history.latest()).toEqual({ offset: 25, timeMs: 3000 });
    });

    it('accepts several observations at the same millisecond', () => {
      const history = historyOf([
        [0, 1000],
        [5, 1000],
      ]);
      expect(pairs(history.points())).toEqual([
        [0, 1000],
        [5, 1000],
      ]);
    });
  });

  describe('an idle log end', () => {
    it('represents an idle run by its first and last observation', () => {
      const history = new OffsetHistory();
      history.observe(100, 0);
      expect(history.observe(100, 1000)).toBe('appended');
      expect(history.observe(100, 2000)).toBe('extended-idle');
      expect(history.observe(100, 3000)).toBe('extended-idle');
      expect(pairs(history.points())).toEqual([
        [100, 0],
        [100, 3000],
      ]);
    });

    it('keeps both ends of every idle run between bursts', () => {
      const history = historyOf([
        [0, 0],
        [50, 1000],
        [50, 2000],
        [50, 3000],
        [50, 4000],
        [80, 5000],
        [80, 6000],
        [80, 7000],
      ]);
      expect(pairs(history.points())).toEqual([
        [0, 0],
        [50, 1000],
        [50, 4000],
        [80, 5000],
        [80, 7000],
      ]);
    });

    it('uses two slots for an hour of idle polling, not one per poll', () => {
      const history = new OffsetHistory({ capacity: 4 });
      for (let second = 0; second <= 3600; second += 1) history.observe(42, second * 1000);
      expect(pairs(history.points())).toEqual([
        [42, 0],
        [42, 3_600_000],
      ]);
    });

    it('treats a repeated identical observation as part of the idle run', () => {
      const history = historyOf([
        [7, 10],
        [7, 10],
        [7, 10],
      ]);
      expect(pairs(history.points())).toEqual([
        [7, 10],
        [7, 10],
      ]);
    });
  });

  describe('capacity', () => {
    it('drops the oldest point when full, as a ring', () => {
      const history = historyOf(
        [
          [0, 0],
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
        ],
        3,
      );
      expect(history.size).toBe(3);
      expect(pairs(history.points())).toEqual([
        [2, 2],
        [3, 3],
        [4, 4],
      ]);
      expect(history.offsetAt(0)).toBe(2);
      expect(history.timeMsAt(2)).toBe(4);
    });

    it('keeps working after wrapping many times', () => {
      const history = new OffsetHistory({ capacity: 5 });
      for (let step = 0; step < 1000; step += 1) history.observe(step * 3, step * 10);
      expect(pairs(history.points())).toEqual([
        [2985, 9950],
        [2988, 9960],
        [2991, 9970],
        [2994, 9980],
        [2997, 9990],
      ]);
    });

    it('extends an idle run in place even when the ring is full', () => {
      const history = historyOf(
        [
          [0, 0],
          [5, 1],
          [5, 2],
        ],
        3,
      );
      expect(history.observe(5, 9)).toBe('extended-idle');
      expect(pairs(history.points())).toEqual([
        [0, 0],
        [5, 1],
        [5, 9],
      ]);
    });
  });

  describe('minSpacingMs thinning', () => {
    it('replaces the latest moving point until it is minSpacingMs after its predecessor', () => {
      const history = new OffsetHistory({ minSpacingMs: 1000 });
      history.observe(0, 0);
      expect(history.observe(10, 100)).toBe('appended'); // nothing before the latest to measure from
      expect(history.observe(20, 200)).toBe('replaced-latest');
      expect(history.observe(30, 900)).toBe('replaced-latest');
      expect(history.observe(40, 1000)).toBe('replaced-latest');
      expect(history.observe(50, 1100)).toBe('appended'); // the latest (40 at 1000) has matured
      expect(pairs(history.points())).toEqual([
        [0, 0],
        [40, 1000],
        [50, 1100],
      ]);
    });

    it('never overwrites the last point of an idle run', () => {
      const history = new OffsetHistory({ minSpacingMs: 10_000 });
      history.observe(100, 0);
      history.observe(100, 60_000);
      // The latest point is the idle run's end, so the first point after it takes a new slot...
      expect(history.observe(101, 60_500)).toBe('appended');
      // ...and later fast points replace that moving point, never the idle end before it.
      expect(history.observe(102, 61_000)).toBe('replaced-latest');
      expect(history.observe(103, 61_500)).toBe('replaced-latest');
      expect(pairs(history.points())).toEqual([
        [100, 0],
        [100, 60_000],
        [103, 61_500],
      ]);
    });

    it('does not thin an idle observation', () => {
      const history = new OffsetHistory({ minSpacingMs: 10_000 });
      history.observe(0, 0);
      history.observe(5, 10);
      expect(history.observe(5, 20)).toBe('appended');
    });

    it('spans capacity × spacing for a busy partition polled every 100 ms', () => {
      const history = new OffsetHistory({ capacity: 8, minSpacingMs: 1000 });
      for (let poll = 0; poll <= 200; poll += 1) history.observe(poll * 50, poll * 100);
      const oldest = history.oldest();
      const latest = history.latest();
      expect(oldest).not.toBeNull();
      expect(latest).toEqual({ offset: 10_000, timeMs: 20_000 });
      expect((latest?.timeMs ?? 0) - (oldest?.timeMs ?? 0)).toBeGreaterThanOrEqual(7000);
      const points = history.points();
      for (let index = 1; index < points.length - 1; index += 1) {
        expect((points[index]?.timeMs ?? 0) - (points[index - 1]?.timeMs ?? 0)).toBeGreaterThanOrEqual(1000);
      }
    });
  });

  describe('a log end that goes backwards', () => {
    it('resets the history, since the old points describe another log', () => {
      const history = historyOf([
        [0, 0],
        [500, 1000],
        [900, 2000],
      ]);
      expect(history.observe(3, 3000)).toBe('reset');
      expect(pairs(history.points())).toEqual([[3, 3000]]);
    });
  });

  describe('bad input', () => {
    it.each([
      [-1, 0, /logEndOffset must be a non-negative safe integer, got -1/],
      [1.5, 0, /logEndOffset must be/],
      [Number.NaN, 0, /logEndOffset must be/],
      [0, Number.NaN, /timeMs must be a finite, non-negative time/],
      [0, -5, /timeMs must be/],
      [0, Number.POSITIVE_INFINITY, /timeMs must be/],
    ])('rejects observe(%p, %p)', (offset, timeMs, message) => {
      expect(() => new OffsetHistory().observe(offset, timeMs)).toThrow(message);
    });

    it('rejects time going backwards and keeps its points', () => {
      const history = historyOf([
        [0, 1000],
        [5, 2000],
      ]);
      expect(() => history.observe(6, 1999)).toThrow(
        new RangeError('timeMs (1999) is before the latest point (2000); time must not go backwards'),
      );
      expect(history.size).toBe(2);
    });

    it.each([-1, 2, 0.5])('rejects index %p outside the points', (index) => {
      const history = historyOf([
        [0, 0],
        [1, 1],
      ]);
      expect(() => history.offsetAt(index)).toThrow(/outside the history's 2 points/);
      expect(() => history.timeMsAt(index)).toThrow(RangeError);
    });
  });

  describe('logEndOffsetsSince', () => {
    const history = historyOf([
      [10, 1000],
      [20, 2000],
      [30, 3000],
      [40, 4000],
    ]);

    it('includes the point in effect at the start time and every later point', () => {
      expect(history.logEndOffsetsSince(2500)).toEqual([20, 30, 40]);
      expect(history.logEndOffsetsSince(3000)).toEqual([30, 40]);
    });

    it('returns everything from before the oldest point and only the latest from after it', () => {
      expect(history.logEndOffsetsSince(0)).toEqual([10, 20, 30, 40]);
      expect(history.logEndOffsetsSince(9000)).toEqual([40]);
    });

    it('is empty for an empty history and rejects a bad time', () => {
      expect(new OffsetHistory().logEndOffsetsSince(0)).toEqual([]);
      expect(() => history.logEndOffsetsSince(Number.NaN)).toThrow(/sinceMs must be/);
    });
  });

  describe('logEndAtOrBefore', () => {
    const history = historyOf([
      [10, 1000],
      [20, 2000],
      [30, 3000],
    ]);

    it('gives the latest point at or before the time', () => {
      expect(history.logEndAtOrBefore(1000)).toBe(10);
      expect(history.logEndAtOrBefore(1999)).toBe(10);
      expect(history.logEndAtOrBefore(2000)).toBe(20);
      expect(history.logEndAtOrBefore(2500)).toBe(20);
      expect(history.logEndAtOrBefore(60_000)).toBe(30);
      expect(history.pointAtOrBefore(2500)).toEqual({ offset: 20, timeMs: 2000 });
    });

    it('is null before the first point and for an empty history', () => {
      expect(history.logEndAtOrBefore(999)).toBeNull();
      expect(history.logEndAtOrBefore(0)).toBeNull();
      expect(history.pointAtOrBefore(999)).toBeNull();
      expect(new OffsetHistory().logEndAtOrBefore(5000)).toBeNull();
    });

    it('answers the idle offset anywhere inside an idle run, and the run end after it', () => {
      const idle = historyOf([
        [5, 1000],
        [7, 2000],
        [7, 3000],
        [7, 4000],
        [7, 9000],
        [12, 10_000],
      ]);
      // The run is kept as its first (2000) and last (9000) observation.
      expect(pairs(idle.points())).toEqual([
        [5, 1000],
        [7, 2000],
        [7, 9000],
        [12, 10_000],
      ]);
      expect(idle.logEndAtOrBefore(1500)).toBe(5);
      expect(idle.logEndAtOrBefore(2000)).toBe(7);
      expect(idle.logEndAtOrBefore(5000)).toBe(7);
      expect(idle.logEndAtOrBefore(9500)).toBe(7);
      expect(idle.logEndAtOrBefore(10_000)).toBe(12);
    });

    it('stays a lower bound across a replaced point: a time before the replacement gets the point before', () => {
      const thinned = new OffsetHistory({ minSpacingMs: 1000 });
      thinned.observe(0, 0);
      thinned.observe(10, 500);
      expect(thinned.observe(15, 800)).toBe('replaced-latest');
      expect(pairs(thinned.points())).toEqual([
        [0, 0],
        [15, 800],
      ]);
      // The end was 10 at 500 but that point is gone: 0 is still at or below the truth.
      expect(thinned.logEndAtOrBefore(600)).toBe(0);
      expect(thinned.logEndAtOrBefore(800)).toBe(15);
    });

    it('knows nothing before a reset: the old points described another log', () => {
      const reset = historyOf([
        [100, 1000],
        [200, 2000],
        [5, 3000],
      ]);
      expect(reset.logEndAtOrBefore(2500)).toBeNull();
      expect(reset.logEndAtOrBefore(3000)).toBe(5);
    });

    it('rejects a bad time', () => {
      expect(() => history.logEndAtOrBefore(Number.NaN)).toThrow(/timeMs must be/);
      expect(() => history.logEndAtOrBefore(-1)).toThrow(RangeError);
    });
  });

  it('clear() empties the history', () => {
    const history = historyOf([
      [0, 0],
      [1, 1],
    ]);
    history.clear();
    expect(history.size).toBe(0);
    expect(history.observe(0, 0)).toBe('appended');
  });

  it('returns copies of its points', () => {
    const history = historyOf([[1, 1]]);
    const points = history.points() as OffsetPoint[];
    points.pop();
    expect(history.size).toBe(1);
  });
});
