import { context, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import type {
  ICustomPartitioner,
  Message,
  PartitionerArgs,
  Producer,
  ProducerBatch,
  ProducerRecord,
  RecordMetadata,
  TopicMessages,
  Transaction,
} from 'kafkajs';
import { type CounterCell, type HistogramCell } from '../metrics/cell-metrics';
import { type KafkaMessageHeaders } from '../propagation/kafka-headers';
import { parseDecimal, streamopsHeaderNames } from '../propagation/streamops-headers';
import { ProducerSequences, type PartitionSequence } from '../reliability/producer-sequences';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_STREAMOPS_PIPELINE,
  ATTR_STREAMOPS_STAGE,
  MESSAGING_SYSTEM_KAFKA,
  OPERATION_SEND,
} from '../tracing/semconv';
import { errorTypeOf, recordSpanError } from '../tracing/spans';
import { type InstrumentationScope, isInstrumented, markInstrumented } from './scope';

/**
 * Set by the pipeline on outgoing messages: the context the message was created in (its
 * stage span), injected instead of the send span's so each message's trace continues.
 */
export const CREATION_CONTEXT = Symbol('streamops.creation-context');

/** Our per-send state, attached to the message copies that kafkajs hands to the partitioner. */
const SEND = Symbol('streamops.send');
/** The sequence number a message copy was given, kept across kafkajs's retries of the same send. */
const ASSIGNMENT = Symbol('streamops.assignment');

interface Assignment {
  readonly partition: number;
  readonly sequence: PartitionSequence;
  readonly epoch: number;
  attempts: number;
}

interface InstrumentedMessage extends Message {
  headers: KafkaMessageHeaders;
  [SEND]?: SendState;
  [ASSIGNMENT]?: Assignment;
}

/** Metrics of one producer stage for one topic, bound once. */
class ProducerTopicBinding {
  readonly messages: CounterCell;
  readonly bytes: CounterCell;
  readonly duration: HistogramCell;
  readonly retries: CounterCell;
  private readonly errors = new Map<string, CounterCell>();

  constructor(
    private readonly scope: InstrumentationScope,
    private readonly labels: Readonly<Record<string, string>>,
  ) {
    const { counters, histograms } = scope.metrics;
    this.messages = counters.producerMessages.cell(labels);
    this.bytes = counters.producerBytes.cell(labels);
    this.duration = histograms.producerSendDuration.cell(labels);
    this.retries = counters.producerRetries.cell(labels);
  }

  error(errorType: string): CounterCell {
    let cell = this.errors.get(errorType);
    if (cell === undefined) {
      const errorLabel = this.scope.label('error_type', errorType);
      cell = this.scope.metrics.counters.producerErrors.cell({ ...this.labels, error_type: errorLabel });
      this.errors.set(errorType, cell);
    }
    return cell;
  }
}

/** One topic of one send call: its messages as passed to kafkajs, and its span. */
interface PreparedTopic {
  readonly binding: ProducerTopicBinding;
  readonly messageCount: number;
  readonly bytes: number;
  readonly span: Span | undefined;
}

/** State of one send or sendBatch call. */
class SendState {
  /** Sequences this send took numbers from, with the epoch they were taken in. */
  touched: Map<PartitionSequence, number> | undefined;
  /** Sequences a retry moved messages away from, with their epoch: their numbers may be missing. */
  abandoned: Map<PartitionSequence, number> | undefined;
  /** Highest attempt seen per topic, to count kafkajs's retries once per attempt. */
  attempts: Map<string, number> | undefined;

  touch(sequence: PartitionSequence, epoch: number): void {
    (this.touched ??= new Map()).set(sequence, epoch);
  }
}

function payloadBytes(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function hasOriginTimestamp(headers: KafkaMessageHeaders): boolean {
  const value = headers[streamopsHeaderNames.originTimestamp];
  return (typeof value === 'string' || Buffer.isBuffer(value)) && parseDecimal(value) >= 0;
}

/**
 * Instruments one kafkajs producer: metrics per topic, a `send <topic>` PRODUCER span per
 * topic of each call, W3C trace context and the streamops headers in every message.
 *
 * Messages are shallow-copied with a copied headers object before kafkajs sees them,
 * so the caller's message objects and shared headers objects are never modified.
 */
export class ProducerInstrumentation {
  readonly sequences = new ProducerSequences();
  private readonly topics = new Map<string, ProducerTopicBinding>();

  constructor(
    private readonly scope: InstrumentationScope,
    private readonly stage: string,
    /** True when the producer was created with {@link partitionerFactory}: every message gets a sequence. */
    private readonly sequencedByPartitioner: boolean,
  ) {}

  /**
   * Wraps a kafkajs partitioner factory so that, when kafkajs picks a message's partition,
   * the message gets that partition's next sequence number.
   *
   * kafkajs partitions a send's messages again on every retry, so a keyless message could
   * move to another partition and leave a hole in the first one's sequence. A retried
   * message therefore keeps the partition of its first attempt (as in the Java client,
   * which partitions a record once), unless that partition no longer exists.
   */
  partitionerFactory(createPartitioner: ICustomPartitioner): ICustomPartitioner {
    return () => {
      const partitioner = createPartitioner();
      return (args: PartitionerArgs): number => {
        const message = args.message as InstrumentedMessage;
        const previous = message[ASSIGNMENT];
        if (previous !== undefined && message[SEND] !== undefined) {
          const stillExists = args.partitionMetadata.some(
            (metadata) => metadata.partitionId === previous.partition,
          );
          if (stillExists) {
            this.scope.guard('partition', () => this.onRetried(args.topic, message[SEND]!, previous));
            return previous.partition;
          }
        }
        const partition = partitioner(args);
        this.scope.guard('partition', () => this.onPartitioned(args.topic, partition, message));
        return partition;
      };
    };
  }

  /** Wraps `send`, `sendBatch` and `transaction` of `producer`, in place. */
  attach<P extends Producer>(producer: P): P {
    if (isInstrumented(producer)) return producer;
    this.wrapSender(producer);
    const originalTransaction = producer.transaction.bind(producer);
    producer.transaction = async (...args: Parameters<Producer['transaction']>): Promise<Transaction> => {
      const transaction = await originalTransaction(...args);
      this.scope.guard('transaction', () => this.wrapSender(transaction));
      return transaction;
    };
    markInstrumented(producer);
    return producer;
  }

  private wrapSender(sender: Producer | Transaction): void {
    const originalSend = sender.send.bind(sender);
    const originalSendBatch = sender.sendBatch.bind(sender);
    sender.send = (record: ProducerRecord): Promise<RecordMetadata[]> =>
      this.instrumentedSend(
        record === null || typeof record !== 'object' ? undefined : [record],
        (topicMessages) => originalSend(topicMessages ? { ...record, ...topicMessages[0] } : record),
      );
    sender.sendBatch = (batch: ProducerBatch): Promise<RecordMetadata[]> =>
      this.instrumentedSend(
        batch === null || typeof batch !== 'object' ? undefined : batch.topicMessages,
        (topicMessages) => originalSendBatch(topicMessages ? { ...batch, topicMessages } : batch),
      );
  }

  private binding(topic: string): ProducerTopicBinding {
    let binding = this.topics.get(topic);
    if (binding === undefined) {
      binding = new ProducerTopicBinding(this.scope, {
        pipeline: this.scope.options.pipeline,
        stage: this.stage,
        topic: this.scope.label('topic', String(topic)),
      });
      this.topics.set(topic, binding);
    }
    return binding;
  }

  /**
   * Runs a send with copied, header-enriched messages. When the input is not something
   * the SDK understands, the original call gets the caller's arguments untouched, so
   * kafkajs reports the problem exactly as it would without the SDK.
   */
  private instrumentedSend(
    topicMessages: readonly TopicMessages[] | undefined,
    callOriginal: (topicMessages: TopicMessages[] | undefined) => Promise<RecordMetadata[]>,
  ): Promise<RecordMetadata[]> {
    const { clock } = this.scope.options;
    const started = clock.monotonicSeconds();
    const send = new SendState();
    let prepared: PreparedTopic[] | undefined;
    let copies: TopicMessages[] | undefined;
    let activeContext: Context | undefined;
    try {
      if (Array.isArray(topicMessages) && topicMessages.every(isWellFormedTopicMessages)) {
        prepared = [];
        copies = [];
        const parent = context.active();
        for (const entry of topicMessages) {
          const span = this.startSendSpan(entry, parent);
          const spanContext = span === undefined ? parent : trace.setSpan(parent, span);
          const { messages, bytes } = this.copyMessages(entry, send, spanContext, clock.wallMs());
          copies.push({ ...entry, messages });
          prepared.push({ binding: this.binding(entry.topic), messageCount: messages.length, bytes, span });
          if (topicMessages.length === 1) activeContext = spanContext;
        }
      }
    } catch {
      this.scope.metrics.countInstrumentationError('produce');
      for (const topic of prepared ?? []) topic.span?.end();
      prepared = undefined;
      copies = undefined;
      activeContext = undefined;
    }

    const result =
      activeContext === undefined
        ? callOriginal(copies)
        : context.with(activeContext, () => callOriginal(copies));
    if (prepared === undefined) return result;
    const topics = prepared;
    return result.then(
      (metadata) => {
        this.settle(topics, send, started, undefined, false);
        return metadata;
      },
      (error: unknown) => {
        this.settle(topics, send, started, error, true);
        throw error;
      },
    );
  }

  private startSendSpan(entry: TopicMessages, parent: Context): Span | undefined {
    const tracer = this.scope.options.tracer;
    if (tracer === undefined) return undefined;
    const attributes: Record<string, string | number> = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_KAFKA,
      [ATTR_MESSAGING_OPERATION_NAME]: OPERATION_SEND,
      [ATTR_MESSAGING_OPERATION_TYPE]: OPERATION_SEND,
      [ATTR_MESSAGING_DESTINATION_NAME]: entry.topic,
      [ATTR_STREAMOPS_PIPELINE]: this.scope.options.pipeline,
      [ATTR_STREAMOPS_STAGE]: this.stage,
    };
    if (entry.messages.length !== 1) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = entry.messages.length;
    const onlyPartition = entry.messages.length === 1 ? entry.messages[0]?.partition : undefined;
    if (typeof onlyPartition === 'number')
      attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(onlyPartition);
    return tracer.startSpan(`send ${entry.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
  }

  private copyMessages(
    entry: TopicMessages,
    send: SendState,
    traceContext: Context,
    nowMs: number,
  ): { messages: InstrumentedMessage[]; bytes: number } {
    const tracing = this.scope.options.tracer !== undefined;
    const messages = new Array<InstrumentedMessage>(entry.messages.length);
    let bytes = 0;
    for (let index = 0; index < entry.messages.length; index++) {
      const original = entry.messages[index]!;
      const headers: KafkaMessageHeaders = original.headers ? { ...original.headers } : {};
      // Forwarded messages keep their origin, so record age measures the whole pipeline.
      if (!hasOriginTimestamp(headers)) headers[streamopsHeaderNames.originTimestamp] = String(nowMs);
      // A forwarded sequence belongs to another topic-partition: it must never reach consumers of this one.
      delete headers[streamopsHeaderNames.producerId];
      delete headers[streamopsHeaderNames.sequence];
      if (tracing) {
        const creation = (original as { [CREATION_CONTEXT]?: Context })[CREATION_CONTEXT];
        this.scope.carrier.inject(creation ?? traceContext, headers);
      }
      const copy: InstrumentedMessage = { ...original, headers };
      if (this.sequencedByPartitioner) copy[SEND] = send;
      else if (typeof original.partition === 'number')
        this.assign(entry.topic, original.partition, copy, send);
      messages[index] = copy;
      bytes += payloadBytes(original.key) + payloadBytes(original.value);
    }
    return { messages, bytes };
  }

  private onPartitioned(topic: string, partition: number, message: InstrumentedMessage): void {
    const send = message[SEND];
    if (send === undefined || message.headers === undefined) return;
    const previous = message[ASSIGNMENT];
    if (previous === undefined) {
      this.assign(topic, partition, message, send);
      return;
    }
    this.onRetried(topic, send, previous);
    // Its partition is gone: the old number may or may not have been written, so that
    // sequence is retired once the send settles, like after a failure.
    (send.abandoned ??= new Map()).set(previous.sequence, previous.epoch);
    this.assign(topic, partition, message, send, previous.attempts);
  }

  /** kafkajs is retrying the send: counts the attempt once per topic. */
  private onRetried(topic: string, send: SendState, previous: Assignment): void {
    previous.attempts++;
    const attempts = (send.attempts ??= new Map());
    if ((attempts.get(topic) ?? 1) < previous.attempts) {
      attempts.set(topic, previous.attempts);
      this.binding(topic).retries.inc();
    }
  }

  private assign(
    topic: string,
    partition: number,
    message: InstrumentedMessage,
    send: SendState,
    attempts = 1,
  ): void {
    const sequence = this.sequences.partition(topic, partition);
    message.headers[streamopsHeaderNames.producerId] = sequence.producerId;
    message.headers[streamopsHeaderNames.sequence] = String(sequence.next++);
    message[ASSIGNMENT] = { partition, sequence, epoch: sequence.epoch, attempts };
    send.touch(sequence, sequence.epoch);
  }

  private settle(
    topics: PreparedTopic[],
    send: SendState,
    started: number,
    error: unknown,
    failed: boolean,
  ): void {
    this.scope.guard('produce', () => {
      const elapsed = this.scope.options.clock.monotonicSeconds() - started;
      const errorType = failed ? errorTypeOf(error) : undefined;
      for (const topic of topics) {
        topic.binding.duration.observe(elapsed);
        if (errorType === undefined) {
          topic.binding.messages.inc(topic.messageCount);
          topic.binding.bytes.inc(topic.bytes);
        } else {
          topic.binding.error(errorType).inc();
          if (topic.span !== undefined) recordSpanError(topic.span, error, errorType);
        }
        topic.span?.end();
      }
      const retire = failed ? send.touched : send.abandoned;
      for (const [sequence, epoch] of retire ?? []) {
        // Another failed send may have retired it already.
        if (sequence.epoch === epoch) sequence.retire();
      }
    });
  }
}

function isWellFormedTopicMessages(entry: unknown): entry is TopicMessages {
  if (entry === null || typeof entry !== 'object') return false;
  const { topic, messages } = entry as Partial<TopicMessages>;
  return (
    typeof topic === 'string' &&
    topic !== '' &&
    Array.isArray(messages) &&
    messages.every(
      (message) => message !== null && typeof message === 'object' && message.value !== undefined,
    )
  );
}
