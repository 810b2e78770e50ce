import {
  defaultIngestLimits,
  httpStatusForRejection,
  IngestRejectionReason,
  ingestRejectionReasons,
  KeyedRateLimiter,
  resolveIngestLimits,
  TokenBucket,
} from './limits';
import { ingestMetrics } from '../metrics/pipeline-catalogue';

describe('IngestRejectionReason', () => {
  it('has snake_case label values, each once', () => {
    expect(ingestRejectionReasons).toHaveLength(18);
    expect(new Set(ingestRejectionReasons).size).toBe(ingestRejectionReasons.length);
    for (const reason of ingestRejectionReasons) expect(reason).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('are all named, in order, in the help of the rejected-payloads counter', () => {
    expect(ingestMetrics.rejectedPayloads.help).toContain(`(${ingestRejectionReasons.join(', ')})`);
  });

  it.each<[IngestRejectionReason, number]>([
    [IngestRejectionReason.Unauthorized, 401],
    [IngestRejectionReason.UnsupportedMediaType, 415],
    [IngestRejectionReason.UnsupportedEncoding, 415],
    [IngestRejectionReason.BodyTooLarge, 413],
    [IngestRejectionReason.MalformedProtobuf, 400],
    [IngestRejectionReason.MalformedJson, 400],
    [IngestRejectionReason.LimitExceeded, 400],
    [IngestRejectionReason.InvalidDataPoint, 400],
    [IngestRejectionReason.MissingIdentity, 400],
    [IngestRejectionReason.SeriesLimit, 400],
    [IngestRejectionReason.InstanceLimit, 429],
    [IngestRejectionReason.RateLimited, 429],
    [IngestRejectionReason.ForbiddenPipeline, 403],
    [IngestRejectionReason.IdentityConflict, 403],
    [IngestRejectionReason.ValueOverflow, 400],
    [IngestRejectionReason.TypeConflict, 400],
    [IngestRejectionReason.TimestampSkew, 400],
    [IngestRejectionReason.PipelineLimit, 429],
  ])('%s is answered with HTTP %d', (reason, status) => {
    expect(httpStatusForRejection(reason)).toBe(status);
  });
});

describe('resolveIngestLimits', () => {
  it('returns the defaults, with overrides applied', () => {
    expect(resolveIngestLimits()).toEqual(defaultIngestLimits);
    expect(resolveIngestLimits({ maxPoints: 10, requestsPerSecond: 5 })).toMatchObject({
      maxPoints: 10,
      requestsPerSecond: 5,
      maxMetrics: defaultIngestLimits.maxMetrics,
    });
  });

  it.each<[string, object]>([
    ['maxBodyBytes', { maxBodyBytes: 0 }],
    ['maxPoints', { maxPoints: 1.5 }],
    ['maxStringBytes', { maxStringBytes: Number.NaN }],
    ['maxBuckets', { maxBuckets: -1 }],
    ['reportsPerSecondPerInstance', { reportsPerSecondPerInstance: 0 }],
    ['reportsPerSecondPerInstance', { reportsPerSecondPerInstance: Infinity }],
    ['requestsPerSecond', { requestsPerSecond: -2 }],
  ])('rejects a bad %s, naming it', (name, overrides) => {
    expect(() => resolveIngestLimits(overrides)).toThrow(new RegExp(`ingest limit ${name} must be`));
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then one token per refill interval', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([0, 0, 0, 0].map((time) => bucket.tryTake(time).allowed)).toEqual([true, true, true, false]);
    expect(bucket.tryTake(0).retryAfterSeconds).toBeCloseTo(0.5, 9);
    expect(bucket.tryTake(499).allowed).toBe(false);
    expect(bucket.tryTake(500).allowed).toBe(true);
    expect(bucket.tryTake(500).allowed).toBe(false);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket(100, 2, 0);
    expect(bucket.isFull(1_000_000)).toBe(true);
    expect([1, 2, 3].map(() => bucket.tryTake(1_000_000).allowed)).toEqual([true, true, false]);
    expect(bucket.isFull(1_000_000)).toBe(false);
  });

  it('refills nothing when the clock goes backwards', () => {
    const bucket = new TokenBucket(1, 1, 10_000);
    expect(bucket.tryTake(10_000).allowed).toBe(true);
    expect(bucket.tryTake(0).allowed).toBe(false);
    expect(bucket.tryTake(10_999).allowed).toBe(false);
    expect(bucket.tryTake(11_000).allowed).toBe(true);
  });

  it('rejects a bad rate or burst', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(/ratePerSecond must be a positive number/);
    expect(() => new TokenBucket(1, 0.5, 0)).toThrow(/burst must be at least 1/);
  });
});

describe('KeyedRateLimiter', () => {
  function limiter(maxKeys = 3): { limiter: KeyedRateLimiter; clock: { now: number } } {
    const clock = { now: 0 };
    return {
      limiter: new KeyedRateLimiter({ ratePerSecond: 1, burst: 2, maxKeys, now: () => clock.now }),
      clock,
    };
  }

  it('limits each key on its own', () => {
    const { limiter: keyed, clock } = limiter();
    expect(['a', 'a', 'a', 'b', 'b', 'b'].map((key) => keyed.tryTake(key).allowed)).toEqual([
      true,
      true,
      false,
      true,
      true,
      false,
    ]);
    clock.now = 1000;
    expect(keyed.tryTake('a')).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(keyed.tryTake('a').allowed).toBe(false);
  });

  it('stays within maxKeys, forgetting full (idle) buckets first', () => {
    const { limiter: keyed, clock } = limiter(2);
    keyed.tryTake('idle');
    keyed.tryTake('busy');
    keyed.tryTake('busy');
    clock.now = 1000; // idle is full again, busy is not
    keyed.tryTake('new');
    expect(keyed.size).toBe(2);
    // busy kept its state: one token refilled, then empty.
    expect(keyed.tryTake('busy').allowed).toBe(true);
    expect(keyed.tryTake('busy').allowed).toBe(false);
  });

  it('forgets the least recently used key when none is full', () => {
    const { limiter: keyed } = limiter(2);
    keyed.tryTake('a');
    keyed.tryTake('b');
    keyed.tryTake('a'); // a is now the most recently used
    keyed.tryTake('c'); // evicts b
    expect(keyed.size).toBe(2);
    expect(keyed.tryTake('a').allowed).toBe(false); // a kept its (empty) bucket
    expect(keyed.tryTake('b').allowed).toBe(true); // b starts over
  });

  it('holds a bounded number of keys under a flood of new ones', () => {
    const { limiter: keyed } = limiter(100);
    for (let index = 0; index < 10_000; index++) keyed.tryTake(`instance-${index}`);
    expect(keyed.size).toBeLessThanOrEqual(100);
  });

  it('rejects bad options', () => {
    expect(() => new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 0, now: () => 0 })).toThrow(
      /maxKeys/,
    );
    expect(() => new KeyedRateLimiter({ ratePerSecond: -1, burst: 1, maxKeys: 1, now: () => 0 })).toThrow(
      /ratePerSecond/,
    );
  });
});
