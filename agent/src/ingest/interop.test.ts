// Interoperability with the OpenTelemetry JS SDK: what its OTLP exporters send (the
// serializers of @opentelemetry/otlp-transformer, in both encodings) must decode to the
// values recorded, and what the agent answers must parse on the exporter's side.
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { decodeMetricsRequest, type OtlpEncoding } from './decode';
import { defaultIngestLimits } from './limits';
import { type HistogramPoint, type MetricPoint, type SumPoint } from './report';
import { encodeExportResponse } from './responses';

/** A reader the test collects from on demand. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function collect(temporality: AggregationTemporality): Promise<ResourceMetrics> {
  const reader = new OnDemandReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'orders-enricher',
      'service.instance.id': 'pod-7',
      'streamops.pipeline': 'orders',
    }),
    readers: [reader],
  });
  const meter = provider.getMeter('@streamops/test', '1.0.0');
  const messages = meter.createCounter('streamops_stage_messages_total');
  messages.add(40, { stage: 'enrich', outcome: 'success' });
  messages.add(2, { stage: 'enrich', outcome: 'error' });
  meter.createCounter('streamops.stage.busy', { unit: 's' }).add(1.25, { stage: 'enrich' });
  meter
    .createUpDownCounter('streamops_consumer_assigned_partitions')
    .add(-3, { stage: 'source', group: 'g' });
  const age = meter.createHistogram('streamops_consumer_record_age_seconds', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1] },
  });
  for (const value of [0.005, 0.05, 0.5, 5]) age.record(value, { stage: 'source', topic: 'orders' });
  meter
    .createObservableGauge('streamops_consumer_lag_messages')
    .addCallback((result) => result.observe(17, { stage: 'source' }));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

function serialize(resourceMetrics: ResourceMetrics, encoding: OtlpEncoding): Uint8Array {
  const serializer = encoding === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer;
  const body = serializer.serializeRequest(resourceMetrics);
  if (body === undefined) throw new Error('serializer returned nothing');
  return body;
}

function byMetric(points: readonly MetricPoint[], metric: string): MetricPoint[] {
  return points.filter((point) => point.metric === metric);
}

describe.each<OtlpEncoding>(['protobuf', 'json'])('OpenTelemetry JS exporter bodies (%s)', (encoding) => {
  it.each([
    ['cumulative', AggregationTemporality.CUMULATIVE, 'cumulative'],
    ['delta', AggregationTemporality.DELTA, 'delta'],
  ] as const)('decode with %s temporality to the recorded values', async (_name, temporality, expected) => {
    const decoded = decodeMetricsRequest(
      serialize(await collect(temporality), encoding),
      encoding,
      defaultIngestLimits,
    );
    if (!decoded.ok) throw decoded.error;
    expect(decoded.export.rejected).toEqual([]);
    const [report] = decoded.export.reports;
    expect(report?.instance).toEqual({
      serviceName: 'orders-enricher',
      serviceInstanceId: 'pod-7',
      pipeline: 'orders',
      stage: null,
    });
    const points = report?.points ?? [];

    const messages = byMetric(points, 'streamops_stage_messages_total') as SumPoint[];
    expect(
      messages.map((point) => ({
        stage: point.stage,
        outcome: point.attributes.outcome,
        value: point.value,
      })),
    ).toEqual(
      expect.arrayContaining([
        { stage: 'enrich', outcome: 'success', value: 40 },
        { stage: 'enrich', outcome: 'error', value: 2 },
      ]),
    );
    for (const point of messages) {
      expect(point).toMatchObject({
        kind: 'sum',
        monotonic: true,
        temporality: expected,
        pipeline: 'orders',
      });
      expect(point.startTimeMs).not.toBeNull();
      expect(point.timeMs).toBeGreaterThanOrEqual(point.startTimeMs ?? 0);
      expect(Math.abs(point.timeMs - Date.now())).toBeLessThan(60_000);
    }

    expect(byMetric(points, 'streamops.stage.busy')).toEqual([
      expect.objectContaining({ kind: 'sum', unit: 's', value: 1.25, stage: 'enrich' }),
    ]);
    expect(byMetric(points, 'streamops_consumer_assigned_partitions')).toEqual([
      expect.objectContaining({
        kind: 'sum',
        monotonic: false,
        value: -3,
        stage: 'source',
        attributes: { group: 'g' },
      }),
    ]);
    expect(byMetric(points, 'streamops_consumer_lag_messages')).toEqual([
      expect.objectContaining({ kind: 'gauge', value: 17, stage: 'source' }),
    ]);

    const [age] = byMetric(points, 'streamops_consumer_record_age_seconds') as HistogramPoint[];
    expect(age).toMatchObject({
      kind: 'histogram',
      temporality: expected,
      count: 4,
      explicitBounds: [0.01, 0.1, 1],
      bucketCounts: [1, 1, 1, 1],
      attributes: { topic: 'orders' },
      stage: 'source',
    });
    expect(age?.sum).toBeCloseTo(5.555, 9);
  });

  it('answers in a form the exporter parses', () => {
    const serializer = encoding === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer;
    expect(serializer.deserializeResponse(encodeExportResponse(encoding, null))).toEqual({});
    const partial = serializer.deserializeResponse(
      encodeExportResponse(encoding, { rejectedDataPoints: 12, errorMessage: 'series_limit' }),
    );
    expect(Number(partial.partialSuccess?.rejectedDataPoints)).toBe(12);
    expect(partial.partialSuccess?.errorMessage).toBe('series_limit');
  });
});
