import { type IngestRejectionReason } from './limits';

/**
 * What the agent keeps of an OTLP metrics export: one {@link MetricReport} per reporting
 * instance (per OTLP ResourceMetrics), with its identity and its points, already checked.
 * Both the JSON and the protobuf decoders produce exactly these types.
 */

/** Attribute set as string values (booleans and numbers are written in decimal). */
export type AttributeMap = Readonly<Record<string, string>>;

/** Who sent a report: one process of one pipeline (see attributes.ts for the names). */
export interface InstanceIdentity {
  /** Resource attribute `service.name`. */
  readonly serviceName: string;
  /** Resource attribute `service.instance.id`, else `host.name` and `process.pid` joined by `/`. */
  readonly serviceInstanceId: string;
  /** Resource attribute `streamops.pipeline`; null when absent (points then name it, or service.name does). */
  readonly pipeline: string | null;
  /** Resource attribute `streamops.stage`; null when absent (points then name it). */
  readonly stage: string | null;
}

/** How a sum or histogram point relates to earlier ones. */
export type Temporality = 'cumulative' | 'delta';

/** What every point carries. */
export interface PointBase {
  /** Metric name as sent. */
  readonly metric: string;
  /** Metric unit as sent ('' when absent). */
  readonly unit: string;
  /** Pipeline the point belongs to (see attributes.ts for how it is resolved). */
  readonly pipeline: string;
  /** Stage the point belongs to; null for instance-wide series. */
  readonly stage: string | null;
  /** Point attributes, without the pipeline and stage attributes. */
  readonly attributes: AttributeMap;
  /** Start of the aggregation interval, epoch milliseconds; null when the sender did not set it. */
  readonly startTimeMs: number | null;
  /** End of the aggregation interval (the observation time), epoch milliseconds. */
  readonly timeMs: number;
}

/** A gauge value: the current value, not additive over time. */
export interface GaugePoint extends PointBase {
  readonly kind: 'gauge';
  readonly value: number;
}

/** A sum: a counter when monotonic, an up-down counter otherwise. */
export interface SumPoint extends PointBase {
  readonly kind: 'sum';
  readonly temporality: Temporality;
  readonly monotonic: boolean;
  readonly value: number;
}

/** An explicit-bucket histogram. */
export interface HistogramPoint extends PointBase {
  readonly kind: 'histogram';
  readonly temporality: Temporality;
  /** Observations in the interval. */
  readonly count: number;
  /** Sum of the observations; null when the sender left it out (negative observations). */
  readonly sum: number | null;
  /** Strictly increasing finite upper bounds; empty when the point has no buckets. */
  readonly explicitBounds: readonly number[];
  /** One more count than bounds (the last is the +Inf bucket); empty when the point has no buckets. */
  readonly bucketCounts: readonly number[];
}

/** One checked data point. */
export type MetricPoint = GaugePoint | SumPoint | HistogramPoint;

/** Points that were dropped, by reason, with the first message for each reason. */
export interface PointRejection {
  readonly reason: IngestRejectionReason;
  readonly points: number;
  readonly message: string;
}

/**
 * What sent a report: the streamops SDK's reporter (instrumentation scope
 * {@link streamopsSdkScope}) or any other OpenTelemetry SDK exporting streamops metric names.
 */
export type ReporterKind = 'streamops-sdk' | 'opentelemetry';

/** Instrumentation scope name the streamops SDK's reporter sends its metrics under. */
export const streamopsSdkScope = '@streamops/sdk';

/** One instance's part of an export. */
export interface MetricReport {
  readonly instance: InstanceIdentity;
  /** Who reported: the streamops SDK when any of the instance's scopes is {@link streamopsSdkScope}. */
  readonly reporter: ReporterKind;
  /** Stable key of the instance: service name and instance id. */
  readonly instanceKey: string;
  readonly points: readonly MetricPoint[];
}

/** Key that identifies an instance across reports. */
export function instanceKeyOf(identity: Pick<InstanceIdentity, 'serviceName' | 'serviceInstanceId'>): string {
  // JSON keeps the two parts apart whatever characters they contain.
  return JSON.stringify([identity.serviceName, identity.serviceInstanceId]);
}
