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
import { isStreamopsMetric } from './signals';

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
  /** Bucket counts per histogram after merging layouts. Default 256. */
  readonly maxHistogramBuckets?: number;
  /** Which metrics are kept (others are ignored, not refused). Default: streamops metrics. */
  readonly acceptMetric?: (metricName: string) => boolean;
}

/** What became of one report's points. */
export interface ApplyResult {
  /** Points stored. */
  readonly acceptedPoints: number;
  /** Points not kept without being an error: metrics filtered out, or older than what the series already has. */
  readonly ignoredPoints: number;
  /** Points refused (series_limit, instance_limit). */
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
  maxHistogramBuckets: 256,
} as const;

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
  private readonly ttlMs: number;
  private readonly departedTtlMs: number;
  private readonly maxInstances: number;
  private readonly maxSeriesPerInstance: number;
  private readonly maxAggregateSeries: number;
  private readonly maxBuckets: number;
  private readonly acceptMetric: (metricName: string) => boolean;
  /** acceptMetric's answers by name (names repeat in every report); bounded, cleared when full. */
  private readonly acceptedNames = new Map<string, boolean>();
  private seriesCount = 0;
  private expiredCount = 0;
  /** Engine of each pipeline when it last had live instances. */
  private readonly engineByPipeline = new Map<string, ReportedEngine>();

  constructor(private readonly options: InstanceStoreOptions) {
    this.createdMs = options.now();
    this.ttlMs = positiveInteger('instanceTtlMs', options.instanceTtlMs ?? defaults.instanceTtlMs);
    this.departedTtlMs = positiveInteger('departedTtlMs', options.departedTtlMs ?? defaults.departedTtlMs);
    this.maxInstances = positiveInteger('maxInstances', options.maxInstances ?? defaults.maxInstances);
    this.maxSeriesPerInstance = positiveInteger(
      'maxSeriesPerInstance',
      options.maxSeriesPerInstance ?? defaults.maxSeriesPerInstance,
    );
    this.maxAggregateSeries = positiveInteger(
      'maxAggregateSeries',
      options.maxAggregateSeries ?? defaults.maxAggregateSeries,
    );
    this.maxBuckets = positiveInteger(
      'maxHistogramBuckets',
      options.maxHistogramBuckets ?? defaults.maxHistogramBuckets,
    );
    this.acceptMetric = options.acceptMetric ?? isStreamopsMetric;
  }

  /** Applies one instance's report. */
  apply(report: MetricReport): ApplyResult {
    const nowMs = this.options.now();
    let instance = this.instances.get(report.instanceKey);
    if (instance === undefined) {
      if (this.instances.size >= this.maxInstances) this.expire();
      if (this.instances.size >= this.maxInstances) {
        return {
          acceptedPoints: 0,
          ignoredPoints: 0,
          rejected: [
            {
              reason: IngestRejectionReason.InstanceLimit,
              points: report.points.length,
              message: `the agent already tracks ${this.maxInstances} instances`,
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
    let refused = 0;
    let refusedMessage = '';
    for (const point of report.points) {
      if (!this.accepts(point.metric)) {
        ignoredPoints++;
        continue;
      }
      const kind = kindOf(point);
      const key = seriesKey(point, kind);
      const state = instance.series.get(key);
      if (state === undefined) {
        const problem = this.roomForSeries(instance, key);
        if (problem !== null) {
          refused++;
          refusedMessage ||= problem;
          continue;
        }
        this.addSeries(instance, key, point, kind);
        acceptedPoints++;
      } else if (this.updateSeries(state, point)) acceptedPoints++;
      else ignoredPoints++;
    }
    instance.lastSeenMs = nowMs;
    instance.reporter = report.reporter;
    instance.firstReport = false;
    return {
      acceptedPoints,
      ignoredPoints,
      rejected:
        refused > 0
          ? [{ reason: IngestRejectionReason.SeriesLimit, points: refused, message: refusedMessage }]
          : [],
    };
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

  private roomForSeries(instance: InstanceState, key: string): string | null {
    if (instance.series.size >= this.maxSeriesPerInstance) {
      return `instance ${instance.identity.serviceInstanceId} of ${instance.identity.serviceName} already has ${this.maxSeriesPerInstance} series`;
    }
    if (!this.aggregates.has(key) && this.aggregates.size >= this.maxAggregateSeries) {
      // Live series come first: the oldest frozen total of departed instances makes room
      // (that series disappears, as it would at its departed TTL; it never decreases).
      const oldest = this.departedOnly.keys().next();
      if (oldest.done === true) return `the agent already holds ${this.maxAggregateSeries} series`;
      this.departedOnly.delete(oldest.value);
      this.aggregates.delete(oldest.value);
    }
    return null;
  }

  private addSeries(instance: InstanceState, key: string, point: MetricPoint, kind: SeriesKind): void {
    let entry = this.aggregates.get(key);
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
        liveInstances: 0,
        departedValue: 0,
        departedHistogram: null,
        departedSinceMs: 0,
      };
      this.aggregates.set(key, entry);
    }
    if (entry.liveInstances++ === 0) this.departedOnly.delete(key);
    this.seriesCount++;
    const meta = entry.meta;
    // Cumulative values count in full only when what they counted happened while the store watched.
    // After the first report, a new series is new: all of it happened since.
    const countInFull = instance.firstReport
      ? !instance.returning && point.startTimeMs !== null && point.startTimeMs >= this.createdMs
      : true;

    if (point.kind === 'histogram') {
      const reading = histogramOf(point);
      instance.series.set(key, {
        kind: 'histogram',
        meta,
        temporality: point.temporality,
        lastTimeMs: point.timeMs,
        lastStartMs: point.startTimeMs,
        last: reading,
        contribution: point.temporality === 'delta' || countInFull ? reading : emptyHistogram,
      });
    } else if (kind === 'counter') {
      instance.series.set(key, {
        kind: 'counter',
        meta,
        temporality: point.kind === 'sum' ? point.temporality : 'cumulative',
        lastTimeMs: point.timeMs,
        lastStartMs: point.startTimeMs,
        lastValue: point.value,
        contribution:
          point.kind === 'sum' && point.temporality === 'delta' ? point.value : countInFull ? point.value : 0,
      });
    } else {
      instance.series.set(key, { kind: 'gauge', meta, lastTimeMs: point.timeMs, value: point.value });
    }
  }

  /** Applies a point to an existing series; false when it is ignored as old. */
  private updateSeries(state: SeriesState, point: MetricPoint): boolean {
    if (point.timeMs <= state.lastTimeMs) return false;
    if (state.kind === 'gauge') {
      const delta = point.kind === 'sum' && point.temporality === 'delta';
      if (point.kind !== 'histogram') state.value = delta ? state.value + point.value : point.value;
      state.lastTimeMs = point.timeMs;
      return true;
    }
    if (state.kind === 'counter') {
      if (point.kind !== 'sum') return false;
      if (point.temporality === 'delta') {
        state.contribution += point.value;
      } else if (state.temporality === 'cumulative') {
        const restarted =
          point.value < state.lastValue ||
          (point.startTimeMs !== null &&
            state.lastStartMs !== null &&
            point.startTimeMs !== state.lastStartMs);
        state.contribution += restarted ? point.value : point.value - state.lastValue;
      }
      // A series that switches from delta to cumulative takes its first cumulative value as a baseline.
      state.temporality = point.temporality;
      state.lastValue = point.value;
      state.lastStartMs = point.startTimeMs;
      state.lastTimeMs = point.timeMs;
      return true;
    }
    if (point.kind !== 'histogram') return false;
    const reading = histogramOf(point);
    if (point.temporality === 'delta') {
      state.contribution = addHistograms(state.contribution, reading, this.maxBuckets);
    } else if (state.temporality === 'cumulative') {
      const restarted =
        point.startTimeMs !== null && state.lastStartMs !== null && point.startTimeMs !== state.lastStartMs;
      const increase = restarted ? reading : subtractHistograms(reading, state.last);
      // Null: the count or a bucket went down, a restart without a new start time.
      state.contribution = addHistograms(state.contribution, increase ?? reading, this.maxBuckets);
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
      if (nowMs - instance.lastSeenMs < this.ttlMs) continue;
      for (const state of instance.series.values()) {
        const entry = this.aggregates.get(state.meta.key);
        if (entry === undefined) continue;
        if (state.kind === 'counter') entry.departedValue += state.contribution;
        if (state.kind === 'histogram') {
          entry.departedHistogram = addHistograms(
            entry.departedHistogram ?? emptyHistogram,
            state.contribution,
            this.maxBuckets,
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
      if (entry.meta.kind !== 'gauge' && nowMs - entry.departedSinceMs < this.departedTtlMs) continue;
      this.departedOnly.delete(key);
      this.aggregates.delete(key);
    }
    for (const [key, expiredMs] of this.expiredKeys) {
      if (nowMs - expiredMs >= this.departedTtlMs) this.expiredKeys.delete(key);
    }
    // Returning-instance memory is bounded too; the oldest entries go first (Map order).
    while (this.expiredKeys.size > this.maxInstances) {
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
            this.maxBuckets,
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
