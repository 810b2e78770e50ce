import {
  evaluateThresholdStatus,
  thresholdsForGroup,
  type PartitionTimeLag,
  type TimeLagThresholds,
} from './threshold-status';

const LIMITS: TimeLagThresholds = { warnSeconds: 60, errSeconds: 300 };

function lag(topic: string, partition: number, seconds: number | null): PartitionTimeLag {
  return { topic, partition, seconds };
}

describe('evaluateThresholdStatus', () => {
  it('is OK when every partition is within warnSeconds', () => {
    expect(evaluateThresholdStatus([lag('orders', 0, 1.25), lag('orders', 1, 59.96)], LIMITS)).toEqual({
      status: 'OK',
      code: 1,
      rule: 'within-thresholds',
      reason: 'max time lag 60 s at orders/1 is within warnSeconds 60',
      partitions: [],
      maxSeconds: 59.96,
      unknownPartitions: 0,
      thresholds: LIMITS,
    });
  });

  it('treats a lag exactly at a limit as within it', () => {
    expect(evaluateThresholdStatus([lag('t', 0, 60)], LIMITS).status).toBe('OK');
    expect(evaluateThresholdStatus([lag('t', 0, 300)], LIMITS).status).toBe('WARN');
  });

  it('is WARN above warnSeconds, naming the partitions worst first', () => {
    const result = evaluateThresholdStatus([lag('t', 0, 10), lag('t', 1, 61), lag('t', 2, 120)], LIMITS);
    expect(result).toMatchObject({ status: 'WARN', code: 2, rule: 'over-warn-seconds', maxSeconds: 120 });
    expect(result.partitions).toEqual([
      { topic: 't', partition: 2, seconds: 120 },
      { topic: 't', partition: 1, seconds: 61 },
    ]);
    expect(result.reason).toBe('2 partitions above warnSeconds 60; worst t/2 at 120 s');
  });

  it('is ERR above errSeconds, naming only the partitions over it', () => {
    const result = evaluateThresholdStatus([lag('a', 0, 100), lag('b', 0, 301), lag('a', 1, 900)], LIMITS);
    expect(result).toMatchObject({ status: 'ERR', code: 3, rule: 'over-err-seconds', maxSeconds: 900 });
    expect(result.partitions).toEqual([
      { topic: 'a', partition: 1, seconds: 900 },
      { topic: 'b', partition: 0, seconds: 301 },
    ]);
    expect(result.reason).toBe('2 partitions above errSeconds 300; worst a/1 at 900 s');
  });

  it('orders ties by topic and partition so results do not flap', () => {
    const result = evaluateThresholdStatus([lag('b', 1, 500), lag('a', 2, 500), lag('a', 1, 500)], LIMITS);
    expect(result.partitions.map((entry) => `${entry.topic}/${entry.partition}`)).toEqual([
      'a/1',
      'a/2',
      'b/1',
    ]);
  });

  it('is UNKNOWN, not OK, when no partition has a known time lag', () => {
    expect(evaluateThresholdStatus([lag('t', 0, null), lag('t', 1, null)], LIMITS)).toEqual({
      status: 'UNKNOWN',
      code: 0,
      rule: 'no-time-lag',
      reason: 'time lag unknown on all 2 partitions',
      partitions: [],
      maxSeconds: null,
      unknownPartitions: 2,
      thresholds: LIMITS,
    });
    expect(evaluateThresholdStatus([], LIMITS).status).toBe('UNKNOWN');
  });

  it('judges the known partitions and counts the unknown ones', () => {
    const result = evaluateThresholdStatus([lag('t', 0, null), lag('t', 1, 5)], LIMITS);
    expect(result).toMatchObject({ status: 'OK', unknownPartitions: 1 });
    expect(result.reason).toBe('max time lag 5 s at t/1 is within warnSeconds 60 (1 partitions unknown)');
  });

  it('accepts zero thresholds: any lag above 0 is ERR', () => {
    expect(evaluateThresholdStatus([lag('t', 0, 0.001)], { warnSeconds: 0, errSeconds: 0 }).status).toBe(
      'ERR',
    );
    expect(evaluateThresholdStatus([lag('t', 0, 0)], { warnSeconds: 0, errSeconds: 0 }).status).toBe('OK');
  });

  describe('bad input', () => {
    it.each<[TimeLagThresholds, RegExp]>([
      [
        { warnSeconds: Number.NaN, errSeconds: 5 },
        /thresholds\.warnSeconds must be a finite, non-negative number, got NaN/,
      ],
      [{ warnSeconds: -1, errSeconds: 5 }, /thresholds\.warnSeconds must be/],
      [{ warnSeconds: 1, errSeconds: Number.POSITIVE_INFINITY }, /thresholds\.errSeconds must be/],
      [
        { warnSeconds: 10, errSeconds: 5 },
        /thresholds\.errSeconds \(5\) must be at least warnSeconds \(10\)/,
      ],
    ])('rejects thresholds %o', (thresholds, message) => {
      expect(() => evaluateThresholdStatus([], thresholds)).toThrow(RangeError);
      expect(() => evaluateThresholdStatus([], thresholds)).toThrow(message);
    });

    it.each([
      [lag('t', 0, Number.NaN), /time lag of t\/0 must be a finite, non-negative number of seconds, got NaN/],
      [lag('t', 0, -2), /time lag of t\/0 must be/],
      [lag('t', 0, Number.POSITIVE_INFINITY), /time lag of t\/0 must be/],
      [lag('t', -1, 5), /partition of topic t must be a non-negative integer, got -1/],
    ])('rejects %o', (entry, message) => {
      expect(() => evaluateThresholdStatus([entry], LIMITS)).toThrow(message);
    });
  });
});

describe('thresholdsForGroup', () => {
  const overrides = [
    { group: /^payments-/, warnSeconds: 5, errSeconds: 30 },
    { group: /^payments-batch$/, warnSeconds: 3600, errSeconds: 7200 },
    { group: /audit/g, warnSeconds: 600, errSeconds: 6000 },
  ];

  it('uses the first matching override', () => {
    expect(thresholdsForGroup('payments-api', overrides, LIMITS)).toEqual({ warnSeconds: 5, errSeconds: 30 });
    expect(thresholdsForGroup('payments-batch', overrides, LIMITS)).toEqual({
      warnSeconds: 5,
      errSeconds: 30,
    });
  });

  it('falls back to the defaults', () => {
    expect(thresholdsForGroup('orders', overrides, LIMITS)).toBe(LIMITS);
    expect(thresholdsForGroup('orders', [], LIMITS)).toBe(LIMITS);
  });

  it('gives the same answer every time for a global regular expression', () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(thresholdsForGroup('audit-log', overrides, LIMITS)).toEqual({
        warnSeconds: 600,
        errSeconds: 6000,
      });
    }
  });

  it('rejects invalid defaults and an invalid matching override', () => {
    expect(() => thresholdsForGroup('x', [], { warnSeconds: 9, errSeconds: 1 })).toThrow(
      /defaults\.errSeconds \(1\) must be at least warnSeconds \(9\)/,
    );
    expect(() => thresholdsForGroup('x', [{ group: /x/, warnSeconds: -1, errSeconds: 1 }], LIMITS)).toThrow(
      /override \/x\/\.warnSeconds must be/,
    );
  });
});
