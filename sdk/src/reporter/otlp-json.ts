import { type MetricObjectWithValues, type MetricValue, type MetricValueWithName } from 'prom-client';

/** An OTLP attribute with a string value (all Prometheus label values are strings). */
export interface OtlpStringAttribute {
  readonly key: string;
  readonly value: { readonly stringValue: string };
}

/** Identity of the reporting process, sent as OTLP resource attributes. */
export interface ReporterResource {
  readonly serviceName: string;
  readonly instanceId: string;
  readonly pipeline: string;
}

/** Aggregation temporality: every prom-client series is cumulative since process start. */
const CUMULATIVE = 2;

function attributes(labels: Readonly<Record<string, string | number>>, skip?: string): OtlpStringAttribute[] {
  const out: OtlpStringAttribute[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (key !== skip) out.push({ key, value: { stringValue: String(value) } });
  }
  return out;
}

function seriesKey(labels: Readonly<Record<string, string | number>>, skip?: string): string {
  return Object.keys(labels)
    .filter((key) => key !== skip)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}

interface HistogramPoint {
  labels: Record<string, string | number>;
  bounds: number[];
  cumulativeCounts: number[];
  sum: number;
  count: number;
}

function histogramPoints(values: readonly MetricValueWithName<string>[]): HistogramPoint[] {
  const points = new Map<string, HistogramPoint>();
  for (const value of values) {
    const labels = value.labels as Record<string, string | number>;
    const key = seriesKey(labels, 'le');
    let point = points.get(key);
    if (!point) {
      const own: Record<string, string | number> = { ...labels };
      delete own.le;
      point = { labels: own, bounds: [], cumulativeCounts: [], sum: 0, count: 0 };
      points.set(key, point);
    }
    if (value.metricName?.endsWith('_bucket')) {
      // prom-client buckets are cumulative and end with +Inf; OTLP wants counts per bucket.
      if (labels.le !== '+Inf') point.bounds.push(Number(labels.le));
      point.cumulativeCounts.push(value.value);
    } else if (value.metricName?.endsWith('_sum')) point.sum = value.value;
    else if (value.metricName?.endsWith('_count')) point.count = value.value;
  }
  return [...points.values()];
}

/**
 * Converts a prom-client registry snapshot (`registry.getMetricsAsJSON()`) into an OTLP
 * JSON ExportMetricsServiceRequest: counters as cumulative monotonic sums, gauges as
 * gauges, histograms as explicit-bucket histograms. Metric names stay the Prometheus
 * names of the catalogue, so the agent matches them without a mapping table.
 */
export function toOtlpJson(
  metrics: readonly MetricObjectWithValues<MetricValue<string>>[],
  resource: ReporterResource,
  startTimeMs: number,
  nowMs: number,
): unknown {
  const startTimeUnixNano = `${Math.floor(startTimeMs)}000000`;
  const timeUnixNano = `${Math.floor(nowMs)}000000`;
  const otlpMetrics: unknown[] = [];
  for (const metric of metrics) {
    const base = { name: metric.name, description: metric.help };
    // prom-client's typings declare a numeric enum, but at run time the type is a string.
    const type = String(metric.type);
    if (type === 'counter') {
      otlpMetrics.push({
        ...base,
        sum: {
          aggregationTemporality: CUMULATIVE,
          isMonotonic: true,
          dataPoints: metric.values.map((value) => ({
            attributes: attributes(value.labels as Record<string, string | number>),
            startTimeUnixNano,
            timeUnixNano,
            asDouble: value.value,
          })),
        },
      });
    } else if (type === 'gauge') {
      otlpMetrics.push({
        ...base,
        gauge: {
          dataPoints: metric.values.map((value) => ({
            attributes: attributes(value.labels as Record<string, string | number>),
            timeUnixNano,
            asDouble: value.value,
          })),
        },
      });
    } else if (type === 'histogram') {
      const points = histogramPoints(metric.values);
      otlpMetrics.push({
        ...base,
        histogram: {
          aggregationTemporality: CUMULATIVE,
          dataPoints: points.map((point) => ({
            attributes: attributes(point.labels),
            startTimeUnixNano,
            timeUnixNano,
            count: String(point.count),
            sum: point.sum,
            explicitBounds: point.bounds,
            bucketCounts: point.cumulativeCounts.map((cumulative, index) =>
              String(cumulative - (index === 0 ? 0 : (point.cumulativeCounts[index - 1] ?? 0))),
            ),
          })),
        },
      });
    }
  }
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: attributes({
            'service.name': resource.serviceName,
            'service.instance.id': resource.instanceId,
            'streamops.pipeline': resource.pipeline,
          }),
        },
        scopeMetrics: [{ scope: { name: '@streamops/sdk' }, metrics: otlpMetrics }],
      },
    ],
  };
}
