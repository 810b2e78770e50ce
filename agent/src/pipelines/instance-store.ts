import { IngestRejectionReason } from '../ingest/limits';
import {
  type AttributeMap,
  type HistogramPoint,
  type InstanceIdentity,
  type MetricPoint,
  type MetricReport,
  type PointRejection,
  type ReporterKind,
  type Temporality,
} from '../ingest/report';
import { type ReportedEngine } from './engine';
import { addHistograms, emptyHistogram, subtractHistograms, type HistogramData } from './histogram';
import { isStreamopsMetric, normaliseMetricName, signalOf } from './signals';

/** How a series aggregates: counters and histograms only grow; gauges are current values. */
export type SeriesKind = 'counter' | 'gauge' | 'histogram';

/** Options of {@link InstanceStore}. */
export interface InstanceStoreOptions {
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  /** An instance that has not reported for this long expires. Default 60 s. */
  readonly instanceTtlMs?: number;
  /**
   * How long the frozen totals of departed instances are kept once no live instance
   * reports the series any more. Default 1 h; after that the series disappears (it never decreases).
   */
  readonly departedTtlMs?: number;
  /** Instances tracked at once; reports of further ones are refused (instance_limit). Default 5,000. */
  readonly maxInstances?: number;
  /** Series per instance; points of further series are refused (series_limit). Default 1,000. */
  readonly maxSeriesPerInstance?: number;
  /** Distinct aggregate series over all pipelines, departed ones included. Default 100,000. */
  readonly maxAggregateSeries?: number;
  /** Series held over all instances together; points of further series are refused (series_limit). Default 10,000. */
  readonly maxSeries?: number;
  /** Pipelines with series at once; series of one more are refused (pipeline_limit). Default 50. */
  readonly maxPipelines?: number;
  /** Live instances reporting one pipeline; series of one more are refused (instance_limit). Default 100. */
  readonly maxInstancesPerPipeline?: number;
  /** Stages of one pipeline; series of one more are refused (series_limit). Default 32. */
  readonly maxStagesPerPipeline?: number;
  /** Points further in the future than this are refused (timestamp_skew). Default 300 s. */
  readonly maxClockSkewMs?: number;
  /** Points older than this are refused (timestamp_skew). Default 1 h. */
  readonly maxPointAgeMs?: number;
  /** Bucket counts per histogram after merging layouts. Default 256. */
  readonly maxHistogramBuckets?: number;
  /** Bucket counts of one stored histogram point; points with more are refused (limit_exceeded). Default 64. */
  readonly maxPointBuckets?: number;
  /** Length of a series' identity (metric, pipeline, stage, attributes); longer ones are refused (limit_exceeded). Default 512. */
  readonly maxSeriesKeyLength?: number;
  /** Which metrics are kept (others are ignored, not refused). Default: streamops metrics. */
  readonly acceptMetric?: (metricName: string) => boolean;
}

/** What became of one report's points. */
export interface ApplyResult {
  /** Points stored. */
  readonly acceptedPoints: number;
  /** Points not kept without being an error: metrics filtered out, or older than what the series already has. */
  readonly ignoredPoints: number;
  /** Points refused, by reason (series_limit, instance_limit, pipeline_limit, value_overflow, type_conflict, timestamp_skew). */
  readonly rejected: readonly PointRejection[];
}

/** One aggregate series of a pipeline: all instances' contributions plus departed totals. */
export interface AggregateSeries {
  readonly metric: string;
  readonly unit: string;
  readonly stage: string | null;
  readonly attributes: AttributeMap;
  readonly kind: SeriesKind;
  /** Counter: cumulative total (never decreasing). Gauge: sum over live instances. Histogram: observation count. */
  readonly value: number;
  /** Histograms only: the merged cumulative histogram. */
  readonly histogram: HistogramData | null;
  /** Live instances contributing to it. */
  readonly liveInstances: number;
}

/** Live instances of one stage of a pipeline. */
export interface StageInstances {
  readonly stage: string;
  readonly instances: number;
  /**
   * Stages whose live instances are exactly the same processes share a process group
   * (named after the first such stage); for the SDK's pipeline(), all stages of a process.
   */
  readonly processGroup: string;
}

/** One pipeline in a snapshot. */
export interface PipelineSnapshot {
  readonly pipeline: string;
  /**
   * `kafkajs` when a live instance reports with the streamops SDK, `otel` when only other
   * OpenTelemetry SDKs do; with no live instance, what it was when one last reported.
   */
  readonly engine: ReportedEngine;
  /** Live instances with at least one series of the pipeline. */
  readonly liveInstances: number;
  /** Stages, sorted by name. */
  readonly stages: readonly StageInstances[];
  /** Series, sorted by stage, metric and attributes. */
  readonly series: readonly AggregateSeries[];
}

/** Everything the store holds, aggregated, at one moment. */
export interface StoreSnapshot {
  readonly timeMs: number;
  /** Pipelines, sorted by name. */
  readonly pipelines: readonly PipelineSnapshot[];
}

/** One live instance, for the JSON API. */
export interface InstanceView {
  readonly identity: InstanceIdentity;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly series: number;
}

/** Size of the store, for its own metrics. */
export interface InstanceStoreStats {
  readonly instances: number;
  readonly series: number;
  readonly aggregateSeries: number;
  /** Pipelines with series held. */
  readonly pipelines: number;
  /** Instances expired since the store started. */
  readonly expiredInstances: number;
}

interface SeriesMeta {
  readonly key: string;
  readonly pipeline: string;
  readonly stage: string | null;
  readonly metric: string;
  readonly unit: string;
  readonly attributes: AttributeMap;
  readonly kind: SeriesKind;
}

interface CounterState {
  readonly meta: SeriesMeta;
  temporality: Temporality;
  lastTimeMs: number;
  lastStartMs: number | null;
  /** Last reported cumulative value (cumulative temporality). */
  lastValue: number;
  /** What this instance added to the aggregate since the store first saw the series. */
  contribution: number;
}

interface GaugeState {
  readonly meta: SeriesMeta;
  lastTimeMs: number;
  value: number;
}

interface HistogramState {
  readonly meta: SeriesMeta;
  temporality: Temporality;
  lastTimeMs: number;
  lastStartMs: number | null;
  last: HistogramData;
  contribution: HistogramData;
}

type SeriesState =
  | ({ readonly kind: 'counter' } & CounterState)
  | ({ readonly kind: 'gauge' } & GaugeState)
  | ({ readonly kind: 'histogram' } & HistogramState);

interface InstanceState {
  readonly key: string;
  readonly identity: InstanceIdentity;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  /** Who sent its latest report. */
  reporter: ReporterKind;
  /** Until its first report is applied, cumulative series may be counted from a baseline. */
  firstReport: boolean;
  /** It expired before and came back: everything it reports first is a baseline. */
  readonly returning: boolean;
  readonly series: Map<string, SeriesState>;
}

/** An aggregate series: its live holders and what departed instances left in it. */
interface AggregateEntry {
  readonly meta: SeriesMeta;
  /**
   * The aggregate value kept up to date point by point, to refuse what would overflow it:
   * counters, departed totals included; gauges, the sum over live instances; histograms,
   * the observation count.
   */
  total: number;
  /** Histograms: the sum of the observations (null when an instance leaves it out). */
  totalSum: number;
  liveInstances: number;
  departedValue: number;
  departedHistogram: HistogramData | null;
  /** When the last live holder left (departed TTL runs from there). */
  departedSinceMs: number;
}

const defaults = {
  instanceTtlMs: 60_000,
  departedTtlMs: 3_600_000,
  maxInstances: 5_000,
  maxSeriesPerInstance: 1_000,
  maxAggregateSeries: 100_000,
  maxSeries: 10_000,
  maxPipelines: 50,
  maxInstancesPerPipeline: 100,
  maxStagesPerPipeline: 32,
  maxClockSkewMs: 300_000,
  maxPointAgeMs: 3_600_000,
  maxHistogramBuckets: 256,
  maxPointBuckets: 64,
  maxSeriesKeyLength: 512,
} as const;

/** The store's limits, each a positive integer. */
type StoreLimits = { readonly [Name in keyof typeof defaults]: number };

/** Every limit from the options or its default; @throws RangeError naming a limit that is not a positive integer. */
function resolveStoreLimits(options: InstanceStoreOptions): StoreLimits {
  const limits = {} as Record<keyof typeof defaults, number>;
  for (const name of Object.keys(defaults) as (keyof typeof defaults)[]) {
    limits[name] = positiveInteger(name, options[name] ?? defaults[name]);
  }
  return limits;
}

// Beyond 2^53 counts are approximate doubles: a sum past it cannot be compared exactly.
const EXACT_LIMIT = Number.MAX_SAFE_INTEGER;
// Series names in refusal messages are cut to this length.
const MAX_SERIES_TEXT = 200;

/** What a pipeline holds, for its caps. */
interface PipelineUsage {
  /** Aggregate series of the pipeline. */
  aggregates: number;
  /** Aggregate series by stage ('' for none). */
  readonly stages: Map<string, number>;
  /** Live instances holding a series of the pipeline, with how many. */
  readonly instances: Map<string, number>;
}

/** The kind a metric name has in a pipeline, and how many aggregate series have it. */
interface NameKind {
  readonly kind: SeriesKind;
  aggregates: number;
}

/** The kind the pipeline model reads a streamops signal as; null for names it does not read. */
function catalogueKind(metric: string): SeriesKind | null {
  const signal = signalOf(metric);
  if (signal === null) return null;
  return signal === 'recordAge' ? 'histogram' : 'counter';
}

/** A series named for a refusal message: kind, metric, attributes, pipeline and stage. */
function seriesText(point: MetricPoint, kind: SeriesKind): string {
  const labels = Object.keys(point.attributes)
    .sort()
    .map((key) => `${key}=${JSON.stringify(point.attributes[key])}`)
    .join(',');
  const text = `${kind} ${point.metric}{${labels}} of pipeline ${JSON.stringify(point.pipeline)}${point.stage === null ? '' : ` stage ${JSON.stringify(point.stage)}`}`;
  return text.length <= MAX_SERIES_TEXT ? text : `${text.slice(0, MAX_SERIES_TEXT - 1)}…`;
}

/** Rejections by reason, with the first message of each. */
class Refusals {
  private readonly byReason = new Map<IngestRejectionReason, { points: number; message: string }>();

  add(reason: IngestRejectionReason, message: string): void {
    const entry = this.byReason.get(reason);
    if (entry === undefined) this.byReason.set(reason, { points: 1, message });
    else entry.points++;
  }

  list(): PointRejection[] {
    return [...this.byReason].map(([reason, { points, message }]) => ({ reason, points, message }));
  }
}

/** A refusal of one point. */
interface Refusal {
  readonly reason: IngestRejectionReason;
  readonly message: string;
}

const MAX_CACHED_NAMES = 4_096;

function kindOf(point: MetricPoint): SeriesKind {
  if (point.kind === 'histogram') return 'histogram';
  if (point.kind === 'sum' && point.monotonic) return 'counter';
  return 'gauge';
}

// Key parts without quotes, separators, backslashes or control characters are used as
// they are; others are JSON-quoted (and then start with a quote, which a plain part
// cannot), so the key stays unambiguous and the common case costs no escaping.
function keyPart(value: string): string {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x22 || code === 0x2c || code === 0x3a || code === 0x5c) {
      return JSON.stringify(value);
    }
  }
  return value;
}

function seriesKey(point: MetricPoint, kind: SeriesKind): string {
  // A lone quote stands for "no stage": no plain or JSON-quoted part can be just that.
  let key = `${kind},${keyPart(point.pipeline)},${point.stage === null ? '"' : keyPart(point.stage)},${keyPart(point.metric)}`;
  for (const name of Object.keys(point.attributes).sort()) {
    key += `,${keyPart(name)}:${keyPart(point.attributes[name] ?? '')}`;
  }
  return key;
}

function histogramOf(point: HistogramPoint): HistogramData {
  return { bounds: point.explicitBounds, counts: point.bucketCounts, count: point.count, sum: point.sum };
}

function compareSeries(a: AggregateSeries, b: AggregateSeries): number {
  return (
    (a.stage ?? '').localeCompare(b.stage ?? '') ||
    a.metric.localeCompare(b.metric) ||
    JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))
  );
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Per-instance cumulative series of every reporting instance, aggregated per pipeline,
 * stage, metric and attributes.
 *
 * - **Counters** (monotonic sums) are summed over instances. Each instance contributes
 *   what it added since the store first saw the series: cumulative points add their
 *   increase, delta points add themselves (duplicates and out-of-order points, with a
 *   time not after the last one, are ignored). A cumulative value that goes down, or a
 *   changed start time, is a restart: the new value is all new. So one instance
 *   restarting never makes the aggregate go down.
 * - **First sight.** A new series is counted from zero when it started after the store
 *   did, or when its instance had reported before (the series is new, not the instance);
 *   otherwise (the agent restarted under running instances) its first value is a baseline,
 *   so it adds no spike. An instance that expired and comes back starts from a baseline too,
 *   since what it reported before is already in the departed total.
 * - **Histograms** merge the same way, bucket by bucket (see histogram.ts for layouts).
 * - **Gauges** and non-monotonic sums are summed over live instances.
 * - **Expiry.** An instance silent for the TTL is dropped; its counter and histogram
 *   contributions move into a frozen departed total of each aggregate series, so aggregates
 *   never decrease and its rate leaves cleanly. Departed totals of series no live instance
 *   reports any more are dropped after `departedTtlMs` (the series then disappears).
 * - **Bounds.** Instances, series per instance, aggregate series and histogram buckets are
 *   capped; what does not fit is refused with series_limit or instance_limit. At the
 *   aggregate cap, the oldest departed-only series (no live instance) makes room first.
 */
export class InstanceStore {
  private readonly instances = new Map<string, InstanceState>();
  private readonly aggregates = new Map<string, AggregateEntry>();
  /** Aggregates no live instance holds, oldest departure first (Map order): expired or evicted first. */
  private readonly departedOnly = new Map<string, AggregateEntry>();
  /** Keys of instances that expired, with the time, so a return is recognised. */
  private readonly expiredKeys = new Map<string, number>();
  private readonly createdMs: number;
  private readonly limits: StoreLimits;
  private readonly usage = new Map<string, PipelineUsage>();
  /** Kind of each (pipeline, normalised metric name) while series of it exist. */
  private readonly kinds = new Map<string, NameKind>();
  private readonly acceptMetric: (metricName: string) => boolean;
  /** acceptMetric's answers by name (names repeat in every report); bounded, cleared when full. */
  private readonly acceptedNames = new Map<string, boolean>();
  private seriesCount = 0;
  private expiredCount = 0;
  /** Engine of each pipeline when it last had live instances. */
  private readonly engineByPipeline = new Map<string, ReportedEngine>();

  constructor(private readonly options: InstanceStoreOptions) {
    this.createdMs = options.now();
    this.limits = resolveStoreLimits(options);
    this.acceptMetric = options.acceptMetric ?? isStreamopsMetric;
  }

  /** Applies one instance's report. */
  apply(report: MetricReport): ApplyResult {
    const nowMs = this.options.now();
    let instance = this.instances.get(report.instanceKey);
    if (instance === undefined) {
      if (this.instances.size >= this.limits.maxInstances) this.expire();
      if (this.instances.size >= this.limits.maxInstances) {
        return {
          acceptedPoints: 0,
          ignoredPoints: 0,
          rejected: [
            {
              reason: IngestRejectionReason.InstanceLimit,
              points: report.points.length,
              message: `the agent already tracks ${this.limits.maxInstances} instances`,
            },
          ],
        };
      }
      instance = {
        key: report.instanceKey,
        identity: report.instance,
        firstSeenMs: nowMs,
        lastSeenMs: nowMs,
        reporter: report.reporter,
        firstReport: true,
        returning: this.expiredKeys.delete(report.instanceKey),
        series: new Map(),
      };
      this.instances.set(report.instanceKey, instance);
    }

    let acceptedPoints = 0;
    let ignoredPoints = 0;
    const refusals = new Refusals();
    const earliestMs = nowMs - this.limits.maxPointAgeMs;
    const latestMs = nowMs + this.limits.maxClockSkewMs;
    for (const point of report.points) {
      if (!this.accepts(point.metric)) {
        ignoredPoints++;
        continue;
      }
      const kind = kindOf(point);
      if (point.timeMs > latestMs || point.timeMs < earliestMs) {
        const seconds = Math.round((point.timeMs - nowMs) / 1000);
        refusals.add(
          IngestRejectionReason.TimestampSkew,
          `${seriesText(point, kind)}: its time is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} the agent's clock; at most ${this.limits.maxClockSkewMs / 1000} s ahead and ${this.limits.maxPointAgeMs / 1000} s behind are accepted`,
        );
        continue;
      }
      // What one series costs is bounded too: its identity's length and its buckets.
      if (point.kind === 'histogram' && point.bucketCounts.length > this.limits.maxPointBuckets) {
        refusals.add(
          IngestRejectionReason.LimitExceeded,
          `${seriesText(point, kind)}: ${point.bucketCounts.length} buckets; at most ${this.limits.maxPointBuckets} are kept`,
        );
        continue;
      }
      const key = seriesKey(point, kind);
      if (key.length > this.limits.maxSeriesKeyLength) {
        refusals.add(
          IngestRejectionReason.LimitExceeded,
          `${seriesText(point, kind)}: its metric name, pipeline, stage and attributes take ${key.length} characters; at most ${this.limits.maxSeriesKeyLength}`,
        );
        continue;
      }
      const state = instance.series.get(key);
      if (state === undefined) {
        const problem = this.roomForSeries(instance, key, point, kind);
        if (problem !== null) {
          refusals.add(problem.reason, problem.message);
          continue;
        }
        const overflow = this.addSeries(instance, key, point, kind);
        if (overflow !== null) refusals.add(overflow.reason, overflow.message);
        else acceptedPoints++;
        continue;
      }
      const outcome = this.updateSeries(state, point);
      if (outcome === true) acceptedPoints++;
      else if (outcome === false) ignoredPoints++;
      else refusals.add(outcome.reason, outcome.message);
    }
    instance.lastSeenMs = nowMs;
    instance.reporter = report.reporter;
    instance.firstReport = false;
    if (instance.series.size === 0 && acceptedPoints === 0 && ignoredPoints === 0) {
      // Nothing of it was kept: an instance made up to fill the store costs nothing.
      this.instances.delete(instance.key);
      if (instance.returning) this.expiredKeys.set(instance.key, nowMs);
    }
    return { acceptedPoints, ignoredPoints, rejected: refusals.list() };
  }

  private accepts(metricName: string): boolean {
    let accepted = this.acceptedNames.get(metricName);
    if (accepted === undefined) {
      if (this.acceptedNames.size >= MAX_CACHED_NAMES) this.acceptedNames.clear();
      accepted = this.acceptMetric(metricName);
      this.acceptedNames.set(metricName, accepted);
    }
    return accepted;
  }

  /** Why one more series cannot be held (a type conflict or a cap), or null. */
  private roomForSeries(
    instance: InstanceState,
    key: string,
    point: MetricPoint,
    kind: SeriesKind,
  ): Refusal | null {
    const { pipeline } = point;
    const nameKey = `${pipeline}\u0000${normaliseMetricName(point.metric)}`;
    const held = this.kinds.get(nameKey)?.kind ?? null;
    const expected = catalogueKind(point.metric);
    if ((held !== null && held !== kind) || (expected !== null && expected !== kind)) {
      const known =
        held !== null && held !== kind ? `the agent holds it as a ${held}` : `it is a ${expected ?? ''}`;
      return {
        reason: IngestRejectionReason.TypeConflict,
        message: `${seriesText(point, kind)}: ${known}; a metric keeps one type`,
      };
    }
    const seriesLimit = (message: string): Refusal => ({
      reason: IngestRejectionReason.SeriesLimit,
      message,
    });
    if (instance.series.size >= this.limits.maxSeriesPerInstance) {
      return seriesLimit(
        `instance ${instance.identity.serviceInstanceId} of ${instance.identity.serviceName} already has ${this.limits.maxSeriesPerInstance} series`,
      );
    }
    if (this.seriesCount >= this.limits.maxSeries) {
      return seriesLimit(`the agent already holds ${this.limits.maxSeries} series over all instances`);
    }
    let usage = this.usage.get(pipeline);
    if (usage === undefined && this.usage.size >= this.limits.maxPipelines) {
      this.evictDepartedPipeline();
      if (this.usage.size >= this.limits.maxPipelines) {
        return {
          reason: IngestRejectionReason.PipelineLimit,
          message: `the agent already tracks ${this.limits.maxPipelines} pipelines; ${JSON.stringify(pipeline)} is not one of them`,
        };
      }
    }
    usage = this.usage.get(pipeline);
    if (usage !== undefined) {
      if (!usage.instances.has(instance.key) && usage.instances.size >= this.limits.maxInstancesPerPipeline) {
        return {
          reason: IngestRejectionReason.InstanceLimit,
          message: `pipeline ${JSON.stringify(pipeline)} already has ${this.limits.maxInstancesPerPipeline} live instances`,
        };
      }
      if (!usage.stages.has(point.stage ?? '') && usage.stages.size >= this.limits.maxStagesPerPipeline) {
        return seriesLimit(
          `pipeline ${JSON.stringify(pipeline)} already has ${this.limits.maxStagesPerPipeline} stages`,
        );
      }
    }
    if (!this.aggregates.has(key) && this.aggregates.size >= this.limits.maxAggregateSeries) {
      // Live series come first: the oldest frozen total of departed instances makes room
      // (that series disappears, as it would at its departed TTL; it never decreases).
      const oldest = this.departedOnly.keys().next();
      if (oldest.done === true)
        return seriesLimit(`the agent already holds ${this.limits.maxAggregateSeries} series`);
      this.deleteAggregate(oldest.value);
    }
    return null;
  }

  /** At the pipeline cap: drops the series of one pipeline no live instance reports, if any. */
  private evictDepartedPipeline(): void {
    for (const [pipeline, usage] of this.usage) {
      if (usage.instances.size > 0) continue;
      for (const [key, entry] of this.departedOnly) {
        if (entry.meta.pipeline === pipeline) this.deleteAggregate(key);
      }
      return;
    }
  }

  /** Removes an aggregate series no live instance holds, with its share of the pipeline's usage. */
  private deleteAggregate(key: string): void {
    const entry = this.aggregates.get(key);
    this.departedOnly.delete(key);
    if (entry === undefined) return;
    this.aggregates.delete(key);
    const { pipeline, stage, metric } = entry.meta;
    const nameKey = `${pipeline}\u0000${normaliseMetricName(metric)}`;
    const nameKind = this.kinds.get(nameKey);
    if (nameKind !== undefined && --nameKind.aggregates <= 0) this.kinds.delete(nameKey);
    const usage = this.usage.get(pipeline);
    if (usage === undefined) return;
    const stageKey = stage ?? '';
    const stageCount = (usage.stages.get(stageKey) ?? 0) - 1;
    if (stageCount <= 0) usage.stages.delete(stageKey);
    else usage.stages.set(stageKey, stageCount);
    if (--usage.aggregates <= 0) this.usage.delete(pipeline);
  }

  /** Adds a series to an instance; a refusal when its value would overflow the aggregate. */
  private addSeries(
    instance: InstanceState,
    key: string,
    point: MetricPoint,
    kind: SeriesKind,
  ): Refusal | null {
    const existing = this.aggregates.get(key);
    // Cumulative values count in full only when what they counted happened while the store watched.
    // After the first report, a new series is new: all of it happened since.
    const countInFull = instance.firstReport
      ? !instance.returning && point.startTimeMs !== null && point.startTimeMs >= this.createdMs
      : true;
    const reading = point.kind === 'histogram' ? histogramOf(point) : null;
    const histogramContribution =
      point.kind === 'histogram' && reading !== null
        ? point.temporality === 'delta' || countInFull
          ? reading
          : emptyHistogram
        : null;
    const counterContribution =
      kind === 'counter' && point.kind === 'sum'
        ? point.temporality === 'delta'
          ? point.value
          : countInFull
            ? point.value
            : 0
        : 0;
    const added =
      kind === 'counter'
        ? counterContribution
        : kind === 'gauge' && point.kind !== 'histogram'
          ? point.value
          : (histogramContribution?.count ?? 0);
    const addedSum = histogramContribution?.sum ?? 0;
    const overflow = this.overflow(
      point,
      kind,
      existing?.total ?? 0,
      added,
      existing?.totalSum ?? 0,
      addedSum,
    );
    if (overflow !== null) return overflow;

    let entry = existing;
    if (entry === undefined) {
      entry = {
        meta: {
          key,
          pipeline: point.pipeline,
          stage: point.stage,
          metric: point.metric,
          unit: point.unit,
          attributes: point.attributes,
          kind,
        },
        total: 0,
        totalSum: 0,
        liveInstances: 0,
        departedValue: 0,
        departedHistogram: null,
        departedSinceMs: 0,
      };
      this.aggregates.set(key, entry);
      const nameKey = `${point.pipeline}\u0000${normaliseMetricName(point.metric)}`;
      const nameKind = this.kinds.get(nameKey);
      if (nameKind === undefined) this.kinds.set(nameKey, { kind, aggregates: 1 });
      else nameKind.aggregates++;
      let usage = this.usage.get(point.pipeline);
      if (usage === undefined) {
        usage = { aggregates: 0, stages: new Map(), instances: new Map() };
        this.usage.set(point.pipeline, usage);
      }
      usage.aggregates++;
      const stageKey = point.stage ?? '';
      usage.stages.set(stageKey, (usage.stages.get(stageKey) ?? 0) + 1);
    }
    const usage = this.usage.get(point.pipeline);
    if (usage !== undefined) usage.instances.set(instance.key, (usage.instances.get(instance.key) ?? 0) + 1);
    entry.total += added;
    entry.totalSum += addedSum;
    if (entry.liveInstances++ === 0) this.departedOnly.delete(key);
    this.seriesCount++;
    const meta = entry.meta;

    if (point.kind === 'histogram' && reading !== null) {
      instance.series.set(key, {
        kind: 'histogram',
        meta,
        temporality: point.temporality,
        lastTimeMs: point.timeMs,
        lastStartMs: point.startTimeMs,
        last: reading,
        contribution: histogramContribution ?? emptyHistogram,
      });
    } else if (kind === 'counter') {
      instance.series.set(key, {
        kind: 'counter',
        meta,
        temporality: point.kind === 'sum' ? point.temporality : 'cumulative',
        lastTimeMs: point.timeMs,
        lastStartMs: point.startTimeMs,
        lastValue: point.kind === 'sum' ? point.value : 0,
        contribution: counterContribution,
      });
    } else {
      instance.series.set(key, {
        kind: 'gauge',
        meta,
        lastTimeMs: point.timeMs,
        value: point.kind === 'histogram' ? 0 : point.value,
      });
    }
    return null;
  }

  /**
   * A value_overflow refusal when adding `added` (and `addedSum` for histograms) to an
   * aggregate at `total` would leave what the model can add up: a counter or a histogram
   * count past 2^53 − 1, or a sum that is not finite.
   */
  private overflow(
    point: MetricPoint,
    kind: SeriesKind,
    total: number,
    added: number,
    totalSum: number,
    addedSum: number,
  ): Refusal | null {
    const next = total + added;
    const fits =
      kind === 'gauge'
        ? Number.isFinite(next)
        : next <= EXACT_LIMIT && next >= 0 && (kind !== 'histogram' || Number.isFinite(totalSum + addedSum));
    if (fits) return null;
    return {
      reason: IngestRejectionReason.ValueOverflow,
      message: `${seriesText(point, kind)}: adding ${added} to the ${total} the agent holds over its instances gives ${next}, beyond ${kind === 'gauge' ? 'a finite number' : '2^53 − 1, the largest count added up exactly'}`,
    };
  }

  /**
   * Applies a point to an existing series: true when applied, false when it is ignored as
   * old, a refusal when it would overflow the aggregate.
   */
  private updateSeries(state: SeriesState, point: MetricPoint): boolean | Refusal {
    if (point.timeMs <= state.lastTimeMs) return false;
    const entry = this.aggregates.get(state.meta.key);
    const total = entry?.total ?? 0;
    if (state.kind === 'gauge') {
      if (point.kind === 'histogram') return false;
      const delta = point.kind === 'sum' && point.temporality === 'delta';
      const value = delta ? state.value + point.value : point.value;
      const change = value - state.value;
      const overflow = Number.isFinite(value)
        ? this.overflow(point, 'gauge', total, change, 0, 0)
        : this.overflow(point, 'gauge', total, value, 0, 0);
      if (overflow !== null) return overflow;
      if (entry !== undefined) entry.total += change;
      state.value = value;
      state.lastTimeMs = point.timeMs;
      return true;
    }
    if (state.kind === 'counter') {
      if (point.kind !== 'sum') return false;
      let increase = 0;
      if (point.temporality === 'delta') {
        increase = point.value;
      } else if (state.temporality === 'cumulative') {
        const restarted =
          point.value < state.lastValue ||
          (point.startTimeMs !== null &&
            state.lastStartMs !== null &&
            point.startTimeMs !== state.lastStartMs);
        increase = restarted ? point.value : point.value - state.lastValue;
      }
      const overflow = this.overflow(point, 'counter', total, increase, 0, 0);
      if (overflow !== null) return overflow;
      state.contribution += increase;
      if (entry !== undefined) entry.total += increase;
      // A series that switches from delta to cumulative takes its first cumulative value as a baseline.
      state.temporality = point.temporality;
      state.lastValue = point.value;
      state.lastStartMs = point.startTimeMs;
      state.lastTimeMs = point.timeMs;
      return true;
    }
    if (point.kind !== 'histogram') return false;
    const reading = histogramOf(point);
    let increase: HistogramData | null = null;
    if (point.temporality === 'delta') {
      increase = reading;
    } else if (state.temporality === 'cumulative') {
      const restarted =
        point.startTimeMs !== null && state.lastStartMs !== null && point.startTimeMs !== state.lastStartMs;
      // Null: the count or a bucket went down, a restart without a new start time.
      increase = (restarted ? reading : subtractHistograms(reading, state.last)) ?? reading;
    }
    if (increase !== null) {
      const overflow = this.overflow(
        point,
        'histogram',
        total,
        increase.count,
        entry?.totalSum ?? 0,
        increase.sum ?? 0,
      );
      if (overflow !== null) return overflow;
      state.contribution = addHistograms(state.contribution, increase, this.limits.maxHistogramBuckets);
      if (entry !== undefined) {
        entry.total += increase.count;
        entry.totalSum += increase.sum ?? 0;
      }
    }
    state.temporality = point.temporality;
    state.last = reading;
    state.lastStartMs = point.startTimeMs;
    state.lastTimeMs = point.timeMs;
    return true;
  }

  /**
   * Expires instances silent for the TTL (their counters freeze into departed totals) and
   * drops departed totals past their own TTL. Called by {@link snapshot}; callable on a timer.
   * Returns the identities of the instances that expired.
   */
  expire(): InstanceIdentity[] {
    const nowMs = this.options.now();
    const expired: InstanceIdentity[] = [];
    for (const instance of this.instances.values()) {
      if (nowMs - instance.lastSeenMs < this.limits.instanceTtlMs) continue;
      for (const state of instance.series.values()) {
        const entry = this.aggregates.get(state.meta.key);
        if (entry === undefined) continue;
        if (state.kind === 'counter') entry.departedValue += state.contribution;
        // A gauge leaves with its instance; counters and histograms keep their totals.
        if (state.kind === 'gauge') entry.total -= state.value;
        const usage = this.usage.get(state.meta.pipeline);
        const held = usage?.instances.get(instance.key);
        if (usage !== undefined && held !== undefined) {
          if (held <= 1) usage.instances.delete(instance.key);
          else usage.instances.set(instance.key, held - 1);
        }
        if (state.kind === 'histogram') {
          entry.departedHistogram = addHistograms(
            entry.departedHistogram ?? emptyHistogram,
            state.contribution,
            this.limits.maxHistogramBuckets,
          );
        }
        if (--entry.liveInstances === 0) {
          entry.departedSinceMs = nowMs;
          this.departedOnly.set(state.meta.key, entry);
        }
      }
      this.seriesCount -= instance.series.size;
      this.instances.delete(instance.key);
      this.expiredKeys.set(instance.key, nowMs);
      this.expiredCount++;
      expired.push(instance.identity);
    }
    for (const [key, entry] of this.departedOnly) {
      // Gauges have no departed part: they leave with their last instance.
      if (entry.meta.kind !== 'gauge' && nowMs - entry.departedSinceMs < this.limits.departedTtlMs) continue;
      this.deleteAggregate(key);
    }
    for (const [key, expiredMs] of this.expiredKeys) {
      if (nowMs - expiredMs >= this.limits.departedTtlMs) this.expiredKeys.delete(key);
    }
    // Returning-instance memory is bounded too; the oldest entries go first (Map order).
    while (this.expiredKeys.size > this.limits.maxInstances) {
      const oldest = this.expiredKeys.keys().next();
      if (oldest.done === true) break;
      this.expiredKeys.delete(oldest.value);
    }
    return expired;
  }

  /** Aggregates every pipeline at the current time (after expiring silent instances). */
  snapshot(): StoreSnapshot {
    this.expire();
    const timeMs = this.options.now();
    interface Accumulator {
      value: number;
      histogram: HistogramData | null;
      live: number;
    }
    const accumulators = new Map<string, Accumulator>();
    for (const [key, entry] of this.aggregates) {
      accumulators.set(key, { value: entry.departedValue, histogram: entry.departedHistogram, live: 0 });
    }
    // pipeline → stage → instance keys, and pipeline → instance keys.
    const stageMembers = new Map<string, Map<string, Set<string>>>();
    const pipelineMembers = new Map<string, Set<string>>();
    for (const instance of this.instances.values()) {
      for (const state of instance.series.values()) {
        const accumulator = accumulators.get(state.meta.key);
        if (accumulator === undefined) continue;
        accumulator.live++;
        if (state.kind === 'counter') accumulator.value += state.contribution;
        else if (state.kind === 'gauge') accumulator.value += state.value;
        else
          accumulator.histogram = addHistograms(
            accumulator.histogram ?? emptyHistogram,
            state.contribution,
            this.limits.maxHistogramBuckets,
          );
        const { pipeline, stage } = state.meta;
        let members = pipelineMembers.get(pipeline);
        if (members === undefined) pipelineMembers.set(pipeline, (members = new Set<string>()));
        members.add(instance.key);
        if (stage !== null) {
          let stages = stageMembers.get(pipeline);
          if (stages === undefined) stageMembers.set(pipeline, (stages = new Map<string, Set<string>>()));
          let stageSet = stages.get(stage);
          if (stageSet === undefined) stages.set(stage, (stageSet = new Set<string>()));
          stageSet.add(instance.key);
        }
      }
    }

    const seriesByPipeline = new Map<string, AggregateSeries[]>();
    for (const [key, entry] of this.aggregates) {
      const accumulator = accumulators.get(key);
      if (accumulator === undefined) continue;
      const { meta } = entry;
      if (meta.kind === 'gauge' && accumulator.live === 0) continue;
      const histogram = meta.kind === 'histogram' ? (accumulator.histogram ?? emptyHistogram) : null;
      let list = seriesByPipeline.get(meta.pipeline);
      if (list === undefined) seriesByPipeline.set(meta.pipeline, (list = []));
      list.push({
        metric: meta.metric,
        unit: meta.unit,
        stage: meta.stage,
        attributes: meta.attributes,
        kind: meta.kind,
        value: histogram === null ? accumulator.value : histogram.count,
        histogram,
        liveInstances: accumulator.live,
      });
    }

    for (const [pipeline, members] of pipelineMembers) {
      let engine: ReportedEngine = 'otel';
      for (const key of members) {
        if (this.instances.get(key)?.reporter === 'streamops-sdk') engine = 'kafkajs';
      }
      this.engineByPipeline.set(pipeline, engine);
    }
    for (const pipeline of this.engineByPipeline.keys()) {
      if (!seriesByPipeline.has(pipeline)) this.engineByPipeline.delete(pipeline);
    }
    const pipelines = [...seriesByPipeline.keys()].sort().map((pipeline): PipelineSnapshot => {
      const stages = stageMembers.get(pipeline) ?? new Map<string, Set<string>>();
      return {
        pipeline,
        engine: this.engineByPipeline.get(pipeline) ?? 'otel',
        liveInstances: pipelineMembers.get(pipeline)?.size ?? 0,
        stages: stageInstances(stages),
        series: (seriesByPipeline.get(pipeline) ?? []).sort(compareSeries),
      };
    });
    return { timeMs, pipelines };
  }

  /**
   * service.instance.id of the live instances holding a series of `pipeline` that `select`
   * picks, sorted, at most `limit` (for naming the instances behind a degraded pipeline).
   */
  holders(
    pipeline: string,
    select: (series: Pick<AggregateSeries, 'metric' | 'stage' | 'attributes' | 'kind'>) => boolean,
    limit = 20,
  ): string[] {
    const ids = new Set<string>();
    for (const instance of this.instances.values()) {
      for (const state of instance.series.values()) {
        if (state.meta.pipeline === pipeline && select(state.meta)) {
          ids.add(instance.identity.serviceInstanceId);
          break;
        }
      }
    }
    return [...ids].sort().slice(0, limit);
  }

  /** Live instances, sorted by service name and instance id. */
  instanceViews(): InstanceView[] {
    return [...this.instances.values()]
      .map((instance) => ({
        identity: instance.identity,
        firstSeenMs: instance.firstSeenMs,
        lastSeenMs: instance.lastSeenMs,
        series: instance.series.size,
      }))
      .sort(
        (a, b) =>
          a.identity.serviceName.localeCompare(b.identity.serviceName) ||
          a.identity.serviceInstanceId.localeCompare(b.identity.serviceInstanceId),
      );
  }

  /** Current size. */
  stats(): InstanceStoreStats {
    return {
      instances: this.instances.size,
      series: this.seriesCount,
      aggregateSeries: this.aggregates.size,
      pipelines: this.usage.size,
      expiredInstances: this.expiredCount,
    };
  }
}

/** Stages with their instance counts and process groups (identical instance sets). */
function stageInstances(stages: Map<string, Set<string>>): StageInstances[] {
  const names = [...stages.keys()].sort();
  const groups: { name: string; members: Set<string> }[] = [];
  return names.map((stage) => {
    const members = stages.get(stage) ?? new Set<string>();
    let group = groups.find(
      (candidate) =>
        candidate.members.size === members.size && [...members].every((key) => candidate.members.has(key)),
    );
    if (group === undefined) {
      group = { name: stage, members };
      groups.push(group);
    }
    return { stage, instances: members.size, processGroup: group.name };
  });
}
