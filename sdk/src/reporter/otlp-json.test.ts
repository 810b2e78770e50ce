import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { toOtlpJson } from './otlp-json';

interface Point {
  attributes: { key: string; value: { stringValue: string } }[];
  asDouble?: number;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
  startTimeUnixNano?: string;
  timeUnixNano: string;
}
interface Metric {
  name: string;
  sum?: { aggregationTemporality: number; isMonotonic: boolean; dataPoints: Point[] };
  gauge?: { dataPoints: Point[] };
  histogram?: { aggregationTemporality: number; dataPoints: Point[] };
}
interface Request {
  resourceMetrics: {
    resource: { attributes: { key: string; value: { stringValue: string } }[] };
    scopeMetrics: { metrics: Metric[] }[];
  }[];
}

describe('toOtlpJson', () => {
  it('converts counters, gauges and histograms with per-bucket counts and the resource identity', async () => {
    const registry = new Registry();
    new Counter({ name: 'streamops_x_total', help: 'x', labelNames: ['stage'], registers: [registry] }).inc(
      { stage: 'enrich' },
      5,
    );
    new Gauge({ name: 'streamops_g', help: 'g', registers: [registry] }).set(7);
    const histogram = new Histogram({
      name: 'streamops_h_seconds',
      help: 'h',
      buckets: [0.1, 1],
      registers: [registry],
    });
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(5);

    const request = toOtlpJson(
      await registry.getMetricsAsJSON(),
      { serviceName: 'orders', instanceId: 'pod-1', pipeline: 'orders' },
      1_000,
      3_000,
    ) as Request;
    const resource = request.resourceMetrics[0]?.resource.attributes;
    expect(resource).toEqual([
      { key: 'service.name', value: { stringValue: 'orders' } },
      { key: 'service.instance.id', value: { stringValue: 'pod-1' } },
      { key: 'streamops.pipeline', value: { stringValue: 'orders' } },
    ]);
    const metrics = request.resourceMetrics[0]?.scopeMetrics[0]?.metrics ?? [];
    const byName = new Map(metrics.map((metric) => [metric.name, metric]));
    expect(byName.get('streamops_x_total')?.sum).toEqual({
      aggregationTemporality: 2,
      isMonotonic: true,
      dataPoints: [
        {
          attributes: [{ key: 'stage', value: { stringValue: 'enrich' } }],
          startTimeUnixNano: '1000000000',
          timeUnixNano: '3000000000',
          asDouble: 5,
        },
      ],
    });
    expect(byName.get('streamops_g')?.gauge?.dataPoints[0]?.asDouble).toBe(7);
    expect(byName.get('streamops_h_seconds')?.histogram?.dataPoints[0]).toMatchObject({
      count: '3',
      sum: 5.55,
      explicitBounds: [0.1, 1],
      bucketCounts: ['1', '1', '1'],
      attributes: [],
    });
  });
});
