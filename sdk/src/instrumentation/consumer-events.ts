import type {
  Consumer,
  ConsumerCrashEvent,
  ConsumerEndBatchProcessEvent,
  ConsumerGroupJoinEvent,
  RequestEvent,
  RequestTimeoutEvent,
} from 'kafkajs';
import { type CounterCell, type HistogramCell } from '../metrics/cell-metrics';
import { errorTypeOf } from '../tracing/spans';
import { type InstrumentationScope } from './scope';

const OFFSET_COMMIT_API = 'OffsetCommit';

/** Cells of one group label value. */
interface GroupCells {
  readonly group: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rebalances: CounterCell;
  readonly commitDuration: HistogramCell;
  readonly commitFailures: CounterCell;
}

/**
 * What a consumer's kafkajs instrumentation events tell: rebalances and assignment
 * changes (GROUP_JOIN), client-side lag (END_BATCH_PROCESS), commit latency and failures
 * (REQUEST, REQUEST_TIMEOUT and COMMIT_OFFSETS) and crashes (CRASH).
 *
 * kafkajs emits no event for a failed commit. Every OffsetCommit request that got an
 * answer emits REQUEST, and a successful one then emits COMMIT_OFFSETS within the same
 * burst of promise callbacks, so an answered request not confirmed by the next turn of
 * the event loop was answered with an error.
 */
export class ConsumerGroupEvents {
  private cells: GroupCells | undefined;
  private assignment = new Map<string, Set<number>>();
  private readonly lagByTopic = new Map<string, Map<number, number>>();
  private commitRequests = 0;
  private commitConfirmations = 0;
  private commitFailuresCounted = 0;

  constructor(
    private readonly scope: InstrumentationScope,
    private readonly stage: string,
    private readonly group: () => string,
    private readonly learnGroup: (group: string) => void,
  ) {}

  subscribe(consumer: Consumer): void {
    const { events } = consumer;
    const on = <E>(name: string, handler: (event: E) => void): void => {
      consumer.on(name as typeof events.CONNECT, (event) =>
        this.scope.guard('events', () => handler(event as E)),
      );
    };
    on<ConsumerGroupJoinEvent>(events.GROUP_JOIN, (event) => this.onJoin(event));
    on<ConsumerEndBatchProcessEvent>(events.END_BATCH_PROCESS, (event) => this.onBatchEnd(event));
    on<RequestEvent>(events.REQUEST, (event) => this.onRequest(event));
    on<RequestTimeoutEvent>(events.REQUEST_TIMEOUT, (event) => this.onRequestTimeout(event));
    on(events.COMMIT_OFFSETS, () => this.commitConfirmations++);
    on<ConsumerCrashEvent>(events.CRASH, (event) => this.onCrash(event));
    on(events.STOP, () => this.onStop());
  }

  private groupCells(): GroupCells {
    const group = this.group();
    if (this.cells?.group !== group) {
      const { counters, histograms } = this.scope.metrics;
      const labels = {
        pipeline: this.scope.options.pipeline,
        stage: this.stage,
        group: this.scope.label('group', group),
      };
      this.cells = {
        group,
        labels,
        rebalances: counters.consumerRebalances.cell(labels),
        commitDuration: histograms.consumerCommitDuration.cell(labels),
        commitFailures: counters.consumerCommitFailures.cell(labels),
      };
    }
    return this.cells;
  }

  private topicLabels(topic: string): Record<string, string> {
    return { ...this.groupCells().labels, topic: this.scope.label('topic', topic) };
  }

  private onJoin({ payload }: ConsumerGroupJoinEvent): void {
    this.learnGroup(payload.groupId);
    this.groupCells().rebalances.inc();
    const next = new Map<string, Set<number>>();
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      next.set(topic, new Set(partitions));
    }
    const { counters } = this.scope.metrics;
    for (const topic of new Set([...this.assignment.keys(), ...next.keys()])) {
      const before = this.assignment.get(topic) ?? new Set<number>();
      const after = next.get(topic) ?? new Set<number>();
      const labels = this.topicLabels(topic);
      const added = [...after].filter((partition) => !before.has(partition));
      const removed = [...before].filter((partition) => !after.has(partition));
      counters.consumerPartitionsAssigned.cell(labels).inc(added.length);
      counters.consumerPartitionsRevoked.cell(labels).inc(removed.length);
      this.scope.metrics.gauges.consumerAssignedPartitions.set(labels, after.size);
      for (const partition of removed) this.forgetLag(topic, partition);
    }
    this.assignment = next;
  }

  private onStop(): void {
    for (const [topic, partitions] of this.assignment) {
      this.scope.metrics.gauges.consumerAssignedPartitions.set(this.topicLabels(topic), 0);
      for (const partition of partitions) this.forgetLag(topic, partition);
    }
    this.assignment = new Map();
  }

  private onBatchEnd({ payload }: ConsumerEndBatchProcessEvent): void {
    const lag = Math.max(0, Number(payload.offsetLag));
    if (!Number.isFinite(lag)) return;
    let partitions = this.lagByTopic.get(payload.topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.lagByTopic.set(payload.topic, partitions);
    }
    partitions.set(payload.partition, lag);
    this.publishLag(payload.topic, payload.partition);
  }

  private forgetLag(topic: string, partition: number): void {
    const partitions = this.lagByTopic.get(topic);
    if (partitions?.delete(partition) !== true) return;
    const gauge = this.scope.metrics.gauges.consumerLag;
    if (this.scope.metrics.partitionLabel)
      gauge.remove(this.scope.metrics.withPartition(this.topicLabels(topic), partition));
    else this.publishLag(topic, partition);
  }

  private publishLag(topic: string, partition: number): void {
    const partitions = this.lagByTopic.get(topic);
    const gauge = this.scope.metrics.gauges.consumerLag;
    const labels = this.topicLabels(topic);
    if (this.scope.metrics.partitionLabel) {
      const lag = partitions?.get(partition);
      if (lag !== undefined) gauge.set(this.scope.metrics.withPartition(labels, partition), lag);
      return;
    }
    let total = 0;
    for (const lag of partitions?.values() ?? []) total += lag;
    gauge.set(labels, total);
  }

  private onRequest({ payload }: RequestEvent): void {
    if (payload.apiName !== OFFSET_COMMIT_API) return;
    this.groupCells().commitDuration.observe(payload.duration / 1000);
    this.commitRequests++;
    setImmediate(() => this.scope.guard('events', () => this.countUnconfirmedCommits()));
  }

  private countUnconfirmedCommits(): void {
    const unconfirmed = this.commitRequests - this.commitConfirmations - this.commitFailuresCounted;
    if (unconfirmed <= 0) return;
    this.commitFailuresCounted += unconfirmed;
    this.groupCells().commitFailures.inc(unconfirmed);
  }

  private onRequestTimeout({ payload }: RequestTimeoutEvent): void {
    if (payload.apiName === OFFSET_COMMIT_API) this.groupCells().commitFailures.inc();
  }

  private onCrash({ payload }: ConsumerCrashEvent): void {
    const cells = this.groupCells();
    const error_type = this.scope.label('error_type', errorTypeOf(payload.error));
    this.scope.metrics.counters.consumerCrashes.cell({ ...cells.labels, error_type }).inc();
  }
}
