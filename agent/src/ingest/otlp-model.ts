/**
 * The subset of an OTLP ExportMetricsServiceRequest the agent reads, as both decoders
 * produce it before checking (normalise.ts turns it into reports). Field names follow the
 * OTLP protos; times stay in nanoseconds as doubles (sub-microsecond precision is lost,
 * which no rate needs).
 */

/** A scalar attribute value as string, or null for arrays, key-value lists and empty values. */
export type OtlpAttributeValue = string | null;

/** One KeyValue. */
export interface OtlpAttribute {
  readonly key: string;
  readonly value: OtlpAttributeValue;
}

/** NumberDataPoint: a gauge or sum value. */
export interface OtlpNumberPoint {
  readonly attributes: readonly OtlpAttribute[];
  readonly startTimeUnixNano: number;
  readonly timeUnixNano: number;
  /** as_double or as_int; null when neither is set. */
  readonly value: number | null;
  readonly flags: number;
}

/** HistogramDataPoint (explicit buckets). */
export interface OtlpHistogramPoint {
  readonly attributes: readonly OtlpAttribute[];
  readonly startTimeUnixNano: number;
  readonly timeUnixNano: number;
  readonly count: number;
  readonly sum: number | null;
  readonly bucketCounts: readonly number[];
  readonly explicitBounds: readonly number[];
  readonly flags: number;
}

/** AggregationTemporality as its enum number: 0 unspecified, 1 delta, 2 cumulative. */
export type OtlpTemporality = number;

/** Metric data the agent uses, or the kind it skips. */
export type OtlpMetricData =
  | { readonly type: 'gauge'; readonly points: readonly OtlpNumberPoint[] }
  | {
      readonly type: 'sum';
      readonly temporality: OtlpTemporality;
      readonly monotonic: boolean;
      readonly points: readonly OtlpNumberPoint[];
    }
  | {
      readonly type: 'histogram';
      readonly temporality: OtlpTemporality;
      readonly points: readonly OtlpHistogramPoint[];
    }
  /** Summaries and exponential histograms: counted, not kept. */
  | { readonly type: 'unsupported'; readonly kind: string; readonly pointCount: number }
  /** A metric without data. */
  | { readonly type: 'none' };

/** One Metric. */
export interface OtlpMetric {
  readonly name: string;
  readonly unit: string;
  readonly data: OtlpMetricData;
}

/** One ScopeMetrics. */
export interface OtlpScopeMetrics {
  readonly scopeName: string;
  readonly metrics: readonly OtlpMetric[];
}

/** One ResourceMetrics. */
export interface OtlpResourceMetrics {
  readonly resourceAttributes: readonly OtlpAttribute[];
  readonly scopeMetrics: readonly OtlpScopeMetrics[];
}

/** The decoded request. */
export interface OtlpMetricsRequest {
  readonly resourceMetrics: readonly OtlpResourceMetrics[];
}

/** AggregationTemporality numbers (metrics.proto). */
export const OTLP_TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a series as stale and has no value. */
export const OTLP_FLAG_NO_RECORDED_VALUE = 1;
