import { IngestRejectionReason } from '../ingest/limits';
import {
  instanceKeyOf,
  type HistogramPoint,
  type MetricPoint,
  type MetricReport,
  type ReporterKind,
  type SumPoint,
} from '../ingest/report';
import {
  InstanceStore,
  type AggregateSeries,
  type InstanceStoreOptions,
  type StoreSnapshot,
} from './instance-store';

const START = 1_700_000_000_000;

class Clock {
  constructor(public nowMs = START) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): number {
    return (this.nowMs += ms);
  }
}

function store(clock: Clock, options: Partial<InstanceStoreOptions> = {}): InstanceStore {
  return new InstanceStore({ now: clock.now, instanceTtlMs: 30_000, ...options });
}

function report(
  instance: string,
  points: MetricPoint[],
  service = 'svc',
  reporter: ReporterKind = 'streamops-sdk',
): MetricReport {
  const identity = { serviceName: service, serviceInstanceId: instance, pipeline: 'orders', stage: null };
  return { instance: identity, instanceKey: instanceKeyOf(identity), reporter, points };
}

interface CounterOptions {
  metric?: string;
  stage?: string | null;
  pipeline?: string;
  attributes?: Record<string, string>;
  startTimeMs?: number | null;
  temporality?: 'cumulative' | 'delta';
  monotonic?: boolean;
}

function counter(value: number, timeMs: number, options: CounterOptions = {}): SumPoint {
  return {
    kind: 'sum',
    metric: options.metric ?? 'streamops_stage_messages_total',
    unit: '1',
    pipeline: options.pipeline ?? 'orders',
    stage: options.stage === undefined ? 'enrich' : options.stage,
    attributes: options.attributes ?? { outcome: 'success' },
    startTimeMs: options.startTimeMs === undefined ? START : options.startTimeMs,
    timeMs,
    temporality: options.temporality ?? 'cumulative',
    monotonic: options.monotonic ?? true,
    value,
  };
}

function histogramPoint(
  counts: number[],
  timeMs: number,
  options: {
    bounds?: number[];
    temporality?: 'cumulative' | 'delta';
    startTimeMs?: number;
    sum?: number;
  } = {},
): HistogramPoint {
  return {
    kind: 'histogram',
    metric: 'streamops_consumer_record_age_seconds',
    unit: 's',
    pipeline: 'orders',
    stage: 'source',
    attributes: { topic: 'orders' },
    startTimeMs: options.startTimeMs ?? START,
    timeMs,
    temporality: options.temporality ?? 'cumulative',
    count: counts.reduce((total, count) => total + count, 0),
    sum: options.sum ?? 0,
    explicitBounds: options.bounds ?? [0.1, 1],
    bucketCounts: counts,
  };
}

function series(
  snapshot: StoreSnapshot,
  metric = 'streamops_stage_messages_total',
  pipeline = 'orders',
): AggregateSeries[] {
  return (
    snapshot.pipelines
      .find((entry) => entry.pipeline === pipeline)
      ?.series.filter((entry) => entry.metric === metric) ?? []
  );
}

function value(snapshot: StoreSnapshot, metric = 'streamops_stage_messages_total'): number | undefined {
  const found = series(snapshot, metric);
  return found.length === 0 ? undefined : found.reduce((total, entry) => total + entry.value, 0);
}

describe('InstanceStore counters', () => {
  it('sums a counter over instances, per pipeline, stage and attributes', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(
      report('a', [
        counter(10, START + 1000),
        counter(1, START + 1000, { attributes: { outcome: 'error' } }),
      ]),
    );
    instances.apply(report('b', [counter(5, START + 1000), counter(7, START + 1000, { stage: 'parse' })]));
    const snapshot = instances.snapshot();
    expect(snapshot.timeMs).toBe(START);
    expect(
      series(snapshot).map((entry) => [entry.stage, entry.attributes, entry.value, entry.liveInstances]),
    ).toEqual([
      ['enrich', { outcome: 'error' }, 1, 1],
      ['enrich', { outcome: 'success' }, 15, 2],
      ['parse', { outcome: 'success' }, 7, 1],
    ]);
  });

  it('counts the first value of an instance that started after the store in full', () => {
    const clock = new Clock();
    const instances = store(clock);
    clock.advance(5000);
    instances.apply(report('a', [counter(40, START + 6000, { startTimeMs: START + 5000 })]));
    expect(value(instances.snapshot())).toBe(40);
  });

  it('takes the first value as a baseline when the instance ran before the store (agent restart)', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(1_000_000, START + 1000, { startTimeMs: START - 3_600_000 })]));
    expect(value(instances.snapshot())).toBe(0);
    instances.apply(report('a', [counter(1_000_050, START + 2000, { startTimeMs: START - 3_600_000 })]));
    expect(value(instances.snapshot())).toBe(50);
  });

  it('takes the first value as a baseline when the start time is unknown', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(500, START + 1000, { startTimeMs: null })]));
    instances.apply(report('a', [counter(530, START + 2000, { startTimeMs: null })]));
    expect(value(instances.snapshot())).toBe(30);
  });

  it('counts a series that appears later on a known instance in full', () => {
    const clock = new Clock();
    const instances = store(clock);
    const old = START - 3_600_000;
    instances.apply(report('a', [counter(100, START + 1000, { startTimeMs: old })]));
    instances.apply(
      report('a', [
        counter(110, START + 2000, { startTimeMs: old }),
        counter(3, START + 2000, { startTimeMs: old, attributes: { outcome: 'error' } }),
      ]),
    );
    expect(series(instances.snapshot()).map((entry) => entry.value)).toEqual([3, 10]);
  });

  it('treats a value that goes down as a restart, so the aggregate never decreases', () => {
    const clock = new Clock();
    const instances = store(clock);
    const totals: number[] = [];
    const values = [10, 25, 40, 3, 9, 1, 30];
    values.forEach((reported, index) => {
      instances.apply(report('a', [counter(reported, START + 1000 * (index + 1))]));
      instances.apply(report('b', [counter(index * 10, START + 1000 * (index + 1))]));
      totals.push(value(instances.snapshot()) ?? Number.NaN);
    });
    // a: 10, +15, +15, restart +3, +6, restart +1, +29; b: +10 each step.
    expect(totals).toEqual([10, 35, 60, 73, 89, 100, 139]);
    for (let index = 1; index < totals.length; index++) {
      expect(totals[index]).toBeGreaterThanOrEqual(totals[index - 1] ?? 0);
    }
  });

  it('treats a changed start time as a restart even when the value went up', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(10, START + 1000)]));
    instances.apply(report('a', [counter(50, START + 60_000, { startTimeMs: START + 55_000 })]));
    // Not 50 − 10: the new process counted 50 since its start.
    expect(value(instances.snapshot())).toBe(60);
  });

  it('accumulates delta points and ignores repeated or older ones', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(5, START + 1000, { temporality: 'delta' })]));
    instances.apply(
      report('a', [counter(7, START + 2000, { temporality: 'delta', startTimeMs: START + 1000 })]),
    );
    const retried = instances.apply(
      report('a', [counter(7, START + 2000, { temporality: 'delta', startTimeMs: START + 1000 })]),
    );
    const late = instances.apply(report('a', [counter(4, START + 1500, { temporality: 'delta' })]));
    expect(retried).toEqual({ acceptedPoints: 0, ignoredPoints: 1, rejected: [] });
    expect(late.ignoredPoints).toBe(1);
    expect(value(instances.snapshot())).toBe(12);
  });

  it('ignores cumulative points older than the last one (no false restart)', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(10, START + 1000)]));
    instances.apply(report('a', [counter(20, START + 3000)]));
    expect(instances.apply(report('a', [counter(15, START + 2000)])).ignoredPoints).toBe(1);
    instances.apply(report('a', [counter(25, START + 4000)]));
    expect(value(instances.snapshot())).toBe(25);
  });

  it('takes the first cumulative value after delta points as a baseline', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(5, START + 1000, { temporality: 'delta' })]));
    instances.apply(report('a', [counter(100, START + 2000)]));
    instances.apply(report('a', [counter(110, START + 3000)]));
    instances.apply(report('a', [counter(2, START + 4000, { temporality: 'delta' })]));
    expect(value(instances.snapshot())).toBe(5 + 10 + 2);
  });

  it('keeps series apart whatever characters their names and values contain', () => {
    const clock = new Clock();
    const instances = store(clock);
    const lookalikes: [string | null, Record<string, string>][] = [
      ['enrich', { a: 'b,c:d' }],
      ['enrich', { a: 'b', c: 'd' }],
      ['enrich', { 'a:b': 'c' }],
      ['enrich', { a: 'b:c' }],
      ['enrich', { a: '"b"' }],
      ['enrich', { a: 'b' }],
      ['"', {}],
      [null, {}],
      ['', {}],
      ['\\u0000', {}], // the six characters, not NUL
      ['\u0000', {}],
    ];
    instances.apply(
      report(
        'a',
        lookalikes.map(([stage, attributes]) => counter(1, START + 1000, { stage, attributes })),
      ),
    );
    expect(series(instances.snapshot())).toHaveLength(lookalikes.length);
  });

  it('refuses a gauge under a counter name, naming the series (type_conflict)', () => {
    const clock = new Clock();
    const instances = store(clock);
    const result = instances.apply(
      report('a', [counter(5, START + 1000), counter(-2, START + 1000, { monotonic: false })]),
    );
    expect(result.rejected).toEqual([
      {
        reason: IngestRejectionReason.TypeConflict,
        points: 1,
        message:
          'gauge streamops_stage_messages_total{outcome="success"} of pipeline "orders" stage "enrich": the agent holds it as a counter; a metric keeps one type',
      },
    ]);
    expect(series(instances.snapshot()).map((entry) => [entry.kind, entry.value])).toEqual([['counter', 5]]);
  });
});

describe('InstanceStore gauges', () => {
  it('sums gauges over live instances and drops them with their instance', () => {
    const clock = new Clock();
    const instances = store(clock);
    const gauge = (reported: number, timeMs: number): MetricPoint => ({
      ...counter(reported, timeMs, { metric: 'streamops_consumer_assigned_partitions', stage: 'source' }),
      kind: 'gauge',
    });
    instances.apply(report('a', [gauge(3, START + 1000)]));
    instances.apply(report('b', [gauge(2, START + 1000)]));
    instances.apply(report('a', [gauge(4, START + 2000)]));
    expect(value(instances.snapshot(), 'streamops_consumer_assigned_partitions')).toBe(6);
    clock.advance(20_000);
    instances.apply(report('a', [gauge(4, START + 21_000)]));
    clock.advance(15_000); // b silent for 35 s
    expect(value(instances.snapshot(), 'streamops_consumer_assigned_partitions')).toBe(4);
    clock.advance(30_000);
    expect(series(instances.snapshot(), 'streamops_consumer_assigned_partitions')).toEqual([]);
  });

  it('accumulates delta up-down counters into a current value', () => {
    const clock = new Clock();
    const instances = store(clock);
    const upDown = (delta: number, timeMs: number): SumPoint =>
      counter(delta, timeMs, { metric: 'streamops_in_flight', monotonic: false, temporality: 'delta' });
    instances.apply(report('a', [upDown(5, START + 1000)]));
    instances.apply(report('a', [upDown(-3, START + 2000)]));
    instances.apply(report('a', [upDown(-3, START + 2000)])); // repeated: ignored
    expect(value(instances.snapshot(), 'streamops_in_flight')).toBe(2);
  });
});

describe('InstanceStore histograms', () => {
  it('merges histograms over instances and accumulates cumulative increases', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [histogramPoint([1, 2, 0], START + 1000, { sum: 1 })]));
    instances.apply(report('b', [histogramPoint([3, 0, 1], START + 1000, { sum: 5 })]));
    instances.apply(report('a', [histogramPoint([2, 4, 1], START + 2000, { sum: 4 })]));
    const [merged] = series(instances.snapshot(), 'streamops_consumer_record_age_seconds');
    expect(merged).toMatchObject({ kind: 'histogram', value: 11, liveInstances: 2 });
    expect(merged?.histogram).toEqual({ bounds: [0.1, 1], counts: [5, 4, 2], count: 11, sum: 9 });
  });

  it('adds a restarted histogram in full, and delta histograms as they come', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [histogramPoint([5, 5, 5], START + 1000)]));
    instances.apply(report('a', [histogramPoint([1, 0, 0], START + 2000)])); // count went down: restart
    instances.apply(
      report('a', [histogramPoint([1, 1, 0], START + 70_000, { startTimeMs: START + 65_000 })]),
    ); // new start
    instances.apply(report('b', [histogramPoint([1, 0, 0], START + 1000, { temporality: 'delta' })]));
    instances.apply(report('b', [histogramPoint([0, 2, 0], START + 2000, { temporality: 'delta' })]));
    const [merged] = series(instances.snapshot(), 'streamops_consumer_record_age_seconds');
    expect(merged?.histogram?.counts).toEqual([5 + 1 + 1 + 1, 5 + 0 + 1 + 2, 5]);
  });

  it('merges instances with different bucket layouts on the union of their bounds', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [histogramPoint([1, 1, 1], START + 1000, { bounds: [0.1, 1] })]));
    instances.apply(report('b', [histogramPoint([2, 2, 2], START + 1000, { bounds: [0.5, 1] })]));
    const [merged] = series(instances.snapshot(), 'streamops_consumer_record_age_seconds');
    expect(merged?.histogram).toMatchObject({ bounds: [0.1, 0.5, 1], counts: [1, 2, 3, 3] });
  });
});

describe('InstanceStore expiry', () => {
  it('freezes an expired instance’s counters into the departed total: no drop, no negative rate', () => {
    const clock = new Clock();
    const instances = store(clock);
    const totals: number[] = [];
    for (let second = 1; second <= 90; second++) {
      clock.advance(1000);
      instances.apply(report('steady', [counter(second * 10, clock.nowMs)]));
      // "leaving" reports for 20 s, then stops and expires 30 s later.
      if (second <= 20) instances.apply(report('leaving', [counter(second * 5, clock.nowMs)]));
      totals.push(value(instances.snapshot()) ?? Number.NaN);
    }
    const rates = totals.slice(1).map((total, index) => total - (totals[index] ?? 0));
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(0);
    // While both report: 15 per second; after "leaving" stops: 10 per second, also across its expiry.
    expect(rates.slice(0, 19)).toEqual(new Array<number>(19).fill(15));
    expect(rates.slice(20)).toEqual(new Array<number>(rates.length - 20).fill(10));
    expect(instances.stats()).toMatchObject({ instances: 1, expiredInstances: 1 });
    const [aggregate] = series(instances.snapshot());
    expect(aggregate?.liveInstances).toBe(1);
  });

  it('keeps a series whose instances all left, frozen, until the departed TTL', () => {
    const clock = new Clock();
    const instances = store(clock, { departedTtlMs: 600_000 });
    instances.apply(report('a', [counter(42, START + 1000)]));
    clock.advance(30_000);
    const expired = instances.expire();
    expect(expired.map((identity) => identity.serviceInstanceId)).toEqual(['a']);
    expect(series(instances.snapshot())).toEqual([expect.objectContaining({ value: 42, liveInstances: 0 })]);
    clock.advance(599_999);
    expect(value(instances.snapshot())).toBe(42);
    clock.advance(1);
    expect(series(instances.snapshot())).toEqual([]);
    expect(instances.stats().aggregateSeries).toBe(0);
  });

  it('freezes histograms too', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [histogramPoint([1, 1, 1], START + 1000)]));
    clock.advance(40_000);
    const [merged] = series(instances.snapshot(), 'streamops_consumer_record_age_seconds');
    expect(merged).toMatchObject({ liveInstances: 0, value: 3 });
    expect(merged?.histogram?.counts).toEqual([1, 1, 1]);
  });

  it('does not count a returning instance’s history twice', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('a', [counter(100, START + 1000)]));
    clock.advance(31_000);
    expect(value(instances.snapshot())).toBe(100);
    // Back after a partition, with the same id and cumulative counters.
    instances.apply(report('a', [counter(130, clock.nowMs)]));
    expect(value(instances.snapshot())).toBe(100);
    instances.apply(report('a', [counter(150, clock.advance(1000))]));
    expect(value(instances.snapshot())).toBe(120);
    // A series it starts reporting later is new, and counts in full.
    instances.apply(
      report('a', [
        counter(160, clock.advance(1000)),
        counter(4, clock.nowMs, { attributes: { outcome: 'error' } }),
      ]),
    );
    expect(series(instances.snapshot()).map((entry) => entry.value)).toEqual([4, 130]);
  });

  it('reports stage instances and process groups of live instances only', () => {
    const clock = new Clock();
    const instances = store(clock);
    // a and b run parse and enrich together (one pipeline() process each); c runs sink alone.
    for (const id of ['a', 'b']) {
      instances.apply(
        report(id, [
          counter(1, START + 1000, { stage: 'parse' }),
          counter(1, START + 1000, { stage: 'enrich' }),
        ]),
      );
    }
    instances.apply(
      report('c', [
        counter(1, START + 1000, { stage: 'sink' }),
        counter(1, START + 1000, { stage: null, metric: 'streamops_other' }),
      ]),
    );
    let [pipeline] = instances.snapshot().pipelines;
    expect(pipeline?.liveInstances).toBe(3);
    expect(pipeline?.stages).toEqual([
      { stage: 'enrich', instances: 2, processGroup: 'enrich' },
      { stage: 'parse', instances: 2, processGroup: 'enrich' },
      { stage: 'sink', instances: 1, processGroup: 'sink' },
    ]);
    clock.advance(20_000);
    instances.apply(
      report('a', [
        counter(2, clock.nowMs, { stage: 'parse' }),
        counter(2, clock.nowMs, { stage: 'enrich' }),
      ]),
    );
    clock.advance(15_000);
    [pipeline] = instances.snapshot().pipelines;
    expect(pipeline?.liveInstances).toBe(1);
    expect(pipeline?.stages).toEqual([
      { stage: 'enrich', instances: 1, processGroup: 'enrich' },
      { stage: 'parse', instances: 1, processGroup: 'enrich' },
    ]);
  });
});

describe('InstanceStore bounds', () => {
  it('refuses new instances beyond the limit, until one expires', () => {
    const clock = new Clock();
    const instances = store(clock, { maxInstances: 2 });
    instances.apply(report('a', [counter(1, START + 1000)]));
    instances.apply(report('b', [counter(1, START + 1000)]));
    expect(
      instances.apply(report('c', [counter(1, START + 1000), counter(2, START + 1000, { stage: 'x' })])),
    ).toEqual({
      acceptedPoints: 0,
      ignoredPoints: 0,
      rejected: [
        {
          reason: IngestRejectionReason.InstanceLimit,
          points: 2,
          message: 'the agent already tracks 2 instances',
        },
      ],
    });
    clock.advance(30_000);
    instances.apply(report('a', [counter(2, clock.nowMs)]));
    clock.advance(1_000);
    // b expired (31 s silent): c fits now.
    expect(instances.apply(report('c', [counter(1, clock.nowMs)])).acceptedPoints).toBe(1);
    expect(instances.stats().instances).toBe(2);
  });

  it('refuses new series of an instance beyond its limit, keeping existing ones', () => {
    const clock = new Clock();
    const instances = store(clock, { maxSeriesPerInstance: 2 });
    const points = ['a', 'b', 'c', 'd'].map((outcome) =>
      counter(1, START + 1000, { attributes: { outcome } }),
    );
    const result = instances.apply(report('a', points));
    expect(result).toEqual({
      acceptedPoints: 2,
      ignoredPoints: 0,
      rejected: [
        {
          reason: IngestRejectionReason.SeriesLimit,
          points: 2,
          message: 'instance a of svc already has 2 series',
        },
      ],
    });
    expect(
      instances.apply(report('a', [counter(5, START + 2000, { attributes: { outcome: 'a' } })]))
        .acceptedPoints,
    ).toBe(1);
    expect(instances.stats().series).toBe(2);
  });

  it('makes room at the aggregate limit by dropping the oldest departed-only series', () => {
    const clock = new Clock();
    const instances = store(clock, { maxAggregateSeries: 2 });
    instances.apply(report('a', [counter(1, START + 1000, { attributes: { outcome: 'old' } })]));
    clock.advance(31_000);
    instances.expire();
    instances.apply(report('b', [counter(1, clock.nowMs, { attributes: { outcome: 'live' } })]));
    // At the limit with one departed-only series: it goes, the new one comes.
    expect(
      instances.apply(report('b', [counter(1, clock.advance(1000), { attributes: { outcome: 'new' } })]))
        .acceptedPoints,
    ).toBe(1);
    expect(series(instances.snapshot()).map((entry) => entry.attributes.outcome)).toEqual(['live', 'new']);
    // Only live series left: the next one is refused.
    expect(
      instances.apply(report('b', [counter(1, clock.advance(1000), { attributes: { outcome: 'more' } })]))
        .rejected,
    ).toEqual([
      { reason: IngestRejectionReason.SeriesLimit, points: 1, message: 'the agent already holds 2 series' },
    ]);
  });

  it('ignores metrics the filter does not accept (by default, all but streamops ones)', () => {
    const clock = new Clock();
    const instances = store(clock);
    const result = instances.apply(
      report('a', [
        counter(1, START + 1000, { metric: 'process_cpu_seconds_total' }),
        counter(1, START + 1000, { metric: 'streamops.stage.busy' }),
      ]),
    );
    expect(result).toEqual({ acceptedPoints: 1, ignoredPoints: 1, rejected: [] });
    const everything = store(clock, { acceptMetric: () => true });
    expect(
      everything.apply(report('a', [counter(1, START + 1000, { metric: 'process_cpu_seconds_total' })]))
        .acceptedPoints,
    ).toBe(1);
  });

  it('keeps memory bounded under a flood of instances and label values', () => {
    const clock = new Clock();
    const instances = store(clock, { maxInstances: 50, maxSeriesPerInstance: 20, maxAggregateSeries: 500 });
    for (let index = 0; index < 2_000; index++) {
      clock.advance(100);
      instances.apply(
        report(
          `i-${index}`,
          Array.from({ length: 30 }, (_, label) =>
            counter(1, clock.nowMs, { attributes: { outcome: `${index}-${label}` } }),
          ),
        ),
      );
    }
    const stats = instances.stats();
    expect(stats.instances).toBeLessThanOrEqual(50);
    expect(stats.series).toBeLessThanOrEqual(50 * 20);
    expect(stats.aggregateSeries).toBeLessThanOrEqual(500);
  });

  it.each<[keyof InstanceStoreOptions, number]>([
    ['instanceTtlMs', 0],
    ['departedTtlMs', -1],
    ['maxInstances', 1.5],
    ['maxSeriesPerInstance', Number.NaN],
    ['maxAggregateSeries', 0],
    ['maxHistogramBuckets', 0],
  ])('rejects a bad %s', (name, bad) => {
    expect(() => store(new Clock(), { [name]: bad })).toThrow(
      new RegExp(`${name} must be a positive integer`),
    );
  });
});

describe('InstanceStore views', () => {
  it('lists live instances with their identity, times and series', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(report('b', [counter(1, START + 1000)]));
    clock.advance(500);
    instances.apply(
      report('a', [counter(1, START + 1000), counter(1, START + 1000, { stage: 'x' })], 'other'),
    );
    instances.apply(report('a', [counter(1, START + 1000)]));
    expect(instances.instanceViews()).toEqual([
      {
        identity: expect.objectContaining({ serviceName: 'other', serviceInstanceId: 'a' }) as unknown,
        firstSeenMs: START + 500,
        lastSeenMs: START + 500,
        series: 2,
      },
      {
        identity: expect.objectContaining({ serviceName: 'svc', serviceInstanceId: 'a' }) as unknown,
        firstSeenMs: START + 500,
        lastSeenMs: START + 500,
        series: 1,
      },
      {
        identity: expect.objectContaining({ serviceName: 'svc', serviceInstanceId: 'b' }) as unknown,
        firstSeenMs: START,
        lastSeenMs: START,
        series: 1,
      },
    ]);
    expect(instances.stats()).toEqual({
      instances: 3,
      series: 4,
      aggregateSeries: 2,
      pipelines: 1,
      expiredInstances: 0,
    });
  });

  it('keeps pipelines apart and sorted', () => {
    const clock = new Clock();
    const instances = store(clock);
    instances.apply(
      report('a', [
        counter(1, START + 1000, { pipeline: 'zeta' }),
        counter(2, START + 1000, { pipeline: 'alpha' }),
      ]),
    );
    expect(
      instances.snapshot().pipelines.map((pipeline) => [pipeline.pipeline, pipeline.series[0]?.value]),
    ).toEqual([
      ['alpha', 2],
      ['zeta', 1],
    ]);
  });

  it('is empty before any report', () => {
    const clock = new Clock();
    expect(store(clock).snapshot()).toEqual({ timeMs: START, pipelines: [] });
  });

  it('labels a pipeline kafkajs while a streamops SDK instance reports it, otel otherwise, and remembers it', () => {
    const clock = new Clock();
    const instances = store(clock);
    const engines = () =>
      instances.snapshot().pipelines.map((pipeline) => [pipeline.pipeline, pipeline.engine]);
    instances.apply(report('a', [counter(1, START + 1000, { pipeline: 'mixed' })], 'svc', 'opentelemetry'));
    instances.apply(report('b', [counter(1, START + 1000, { pipeline: 'plain' })], 'svc', 'opentelemetry'));
    expect(engines()).toEqual([
      ['mixed', 'otel'],
      ['plain', 'otel'],
    ]);
    instances.apply(report('c', [counter(1, START + 1000, { pipeline: 'mixed' })]));
    expect(engines()).toEqual([
      ['mixed', 'kafkajs'],
      ['plain', 'otel'],
    ]);
    // Every instance expires: the departed totals keep the engine they were reported with.
    clock.advance(31_000);
    expect(engines()).toEqual([
      ['mixed', 'kafkajs'],
      ['plain', 'otel'],
    ]);
  });
});

describe('InstanceStore validation at the door', () => {
  const big = 2 ** 52;

  it('refuses a counter value whose sum over instances would pass 2^53 − 1, keeping the others (value_overflow)', () => {
    const clock = new Clock();
    const instances = store(clock);
    expect(instances.apply(report('a', [counter(big, START + 1000)])).rejected).toEqual([]);
    const refused = instances.apply(report('b', [counter(big, START + 1000)]));
    expect(refused.rejected).toEqual([
      expect.objectContaining({ reason: IngestRejectionReason.ValueOverflow, points: 1 }),
    ]);
    expect(refused.rejected[0]?.message).toMatch(
      /^counter streamops_stage_messages_total\{outcome="success"\} of pipeline "orders" stage "enrich": adding 4503599627370496 to the 4503599627370496/,
    );
    // An increase that overflows is refused too; the series keeps its last good value and goes on.
    expect(instances.apply(report('a', [counter(2 ** 53, START + 2000)])).rejected[0]?.reason).toBe(
      IngestRejectionReason.ValueOverflow,
    );
    expect(instances.apply(report('a', [counter(big + 10, START + 3000)])).acceptedPoints).toBe(1);
    expect(value(instances.snapshot())).toBe(big + 10);
    // Two finite values whose sum is Infinity: the second is refused.
    expect(
      instances.apply(report('c', [counter(1e308, START + 1000, { stage: 'x' })])).rejected[0]?.reason,
    ).toBe(IngestRejectionReason.ValueOverflow);
  });

  it('refuses a gauge whose sum over instances would not be finite', () => {
    const clock = new Clock();
    const instances = store(clock);
    const gauge = (reported: number, timeMs: number): MetricPoint => ({
      ...counter(reported, timeMs, { metric: 'streamops_consumer_assigned_partitions', stage: 'source' }),
      kind: 'gauge',
    });
    expect(instances.apply(report('a', [gauge(1e308, START + 1000)])).acceptedPoints).toBe(1);
    expect(instances.apply(report('b', [gauge(1e308, START + 1000)])).rejected[0]?.reason).toBe(
      IngestRejectionReason.ValueOverflow,
    );
    expect(instances.apply(report('b', [gauge(-1e308, START + 2000)])).acceptedPoints).toBe(1);
    expect(value(instances.snapshot(), 'streamops_consumer_assigned_partitions')).toBe(0);
  });

  it('refuses a series whose type changed from the one held (type_conflict)', () => {
    const clock = new Clock();
    const instances = store(clock);
    const custom = { metric: 'streamops_custom_things', stage: null, attributes: {} };
    instances.apply(report('a', [counter(3, START + 1000, custom)]));
    const changed = instances.apply(
      report('b', [{ ...histogramPoint([1, 1], START + 1000), ...custom, explicitBounds: [1] }]),
    );
    expect(changed.rejected).toEqual([
      {
        reason: IngestRejectionReason.TypeConflict,
        points: 1,
        message:
          'histogram streamops_custom_things{} of pipeline "orders": the agent holds it as a counter; a metric keeps one type',
      },
    ]);
    // Once no series of the name is held any more, it may come back as another type.
    clock.advance(60_000);
    instances.snapshot(); // a expires: its total is frozen
    clock.advance(3_600_000);
    instances.snapshot(); // the frozen total leaves
    const gauge: MetricPoint = { ...counter(1, clock.nowMs, custom), kind: 'gauge' };
    expect(instances.apply(report('b', [gauge])).acceptedPoints).toBe(1);
  });

  it('refuses points too far in the future or the past (timestamp_skew)', () => {
    const clock = new Clock();
    const instances = store(clock, { maxClockSkewMs: 300_000, maxPointAgeMs: 3_600_000 });
    const result = instances.apply(
      report('a', [
        counter(1, START + 301_000),
        counter(1, START - 3_601_000, { stage: 'old' }),
        counter(1, START + 299_000, { stage: 'ok' }),
      ]),
    );
    expect(result.acceptedPoints).toBe(1);
    expect(result.rejected).toEqual([
      {
        reason: IngestRejectionReason.TimestampSkew,
        points: 2,
        message:
          'counter streamops_stage_messages_total{outcome="success"} of pipeline "orders" stage "enrich": its time is 301 s ahead of the agent\'s clock; at most 300 s ahead and 3600 s behind are accepted',
      },
    ]);
  });
});

describe('InstanceStore caps', () => {
  it('refuses series of one pipeline more than maxPipelines, keeping the others updating (pipeline_limit)', () => {
    const clock = new Clock();
    const instances = store(clock, { maxPipelines: 2 });
    instances.apply(report('a', [counter(1, START + 1000, { pipeline: 'p1' })]));
    instances.apply(report('b', [counter(1, START + 1000, { pipeline: 'p2' })]));
    const refused = instances.apply(report('c', [counter(1, START + 1000, { pipeline: 'p3' })]));
    expect(refused.rejected).toEqual([
      {
        reason: IngestRejectionReason.PipelineLimit,
        points: 1,
        message: 'the agent already tracks 2 pipelines; "p3" is not one of them',
      },
    ]);
    // A refused instance is not kept.
    expect(instances.stats()).toMatchObject({ instances: 2, pipelines: 2 });
    expect(instances.apply(report('a', [counter(5, START + 2000, { pipeline: 'p1' })])).acceptedPoints).toBe(
      1,
    );
    // Once p2 has no live instance, its frozen totals make room for a new pipeline.
    clock.advance(25_000);
    instances.apply(report('a', [counter(6, START + 26_000, { pipeline: 'p1' })]));
    clock.advance(10_000);
    instances.snapshot();
    expect(instances.apply(report('c', [counter(1, clock.nowMs, { pipeline: 'p3' })])).acceptedPoints).toBe(
      1,
    );
    expect(instances.snapshot().pipelines.map((pipeline) => pipeline.pipeline)).toEqual(['p1', 'p3']);
  });

  it('refuses instances of one pipeline beyond maxInstancesPerPipeline (instance_limit)', () => {
    const clock = new Clock();
    const instances = store(clock, { maxInstancesPerPipeline: 2 });
    instances.apply(report('a', [counter(1, START + 1000)]));
    instances.apply(report('b', [counter(1, START + 1000)]));
    const refused = instances.apply(report('c', [counter(1, START + 1000)]));
    expect(refused.rejected).toEqual([
      {
        reason: IngestRejectionReason.InstanceLimit,
        points: 1,
        message: 'pipeline "orders" already has 2 live instances',
      },
    ]);
    // Existing instances add series freely; another pipeline takes the new one.
    expect(instances.apply(report('a', [counter(1, START + 2000, { stage: 'x' })])).acceptedPoints).toBe(1);
    expect(
      instances.apply(report('c', [counter(1, START + 1000, { pipeline: 'other' })])).acceptedPoints,
    ).toBe(1);
  });

  it('refuses series beyond maxSeries over all instances and stages beyond maxStagesPerPipeline (series_limit)', () => {
    const clock = new Clock();
    const instances = store(clock, { maxSeries: 3, maxStagesPerPipeline: 2 });
    instances.apply(
      report('a', [counter(1, START + 1000, { stage: 's1' }), counter(1, START + 1000, { stage: 's2' })]),
    );
    const stage = instances.apply(report('a', [counter(1, START + 1000, { stage: 's3' })]));
    expect(stage.rejected[0]).toMatchObject({
      reason: IngestRejectionReason.SeriesLimit,
      message: 'pipeline "orders" already has 2 stages',
    });
    instances.apply(report('b', [counter(1, START + 1000, { stage: 's1' })]));
    const total = instances.apply(report('c', [counter(1, START + 1000, { stage: 's2' })]));
    expect(total.rejected[0]).toMatchObject({
      reason: IngestRejectionReason.SeriesLimit,
      message: 'the agent already holds 3 series over all instances',
    });
    expect(instances.apply(report('b', [counter(9, START + 2000, { stage: 's1' })])).acceptedPoints).toBe(1);
    expect(instances.stats().series).toBe(3);
  });

  it('stays within every cap under instance ids and metric names that rotate without end', () => {
    const clock = new Clock();
    const instances = store(clock, { maxSeries: 500, maxPipelines: 5, maxInstancesPerPipeline: 10 });
    for (let round = 0; round < 200; round++) {
      clock.advance(1000);
      const points = Array.from({ length: 20 }, (_, index) =>
        counter(1, clock.nowMs, {
          pipeline: `p${round % 9}`,
          metric: `streamops_made_up_${round}_${index}`,
          stage: `s${index % 3}`,
        }),
      );
      instances.apply(report(`attacker-${round}`, points));
      const stats = instances.stats();
      expect(stats.series).toBeLessThanOrEqual(500);
      expect(stats.pipelines).toBeLessThanOrEqual(5);
    }
    for (const pipeline of instances.snapshot().pipelines)
      expect(pipeline.liveInstances).toBeLessThanOrEqual(10);
  });

  it.each([
    ['maxSeries'],
    ['maxPipelines'],
    ['maxInstancesPerPipeline'],
    ['maxClockSkewMs'],
    ['maxPointAgeMs'],
  ])('rejects a bad %s', (name) => {
    expect(() => store(new Clock(), { [name]: 0 })).toThrow(`${name} must be a positive integer, got 0`);
  });
});
