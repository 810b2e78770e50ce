import {
  context,
  SpanKind,
  trace,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type {
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  EachMessagePayload,
  KafkaMessage,
  TopicPartitionOffset,
} from 'kafkajs';
import { type CounterCell, type HistogramCell } from '../metrics/cell-metrics';
import { accountsOwnBusyTimeOf, type BusyTimeAccount } from '../processor/busy-time';
import { type KafkaMessageHeaders } from '../propagation/kafka-headers';
import { StreamopsHeaderReader, type IgnoredHeaderReason } from '../propagation/streamops-headers';
import {
  processReliabilityTrackers,
  type PartitionTracker,
  type ReliabilitySink,
} from '../reliability/sequence-tracker';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_STREAMOPS_DURATION_SHARED,
  ATTR_STREAMOPS_PIPELINE,
  ATTR_STREAMOPS_REDELIVERED,
  ATTR_STREAMOPS_STAGE,
  MESSAGING_SYSTEM_KAFKA,
  OPERATION_PROCESS,
} from '../tracing/semconv';
import { errorTypeOf, recordSpanError } from '../tracing/spans';
import { BatchTimeline } from './batch-timeline';
import { ConsumerGroupEvents } from './consumer-events';
import { type InstrumentationScope, isInstrumented, markInstrumented } from './scope';

/** Group label used until the consumer has joined its group (kafkajs delivers nothing before). */
export const UNKNOWN_GROUP = 'unknown';
/** Most links a batch span carries to the producers of its messages. */
export const MAX_BATCH_LINKS = 128;

/** Metrics of one consumer stage for one topic, bound once. */
export class ConsumerTopicBinding {
  readonly recordAge: HistogramCell;
  readonly processDuration: HistogramCell;
  readonly partitions: ConsumerPartitionBinding[] = [];
  private readonly handlerErrors = new Map<string, CounterCell>();
  private readonly ignoredHeaders = new Map<string, CounterCell>();

  constructor(
    readonly scope: InstrumentationScope,
    readonly labels: Readonly<Record<string, string>>,
    readonly topic: string,
    readonly group: string,
  ) {
    // Messages and bytes are bound per partition: they may carry a partition label.
    const { histograms } = scope.metrics;
    this.recordAge = histograms.consumerRecordAge.cell(labels);
    this.processDuration = histograms.consumerProcessDuration.cell(labels);
  }

  handlerError(errorType: string): CounterCell {
    let cell = this.handlerErrors.get(errorType);
    if (cell === undefined) {
      const error_type = this.scope.label('error_type', errorType);
      cell = this.scope.metrics.counters.consumerHandlerErrors.cell({ ...this.labels, error_type });
      this.handlerErrors.set(errorType, cell);
    }
    return cell;
  }

  ignoredHeader(reason: IgnoredHeaderReason): CounterCell {
    let cell = this.ignoredHeaders.get(reason);
    if (cell === undefined) {
      cell = this.scope.metrics.counters.consumerIgnoredHeaders.cell({ ...this.labels, reason });
      this.ignoredHeaders.set(reason, cell);
    }
    return cell;
  }

  partition(partition: number): ConsumerPartitionBinding {
    let binding = this.partitions[partition];
    if (binding === undefined) {
      binding = new ConsumerPartitionBinding(this, partition);
      this.partitions[partition] = binding;
    }
    return binding;
  }
}

/** Metrics and reliability tracking of one partition; the sink of its tracker. */
export class ConsumerPartitionBinding implements ReliabilitySink {
  readonly messages: CounterCell;
  readonly bytes: CounterCell;
  readonly tracker: PartitionTracker | undefined;
  private readonly redeliveredCell: CounterCell;
  private readonly lostCell: CounterCell;
  private readonly duplicatedCell: CounterCell;
  private readonly unverifiedCell: CounterCell;

  constructor(
    readonly topic: ConsumerTopicBinding,
    readonly partition: number,
  ) {
    const { metrics, options } = topic.scope;
    const counters = metrics.counters;
    const labels = metrics.withPartition(topic.labels, partition);
    // Without partition labels these are the topic's own cells.
    this.messages = counters.consumerMessages.cell(labels);
    this.bytes = counters.consumerBytes.cell(labels);
    this.redeliveredCell = counters.consumerRedeliveries.cell(labels);
    this.lostCell = counters.consumerLostMessages.cell(labels);
    this.duplicatedCell = counters.consumerDuplicateMessages.cell(labels);
    this.unverifiedCell = counters.consumerUnverifiedGaps.cell(labels);
    this.tracker = options.reliability
      ? processReliabilityTrackers.partition(topic.group, topic.topic, partition, options.lossConfirmationMs)
      : undefined;
  }

  redelivered(count: number): void {
    this.redeliveredCell.inc(count);
  }
  lost(count: number): void {
    this.lostCell.inc(count);
  }
  duplicated(count: number): void {
    this.duplicatedCell.inc(count);
  }
  unverified(count: number): void {
    this.unverifiedCell.inc(count);
  }
}

function payloadBytes(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/**
 * Instruments one kafkajs consumer: wraps `run` (eachMessage, eachBatch) and `seek`,
 * and listens to its instrumentation events for rebalances, commits, lag and crashes.
 *
 * On the message path it only increments pre-bound cells and reads three headers; it
 * awaits nothing but the user's handler, whose result or exception it passes on
 * unchanged. Failures of the SDK itself are counted and swallowed.
 */
export class ConsumerInstrumentation {
  private readonly topics = new Map<string, ConsumerTopicBinding>();
  private readonly headerReader: StreamopsHeaderReader;
  private readonly busy: BusyTimeAccount;
  /** The busy account of the running handler; null when its stages account their own. */
  private handlerBusy: BusyTimeAccount | null = null;
  private readonly groupEvents: ConsumerGroupEvents;
  /** Topic of the message whose headers are being read, for counting ignored headers. */
  private readingTopic: ConsumerTopicBinding | undefined;
  private groupName: string | undefined;

  constructor(
    readonly scope: InstrumentationScope,
    readonly stage: string,
    group: string | undefined,
  ) {
    this.groupName = group;
    this.headerReader = new StreamopsHeaderReader((reason) => this.readingTopic?.ignoredHeader(reason).inc());
    this.busy = scope.busyAccount(scope.options.pipeline, stage);
    this.groupEvents = new ConsumerGroupEvents(
      scope,
      stage,
      () => this.group,
      (name) => this.learnGroup(name),
    );
  }

  /** The consumer group: given, or learnt at the first join. */
  get group(): string {
    return this.groupName ?? UNKNOWN_GROUP;
  }

  /** Wraps `run` and `seek` of `consumer` in place and subscribes to its events. */
  attach<C extends Consumer>(consumer: C): C {
    if (isInstrumented(consumer)) return consumer;
    const originalRun = consumer.run.bind(consumer);
    consumer.run = (config?: ConsumerRunConfig): Promise<void> =>
      originalRun(this.instrumentRunConfig(config));
    const originalSeek = consumer.seek.bind(consumer);
    consumer.seek = (topicPartitionOffset: TopicPartitionOffset): void => {
      originalSeek(topicPartitionOffset);
      this.scope.guard('seek', () => this.onSeek(topicPartitionOffset));
    };
    this.scope.guard('events', () => this.groupEvents.subscribe(consumer));
    markInstrumented(consumer);
    return consumer;
  }

  /** The binding of a topic for the current group, created on first use. */
  topic(topic: string): ConsumerTopicBinding {
    let binding = this.topics.get(topic);
    if (binding === undefined) {
      const group = this.group;
      binding = new ConsumerTopicBinding(
        this.scope,
        {
          pipeline: this.scope.options.pipeline,
          stage: this.stage,
          group: this.scope.label('group', group),
          topic: this.scope.label('topic', topic),
        },
        topic,
        group,
      );
      this.topics.set(topic, binding);
    }
    return binding;
  }

  private learnGroup(name: string): void {
    if (this.groupName === name) return;
    this.groupName = name;
    // Bindings carry the group label and tracker: rebind under the real group.
    this.topics.clear();
  }

  private onSeek({ topic, partition }: TopicPartitionOffset): void {
    if (this.groupName === undefined) return;
    processReliabilityTrackers
      .partition(this.groupName, topic, partition, this.scope.options.lossConfirmationMs)
      .reset();
  }

  private instrumentRunConfig(config: ConsumerRunConfig | undefined): ConsumerRunConfig | undefined {
    if (config === null || typeof config !== 'object') return config;
    const { eachMessage, eachBatch } = config;
    this.handlerBusy = accountsOwnBusyTimeOf(eachMessage ?? eachBatch) ? null : this.busy;
    if (typeof eachMessage === 'function') {
      return { ...config, eachMessage: (payload) => this.eachMessage(eachMessage, payload) };
    }
    if (typeof eachBatch === 'function') {
      return { ...config, eachBatch: (payload) => this.eachBatch(eachBatch, payload) };
    }
    return config;
  }

  /**
   * Counts one delivered message and checks its headers and sequence. Returns its
   * partition binding and whether it was a redelivery (in {@link lastRedelivered}).
   */
  private deliver(topic: ConsumerTopicBinding, partition: number, message: KafkaMessage, nowMs: number) {
    const binding = topic.partition(partition);
    binding.messages.inc();
    binding.bytes.inc(payloadBytes(message.key) + payloadBytes(message.value));

    this.readingTopic = topic;
    const reader = this.headerReader;
    reader.read(message.headers);
    const recordTimestamp = Number(message.timestamp);
    const origin = reader.originTimestampMs >= 0 ? reader.originTimestampMs : recordTimestamp;
    if (Number.isFinite(origin)) topic.recordAge.observe(Math.max(0, nowMs - origin) / 1000);

    this.lastRedelivered =
      binding.tracker?.observe(
        Number(message.offset),
        recordTimestamp,
        reader.producer,
        reader.sequence,
        binding,
      ) ?? false;
    return binding;
  }

  private lastRedelivered = false;

  /** Attributes of process spans (batch and message). */
  processSpanAttributes(topic: string, partition: number): Record<string, string | number | boolean> {
    return {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA,
      [ATTR_MESSAGING_OPERATION_NAME]: OPERATION_PROCESS,
      [ATTR_MESSAGING_OPERATION_TYPE]: OPERATION_PROCESS,
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(partition),
      [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: this.group,
      [ATTR_STREAMOPS_PIPELINE]: this.scope.options.pipeline,
      [ATTR_STREAMOPS_STAGE]: this.stage,
    };
  }

  /** The producer's context carried by a message, counting a present but unusable traceparent. */
  producerContext(topic: ConsumerTopicBinding, headers: KafkaMessageHeaders | undefined): Context {
    const extracted = this.scope.carrier.extract(headers);
    if (headers?.traceparent !== undefined && trace.getSpanContext(extracted) === undefined) {
      topic.ignoredHeader('trace_context').inc();
    }
    return extracted;
  }

  private async eachMessage(
    handler: (payload: EachMessagePayload) => Promise<void>,
    payload: EachMessagePayload,
  ): Promise<void> {
    const { clock, tracer } = this.scope.options;
    const started = clock.monotonicSeconds();
    let topic: ConsumerTopicBinding | undefined;
    let span: Span | undefined;
    let spanContext: Context | undefined;
    try {
      topic = this.topic(payload.topic);
      this.deliver(topic, payload.partition, payload.message, clock.wallMs());
      if (tracer !== undefined) {
        const headers = payload.message.headers;
        const producer = this.producerContext(topic, headers);
        // Child of the producer's send span when the message carries one: the trace continues.
        const parent = trace.getSpanContext(producer) === undefined ? context.active() : producer;
        const attributes = this.processSpanAttributes(payload.topic, payload.partition);
        attributes[ATTR_MESSAGING_KAFKA_OFFSET] = Number(payload.message.offset);
        if (this.lastRedelivered) attributes[ATTR_STREAMOPS_REDELIVERED] = true;
        span = tracer.startSpan(`process ${payload.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent);
        spanContext = trace.setSpan(parent, span);
      }
      this.handlerBusy?.begin();
    } catch {
      this.scope.metrics.countInstrumentationError('consume');
    }

    let failed = false;
    let failure: unknown;
    try {
      if (spanContext === undefined) await handler(payload);
      else await context.with(spanContext, handler, undefined, payload);
    } catch (error) {
      failed = true;
      failure = error;
      throw error;
    } finally {
      this.scope.guard('consume', () => {
        this.handlerBusy?.end();
        topic?.processDuration.observe(clock.monotonicSeconds() - started);
        if (failed) {
          const errorType = errorTypeOf(failure);
          topic?.handlerError(errorType).inc();
          if (span !== undefined) recordSpanError(span, failure, errorType);
        }
        span?.end();
      });
    }
  }

  private async eachBatch(
    handler: (payload: EachBatchPayload) => Promise<void>,
    payload: EachBatchPayload,
  ): Promise<void> {
    const { clock, tracer } = this.scope.options;
    let wrappedPayload: EachBatchPayload = payload;
    let timeline: BatchTimeline | undefined;
    let batch: BatchInstrumentation | undefined;
    try {
      const topic = this.topic(payload.batch.topic);
      const nowMs = clock.wallMs();
      const { messages, partition } = payload.batch;
      const offsets = new Array<number>(messages.length);
      const redelivered = new Array<boolean>(messages.length);
      for (let index = 0; index < messages.length; index++) {
        const message = messages[index]!;
        this.deliver(topic, partition, message, nowMs);
        offsets[index] = Number(message.offset);
        redelivered[index] = this.lastRedelivered;
      }
      const started = clock.monotonicSeconds();
      timeline = new BatchTimeline(offsets, started);
      batch = new BatchInstrumentation(
        this,
        topic,
        payload,
        redelivered,
        started,
        nowMs,
        tracer !== undefined,
      );
      const onMessage = batch.onMessage;
      const originalResolve = payload.resolveOffset.bind(payload);
      const activeTimeline = timeline;
      wrappedPayload = {
        ...payload,
        resolveOffset: (offset: string) => {
          try {
            activeTimeline.resolve(Number(offset), clock.monotonicSeconds(), onMessage);
          } catch {
            this.scope.metrics.countInstrumentationError('consume');
          }
          originalResolve(offset);
        },
      };
      this.handlerBusy?.begin();
    } catch {
      this.scope.metrics.countInstrumentationError('consume');
    }

    let failed = false;
    let failure: unknown;
    try {
      if (batch?.context === undefined) await handler(wrappedPayload);
      else await context.with(batch.context, handler, undefined, wrappedPayload);
    } catch (error) {
      failed = true;
      failure = error;
      throw error;
    } finally {
      this.scope.guard('consume', () => {
        this.handlerBusy?.end();
        if (timeline !== undefined && batch !== undefined) {
          batch.failure = failure;
          timeline.finish(clock.monotonicSeconds(), failed, batch.onMessage);
          batch.end(failed, failure);
        }
      });
    }
  }
}

/**
 * Spans and durations of one eachBatch call: a batch `process <topic>` span (active while
 * the handler runs, linked to the producers) and one `process <topic>` span per message,
 * child of its producer's span, timed by the {@link BatchTimeline}.
 */
class BatchInstrumentation {
  readonly context: Context | undefined;
  private readonly span: Span | undefined;
  private readonly producers: (Context | undefined)[] | undefined;
  private readonly wallOffsetMs: number;
  failure: unknown;

  constructor(
    private readonly consumer: ConsumerInstrumentation,
    private readonly topic: ConsumerTopicBinding,
    private readonly payload: EachBatchPayload,
    private readonly redelivered: readonly boolean[],
    startedSeconds: number,
    startedWallMs: number,
    tracing: boolean,
  ) {
    // Span times are wall-clock; the timeline is monotonic.
    this.wallOffsetMs = startedWallMs - startedSeconds * 1000;
    const tracer = consumer.scope.options.tracer;
    if (!tracing || tracer === undefined) return;
    const { messages, partition } = payload.batch;
    this.producers = new Array<Context | undefined>(messages.length);
    const links: Link[] = [];
    for (let index = 0; index < messages.length; index++) {
      const headers = messages[index]!.headers;
      const producer = consumer.producerContext(topic, headers);
      const producerSpan = trace.getSpanContext(producer);
      this.producers[index] = producerSpan === undefined ? undefined : producer;
      if (producerSpan !== undefined && links.length < MAX_BATCH_LINKS) links.push({ context: producerSpan });
    }
    const attributes = consumer.processSpanAttributes(topic.topic, partition);
    attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = messages.length;
    const parent = context.active();
    this.span = tracer.startSpan(
      `process ${topic.topic}`,
      { kind: SpanKind.CONSUMER, attributes, links },
      parent,
    );
    this.context = trace.setSpan(parent, this.span);
  }

  /** Called by the timeline for each message whose time is known. */
  readonly onMessage = (
    index: number,
    startSeconds: number,
    endSeconds: number,
    shared: boolean,
    failed: boolean,
  ) => {
    this.topic.processDuration.observe(endSeconds - startSeconds);
    const tracer = this.consumer.scope.options.tracer;
    if (this.span === undefined || tracer === undefined) return;
    const message = this.payload.batch.messages[index]!;
    const attributes = this.consumer.processSpanAttributes(this.topic.topic, this.payload.batch.partition);
    attributes[ATTR_MESSAGING_KAFKA_OFFSET] = Number(message.offset);
    if (shared) attributes[ATTR_STREAMOPS_DURATION_SHARED] = true;
    if (this.redelivered[index] === true) attributes[ATTR_STREAMOPS_REDELIVERED] = true;
    const batchSpan: SpanContext = this.span.spanContext();
    const parent = this.producers?.[index] ?? this.context ?? context.active();
    const span = tracer.startSpan(
      `process ${this.topic.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes,
        links: [{ context: batchSpan }],
        startTime: this.wallOffsetMs + startSeconds * 1000,
      },
      parent,
    );
    if (failed) recordSpanError(span, this.failure, errorTypeOf(this.failure));
    span.end(this.wallOffsetMs + endSeconds * 1000);
  };

  end(failed: boolean, failure: unknown): void {
    const errorType = failed ? errorTypeOf(failure) : undefined;
    if (errorType !== undefined) this.topic.handlerError(errorType).inc();
    if (this.span === undefined) return;
    if (errorType !== undefined) recordSpanError(this.span, failure, errorType);
    this.span.end();
  }
}
