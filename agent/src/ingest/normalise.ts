import { pipelineAttributeNames, stageAttributeNames, streamopsAttributeNames } from './attributes';
import { IngestRejectionReason } from './limits';
import {
  OTLP_FLAG_NO_RECORDED_VALUE,
  OTLP_TEMPORALITY,
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpNumberPoint,
} from './otlp-model';
import {
  instanceKeyOf,
  type AttributeMap,
  type InstanceIdentity,
  type MetricPoint,
  type MetricReport,
  type PointRejection,
  type ReporterKind,
  type Temporality,
  streamopsSdkScope,
} from './report';

/** A decoded export, checked and grouped by instance. */
export interface NormalisedExport {
  /** One report per instance (resources of the same instance are merged). */
  readonly reports: readonly MetricReport[];
  /** Points that were dropped, by reason. */
  readonly rejected: readonly PointRejection[];
  /** Points accepted but not kept: summaries, exponential histograms and no-recorded-value markers. */
  readonly ignoredPoints: number;
}

const NANOS_PER_MS = 1_000_000;
// Beyond 2^53 counts are approximate doubles, so their sum cannot be compared exactly.
const EXACT_LIMIT = Number.MAX_SAFE_INTEGER;

/** Collects rejections by reason, keeping the first message of each. */
class RejectionTally {
  private readonly byReason = new Map<IngestRejectionReason, { points: number; message: string }>();

  add(reason: IngestRejectionReason, points: number, message: string): void {
    if (points <= 0) return;
    const entry = this.byReason.get(reason);
    if (entry === undefined) this.byReason.set(reason, { points, message });
    else entry.points += points;
  }

  list(): PointRejection[] {
    return [...this.byReason].map(([reason, { points, message }]) => ({ reason, points, message }));
  }
}

function attributeMap(attributes: readonly OtlpAttribute[]): Map<string, string> {
  // Later duplicates win, as in most SDKs' attribute maps; null (non-scalar) values are dropped.
  const map = new Map<string, string>();
  for (const { key, value } of attributes) {
    if (value === null) map.delete(key);
    else map.set(key, value);
  }
  return map;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** Identity from resource attributes, or the reason it cannot be formed. */
function identityOf(resource: Map<string, string>): InstanceIdentity | string {
  const serviceName = nonEmpty(resource.get(streamopsAttributeNames.serviceName));
  if (serviceName === null) return 'resource has no service.name attribute';
  let instanceId = nonEmpty(resource.get(streamopsAttributeNames.serviceInstanceId));
  if (instanceId === null) {
    const host = nonEmpty(resource.get(streamopsAttributeNames.hostName));
    const pid = nonEmpty(resource.get(streamopsAttributeNames.processPid));
    if (host !== null && pid !== null) instanceId = `${host}/${pid}`;
  }
  if (instanceId === null) {
    return `resource of service ${JSON.stringify(serviceName)} has no service.instance.id (nor host.name and process.pid); set it, e.g. OTEL_RESOURCE_ATTRIBUTES=service.instance.id=<pod name>`;
  }
  return {
    serviceName,
    serviceInstanceId: instanceId,
    pipeline: nonEmpty(resource.get(streamopsAttributeNames.pipeline)),
    stage: nonEmpty(resource.get(streamopsAttributeNames.stage)),
  };
}

function pointCount(metric: OtlpMetric): number {
  const { data } = metric;
  switch (data.type) {
    case 'none':
      return 0;
    case 'unsupported':
      return data.pointCount;
    default:
      return data.points.length;
  }
}

function temporalityOf(value: number): Temporality | null {
  if (value === OTLP_TEMPORALITY.cumulative) return 'cumulative';
  if (value === OTLP_TEMPORALITY.delta) return 'delta';
  return null;
}

/** The parts every point shares, or the reason the point is invalid. */
interface PointFrame {
  readonly pipeline: string;
  readonly stage: string | null;
  readonly attributes: AttributeMap;
  readonly startTimeMs: number | null;
  readonly timeMs: number;
}

// Point attribute names that name the pipeline or the stage: resolved, then left out of
// the point's attributes. Rank 0 is preferred over rank 1.
const identityAttributeRank = new Map<
  string,
  { readonly which: 'pipeline' | 'stage'; readonly rank: number }
>([
  ...pipelineAttributeNames.map((name, rank) => [name, { which: 'pipeline', rank }] as const),
  ...stageAttributeNames.map((name, rank) => [name, { which: 'stage', rank }] as const),
]);

function frameOf(
  point: { attributes: readonly OtlpAttribute[]; startTimeUnixNano: number; timeUnixNano: number },
  identity: InstanceIdentity,
): PointFrame | string {
  if (point.timeUnixNano === 0) return 'data point has no time_unix_nano';
  if (point.startTimeUnixNano > point.timeUnixNano) return 'data point starts after its time_unix_nano';
  let pipeline: string | null = null;
  let pipelineRank = Number.POSITIVE_INFINITY;
  let stage: string | null = null;
  let stageRank = Number.POSITIVE_INFINITY;
  // A null-prototype object, so keys such as "__proto__" are plain keys. Later duplicates
  // win, as in most SDKs' attribute maps; null (non-scalar) values are dropped.
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const { key, value } of point.attributes) {
    const identityName = identityAttributeRank.get(key);
    if (identityName === undefined) {
      if (value === null) delete attributes[key];
      else attributes[key] = value;
    } else if (value !== null && value !== '') {
      // The preferred name wins whatever the order; among equals, the later one.
      if (identityName.which === 'pipeline' && identityName.rank <= pipelineRank) {
        pipeline = value;
        pipelineRank = identityName.rank;
      } else if (identityName.which === 'stage' && identityName.rank <= stageRank) {
        stage = value;
        stageRank = identityName.rank;
      }
    }
  }
  return {
    pipeline: pipeline ?? identity.pipeline ?? identity.serviceName,
    stage: stage ?? identity.stage,
    attributes,
    startTimeMs: point.startTimeUnixNano === 0 ? null : point.startTimeUnixNano / NANOS_PER_MS,
    timeMs: point.timeUnixNano / NANOS_PER_MS,
  };
}

function histogramProblem(point: OtlpHistogramPoint): string | null {
  const { count, sum, bucketCounts, explicitBounds } = point;
  if (!Number.isFinite(count)) return 'histogram count is not finite';
  if (sum !== null && !Number.isFinite(sum)) return 'histogram sum is not finite';
  if (bucketCounts.length === 0) return null;
  if (bucketCounts.length !== explicitBounds.length + 1) {
    return `histogram has ${bucketCounts.length} bucket counts for ${explicitBounds.length} bounds (expected bounds + 1)`;
  }
  let previous = Number.NEGATIVE_INFINITY;
  for (const bound of explicitBounds) {
    if (!Number.isFinite(bound)) return 'histogram bound is not finite';
    if (bound <= previous) return 'histogram bounds are not strictly increasing';
    previous = bound;
  }
  let total = 0;
  for (const bucket of bucketCounts) total += bucket;
  if (total <= EXACT_LIMIT && count <= EXACT_LIMIT && total !== count) {
    return `histogram bucket counts add up to ${total}, not its count ${count}`;
  }
  return null;
}

/**
 * Checks a decoded export and turns it into reports.
 *
 * - A resource without an identity (see attributes.ts) has all its points rejected (missing_identity).
 * - Points OTLP declares invalid are dropped one by one (invalid_data_point): no time, a
 *   start after the time, no value, a non-finite value, a negative monotonic sum, a sum or
 *   histogram without temporality, a histogram whose buckets disagree with its bounds or
 *   count, a metric without a name.
 * - Summaries, exponential histograms and points flagged "no recorded value" are ignored.
 */
export function normaliseExport(request: OtlpMetricsRequest): NormalisedExport {
  const tally = new RejectionTally();
  const reports = new Map<
    string,
    { instance: InstanceIdentity; reporter: ReporterKind; points: MetricPoint[] }
  >();
  let ignoredPoints = 0;

  for (const resource of request.resourceMetrics) {
    const identity = identityOf(attributeMap(resource.resourceAttributes));
    if (typeof identity === 'string') {
      let points = 0;
      for (const scope of resource.scopeMetrics)
        for (const metric of scope.metrics) points += pointCount(metric);
      tally.add(IngestRejectionReason.MissingIdentity, points, identity);
      continue;
    }
    const key = instanceKeyOf(identity);
    let report = reports.get(key);
    if (report === undefined) {
      report = { instance: identity, reporter: 'opentelemetry', points: [] };
      reports.set(key, report);
    }
    if (resource.scopeMetrics.some((scope) => scope.scopeName === streamopsSdkScope)) {
      report.reporter = 'streamops-sdk';
    }
    const points = report.points;

    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        const { data } = metric;
        if (data.type === 'none') continue;
        if (data.type === 'unsupported') {
          ignoredPoints += data.pointCount;
          continue;
        }
        const where = `metric ${JSON.stringify(metric.name)}`;
        if (metric.name === '') {
          tally.add(IngestRejectionReason.InvalidDataPoint, data.points.length, 'metric without a name');
          continue;
        }
        const reject = (problem: string): void =>
          tally.add(IngestRejectionReason.InvalidDataPoint, 1, `${where}: ${problem}`);

        if (data.type === 'gauge' || data.type === 'sum') {
          const temporality = data.type === 'sum' ? temporalityOf(data.temporality) : null;
          if (data.type === 'sum' && temporality === null) {
            tally.add(
              IngestRejectionReason.InvalidDataPoint,
              data.points.length,
              `${where}: sum without aggregation temporality`,
            );
            continue;
          }
          for (const point of data.points) {
            if ((point.flags & OTLP_FLAG_NO_RECORDED_VALUE) !== 0) {
              ignoredPoints++;
              continue;
            }
            const problem = numberProblem(point, data.type === 'sum' && data.monotonic);
            const frame = problem ?? frameOf(point, identity);
            if (typeof frame === 'string') {
              reject(frame);
              continue;
            }
            const value = point.value ?? 0;
            // Written out rather than spread: this runs for every point of every report.
            if (data.type === 'gauge') {
              points.push({
                kind: 'gauge',
                metric: metric.name,
                unit: metric.unit,
                pipeline: frame.pipeline,
                stage: frame.stage,
                attributes: frame.attributes,
                startTimeMs: frame.startTimeMs,
                timeMs: frame.timeMs,
                value,
              });
            } else {
              points.push({
                kind: 'sum',
                metric: metric.name,
                unit: metric.unit,
                pipeline: frame.pipeline,
                stage: frame.stage,
                attributes: frame.attributes,
                startTimeMs: frame.startTimeMs,
                timeMs: frame.timeMs,
                temporality: temporality ?? 'cumulative',
                monotonic: data.monotonic,
                value,
              });
            }
          }
          continue;
        }

        const temporality = temporalityOf(data.temporality);
        if (temporality === null) {
          tally.add(
            IngestRejectionReason.InvalidDataPoint,
            data.points.length,
            `${where}: histogram without aggregation temporality`,
          );
          continue;
        }
        for (const point of data.points) {
          if ((point.flags & OTLP_FLAG_NO_RECORDED_VALUE) !== 0) {
            ignoredPoints++;
            continue;
          }
          const frame = histogramProblem(point) ?? frameOf(point, identity);
          if (typeof frame === 'string') {
            reject(frame);
            continue;
          }
          const hasBuckets = point.bucketCounts.length > 0;
          points.push({
            kind: 'histogram',
            metric: metric.name,
            unit: metric.unit,
            pipeline: frame.pipeline,
            stage: frame.stage,
            attributes: frame.attributes,
            startTimeMs: frame.startTimeMs,
            timeMs: frame.timeMs,
            temporality,
            count: point.count,
            sum: point.sum,
            explicitBounds: hasBuckets ? point.explicitBounds : [],
            bucketCounts: point.bucketCounts,
          });
        }
      }
    }
  }

  return {
    reports: [...reports].map(([instanceKey, { instance, reporter, points }]) => ({
      instance,
      instanceKey,
      reporter,
      points,
    })),
    rejected: tally.list(),
    ignoredPoints,
  };
}

function numberProblem(point: OtlpNumberPoint, monotonic: boolean): string | null {
  if (point.value === null) return 'data point has neither as_double nor as_int';
  if (!Number.isFinite(point.value)) return `data point value ${point.value} is not finite`;
  if (monotonic && point.value < 0) return `monotonic sum has a negative value ${point.value}`;
  return null;
}
