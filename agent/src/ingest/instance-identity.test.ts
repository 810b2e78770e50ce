import { InstanceIdentities, reportedStartTimeMs } from './instance-identity';
import { instanceKeyOf, type MetricPoint, type MetricReport } from './report';

const T0 = 1_700_000_000_000;

function counter(
  startTimeMs: number | null,
  temporality: 'cumulative' | 'delta' = 'cumulative',
): MetricPoint {
  return {
    kind: 'sum',
    temporality,
    monotonic: true,
    value: 1,
    metric: 'streamops_consumer_messages_total',
    unit: '',
    pipeline: 'orders',
    stage: null,
    attributes: {},
    startTimeMs,
    timeMs: T0 + 60_000,
  };
}

function gauge(): MetricPoint {
  return {
    kind: 'gauge',
    value: 1,
    metric: 'streamops_up',
    unit: '',
    pipeline: 'orders',
    stage: null,
    attributes: {},
    startTimeMs: null,
    timeMs: T0 + 60_000,
  };
}

function report(instanceId: string, points: MetricPoint[]): MetricReport {
  const instance = { serviceName: 'orders', serviceInstanceId: instanceId, pipeline: null, stage: null };
  return { instance, reporter: 'streamops-sdk', instanceKey: instanceKeyOf(instance), points };
}

function setUp(ttlMs = 60_000, maxInstances = 100) {
  const clock = { now: T0 };
  const identities = new InstanceIdentities({ ttlMs, maxInstances, now: () => clock.now });
  return { identities, clock };
}

describe('reportedStartTimeMs', () => {
  it('is the earliest start of the cumulative points', () => {
    expect(reportedStartTimeMs(report('a', [counter(T0 + 5), counter(T0), gauge()]))).toBe(T0);
  });

  it('is null when no cumulative point carries a start', () => {
    expect(reportedStartTimeMs(report('a', [gauge(), counter(T0, 'delta'), counter(null)]))).toBeNull();
    expect(reportedStartTimeMs(report('a', []))).toBeNull();
  });
});

describe('InstanceIdentities', () => {
  it('accepts anything for an unknown instance', () => {
    const { identities } = setUp();
    expect(identities.check(report('a', [counter(T0)]), 'team-a')).toEqual({ ok: true });
  });

  it('refuses another token while the instance lives, and accepts it after the TTL', () => {
    const { identities, clock } = setUp();
    identities.record(report('a', [counter(T0)]), 'team-a');
    const claim = identities.check(report('a', [counter(T0)]), 'team-b');
    expect(claim.ok).toBe(false);
    expect(!claim.ok && claim.message).toContain('instance a of orders is reported with another token');
    expect(identities.check(report('b', [counter(T0)]), 'team-b').ok).toBe(true);
    clock.now += 59_999;
    expect(identities.check(report('a', [counter(T0)]), 'team-b').ok).toBe(false);
    clock.now += 1;
    expect(identities.check(report('a', [counter(T0)]), 'team-b').ok).toBe(true);
  });

  it('takes a later start time as a restart once the live process missed a report, and refuses an earlier one', () => {
    const { identities, clock } = setUp();
    identities.record(report('a', [counter(T0)]), 'default');
    clock.now += 5_000;
    identities.record(report('a', [counter(T0)]), 'default'); // reports every 5 s
    expect(identities.check(report('a', [counter(T0), gauge()]), 'default').ok).toBe(true);
    const earlier = identities.check(report('a', [counter(T0 - 1_000)]), 'default');
    expect(earlier.ok).toBe(false);
    expect(!earlier.ok && earlier.message).toContain(
      "started at 2023-11-14T22:13:20.000Z, this report's started earlier, at 2023-11-14T22:13:19.000Z",
    );
    // While the live process keeps reporting, a later start is a claimant, not a restart.
    clock.now += 7_499;
    const claim = identities.check(report('a', [counter(T0 + 1_000)]), 'default');
    expect(claim.ok).toBe(false);
    expect(!claim.ok && claim.message).toContain('once the old process has been silent for 8 s');
    // Silent for 1.5 report intervals: the restarted process takes the id; the old one is refused.
    clock.now += 1;
    expect(identities.check(report('a', [counter(T0 + 1_000)]), 'default').ok).toBe(true);
    identities.record(report('a', [counter(T0 + 1_000)]), 'default');
    expect(identities.check(report('a', [counter(T0)]), 'default').ok).toBe(false);
    // Reports without a start time (gauges only) claim nothing about the process.
    expect(identities.check(report('a', [gauge()]), 'default').ok).toBe(true);
  });

  it('waits 10 s for a restart while the report interval is unknown, and never less than 1 s', () => {
    const { identities, clock } = setUp();
    identities.record(report('a', [counter(T0)]), 'default');
    clock.now += 9_999;
    expect(identities.check(report('a', [counter(T0 + 1)]), 'default').ok).toBe(false);
    clock.now += 1;
    expect(identities.check(report('a', [counter(T0 + 1)]), 'default').ok).toBe(true);
    identities.record(report('b', [counter(T0)]), 'default');
    clock.now += 10;
    identities.record(report('b', [counter(T0)]), 'default'); // a 10 ms interval
    clock.now += 999;
    expect(identities.check(report('b', [counter(T0 + 1)]), 'default').ok).toBe(false);
    clock.now += 1;
    expect(identities.check(report('b', [counter(T0 + 1)]), 'default').ok).toBe(true);
  });

  it('refuses sums without a process start for an instance known by its start', () => {
    const { identities } = setUp();
    identities.record(report('a', [counter(T0)]), 'default');
    const delta = identities.check(report('a', [counter(null)]), 'default');
    expect(delta.ok).toBe(false);
    expect(!delta.ok && delta.message).toContain("this report's sums carry no process start time");
    // An instance that never told its start (a delta reporter) keeps reporting deltas.
    identities.record(report('d', [counter(null)]), 'default');
    expect(identities.check(report('d', [counter(null)]), 'default').ok).toBe(true);
  });

  it('learns the start time from the first report that carries one', () => {
    const { identities } = setUp();
    identities.record(report('a', [gauge()]), 'default');
    expect(identities.check(report('a', [counter(T0 + 7)]), 'default').ok).toBe(true);
    identities.record(report('a', [counter(T0 + 7)]), 'default');
    expect(identities.check(report('a', [counter(T0 + 6)]), 'default').ok).toBe(false);
  });

  it('is kept alive by accepted reports only', () => {
    const { identities, clock } = setUp();
    identities.record(report('a', [counter(T0)]), 'team-a');
    clock.now += 40_000;
    identities.record(report('a', [counter(T0)]), 'team-a');
    clock.now += 40_000;
    // 80 s after the first report, 40 s after the last: still bound.
    expect(identities.check(report('a', [counter(T0)]), 'team-b').ok).toBe(false);
    clock.now += 20_000;
    expect(identities.check(report('a', [counter(T0)]), 'team-b').ok).toBe(true);
  });

  it('stays within its bound, expiring silent bindings first, then the least recently seen', () => {
    const { identities, clock } = setUp(60_000, 3);
    identities.record(report('a', [counter(T0)]), 't');
    clock.now += 1_000;
    identities.record(report('b', [counter(T0)]), 't');
    identities.record(report('c', [counter(T0)]), 't');
    identities.record(report('a', [counter(T0)]), 't'); // a is now the most recently seen
    identities.record(report('d', [counter(T0)]), 't');
    expect(identities.size).toBe(3);
    expect(identities.check(report('b', [counter(T0)]), 'other').ok).toBe(true);
    expect(identities.check(report('a', [counter(T0)]), 'other').ok).toBe(false);
    clock.now += 60_000;
    identities.record(report('e', [counter(T0)]), 't');
    expect(identities.size).toBe(1);
  });

  it('refuses a bad TTL or bound', () => {
    expect(() => new InstanceIdentities({ ttlMs: 0, maxInstances: 1, now: () => 0 })).toThrow(
      'ttlMs must be a positive integer',
    );
    expect(() => new InstanceIdentities({ ttlMs: 1, maxInstances: 1.5, now: () => 0 })).toThrow(
      'maxInstances must be a positive integer',
    );
  });
});
