import { OtlpDecodeError } from './decode-error';
import { defaultIngestLimits, IngestRejectionReason, type DecodeLimits } from './limits';
import { encodeOtlpJson } from './otlp-encode';
import { decodeOtlpJson } from './otlp-json';
import { type OtlpMetricData, type OtlpMetricsRequest } from './otlp-model';

const T0 = 1_700_000_000_000_000_000;

function body(json: unknown): Uint8Array {
  return Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
}

function decode(json: unknown, limits: Partial<DecodeLimits> = {}): OtlpMetricsRequest {
  return decodeOtlpJson(body(json), { ...defaultIngestLimits, ...limits });
}

function decodeError(json: unknown, limits: Partial<DecodeLimits> = {}): OtlpDecodeError {
  try {
    decode(json, limits);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

/** A request around one metric. */
function withMetric(metric: unknown): unknown {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeMetrics: [{ scope: { name: 'sdk' }, metrics: [metric] }],
      },
    ],
  };
}

function metricData(json: unknown): OtlpMetricData | undefined {
  return decode(json).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data;
}

describe('decodeOtlpJson', () => {
  it('decodes the OTLP JSON mapping: camelCase, int64 as strings, enums as numbers', () => {
    const json = withMetric({
      name: 'streamops_stage_messages_total',
      unit: '1',
      description: 'ignored',
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: [
          {
            attributes: [{ key: 'outcome', value: { stringValue: 'success' } }],
            startTimeUnixNano: String(T0),
            timeUnixNano: '1700000010000000000',
            asDouble: 42,
            exemplars: [
              { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', asDouble: 1 },
            ],
          },
        ],
      },
    });
    expect(decode(json)).toEqual({
      resourceMetrics: [
        {
          resourceAttributes: [{ key: 'service.name', value: 'svc' }],
          scopeMetrics: [
            {
              scopeName: 'sdk',
              metrics: [
                {
                  name: 'streamops_stage_messages_total',
                  unit: '1',
                  data: {
                    type: 'sum',
                    temporality: 2,
                    monotonic: true,
                    points: [
                      {
                        attributes: [{ key: 'outcome', value: 'success' }],
                        startTimeUnixNano: T0,
                        timeUnixNano: 1_700_000_010_000_000_000,
                        value: 42,
                        flags: 0,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('accepts the proto field names in snake_case and enum names', () => {
    const json = {
      resource_metrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
          scope_metrics: [
            {
              metrics: [
                {
                  name: 'h',
                  histogram: {
                    aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA',
                    data_points: [
                      {
                        start_time_unix_nano: 1,
                        time_unix_nano: 2,
                        count: 3,
                        bucket_counts: [1, '2'],
                        explicit_bounds: [0.5],
                        sum: 1.25,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    expect(decode(json).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data).toEqual({
      type: 'histogram',
      temporality: 1,
      points: [
        {
          attributes: [],
          startTimeUnixNano: 1,
          timeUnixNano: 2,
          count: 3,
          sum: 1.25,
          bucketCounts: [1, 2],
          explicitBounds: [0.5],
          flags: 0,
        },
      ],
    });
  });

  it('reads asInt from strings and numbers, negative ones included', () => {
    for (const asInt of ['-5', -5]) {
      expect(
        metricData(withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asInt }] } })),
      ).toEqual({
        type: 'gauge',
        points: [{ attributes: [], startTimeUnixNano: 0, timeUnixNano: 1, value: -5, flags: 0 }],
      });
    }
  });

  it('reads the special doubles of proto3 JSON and numeric strings', () => {
    const values = ['NaN', 'Infinity', '-Infinity', '2.5'].map((asDouble) => {
      const data = metricData(
        withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble }] } }),
      );
      return data?.type === 'gauge' ? data.points[0]?.value : undefined;
    });
    expect(values).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2.5]);
  });

  it('treats null as absent and ignores unknown fields', () => {
    const json = {
      resourceMetrics: [
        {
          resource: null,
          schemaUrl: 'x',
          futureField: { anything: [1, 2, 3] },
          scopeMetrics: [{ scope: null, metrics: [{ name: 'g', unit: null, gauge: { dataPoints: null } }] }],
        },
      ],
    };
    expect(decode(json)).toEqual({
      resourceMetrics: [
        {
          resourceAttributes: [],
          scopeMetrics: [
            { scopeName: '', metrics: [{ name: 'g', unit: '', data: { type: 'gauge', points: [] } }] },
          ],
        },
      ],
    });
  });

  it('turns every scalar AnyValue into a string and non-scalars into null', () => {
    const attributes = [
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: '-9223372036854775808' } },
      { key: 'n', value: { intValue: 12 } },
      { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'y', value: { bytesValue: 'AQID' } },
      { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }] } } },
      { key: 'k', value: { kvlistValue: { values: [] } } },
      { key: 'e', value: {} },
      { key: 'none' },
    ];
    const json = { resourceMetrics: [{ resource: { attributes } }] };
    expect(decode(json).resourceMetrics[0]?.resourceAttributes).toEqual([
      { key: 'b', value: 'true' },
      { key: 'i', value: '-9223372036854775808' },
      { key: 'n', value: '12' },
      { key: 'd', value: '0.5' },
      { key: 'y', value: 'AQID' },
      { key: 'a', value: null },
      { key: 'k', value: null },
      { key: 'e', value: null },
      { key: 'none', value: null },
    ]);
  });

  it('does not descend into nested kvlists', () => {
    // Written as text: JSON.stringify itself would overflow the stack at this depth.
    const levels = 50_000;
    const nested =
      '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(levels) +
      '{"stringValue":"deep"}' +
      '}]}}'.repeat(levels);
    const json = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${nested}}]}}]}`;
    expect(decode(json).resourceMetrics[0]?.resourceAttributes).toEqual([{ key: 'deep', value: null }]);
  });

  it('counts summary and exponential histogram points', () => {
    const json = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 's', summary: { dataPoints: [{}, {}] } },
                { name: 'e', exponentialHistogram: { dataPoints: [{}] } },
                { name: 'none' },
              ],
            },
          ],
        },
      ],
    };
    expect(decode(json).resourceMetrics[0]?.scopeMetrics[0]?.metrics.map((metric) => metric.data)).toEqual([
      { type: 'unsupported', kind: 'summary', pointCount: 2 },
      { type: 'unsupported', kind: 'exponential_histogram', pointCount: 1 },
      { type: 'none' },
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a top-level array', [], /body must be a JSON object/],
    ['a top-level string', '"x"', /body must be a JSON object/],
    ['null', 'null', /body must be a JSON object/],
    ['text that is not JSON', '{"resourceMetrics": [', /body is not JSON/],
    ['resourceMetrics as an object', { resourceMetrics: {} }, /^resourceMetrics must be an array$/],
    [
      'a resource as an array',
      { resourceMetrics: [{ resource: [] }] },
      /resourceMetrics\[0\]\.resource must be an object/,
    ],
    [
      'a numeric attribute key',
      { resourceMetrics: [{ resource: { attributes: [{ key: 1 }] } }] },
      /resourceMetrics\[0\]\.resource\.attributes\[0\]\.key must be a string/,
    ],
    [
      'a time with a fraction',
      withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: 1.5, asDouble: 1 }] } }),
      /dataPoints\[0\]\.timeUnixNano must be an unsigned integer/,
    ],
    [
      'a negative time',
      withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '-1', asDouble: 1 }] } }),
      /timeUnixNano must be an unsigned integer/,
    ],
    [
      'an asInt in exponent notation',
      withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asInt: '1e3' }] } }),
      /asInt must be an integer/,
    ],
    [
      'an asDouble that is not a number',
      withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 'fast' }] } }),
      /asDouble must be a number/,
    ],
    [
      'an empty string as a double',
      withMetric({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: '  ' }] } }),
      /asDouble must be a number/,
    ],
    [
      'isMonotonic as a string',
      withMetric({ name: 's', sum: { isMonotonic: 'true', dataPoints: [] } }),
      /sum\.isMonotonic must be true or false/,
    ],
    [
      'an unknown temporality name',
      withMetric({ name: 's', sum: { aggregationTemporality: 'SOMETIMES', dataPoints: [] } }),
      /aggregationTemporality must be an AggregationTemporality/,
    ],
    [
      'a bucket count as an object',
      withMetric({ name: 'h', histogram: { dataPoints: [{ bucketCounts: [{}] }] } }),
      /bucketCounts\[0\] must be an unsigned integer/,
    ],
    [
      'a 21-digit count',
      withMetric({ name: 'h', histogram: { dataPoints: [{ count: '123456789012345678901' }] } }),
      /count must be an unsigned integer/,
    ],
    [
      'a string boolValue',
      { resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { boolValue: 'yes' } }] } }] },
      /boolValue must be true or false/,
    ],
    [
      'an arrayValue that is a string',
      { resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { arrayValue: 'x' } }] } }] },
      /arrayValue must be an object/,
    ],
  ])('refuses %s as malformed, naming where', (_what, json, message) => {
    const error = decodeError(json);
    expect(error.reason).toBe(IngestRejectionReason.MalformedJson);
    expect(error.message).toMatch(message);
  });

  it('refuses a body that is not UTF-8', () => {
    let caught: unknown;
    try {
      decodeOtlpJson(Uint8Array.from([0x7b, 0xff, 0x7d]), defaultIngestLimits);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OtlpDecodeError);
    expect((caught as OtlpDecodeError).message).toBe('body is not valid UTF-8');
  });

  describe('limits', () => {
    function limitError(json: unknown, limits: Partial<DecodeLimits>): string {
      const error = decodeError(json, limits);
      expect(error.reason).toBe(IngestRejectionReason.LimitExceeded);
      return error.message;
    }

    it('caps resources, metrics and points', () => {
      expect(limitError({ resourceMetrics: [{}, {}, {}] }, { maxResources: 2 })).toBe(
        'more than 2 resources in one request',
      );
      const metrics = withMetric({ name: 'g', gauge: { dataPoints: [{}, {}] } });
      expect(limitError(metrics, { maxPoints: 1 })).toBe('more than 1 data points in one request');
      const summary = withMetric({ name: 's', summary: { dataPoints: [{}, {}] } });
      limitError(summary, { maxPoints: 1 });
      const many = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{}, {}, {}] }] }] };
      expect(limitError(many, { maxMetrics: 2 })).toBe('more than 2 metrics in one request');
    });

    it('caps attributes and string lengths, measuring UTF-8 bytes', () => {
      const attributes = [1, 2, 3].map((index) => ({ key: `k${index}`, value: { stringValue: 'v' } }));
      expect(
        limitError({ resourceMetrics: [{ resource: { attributes } }] }, { maxAttributesPerSet: 2 }),
      ).toMatch(/more than 2 attributes on one resource/);
      limitError(
        { resourceMetrics: [{ resource: { attributes } }, { resource: { attributes } }] },
        { maxAttributes: 5 },
      );
      const long = {
        resourceMetrics: [
          { resource: { attributes: [{ key: 'k', value: { stringValue: 'é'.repeat(30) } }] } },
        ],
      };
      expect(limitError(long, { maxStringBytes: 59 })).toMatch(/is 60 bytes long; the limit is 59/);
      expect(decode(long, { maxStringBytes: 60 })).toBeDefined();
    });

    it('caps histogram buckets', () => {
      const histogram = (point: unknown): unknown =>
        withMetric({ name: 'h', histogram: { dataPoints: [point] } });
      expect(limitError(histogram({ bucketCounts: [1, 2, 3, 4] }), { maxBuckets: 3 })).toBe(
        'a histogram point has 4 bucket counts; the limit is 3',
      );
      expect(limitError(histogram({ explicitBounds: [1, 2, 3] }), { maxBuckets: 3 })).toBe(
        'a histogram point has 4 buckets; the limit is 3',
      );
    });
  });

  it('decodes what encodeOtlpJson writes, integer values as asInt too', () => {
    const original: OtlpMetricsRequest = {
      resourceMetrics: [
        {
          resourceAttributes: [{ key: 'service.name', value: 'svc' }],
          scopeMetrics: [
            {
              scopeName: 'sdk',
              metrics: [
                {
                  name: 'c',
                  unit: '',
                  data: {
                    type: 'sum',
                    temporality: 2,
                    monotonic: false,
                    points: [
                      { attributes: [], startTimeUnixNano: T0, timeUnixNano: T0 + 1e9, value: 7, flags: 0 },
                    ],
                  },
                },
                {
                  name: 'g',
                  unit: 'By',
                  data: {
                    type: 'gauge',
                    points: [
                      {
                        attributes: [{ key: 'x', value: null }],
                        startTimeUnixNano: 0,
                        timeUnixNano: T0,
                        value: Number.NaN,
                        flags: 1,
                      },
                    ],
                  },
                },
                {
                  name: 'h',
                  unit: 's',
                  data: {
                    type: 'histogram',
                    temporality: 1,
                    points: [
                      {
                        attributes: [],
                        startTimeUnixNano: T0,
                        timeUnixNano: T0 + 1,
                        count: 2,
                        sum: 0.75,
                        bucketCounts: [1, 1, 0],
                        explicitBounds: [0.5, 1],
                        flags: 0,
                      },
                    ],
                  },
                },
                {
                  name: 'e',
                  unit: '',
                  data: { type: 'unsupported', kind: 'exponential_histogram', pointCount: 3 },
                },
              ],
            },
          ],
        },
      ],
    };
    expect(decodeOtlpJson(encodeOtlpJson(original, { integersAsInt: true }), defaultIngestLimits)).toEqual(
      original,
    );
    expect(decodeOtlpJson(encodeOtlpJson(original), defaultIngestLimits)).toEqual(original);
  });
});
