import { IngestRejectionReason } from './limits';
import { normaliseExport } from './normalise';
import {
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpNumberPoint,
} from './otlp-model';
import { instanceKeyOf } from './report';

const T0_NS = 1_700_000_000_000_000_000;
const T0_MS = 1_700_000_000_000;

function attributes(record: Record<string, string | null>): OtlpAttribute[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

const identity = { 'service.name': 'billing', 'service.instance.id': 'pod-1' };

function request(
  metrics: OtlpMetric[],
  resource: Record<string, string | null> = identity,
): OtlpMetricsRequest {
  return {
    resourceMetrics: [
      { resourceAttributes: attributes(resource), scopeMetrics: [{ scopeName: 's', metrics }] },
    ],
  };
}

function numberPoint(overrides: Partial<OtlpNumberPoint> = {}): OtlpNumberPoint {
  return {
    attributes: [],
    startTimeUnixNano: T0_NS,
    timeUnixNano: T0_NS + 10_000_000_000,
    value: 5,
    flags: 0,
    ...overrides,
  };
}

function histogramPoint(overrides: Partial<OtlpHistogramPoint> = {}): OtlpHistogramPoint {
  return {
    attributes: [],
    startTimeUnixNano: T0_NS,
    timeUnixNano: T0_NS + 10_000_000_000,
    count: 3,
    sum: 1.5,
    bucketCounts: [1, 2, 0],
    explicitBounds: [0.5, 1],
    flags: 0,
    ...overrides,
  };
}

function counter(points: OtlpNumberPoint[], name = 'streamops_stage_messages_total'): OtlpMetric {
  return { name, unit: '1', data: { type: 'sum', temporality: 2, monotonic: true, points } };
}

describe('normaliseExport identity', () => {
  it('identifies the instance by service.name and service.instance.id, with pipeline and stage', () => {
    const result = normaliseExport(
      request([counter([numberPoint()])], {
        ...identity,
        'streamops.pipeline': 'orders',
        'streamops.stage': 'enrich',
      }),
    );
    expect(result.reports).toHaveLength(1);
    expect(result.reports[0]?.instance).toEqual({
      serviceName: 'billing',
      serviceInstanceId: 'pod-1',
      pipeline: 'orders',
      stage: 'enrich',
    });
    expect(result.reports[0]?.instanceKey).toBe(
      instanceKeyOf({ serviceName: 'billing', serviceInstanceId: 'pod-1' }),
    );
    expect(result.reports[0]?.points[0]).toMatchObject({ pipeline: 'orders', stage: 'enrich' });
  });

  it('falls back to host.name and process.pid for the instance id', () => {
    const result = normaliseExport(
      request([counter([numberPoint()])], {
        'service.name': 'svc',
        'host.name': 'node-3',
        'process.pid': '4242',
      }),
    );
    expect(result.reports[0]?.instance.serviceInstanceId).toBe('node-3/4242');
  });

  it.each<[string, Record<string, string | null>, RegExp]>([
    ['no service.name', { 'service.instance.id': 'x' }, /no service.name/],
    ['an empty service.name', { 'service.name': '', 'service.instance.id': 'x' }, /no service.name/],
    ['no instance id', { 'service.name': 'svc' }, /no service.instance.id.*OTEL_RESOURCE_ATTRIBUTES/],
    ['a host without pid', { 'service.name': 'svc', 'host.name': 'h' }, /no service.instance.id/],
    [
      'a non-scalar instance id',
      { 'service.name': 'svc', 'service.instance.id': null },
      /no service.instance.id/,
    ],
  ])('rejects every point of a resource with %s', (_what, resource, message) => {
    const result = normaliseExport(
      request(
        [
          counter([numberPoint(), numberPoint()]),
          { name: 'u', unit: '', data: { type: 'unsupported', kind: 'summary', pointCount: 3 } },
        ],
        resource,
      ),
    );
    expect(result.reports).toEqual([]);
    expect(result.rejected).toEqual([
      {
        reason: IngestRejectionReason.MissingIdentity,
        points: 5,
        message: expect.stringMatching(message) as string,
      },
    ]);
  });

  it('merges resources of the same instance and keeps others apart', () => {
    const other = { 'service.name': 'billing', 'service.instance.id': 'pod-2' };
    const result = normaliseExport({
      resourceMetrics: [
        {
          resourceAttributes: attributes(identity),
          scopeMetrics: [{ scopeName: 'a', metrics: [counter([numberPoint()])] }],
        },
        {
          resourceAttributes: attributes(other),
          scopeMetrics: [{ scopeName: 'a', metrics: [counter([numberPoint()])] }],
        },
        {
          resourceAttributes: attributes(identity),
          scopeMetrics: [{ scopeName: 'b', metrics: [counter([numberPoint()])] }],
        },
      ],
    });
    expect(result.reports.map((report) => [report.instance.serviceInstanceId, report.points.length])).toEqual(
      [
        ['pod-1', 2],
        ['pod-2', 1],
      ],
    );
  });

  it('lets later duplicate resource attributes win and drops non-scalar ones', () => {
    const result = normaliseExport({
      resourceMetrics: [
        {
          resourceAttributes: [
            { key: 'service.name', value: 'first' },
            { key: 'service.name', value: 'second' },
            { key: 'service.instance.id', value: 'i' },
            { key: 'streamops.pipeline', value: 'p' },
            { key: 'streamops.pipeline', value: null },
          ],
          scopeMetrics: [],
        },
      ],
    });
    expect(result.reports[0]?.instance).toEqual({
      serviceName: 'second',
      serviceInstanceId: 'i',
      pipeline: null,
      stage: null,
    });
  });
});

describe('normaliseExport points', () => {
  it('resolves pipeline and stage from point attributes, preferring streamops.* and removing them', () => {
    const point = numberPoint({
      attributes: attributes({
        pipeline: 'short',
        'streamops.pipeline': 'long',
        stage: 'enrich',
        outcome: 'success',
      }),
    });
    const result = normaliseExport(
      request([counter([point])], { ...identity, 'streamops.stage': 'resource-stage' }),
    );
    expect(result.reports[0]?.points[0]).toEqual({
      metric: 'streamops_stage_messages_total',
      unit: '1',
      pipeline: 'long',
      stage: 'enrich',
      attributes: { outcome: 'success' },
      startTimeMs: T0_MS,
      timeMs: T0_MS + 10_000,
      kind: 'sum',
      temporality: 'cumulative',
      monotonic: true,
      value: 5,
    });
  });

  it('defaults the pipeline to service.name and the stage to null', () => {
    const result = normaliseExport(
      request([counter([numberPoint({ attributes: attributes({ stage: '' }) })])]),
    );
    expect(result.reports[0]?.points[0]).toMatchObject({ pipeline: 'billing', stage: null, attributes: {} });
  });

  it('keeps attribute names such as __proto__ as plain keys', () => {
    const result = normaliseExport(
      request([
        counter([
          numberPoint({
            attributes: [
              { key: '__proto__', value: 'x' },
              { key: 'constructor', value: 'y' },
            ],
          }),
        ]),
      ]),
    );
    const pointAttributes = result.reports[0]?.points[0]?.attributes ?? {};
    expect(Object.keys(pointAttributes).sort()).toEqual(['__proto__', 'constructor']);
    expect(pointAttributes.__proto__).toBe('x');
  });

  it('converts gauges, delta sums, non-monotonic sums and histograms', () => {
    const result = normaliseExport(
      request([
        {
          name: 'g',
          unit: '',
          data: { type: 'gauge', points: [numberPoint({ startTimeUnixNano: 0, value: -2 })] },
        },
        {
          name: 'd',
          unit: '',
          data: { type: 'sum', temporality: 1, monotonic: true, points: [numberPoint()] },
        },
        {
          name: 'u',
          unit: '',
          data: { type: 'sum', temporality: 2, monotonic: false, points: [numberPoint({ value: -3 })] },
        },
        { name: 'h', unit: 's', data: { type: 'histogram', temporality: 2, points: [histogramPoint()] } },
        {
          name: 'n',
          unit: 's',
          data: {
            type: 'histogram',
            temporality: 1,
            points: [histogramPoint({ bucketCounts: [], explicitBounds: [1, 2], sum: null })],
          },
        },
      ]),
    );
    expect(result.rejected).toEqual([]);
    expect(result.reports[0]?.points).toEqual([
      expect.objectContaining({ metric: 'g', kind: 'gauge', value: -2, startTimeMs: null }),
      expect.objectContaining({ metric: 'd', kind: 'sum', temporality: 'delta', monotonic: true, value: 5 }),
      expect.objectContaining({
        metric: 'u',
        kind: 'sum',
        temporality: 'cumulative',
        monotonic: false,
        value: -3,
      }),
      expect.objectContaining({
        metric: 'h',
        kind: 'histogram',
        temporality: 'cumulative',
        count: 3,
        sum: 1.5,
        explicitBounds: [0.5, 1],
        bucketCounts: [1, 2, 0],
      }),
      // Bounds without bucket counts carry no information; they are dropped.
      expect.objectContaining({
        metric: 'n',
        kind: 'histogram',
        temporality: 'delta',
        explicitBounds: [],
        bucketCounts: [],
        sum: null,
      }),
    ]);
  });

  it.each<[string, OtlpMetric, RegExp]>([
    ['no time', counter([numberPoint({ timeUnixNano: 0 })]), /no time_unix_nano/],
    ['a start after the time', counter([numberPoint({ startTimeUnixNano: T0_NS + 20e9 })]), /starts after/],
    ['no value', counter([numberPoint({ value: null })]), /neither as_double nor as_int/],
    ['a NaN value', counter([numberPoint({ value: Number.NaN })]), /NaN is not finite/],
    [
      'an infinite gauge',
      { name: 'g', unit: '', data: { type: 'gauge', points: [numberPoint({ value: Infinity })] } },
      /not finite/,
    ],
    ['a negative monotonic sum', counter([numberPoint({ value: -1 })]), /negative value -1/],
    [
      'too few buckets',
      {
        name: 'h',
        unit: '',
        data: { type: 'histogram', temporality: 2, points: [histogramPoint({ bucketCounts: [3] })] },
      },
      /1 bucket counts for 2 bounds/,
    ],
    [
      'unsorted bounds',
      {
        name: 'h',
        unit: '',
        data: { type: 'histogram', temporality: 2, points: [histogramPoint({ explicitBounds: [1, 0.5] })] },
      },
      /not strictly increasing/,
    ],
    [
      'repeated bounds',
      {
        name: 'h',
        unit: '',
        data: { type: 'histogram', temporality: 2, points: [histogramPoint({ explicitBounds: [1, 1] })] },
      },
      /not strictly increasing/,
    ],
    [
      'an infinite bound',
      {
        name: 'h',
        unit: '',
        data: {
          type: 'histogram',
          temporality: 2,
          points: [histogramPoint({ explicitBounds: [1, Infinity] })],
        },
      },
      /bound is not finite/,
    ],
    [
      'buckets that do not add up',
      {
        name: 'h',
        unit: '',
        data: { type: 'histogram', temporality: 2, points: [histogramPoint({ count: 4 })] },
      },
      /add up to 3, not its count 4/,
    ],
    [
      'a NaN sum',
      {
        name: 'h',
        unit: '',
        data: { type: 'histogram', temporality: 2, points: [histogramPoint({ sum: Number.NaN })] },
      },
      /sum is not finite/,
    ],
  ])('drops a point with %s, naming the metric', (_what, metric, message) => {
    const result = normaliseExport(request([metric, counter([numberPoint()], 'ok')]));
    expect(result.reports[0]?.points.map((point) => point.metric)).toEqual(['ok']);
    expect(result.rejected).toEqual([
      {
        reason: IngestRejectionReason.InvalidDataPoint,
        points: 1,
        message: expect.stringMatching(message) as string,
      },
    ]);
    expect(result.rejected[0]?.message).toMatch(new RegExp(`^metric "${metric.name}": `));
  });

  it('drops every point of a sum or histogram without temporality, and of a nameless metric', () => {
    const result = normaliseExport(
      request([
        {
          name: 's',
          unit: '',
          data: { type: 'sum', temporality: 0, monotonic: true, points: [numberPoint(), numberPoint()] },
        },
        { name: 'h', unit: '', data: { type: 'histogram', temporality: 7, points: [histogramPoint()] } },
        { name: '', unit: '', data: { type: 'gauge', points: [numberPoint()] } },
      ]),
    );
    expect(result.reports[0]?.points).toEqual([]);
    expect(result.rejected).toEqual([
      {
        reason: IngestRejectionReason.InvalidDataPoint,
        points: 4,
        message: 'metric "s": sum without aggregation temporality',
      },
    ]);
  });

  it('ignores summaries, exponential histograms and points without a recorded value', () => {
    const result = normaliseExport(
      request([
        { name: 's', unit: '', data: { type: 'unsupported', kind: 'summary', pointCount: 2 } },
        counter([numberPoint({ flags: 1, value: null }), numberPoint()]),
        {
          name: 'h',
          unit: '',
          data: { type: 'histogram', temporality: 2, points: [histogramPoint({ flags: 1, count: 9 })] },
        },
        { name: 'none', unit: '', data: { type: 'none' } },
      ]),
    );
    expect(result.ignoredPoints).toBe(4);
    expect(result.rejected).toEqual([]);
    expect(result.reports[0]?.points).toHaveLength(1);
  });

  it('counts rejections per reason with the first message', () => {
    const result = normaliseExport(
      request([counter([numberPoint({ value: -1 }), numberPoint({ timeUnixNano: 0 })])]),
    );
    expect(result.rejected).toEqual([
      {
        reason: IngestRejectionReason.InvalidDataPoint,
        points: 2,
        message: 'metric "streamops_stage_messages_total": monotonic sum has a negative value -1',
      },
    ]);
  });

  it('does not compare bucket totals beyond 2^53, where doubles are inexact', () => {
    const big = 2 ** 60;
    const result = normaliseExport(
      request([
        {
          name: 'h',
          unit: '',
          data: {
            type: 'histogram',
            temporality: 2,
            points: [histogramPoint({ count: big, bucketCounts: [big, 1, 0] })],
          },
        },
      ]),
    );
    expect(result.rejected).toEqual([]);
  });

  it('returns nothing for an empty request', () => {
    expect(normaliseExport({ resourceMetrics: [] })).toEqual({ reports: [], rejected: [], ignoredPoints: 0 });
  });

  it('tells the streamops SDK reporter from other OpenTelemetry SDKs by the instrumentation scope', () => {
    const metric = counter([numberPoint()]);
    const sdk = normaliseExport({
      resourceMetrics: [
        {
          resourceAttributes: attributes(identity),
          scopeMetrics: [
            { scopeName: '@opentelemetry/instrumentation-runtime-node', metrics: [] },
            { scopeName: '@streamops/sdk', metrics: [metric] },
          ],
        },
      ],
    });
    expect(sdk.reports.map((report) => report.reporter)).toEqual(['streamops-sdk']);
    expect(normaliseExport(request([metric])).reports.map((report) => report.reporter)).toEqual([
      'opentelemetry',
    ]);
  });
});
