import { type ClusterLagSnapshot } from '../protocol/lag-snapshot';
import { CounterHistory } from './counter-history';
import { type ReportedEngine } from './engine';
import { type InstanceStore } from './instance-store';
import {
  degradedReasons,
  modelPipeline,
  pipelineCounterFields,
  type DegradedReason,
  type PipelineCounters,
  type PipelineDegradation,
  type PipelineModel,
  type StageSettings,
} from './model';

export { degradedReasons, type DegradedReason, type PipelineDegradation } from './model';
import { type AggregateSeries, type PipelineSnapshot } from './instance-store';
import { learnTopology, pipelineCounters, type PipelineTopologyDeclaration } from './pipeline-inputs';

/** A declared pipeline: topology parts the reports cannot tell, and stage concurrency. */
export interface DeclaredPipeline extends PipelineTopologyDeclaration {
  readonly name: string;
  readonly stageConcurrency?: Readonly<Record<string, number>>;
}

/** Settings of a {@link PipelineView}. */
export interface PipelineViewOptions {
  /** Window the model's rates are measured over. */
  readonly windowMs: number;
  readonly declared: readonly DeclaredPipeline[];
  /** Target input rate for the plan; null for no plan. */
  readonly targetRate: number | null;
  /** Where a pipeline becoming degraded or recovering is logged, one line each; default: nowhere. */
  readonly log?: (line: string) => void;
}

/**
 * A pipeline's model as the view serves it: when degraded, the last good model (or an
 * empty one), with `degraded` and `modelAt` set (see {@link PipelineModel}).
 */
export type ViewedPipelineModel = PipelineModel;

/** Instance ids listed in a degradation, at most. */
const MAX_LISTED_INSTANCES = 20;

/** Thrown inside an update for a pipeline whose inputs cannot be modelled. */
class UnusableInput extends Error {
  constructor(
    readonly reason: DegradedReason,
    message: string,
    readonly series: readonly AggregateSeries[],
  ) {
    super(message);
  }
}

function seriesName(series: AggregateSeries): string {
  const labels = Object.entries(series.attributes)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',');
  const stage = series.stage === null ? '' : ` of stage ${JSON.stringify(series.stage)}`;
  return `${series.kind} ${series.metric}{${labels}}${stage}`;
}

/** Throws {@link UnusableInput} for a series value the model cannot add up. */
function checkSeries(snapshot: PipelineSnapshot): void {
  const nonFinite = snapshot.series.filter(
    (series) =>
      !Number.isFinite(series.value) ||
      (series.histogram !== null &&
        (!Number.isFinite(series.histogram.count) ||
          (series.histogram.sum !== null && !Number.isFinite(series.histogram.sum)))),
  );
  if (nonFinite.length > 0) {
    throw new UnusableInput(
      'non_finite_input',
      `${seriesName(nonFinite[0] as AggregateSeries)} sums to ${String(nonFinite[0]?.value)} over its instances`,
      nonFinite,
    );
  }
  const negative = snapshot.series.filter((series) => series.kind !== 'gauge' && series.value < 0);
  if (negative.length > 0) {
    throw new UnusableInput(
      'negative_input',
      `${seriesName(negative[0] as AggregateSeries)} is negative (${String(negative[0]?.value)})`,
      negative,
    );
  }
}

/** Throws {@link UnusableInput} when a sum of series is not a finite non-negative number. */
function checkCounters(counters: PipelineCounters, snapshot: PipelineSnapshot): void {
  const values: [string, number][] = pipelineCounterFields.map((field) => [field, counters[field]]);
  for (const stage of counters.stages) {
    values.push([`stage ${JSON.stringify(stage.stage)} messages`, stage.messages]);
    if (stage.busySeconds !== null)
      values.push([`stage ${JSON.stringify(stage.stage)} busy seconds`, stage.busySeconds]);
  }
  for (const [field, value] of values) {
    if (Number.isFinite(value) && value >= 0) continue;
    // The series that make such a sum are the large ones (or, when negative, all of them).
    const large = snapshot.series.filter((series) => Math.abs(series.value) > Number.MAX_SAFE_INTEGER);
    const involved = large.length > 0 ? large : snapshot.series;
    throw new UnusableInput(
      Number.isFinite(value) ? 'negative_input' : 'non_finite_input',
      `the ${field} counter sums to ${value}`,
      involved,
    );
  }
}

/** A model with no values, for a degraded pipeline that never had a good one. */
function emptyModel(pipeline: string, engine: ReportedEngine, timeMs: number): PipelineModel {
  return {
    pipeline,
    engine,
    timeMs,
    windowSeconds: 0,
    arrivalRate: null,
    consumedRate: null,
    processingYield: null,
    filteredRatio: null,
    deliveryYield: null,
    effectiveThroughput: null,
    deliveredRate: null,
    mismatch: null,
    lagTrend: 'unknown',
    errorRatio: null,
    deadLetterRatio: null,
    lostTotal: null,
    duplicatedTotal: null,
    redeliveredTotal: null,
    latencyP50Seconds: null,
    latencyP99Seconds: null,
    latencyMeanSeconds: null,
    stages: [],
    bottleneck: null,
    maxSustainableThroughput: null,
    unmeasuredStages: [],
    lagMessages: null,
    lagSeconds: null,
    timeToDrainSeconds: null,
    timeToDrainAtCapacitySeconds: null,
    plan: null,
    engineJob: null,
  };
}

/** Kafka facts about a pipeline's input topics, from the lag snapshots. */
interface InputFacts {
  readonly topicEndOffsets: Map<string, number>;
  readonly partitionsByTopic: Map<string, number>;
  /** Lag by group and topic. */
  readonly lagByGroupTopic: Map<string, number>;
  /** Time lag by group and topic (the largest over clusters); absent when unknown. */
  readonly lagSecondsByGroupTopic: Map<string, number>;
}

function inputFacts(snapshots: readonly ClusterLagSnapshot[]): InputFacts {
  const topicEndOffsets = new Map<string, number>();
  const partitionsByTopic = new Map<string, number>();
  const lagByGroupTopic = new Map<string, number>();
  const lagSecondsByGroupTopic = new Map<string, number>();
  // Topics are matched by name across clusters: a pipeline names topics, not clusters.
  for (const snapshot of snapshots) {
    for (const topic of snapshot.topics) {
      let sum = topicEndOffsets.get(topic.topic) ?? 0;
      for (const partition of topic.partitions) sum += partition.logEndOffset;
      topicEndOffsets.set(topic.topic, sum);
      partitionsByTopic.set(topic.topic, (partitionsByTopic.get(topic.topic) ?? 0) + topic.partitions.length);
    }
    for (const group of snapshot.groups) {
      for (const topic of group.topics) {
        const key = `${group.group}\u0000${topic.topic}`;
        lagByGroupTopic.set(key, (lagByGroupTopic.get(key) ?? 0) + topic.lagMessages);
        if (topic.lagSeconds !== null) {
          lagSecondsByGroupTopic.set(key, Math.max(lagSecondsByGroupTopic.get(key) ?? 0, topic.lagSeconds));
        }
      }
    }
  }
  return { topicEndOffsets, partitionsByTopic, lagByGroupTopic, lagSecondsByGroupTopic };
}

function stageSettingsOf(declared: DeclaredPipeline | undefined): Record<string, StageSettings> {
  const settings: Record<string, StageSettings> = {};
  for (const [stage, concurrency] of Object.entries(declared?.stageConcurrency ?? {})) {
    settings[stage] = { concurrency };
  }
  return settings;
}

// Snapshots kept per pipeline, at most: enough for the window at a one-second cadence and
// then some. Snapshots older than the window needs are pruned, so a pipeline holds about
// window ÷ update interval of them.
const HISTORY_ENTRIES = 600;

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * The pipeline view: on each update it reads the instance store's aggregates, learns
 * every pipeline's topology, adds the Kafka facts of its input topics (end offsets,
 * partitions, lag of its consumer groups), keeps a short history of counters and runs
 * the throughput and capacity model over the configured window.
 *
 * Each pipeline is modelled on its own: one whose inputs cannot be modelled (a sum that
 * is not finite, a negative counter, or the model throws) is marked degraded with the
 * reason and the instances involved, keeps its last good model, and is logged once when
 * it becomes degraded and once when it recovers. The other pipelines are not affected.
 */
export class PipelineView {
  private readonly histories = new Map<string, CounterHistory>();
  private readonly kafkaInputs = new Map<
    string,
    {
      engine: ReportedEngine;
      lagMessages: number | null;
      lagSeconds: number | null;
      inputPartitions: number | null;
    }
  >();
  private readonly declared: Map<string, DeclaredPipeline>;
  private current: readonly ViewedPipelineModel[] = [];
  private readonly live = new Map<string, number>();
  /** The last good model of each pipeline. */
  private readonly lastGood = new Map<string, PipelineModel>();
  private readonly degradations = new Map<string, PipelineDegradation>();

  constructor(
    private readonly store: Pick<InstanceStore, 'snapshot' | 'holders'>,
    private readonly options: PipelineViewOptions,
  ) {
    this.declared = new Map(options.declared.map((pipeline) => [pipeline.name, pipeline]));
  }

  /** Models of the last update, sorted by pipeline name; degraded ones say so. */
  models(): readonly ViewedPipelineModel[] {
    return this.current;
  }

  /** Live instances reporting for a pipeline at the last update. */
  liveInstances(pipeline: string): number {
    return this.live.get(pipeline) ?? 0;
  }

  /** Pipelines degraded at the last update, by name. */
  degraded(): ReadonlyMap<string, PipelineDegradation> {
    return this.degradations;
  }

  /** Degraded pipelines by reason, every reason present (0 included). */
  degradedCounts(): Record<DegradedReason, number> {
    const counts = Object.fromEntries(degradedReasons.map((reason) => [reason, 0])) as Record<
      DegradedReason,
      number
    >;
    for (const { reason } of this.degradations.values()) counts[reason]++;
    return counts;
  }

  /** Recomputes every pipeline's model from the store and the latest lag snapshots. */
  update(nowMs: number, lagSnapshots: readonly ClusterLagSnapshot[]): readonly ViewedPipelineModel[] {
    const facts = inputFacts(lagSnapshots);
    const snapshot = this.store.snapshot();
    const models: ViewedPipelineModel[] = [];
    const seen = new Set<string>();
    for (const pipelineSnapshot of snapshot.pipelines) {
      const name = pipelineSnapshot.pipeline;
      seen.add(name);
      this.live.set(name, pipelineSnapshot.liveInstances);
      let model: PipelineModel | null;
      try {
        model = this.modelOne(pipelineSnapshot, nowMs, facts);
      } catch (error) {
        models.push(this.markDegraded(pipelineSnapshot, nowMs, error));
        continue;
      }
      this.markRecovered(name);
      if (model === null) continue;
      this.lastGood.set(name, model);
      models.push(model);
    }
    for (const name of this.histories.keys()) {
      if (!seen.has(name)) this.forget(name);
    }
    for (const name of [...this.degradations.keys()]) {
      if (!seen.has(name)) this.forget(name);
    }
    this.current = models;
    return models;
  }

  private forget(name: string): void {
    this.histories.delete(name);
    this.kafkaInputs.delete(name);
    this.live.delete(name);
    this.lastGood.delete(name);
    this.degradations.delete(name);
  }

  /** One pipeline's model; null while its history is too short; throws when its inputs are unusable. */
  private modelOne(
    pipelineSnapshot: PipelineSnapshot,
    nowMs: number,
    facts: InputFacts,
  ): PipelineModel | null {
    const name = pipelineSnapshot.pipeline;
    checkSeries(pipelineSnapshot);
    const declared = this.declared.get(name);
    const topology = learnTopology(pipelineSnapshot, declared ?? {});
    const counters = pipelineCounters(pipelineSnapshot, topology, nowMs, {
      topicEndOffsets: facts.topicEndOffsets,
    });
    // Checked before the history keeps them: unusable counters never enter a window.
    checkCounters(counters, pipelineSnapshot);
    let history = this.histories.get(name);
    if (!history) {
      history = new CounterHistory(HISTORY_ENTRIES);
      this.histories.set(name, history);
    }
    history.push(counters);
    history.prune(this.options.windowMs);
    const window = history.window(this.options.windowMs);
    if (!window) return null;

    let lagMessages: number | null = null;
    let lagSeconds: number | null = null;
    for (const group of topology.consumerGroups) {
      for (const topic of topology.inputTopics) {
        const key = `${group}\u0000${topic}`;
        const lag = facts.lagByGroupTopic.get(key);
        if (lag !== undefined) lagMessages = (lagMessages ?? 0) + lag;
        const seconds = facts.lagSecondsByGroupTopic.get(key);
        if (seconds !== undefined) lagSeconds = Math.max(lagSeconds ?? 0, seconds);
      }
    }
    let inputPartitions: number | null = null;
    for (const topic of topology.inputTopics) {
      const partitions = facts.partitionsByTopic.get(topic);
      if (partitions !== undefined) inputPartitions = (inputPartitions ?? 0) + partitions;
    }
    const engine = pipelineSnapshot.engine;
    this.kafkaInputs.set(name, { engine, lagMessages, lagSeconds, inputPartitions });
    return modelPipeline({
      pipeline: name,
      engine,
      ...window,
      lagMessages,
      lagSeconds,
      inputPartitions,
      stageSettings: stageSettingsOf(declared),
      targetRate: this.options.targetRate,
    });
  }

  private markDegraded(
    pipelineSnapshot: PipelineSnapshot,
    nowMs: number,
    error: unknown,
  ): ViewedPipelineModel {
    const name = pipelineSnapshot.pipeline;
    const unusable = error instanceof UnusableInput ? error : null;
    const reason: DegradedReason = unusable?.reason ?? 'model_error';
    const message = error instanceof Error ? error.message : String(error);
    const involved = unusable?.series ?? pipelineSnapshot.series;
    const instances = this.store.holders(
      name,
      (series) =>
        involved.some(
          (candidate) =>
            candidate.metric === series.metric &&
            candidate.stage === series.stage &&
            candidate.kind === series.kind &&
            sameAttributes(candidate.attributes, series.attributes),
        ),
      MAX_LISTED_INSTANCES,
    );
    const previous = this.degradations.get(name);
    const degradation: PipelineDegradation = {
      reason,
      message,
      instances,
      sinceMs: previous?.reason === reason ? previous.sinceMs : nowMs,
    };
    if (previous?.reason !== reason) {
      const who = instances.length > 0 ? `; instances ${instances.join(', ')}` : '';
      this.options.log?.(
        `streamops-agent: pipeline ${JSON.stringify(name)} degraded (${reason}): ${message}${who}`,
      );
    }
    this.degradations.set(name, degradation);
    const last = this.lastGood.get(name);
    return {
      ...(last ?? emptyModel(name, pipelineSnapshot.engine, nowMs)),
      degraded: degradation,
      modelAt: last?.timeMs ?? null,
    };
  }

  private markRecovered(name: string): void {
    if (!this.degradations.delete(name)) return;
    this.options.log?.(`streamops-agent: pipeline ${JSON.stringify(name)} recovered`);
  }

  /** The current model of one pipeline planned for another target rate, or undefined when unknown. */
  planFor(pipeline: string, targetRate: number): PipelineModel | undefined {
    const window = this.histories.get(pipeline)?.window(this.options.windowMs);
    const inputs = this.kafkaInputs.get(pipeline);
    if (!window || !inputs || this.degradations.has(pipeline)) return undefined;
    try {
      return modelPipeline({
        pipeline,
        ...window,
        ...inputs,
        stageSettings: stageSettingsOf(this.declared.get(pipeline)),
        targetRate,
      });
    } catch {
      // The update marks the pipeline degraded for the same inputs; a plan has nothing to add.
      return undefined;
    }
  }
}
