import { OtlpDecodeError } from './decode-error';
import { defaultIngestLimits, IngestRejectionReason, type DecodeLimits } from './limits';
import { encodeOtlpProtobuf } from './otlp-encode';
import { type OtlpMetricsRequest } from './otlp-model';
import { decodeOtlpProtobuf } from './otlp-protobuf';
import { ProtobufWriter, ProtobufWriter as W } from './protobuf-writer';

const T0 = 1_700_000_000_000_000_000; // ns

function keyValue(key: string, value: W | null): W {
  const writer = new W().stringField(1, key);
  if (value !== null) writer.messageField(2, value);
  return writer;
}

const stringValue = (value: string): W => new W().stringField(1, value);

/** A request with one resource, one scope and the given metrics (raw writers). */
function request(
  metrics: W[],
  resourceAttributes: W[] = [keyValue('service.name', stringValue('svc'))],
): Uint8Array {
  const resource = new W();
  for (const attribute of resourceAttributes) resource.messageField(1, attribute);
  const scope = new W().messageField(1, new W().stringField(1, 'scope').stringField(2, '1.0'));
  for (const metric of metrics) scope.messageField(2, metric);
  return new W().messageField(1, new W().messageField(1, resource).messageField(2, scope)).finish();
}

function decode(body: Uint8Array, limits: Partial<DecodeLimits> = {}): OtlpMetricsRequest {
  return decodeOtlpProtobuf(body, { ...defaultIngestLimits, ...limits });
}

function decodeError(body: Uint8Array, limits: Partial<DecodeLimits> = {}): OtlpDecodeError {
  try {
    decode(body, limits);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

function sumMetric(points: W[], temporality = 2, monotonic = true): W {
  const sum = new W();
  for (const point of points) sum.messageField(1, point);
  sum.varintField(2, temporality).varintField(3, monotonic);
  return new W().stringField(1, 'streamops_stage_messages_total').stringField(3, '1').messageField(7, sum);
}

function numberPoint(value: number, attributes: W[] = []): W {
  const point = new W();
  for (const attribute of attributes) point.messageField(7, attribute);
  return point
    .fixed64Field(2, BigInt(T0))
    .fixed64Field(3, BigInt(T0) + 10_000_000_000n)
    .doubleField(4, value);
}

describe('decodeOtlpProtobuf', () => {
  it('decodes resource attributes, scope, metric name and unit, and a cumulative monotonic sum', () => {
    const decoded = decode(
      request([sumMetric([numberPoint(42, [keyValue('outcome', stringValue('success'))])])]),
    );
    expect(decoded).toEqual({
      resourceMetrics: [
        {
          resourceAttributes: [{ key: 'service.name', value: 'svc' }],
          scopeMetrics: [
            {
              scopeName: 'scope',
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
                        timeUnixNano: T0 + 10_000_000_000,
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

  it('reads as_int as a signed 64-bit value and flags', () => {
    const point = new W().fixed64Field(3, BigInt(T0)).fixed64Field(6, -7).varintField(8, 1);
    const metric = new W().stringField(1, 'g').messageField(5, new W().messageField(1, point));
    const data = decode(request([metric])).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data;
    expect(data).toEqual({
      type: 'gauge',
      points: [{ attributes: [], startTimeUnixNano: 0, timeUnixNano: T0, value: -7, flags: 1 }],
    });
  });

  it('leaves the value null when neither as_double nor as_int is set', () => {
    const metric = new W()
      .stringField(1, 'g')
      .messageField(5, new W().messageField(1, new W().fixed64Field(3, 5)));
    const data = decode(request([metric])).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data;
    expect(data).toMatchObject({ type: 'gauge', points: [{ value: null }] });
  });

  it('decodes histogram points with packed and unpacked buckets, sum, flags and temporality', () => {
    const point = new W()
      .messageField(9, keyValue('topic', stringValue('orders')))
      .fixed64Field(2, BigInt(T0))
      .fixed64Field(3, BigInt(T0) + 1n)
      .fixed64Field(4, 6)
      .doubleField(5, 1.5)
      .packedFixed64Field(6, [1, 2])
      .fixed64Field(6, 3)
      .packedDoubleField(7, [0.1, 1])
      .doubleField(11, 0.01) // min: skipped
      .doubleField(12, 9) // max: skipped
      .varintField(10, 0);
    const histogram = new W().messageField(1, point).varintField(2, 1);
    const metric = new W().stringField(1, 'streamops_consumer_record_age_seconds').messageField(9, histogram);
    const data = decode(request([metric])).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data;
    expect(data).toEqual({
      type: 'histogram',
      temporality: 1,
      points: [
        {
          attributes: [{ key: 'topic', value: 'orders' }],
          startTimeUnixNano: T0,
          timeUnixNano: T0 + 1,
          count: 6,
          sum: 1.5,
          bucketCounts: [1, 2, 3],
          explicitBounds: [0.1, 1],
          flags: 0,
        },
      ],
    });
  });

  it('turns every scalar AnyValue into a string and non-scalars into null', () => {
    const attributes = [
      keyValue('string', stringValue('s')),
      keyValue('bool', new W().varintField(2, true)),
      keyValue('false', new W().varintField(2, false)),
      keyValue('int', new W().varintField(3, -12345678901234n)),
      keyValue('double', new W().doubleField(4, 2.5)),
      keyValue('bytes', new W().bytesField(7, Uint8Array.from([1, 2, 3]))),
      keyValue('array', new W().messageField(5, new W().messageField(1, stringValue('a')))),
      keyValue('kvlist', new W().messageField(6, new W().messageField(1, keyValue('k', stringValue('v'))))),
      keyValue('empty', new W()),
      keyValue('absent', null),
    ];
    expect(decode(request([], attributes)).resourceMetrics[0]?.resourceAttributes).toEqual([
      { key: 'string', value: 's' },
      { key: 'bool', value: 'true' },
      { key: 'false', value: 'false' },
      { key: 'int', value: '-12345678901234' },
      { key: 'double', value: '2.5' },
      { key: 'bytes', value: 'AQID' },
      { key: 'array', value: null },
      { key: 'kvlist', value: null },
      { key: 'empty', value: null },
      { key: 'absent', value: null },
    ]);
  });

  it('does not descend into deeply nested array values', () => {
    // 500 levels of ArrayValue { values: AnyValue { array_value: ... } }: skipped in one step.
    let nested = new W().stringField(1, 'deep');
    for (let level = 0; level < 500; level++)
      nested = new W().messageField(5, new W().messageField(1, nested));
    const decoded = decode(
      request([], [keyValue('service.name', stringValue('svc')), keyValue('deep', nested)]),
    );
    expect(decoded.resourceMetrics[0]?.resourceAttributes[1]).toEqual({ key: 'deep', value: null });
  });

  it('counts summary and exponential histogram points without reading them', () => {
    const summary = new W()
      .stringField(1, 's')
      .messageField(11, new W().messageField(1, new W()).messageField(1, new W()));
    const exponential = new W()
      .stringField(1, 'e')
      .messageField(10, new W().messageField(1, new W().fixed64Field(4, 3)).varintField(2, 2));
    const metrics = decode(request([summary, exponential])).resourceMetrics[0]?.scopeMetrics[0]?.metrics;
    expect(metrics?.map((metric) => metric.data)).toEqual([
      { type: 'unsupported', kind: 'summary', pointCount: 2 },
      { type: 'unsupported', kind: 'exponential_histogram', pointCount: 1 },
    ]);
  });

  it('treats a metric without data as having none', () => {
    const metrics = decode(request([new W().stringField(1, 'x').stringField(2, 'description')]))
      .resourceMetrics[0]?.scopeMetrics[0]?.metrics;
    expect(metrics).toEqual([{ name: 'x', unit: '', data: { type: 'none' } }]);
  });

  it('reads the pre-ScopeMetrics field 1000 like scope_metrics', () => {
    const scope = new W()
      .messageField(1, new W().stringField(1, 'old-library'))
      .messageField(2, sumMetric([]));
    const body = new W().messageField(1, new W().messageField(1000, scope)).finish();
    expect(decode(body).resourceMetrics[0]?.scopeMetrics[0]?.scopeName).toBe('old-library');
  });

  it('skips unknown fields of every wire type at every level', () => {
    const unknown = (writer: W): W =>
      writer.varintField(90, 1).fixed64Field(91, 2).stringField(92, 'x').tag(93, 5).raw([1, 2, 3, 4]);
    const point = unknown(numberPoint(1));
    const sum = unknown(new W().messageField(1, point).varintField(2, 2).varintField(3, true));
    const metric = unknown(new W().stringField(1, 'm').messageField(7, sum));
    const scope = unknown(new W().messageField(2, metric).stringField(3, 'https://schema'));
    const resource = unknown(
      new W().messageField(1, keyValue('service.name', stringValue('svc'))).varintField(2, 3),
    );
    const resourceMetrics = unknown(
      new W().messageField(1, resource).messageField(2, scope).stringField(3, 'url'),
    );
    const body = unknown(new W().messageField(1, resourceMetrics)).finish();
    const decoded = decode(body);
    expect(decoded.resourceMetrics[0]?.resourceAttributes).toEqual([{ key: 'service.name', value: 'svc' }]);
    expect(decoded.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data).toMatchObject({
      type: 'sum',
      points: [{ value: 1 }],
    });
  });

  it('decodes an empty body as a request without resources', () => {
    expect(decode(new Uint8Array(0))).toEqual({ resourceMetrics: [] });
  });

  it.each<[string, () => Uint8Array, RegExp]>([
    [
      'a varint where a message belongs',
      () => new W().varintField(1, 1).finish(),
      /resource_metrics .* wire type varint/,
    ],
    [
      'a string metric name with the wrong wire type',
      () => request([new W().fixed64Field(1, 1)]),
      /metric name \(field 1\) has wire type fixed64/,
    ],
    [
      'a double encoded as varint',
      () => request([sumMetric([new W().fixed64Field(3, 1).varintField(4, 1)])]),
      /as_double/,
    ],
    ['a truncated body', () => request([sumMetric([numberPoint(1)])]).subarray(0, 20), /truncated|claims/],
    ['a group', () => Uint8Array.from([0x0b, 0x0c]), /group/],
    ['invalid UTF-8 in a key', () => request([], [new W().bytesField(1, Uint8Array.from([0xff]))]), /UTF-8/],
    [
      'a temporality sent as fixed64',
      () => request([new W().stringField(1, 'm').messageField(7, new W().fixed64Field(2, 2))]),
      /aggregation_temporality/,
    ],
  ])('refuses %s as malformed', (_what, body, message) => {
    const error = decodeError(body());
    expect(error.reason).toBe(IngestRejectionReason.MalformedProtobuf);
    expect(error.message).toMatch(message);
  });

  describe('limits', () => {
    function limitError(body: Uint8Array, limits: Partial<DecodeLimits>): OtlpDecodeError {
      const error = decodeError(body, limits);
      expect(error.reason).toBe(IngestRejectionReason.LimitExceeded);
      return error;
    }

    it('caps resources', () => {
      const body = new ProtobufWriter()
        .messageField(1, new W())
        .messageField(1, new W())
        .messageField(1, new W());
      expect(decode(body.finish(), { maxResources: 3 }).resourceMetrics).toHaveLength(3);
      expect(limitError(body.finish(), { maxResources: 2 }).message).toBe(
        'more than 2 resources in one request',
      );
    });

    it('caps metrics', () => {
      const body = request([sumMetric([]), sumMetric([]), sumMetric([])]);
      expect(limitError(body, { maxMetrics: 2 }).message).toBe('more than 2 metrics in one request');
    });

    it('caps data points, the skipped kinds included', () => {
      expect(
        limitError(request([sumMetric([numberPoint(1), numberPoint(2)])]), { maxPoints: 1 }).message,
      ).toBe('more than 1 data points in one request');
      const summary = new W()
        .stringField(1, 's')
        .messageField(11, new W().messageField(1, new W()).messageField(1, new W()));
      limitError(request([summary]), { maxPoints: 1 });
    });

    it('caps attributes per set and per request', () => {
      const attributes = Array.from({ length: 3 }, (_, index) => keyValue(`k${index}`, stringValue('v')));
      expect(limitError(request([], attributes), { maxAttributesPerSet: 2 }).message).toMatch(
        /more than 2 attributes on one resource, scope or point/,
      );
      const point = numberPoint(1, [keyValue('a', stringValue('1')), keyValue('b', stringValue('2'))]);
      expect(
        limitError(request([sumMetric([point, point])], attributes.slice(0, 1)), { maxAttributes: 4 })
          .message,
      ).toBe('more than 4 attributes in one request');
    });

    it('caps string lengths before decoding them', () => {
      const long = 'é'.repeat(30); // 60 bytes
      expect(
        limitError(request([], [keyValue('service.name', stringValue(long))]), { maxStringBytes: 59 })
          .message,
      ).toBe('an attribute value is 60 bytes long; the limit is 59');
      limitError(request([], [keyValue(long, stringValue('v'))]), { maxStringBytes: 59 });
      limitError(request([new W().stringField(1, long)]), { maxStringBytes: 59 });
      limitError(request([new W().stringField(1, 'm').stringField(3, long)]), { maxStringBytes: 59 });
      limitError(request([], [keyValue('bytes', new W().bytesField(7, new Uint8Array(60)))]), {
        maxStringBytes: 59,
      });
      expect(
        decode(request([], [keyValue('service.name', stringValue(long))]), { maxStringBytes: 60 }),
      ).toBeDefined();
    });

    it('caps histogram buckets, packed or not, before allocating them', () => {
      const histogram = (point: W): Uint8Array =>
        request([
          new W().stringField(1, 'h').messageField(9, new W().messageField(1, point).varintField(2, 2)),
        ]);
      expect(
        limitError(histogram(new W().packedFixed64Field(6, [1, 2, 3, 4])), { maxBuckets: 3 }).message,
      ).toBe('a histogram point has 4 bucket counts; the limit is 3');
      limitError(
        histogram(new W().fixed64Field(6, 1).fixed64Field(6, 1).fixed64Field(6, 1).fixed64Field(6, 1)),
        {
          maxBuckets: 3,
        },
      );
      expect(limitError(histogram(new W().packedDoubleField(7, [1, 2, 3])), { maxBuckets: 3 }).message).toBe(
        'a histogram point has 4 buckets; the limit is 3',
      );
      expect(decode(histogram(new W().packedDoubleField(7, [1, 2])), { maxBuckets: 3 })).toBeDefined();
    });
  });

  it('decodes what encodeOtlpProtobuf writes', () => {
    const original: OtlpMetricsRequest = {
      resourceMetrics: [
        {
          resourceAttributes: [
            { key: 'service.name', value: 'svc' },
            { key: 'service.instance.id', value: 'i-1' },
          ],
          scopeMetrics: [
            {
              scopeName: '@streamops/sdk',
              metrics: [
                {
                  name: 'c',
                  unit: 's',
                  data: {
                    type: 'sum',
                    temporality: 1,
                    monotonic: true,
                    points: [
                      {
                        attributes: [{ key: 'a', value: 'b' }],
                        startTimeUnixNano: T0,
                        timeUnixNano: T0 + 5,
                        value: 3.5,
                        flags: 0,
                      },
                    ],
                  },
                },
                {
                  name: 'h',
                  unit: '',
                  data: {
                    type: 'histogram',
                    temporality: 2,
                    points: [
                      {
                        attributes: [],
                        startTimeUnixNano: 0,
                        timeUnixNano: T0,
                        count: 3,
                        sum: null,
                        bucketCounts: [1, 2],
                        explicitBounds: [5],
                        flags: 1,
                      },
                    ],
                  },
                },
                { name: 'u', unit: '', data: { type: 'unsupported', kind: 'summary', pointCount: 2 } },
              ],
            },
          ],
        },
      ],
    };
    expect(decode(encodeOtlpProtobuf(original))).toEqual(original);
  });
});
