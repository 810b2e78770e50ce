import { type ClusterLagSnapshot } from '../protocol/lag-snapshot';
import { CounterHistory } from './counter-history';
import { type ReportedEngine } from './engine';
import { type InstanceStore } from './instance-store';
import { modelPipeline, type PipelineModel, type StageSettings } from './model';
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

// Snapshots kept per pipeline: enough for the window at a one-second cadence and then some.
const HISTORY_ENTRIES = 600;

/**
 * The pipeline view: on each update it reads the instance store's aggregates, learns
 * every pipeline's topology, adds the Kafka facts of its input topics (end offsets,
 * partitions, lag of its consumer groups), keeps a short history of counters and runs
 * the throughput and capacity model over the configured window.
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
  private current: readonly PipelineModel[] = [];
  private readonly live = new Map<string, number>();

  constructor(
    private readonly store: InstanceStore,
    private readonly options: PipelineViewOptions,
  ) {
    this.declared = new Map(options.declared.map((pipeline) => [pipeline.name, pipeline]));
  }

  /** Models of the last update, sorted by pipeline name. */
  models(): readonly PipelineModel[] {
    return this.current;
  }

  /** Live instances reporting for a pipeline at the last update. */
  liveInstances(pipeline: string): number {
    return this.live.get(pipeline) ?? 0;
  }

  /** Recomputes every pipeline's model from the store and the latest lag snapshots. */
  update(nowMs: number, lagSnapshots: readonly ClusterLagSnapshot[]): readonly PipelineModel[] {
    const facts = inputFacts(lagSnapshots);
    const snapshot = this.store.snapshot();
    const models: PipelineModel[] = [];
    const seen = new Set<string>();
    for (const pipelineSnapshot of snapshot.pipelines) {
      const name = pipelineSnapshot.pipeline;
      seen.add(name);
      this.live.set(name, pipelineSnapshot.liveInstances);
      const declared = this.declared.get(name);
      const topology = learnTopology(pipelineSnapshot, declared ?? {});
      const counters = pipelineCounters(pipelineSnapshot, topology, nowMs, {
        topicEndOffsets: facts.topicEndOffsets,
      });
      let history = this.histories.get(name);
      if (!history) {
        history = new CounterHistory(HISTORY_ENTRIES);
        this.histories.set(name, history);
      }
      history.push(counters);
      const window = history.window(this.options.windowMs);
      if (!window) continue;

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
      models.push(
        modelPipeline({
          pipeline: name,
          engine,
          ...window,
          lagMessages,
          lagSeconds,
          inputPartitions,
          stageSettings: stageSettingsOf(declared),
          targetRate: this.options.targetRate,
        }),
      );
    }
    for (const name of this.histories.keys()) {
      if (!seen.has(name)) {
        this.histories.delete(name);
        this.kafkaInputs.delete(name);
        this.live.delete(name);
      }
    }
    this.current = models;
    return models;
  }

  /** The current model of one pipeline planned for another target rate, or undefined when unknown. */
  planFor(pipeline: string, targetRate: number): PipelineModel | undefined {
    const window = this.histories.get(pipeline)?.window(this.options.windowMs);
    const inputs = this.kafkaInputs.get(pipeline);
    if (!window || !inputs) return undefined;
    return modelPipeline({
      pipeline,
      ...window,
      ...inputs,
      stageSettings: stageSettingsOf(this.declared.get(pipeline)),
      targetRate,
    });
  }
}
