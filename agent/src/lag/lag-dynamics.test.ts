import {
  lagDynamics,
  lagVelocity,
  offsetRate,
  retentionRisk,
  timeToDrainSeconds,
  type PartitionSample,
} from './lag-dynamics';

const T0 = 1_700_000_000_000; // realistic epoch milliseconds, to catch precision loss

describe('lagVelocity', () => {
  it('is the difference quotient for two observations, in messages per second', () => {
    expect(
      lagVelocity([
        { lagMessages: 100, timeMs: T0 },
        { lagMessages: 160, timeMs: T0 + 30_000 },
      ]),
    ).toBeCloseTo(2, 9);
  });

  it('is negative when the group is catching up', () => {
    expect(
      lagVelocity([
        { lagMessages: 500, timeMs: T0 },
        { lagMessages: 0, timeMs: T0 + 10_000 },
      ]),
    ).toBeCloseTo(-50, 9);
  });

  it('is 0 for a flat lag', () => {
    expect(
      lagVelocity([
        { lagMessages: 7, timeMs: T0 },
        { lagMessages: 7, timeMs: T0 + 1000 },
        { lagMessages: 7, timeMs: T0 + 2000 },
      ]),
    ).toBe(0);
  });

  it('fits a least-squares slope through noisy observations', () => {
    // Lag 10 + 3/s, with ±4 noise that cancels out.
    const observations = [0, 1, 2, 3, 4, 5].map((second, index) => ({
      lagMessages: 10 + 3 * second + (index % 2 === 0 ? 4 : -4),
      timeMs: T0 + second * 1000,
    }));
    const slope = lagVelocity(observations);
    expect(slope).not.toBeNull();
    // Alternating noise on an even count leaves a small bias: Σ(dt × noise) / Σdt² = −12 / 17.5.
    expect(slope).toBeCloseTo(3 - 12 / 17.5, 9);
  });

  it('is exact for a straight line of many points', () => {
    const observations = Array.from({ length: 50 }, (_, second) => ({
      lagMessages: 1_000_000 - 250 * second,
      timeMs: T0 + second * 1000,
    }));
    expect(lagVelocity(observations)).toBeCloseTo(-250, 6);
  });

  it('is null with fewer than two observations or no elapsed time', () => {
    expect(lagVelocity([])).toBeNull();
    expect(lagVelocity([{ lagMessages: 3, timeMs: T0 }])).toBeNull();
    expect(
      lagVelocity([
        { lagMessages: 3, timeMs: T0 },
        { lagMessages: 9, timeMs: T0 },
      ]),
    ).toBeNull();
  });

  it.each([
    [[{ lagMessages: -1, timeMs: T0 }], /observations\[0\]\.lagMessages must be/],
    [[{ lagMessages: Number.NaN, timeMs: T0 }], /observations\[0\]\.lagMessages must be/],
    [[{ lagMessages: 1, timeMs: Number.NaN }], /observations\[0\]\.timeMs must be/],
    [
      [
        { lagMessages: 1, timeMs: T0 },
        { lagMessages: 1, timeMs: T0 - 1 },
      ],
      /observations\[1\]\.timeMs .* is before observations\[0\]\.timeMs/,
    ],
  ])('rejects %o', (observations, message) => {
    expect(() => lagVelocity(observations)).toThrow(RangeError);
    expect(() => lagVelocity(observations)).toThrow(message);
  });
});

describe('offsetRate', () => {
  it('is offsets per second', () => {
    expect(offsetRate({ offset: 1000, timeMs: T0 }, { offset: 1600, timeMs: T0 + 2000 })).toBe(300);
  });

  it('is 0 when the offset did not move', () => {
    expect(offsetRate({ offset: 5, timeMs: T0 }, { offset: 5, timeMs: T0 + 2000 })).toBe(0);
  });

  it('is null when no time passed', () => {
    expect(offsetRate({ offset: 5, timeMs: T0 }, { offset: 9, timeMs: T0 })).toBeNull();
  });

  it('is null across a rewind or a truncated log', () => {
    expect(offsetRate({ offset: 900, timeMs: T0 }, { offset: 10, timeMs: T0 + 1000 })).toBeNull();
  });

  it.each([
    [{ offset: -1, timeMs: T0 }, { offset: 1, timeMs: T0 }, /earlier\.offset must be/],
    [{ offset: 1, timeMs: T0 }, { offset: 1.5, timeMs: T0 }, /later\.offset must be/],
    [{ offset: 1, timeMs: Number.NaN }, { offset: 1, timeMs: T0 }, /earlier\.timeMs must be/],
    [{ offset: 1, timeMs: T0 }, { offset: 1, timeMs: -1 }, /later\.timeMs must be/],
    [{ offset: 1, timeMs: T0 }, { offset: 2, timeMs: T0 - 5 }, /later\.timeMs .* is before earlier\.timeMs/],
  ])('rejects %o → %o', (earlier, later, message) => {
    expect(() => offsetRate(earlier, later)).toThrow(message);
  });
});

describe('timeToDrainSeconds', () => {
  it('is lag ÷ (consume rate − produce rate)', () => {
    expect(timeToDrainSeconds(1200, 150, 100)).toBe(24);
  });

  it('is 0 when there is no lag, even if the group is not consuming', () => {
    expect(timeToDrainSeconds(0, 0, 500)).toBe(0);
  });

  it('is +Infinity when the gap is growing', () => {
    expect(timeToDrainSeconds(10, 50, 80)).toBe(Number.POSITIVE_INFINITY);
  });

  it('is +Infinity when the gap is flat with lag', () => {
    expect(timeToDrainSeconds(10, 80, 80)).toBe(Number.POSITIVE_INFINITY);
    expect(timeToDrainSeconds(10, 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    [-1, 1, 1, /lagMessages must be/],
    [Number.NaN, 1, 1, /lagMessages must be/],
    [1, -1, 1, /consumeRate must be/],
    [1, 1, Number.POSITIVE_INFINITY, /produceRate must be/],
  ])('rejects (%p, %p, %p)', (lag, consume, produce, message) => {
    expect(() => timeToDrainSeconds(lag, consume, produce)).toThrow(message);
  });
});

describe('retentionRisk', () => {
  it('is lag ÷ retained records', () => {
    expect(retentionRisk({ logStartOffset: 1000, logEndOffset: 2000, committedOffset: 1750 })).toBe(0.25);
  });

  it('is 0 when caught up', () => {
    expect(retentionRisk({ logStartOffset: 0, logEndOffset: 2000, committedOffset: 2000 })).toBe(0);
  });

  it('is 1 when the group sits at the log start: the next retention pass deletes its next record', () => {
    expect(retentionRisk({ logStartOffset: 1000, logEndOffset: 2000, committedOffset: 1000 })).toBe(1);
  });

  it('is 1 when records were already deleted unread', () => {
    expect(retentionRisk({ logStartOffset: 1000, logEndOffset: 2000, committedOffset: 10 })).toBe(1);
  });

  it('is 0 for an empty log, with no division by zero', () => {
    expect(retentionRisk({ logStartOffset: 500, logEndOffset: 500, committedOffset: 500 })).toBe(0);
    expect(retentionRisk({ logStartOffset: 0, logEndOffset: 0, committedOffset: 0 })).toBe(0);
  });

  it('is 1 for an emptied log whose records the group never read', () => {
    expect(retentionRisk({ logStartOffset: 500, logEndOffset: 500, committedOffset: 100 })).toBe(1);
  });

  it('is null without a commit', () => {
    expect(retentionRisk({ logStartOffset: 0, logEndOffset: 10, committedOffset: null })).toBeNull();
  });

  it('rejects invalid offsets', () => {
    expect(() => retentionRisk({ logStartOffset: 0, logEndOffset: -1, committedOffset: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('lagDynamics', () => {
  const earlier: PartitionSample = {
    timeMs: T0,
    logStartOffset: 0,
    logEndOffset: 10_000,
    committedOffset: 8000,
  };

  it('combines rates, velocity, time to drain and retention risk', () => {
    const later: PartitionSample = {
      timeMs: T0 + 10_000,
      logStartOffset: 0,
      logEndOffset: 11_000,
      committedOffset: 9500,
    };
    expect(lagDynamics(earlier, later)).toEqual({
      consumeRate: 150,
      produceRate: 100,
      lagVelocity: expect.closeTo(-50, 9) as number,
      timeToDrainSeconds: 30,
      retentionRisk: 1500 / 11_000,
    });
  });

  it('reports +Infinity time to drain for a group falling behind', () => {
    const later: PartitionSample = {
      timeMs: T0 + 10_000,
      logStartOffset: 0,
      logEndOffset: 12_000,
      committedOffset: 8500,
    };
    const dynamics = lagDynamics(earlier, later);
    expect(dynamics.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(dynamics.lagVelocity).toBeCloseTo(150, 9);
  });

  it('reports 0 time to drain at zero lag even when a rate is unknown', () => {
    const later: PartitionSample = {
      timeMs: T0,
      logStartOffset: 0,
      logEndOffset: 10_000,
      committedOffset: 10_000,
    };
    const dynamics = lagDynamics(earlier, later);
    expect(dynamics.consumeRate).toBeNull(); // no time passed
    expect(dynamics.timeToDrainSeconds).toBe(0);
  });

  it('has no consume rate or time to drain across a rewind, but keeps the velocity', () => {
    const later: PartitionSample = {
      timeMs: T0 + 10_000,
      logStartOffset: 0,
      logEndOffset: 10_000,
      committedOffset: 0,
    };
    const dynamics = lagDynamics(earlier, later);
    expect(dynamics.consumeRate).toBeNull();
    expect(dynamics.timeToDrainSeconds).toBeNull();
    expect(dynamics.lagVelocity).toBeCloseTo(800, 9);
  });

  it('has only the produce rate when the group has no commit', () => {
    const noCommit = { ...earlier, committedOffset: null };
    const later: PartitionSample = {
      timeMs: T0 + 1000,
      logStartOffset: 0,
      logEndOffset: 10_010,
      committedOffset: null,
    };
    expect(lagDynamics(noCommit, later)).toEqual({
      consumeRate: null,
      produceRate: 10,
      lagVelocity: null,
      timeToDrainSeconds: null,
      retentionRisk: null,
    });
  });

  it('rejects samples out of order', () => {
    expect(() => lagDynamics(earlier, { ...earlier, timeMs: T0 - 1 })).toThrow(/before earlier\.timeMs/);
  });
});
