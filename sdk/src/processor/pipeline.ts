import { context, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, KafkaMessage, Message, Producer, TopicMessages } from 'kafkajs';
import { type CounterCell, type HistogramCell } from '../metrics/cell-metrics';
import { instrumentConsumer, instrumentProducer } from '../instrumentation/instrument';
import { CREATION_CONTEXT } from '../instrumentation/producer';
import { InstrumentationScope, isInstrumented } from '../instrumentation/scope';
import { checkKnownKeys, optionalName, optionalObject, optionalWithMethods } from '../options/checks';
import { InvalidOptionError } from '../options/invalid-option-error';
import { resolveOptions } from '../options/resolve';
import { type InstrumentationOptions } from '../options/types';
import { type KafkaMessageHeaders } from '../propagation/kafka-headers';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_STREAMOPS_OUTCOME,
  ATTR_STREAMOPS_PIPELINE,
  ATTR_STREAMOPS_STAGE,
} from '../tracing/semconv';
import { errorTypeOf, recordSpanError } from '../tracing/spans';
import { markAccountsOwnBusyTime, type BusyTimeAccount } from './busy-time';
import { realSleep, runStage, stageOutcomes, type Sleep, type Stage, type StageOutcome } from './stage';

/** Headers added to dead-lettered messages, next to the original ones. */
export const deadLetterHeaderNames = {
  /** Name of the stage that gave up. */
  stage: 'streamops-dlq-stage',
  /** `<error class>: <message>` of the last attempt, at most 500 characters. */
  error: 'streamops-dlq-error',
  /** `<topic>/<partition>/<offset>` of the source message. */
  source: 'streamops-dlq-source',
} as const;

/** Where a pipeline reads: a connected kafkajs consumer and its topics. */
export interface PipelineSource {
  /** A connected kafkajs consumer; instrumented with stage `source` unless it already is. */
  consumer: Consumer;
  /** Topics to subscribe to; at least one. */
  topics: string[];
  /** Default false, as in kafkajs. */
  fromBeginning?: boolean;
}

/** Where a pipeline writes: a connected kafkajs producer and its topic. */
export interface PipelineSink {
  /** A connected kafkajs producer; instrumented with stage `sink` unless it already is. */
  producer: Producer;
  /** Topic the last stage's outputs are sent to. */
  topic: string;
  /**
   * Turns the last stage's output into a message. Default: a Buffer or string output
   * becomes the value, with the source key and headers; a `{ value, ... }` object is
   * sent as it is.
   */
  toMessage?: (output: unknown, source: KafkaMessage) => Message;
  /** kafkajs `acks` of the sink's sends: -1 (all in-sync replicas), 0 or 1. Default -1. */
  acks?: number;
}

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** The pipeline name: the `pipeline` label of every series. */
  name: string;
  /** Where messages come from (see {@link PipelineSource}). */
  source: PipelineSource;
  /** Stages, run in order on each message. A stage's output is the next stage's input; the first gets the KafkaMessage. */
  stages: readonly Stage<never, unknown>[];
  /** Where outputs go (see {@link PipelineSink}). */
  sink: PipelineSink;
  /** Registry, tracer provider, labels... for the pipeline's metrics and spans (its `pipeline` is `name`). */
  instrumentation?: Omit<InstrumentationOptions, 'pipeline'>;
  /** How retries wait; for tests. Default: timers. */
  sleep?: Sleep;
}

/** A running pipeline. */
export interface Pipeline {
  readonly name: string;
  /** Subscribes the source consumer and starts consuming (resolves when kafkajs has started). */
  start(): Promise<void>;
  /** Stops the source consumer; in-flight messages finish and their offsets are committed. */
  stop(): Promise<void>;
}

/** Output records of one source message: sink messages and dead letters. */
interface Output {
  readonly topic: string;
  readonly message: Message;
}

/** Metrics of one stage, bound once. */
class StageBinding {
  readonly outcomes: Record<StageOutcome, CounterCell>;
  readonly duration: HistogramCell;
  readonly retries: CounterCell;
  readonly busy: BusyTimeAccount;

  constructor(
    scope: InstrumentationScope,
    readonly definition: Stage<never, unknown>,
  ) {
    const { counters, histograms } = scope.metrics;
    const labels = { pipeline: scope.options.pipeline, stage: definition.name };
    const outcomes: Partial<Record<StageOutcome, CounterCell>> = {};
    for (const outcome of stageOutcomes)
      outcomes[outcome] = counters.stageMessages.cell({ ...labels, outcome });
    this.outcomes = outcomes as Record<StageOutcome, CounterCell>;
    this.duration = histograms.stageDuration.cell(labels);
    this.retries = counters.stageRetries.cell(labels);
    this.busy = scope.busyAccount(labels.pipeline, definition.name);
  }
}

function defaultToMessage(output: unknown, source: KafkaMessage): Message {
  if (typeof output === 'string' || Buffer.isBuffer(output)) {
    return { key: source.key, value: output, headers: source.headers };
  }
  if (output !== null && typeof output === 'object' && 'value' in output) return output as Message;
  throw new TypeError(
    'pipeline sink: the last stage returned neither a Buffer, a string nor a message; set sink.toMessage',
  );
}

function validate(options: PipelineOptions): void {
  const record = optionalObject(options, 'options');
  if (record === undefined) throw new InvalidOptionError('options', 'are required');
  checkKnownKeys(record, ['name', 'source', 'stages', 'sink', 'instrumentation', 'sleep'], '');
  if (optionalName(record.name, 'name') === undefined) throw new InvalidOptionError('name', 'is required');

  const source = optionalObject(record.source, 'source');
  if (source === undefined) throw new InvalidOptionError('source', 'is required');
  checkKnownKeys(source, ['consumer', 'topics', 'fromBeginning'], 'source');
  if (
    optionalWithMethods(source.consumer, 'source.consumer', ['run', 'subscribe'], 'a kafkajs Consumer') ===
    undefined
  ) {
    throw new InvalidOptionError('source.consumer', 'is required');
  }
  if (!Array.isArray(source.topics) || source.topics.length === 0) {
    throw new InvalidOptionError('source.topics', 'must be a non-empty array of topic names');
  }
  source.topics.forEach((topic, index) => optionalName(topic, `source.topics[${index}]`));

  if (!Array.isArray(record.stages))
    throw new InvalidOptionError('stages', 'must be an array of stage() results');
  const names = new Set<string>();
  record.stages.forEach((definition: unknown, index) => {
    const name = (definition as Partial<Stage<never, unknown>> | null)?.name;
    if (typeof name !== 'string' || typeof (definition as Stage<never, unknown>).handler !== 'function') {
      throw new InvalidOptionError(`stages[${index}]`, 'must be created with stage()');
    }
    if (names.has(name)) throw new InvalidOptionError(`stages[${index}]`, `repeats the stage name ${name}`);
    names.add(name);
  });

  const sink = optionalObject(record.sink, 'sink');
  if (sink === undefined) throw new InvalidOptionError('sink', 'is required');
  checkKnownKeys(sink, ['producer', 'topic', 'toMessage', 'acks'], 'sink');
  if (
    optionalWithMethods(sink.producer, 'sink.producer', ['sendBatch'], 'a kafkajs Producer') === undefined
  ) {
    throw new InvalidOptionError('sink.producer', 'is required');
  }
  if (optionalName(sink.topic, 'sink.topic') === undefined)
    throw new InvalidOptionError('sink.topic', 'is required');
  if (sink.toMessage !== undefined && typeof sink.toMessage !== 'function') {
    throw new InvalidOptionError('sink.toMessage', 'must be a function');
  }
  if (sink.acks !== undefined && sink.acks !== -1 && sink.acks !== 0 && sink.acks !== 1) {
    throw new InvalidOptionError('sink.acks', 'must be -1, 0 or 1');
  }
  if (record.sleep !== undefined && typeof record.sleep !== 'function') {
    throw new InvalidOptionError('sleep', 'must be a function');
  }
}

/**
 * Wires a consumer, stages and a producer into a pipeline with at-least-once delivery.
 *
 * The guarantee, precisely: a source offset is committed only after every message up to
 * it has left the last stage with an outcome and every record it produced (sink output
 * and dead letters) has been acknowledged by Kafka with the sink's `acks` (default: all
 * in-sync replicas). Offsets are resolved per message, after the acknowledgement, and
 * committed by kafkajs's auto-commit. So a crash, a rebalance or an `error` outcome
 * can make kafkajs deliver messages again, and their outputs may then be produced twice
 * (never lost); ordering within a source partition is kept. Filtered messages produce
 * nothing but are committed like the others.
 *
 * Per source batch, outputs are sent with one `sendBatch` call, then the batch's offsets
 * are resolved. A message with the `error` outcome first has the outputs of the
 * messages before it sent and their offsets resolved, then its error is thrown to kafkajs
 * unchanged.
 *
 * @throws {InvalidOptionError} when an option is invalid, naming it.
 */
export function pipeline(options: PipelineOptions): Pipeline {
  validate(options);
  const resolved = resolveOptions({ ...options.instrumentation, pipeline: options.name }, []);
  const scope = new InstrumentationScope(resolved);
  const instrumentation = { ...options.instrumentation, pipeline: options.name };
  const { consumer, topics, fromBeginning } = options.source;
  const sink = options.sink;
  if (!isInstrumented(consumer)) instrumentConsumer(consumer, { ...instrumentation, stage: 'source' });
  if (!isInstrumented(sink.producer))
    instrumentProducer(sink.producer, { ...instrumentation, stage: 'sink' });
  const runner = new PipelineRunner(scope, options, options.sleep ?? realSleep);

  return {
    name: options.name,
    async start() {
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: fromBeginning ?? false });
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: markAccountsOwnBusyTime((payload: EachBatchPayload) => runner.processBatch(payload)),
      });
    },
    stop: () => consumer.stop(),
  };
}

/** A message's failure with the `error` outcome, carried to the batch loop. */
class StageFailure {
  constructor(readonly error: unknown) {}
}

class PipelineRunner {
  private readonly stages: StageBinding[];
  private readonly toMessage: (output: unknown, source: KafkaMessage) => Message;

  constructor(
    private readonly scope: InstrumentationScope,
    private readonly options: PipelineOptions,
    private readonly sleep: Sleep,
  ) {
    this.stages = options.stages.map((definition) => new StageBinding(scope, definition));
    this.toMessage = options.sink.toMessage ?? defaultToMessage;
  }

  async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const outputs: Output[] = [];
    let lastHandledOffset: string | undefined;
    const flush = async () => {
      if (outputs.length > 0) {
        await this.options.sink.producer.sendBatch({
          acks: this.options.sink.acks ?? -1,
          topicMessages: groupByTopic(outputs),
        });
        outputs.length = 0;
      }
      // Only now, after the acknowledgement, may kafkajs commit these offsets.
      if (lastHandledOffset !== undefined) payload.resolveOffset(lastHandledOffset);
      lastHandledOffset = undefined;
    };

    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      const result = await this.processMessage(message, batch.topic, batch.partition);
      if (result instanceof StageFailure) {
        await flush();
        throw result.error;
      }
      outputs.push(...result);
      lastHandledOffset = message.offset;
      await payload.heartbeat();
    }
    await flush();
  }

  private async processMessage(
    message: KafkaMessage,
    topic: string,
    partition: number,
  ): Promise<Output[] | StageFailure> {
    const { clock, tracer } = this.scope.options;
    const parent = this.parentContext(message);
    let value: unknown = message;
    let creation: Context = parent;
    for (const binding of this.stages) {
      const definition = binding.definition;
      const span = this.startStageSpan(definition.name, parent, topic, partition, message.offset);
      const started = clock.monotonicSeconds();
      binding.busy.begin();
      const stageContext = span === undefined ? parent : trace.setSpan(parent, span);
      const result = await context.with(stageContext, () =>
        runStage(
          definition as Stage<unknown, unknown>,
          value,
          { message, topic, partition },
          () => binding.retries.inc(),
          this.sleep,
        ),
      );
      binding.busy.end();
      binding.duration.observe(clock.monotonicSeconds() - started);
      binding.outcomes[result.outcome].inc();
      span?.setAttribute(ATTR_STREAMOPS_OUTCOME, result.outcome);
      if (result.outcome === 'error' || result.outcome === 'dead_lettered') {
        if (span !== undefined) recordSpanError(span, result.error, errorTypeOf(result.error));
      }
      span?.end();
      if (tracer !== undefined && span !== undefined) creation = stageContext;

      switch (result.outcome) {
        case 'success':
        case 'retried':
          value = result.value;
          break;
        case 'filtered':
          return [];
        case 'dead_lettered':
          return [this.deadLetter(definition, message, topic, partition, result.error, creation)];
        case 'error':
          return new StageFailure(result.error);
      }
    }
    const output = this.toMessage(value, message);
    return [{ topic: this.options.sink.topic, message: withCreationContext(output, creation) }];
  }

  private parentContext(message: KafkaMessage): Context {
    if (this.scope.options.tracer === undefined) return context.active();
    const extracted = this.scope.carrier.extract(message.headers);
    return trace.getSpanContext(extracted) === undefined ? context.active() : extracted;
  }

  private startStageSpan(
    name: string,
    parent: Context,
    topic: string,
    partition: number,
    offset: string,
  ): Span | undefined {
    return this.scope.options.tracer?.startSpan(
      `stage ${name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR_STREAMOPS_PIPELINE]: this.scope.options.pipeline,
          [ATTR_STREAMOPS_STAGE]: name,
          [ATTR_MESSAGING_DESTINATION_NAME]: topic,
          [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(partition),
          [ATTR_MESSAGING_KAFKA_OFFSET]: Number(offset),
        },
      },
      parent,
    );
  }

  private deadLetter(
    definition: Stage<never, unknown>,
    message: KafkaMessage,
    topic: string,
    partition: number,
    error: unknown,
    creation: Context,
  ): Output {
    const description = `${errorTypeOf(error)}: ${error instanceof Error ? error.message : String(error)}`;
    const headers: KafkaMessageHeaders = {
      ...message.headers,
      [deadLetterHeaderNames.stage]: definition.name,
      [deadLetterHeaderNames.error]: description.slice(0, 500),
      [deadLetterHeaderNames.source]: `${topic}/${partition}/${message.offset}`,
    };
    return {
      topic: definition.deadLetterTopic!,
      message: withCreationContext({ key: message.key, value: message.value, headers }, creation),
    };
  }
}

function withCreationContext(message: Message, creation: Context): Message {
  const copy: Message & { [CREATION_CONTEXT]?: Context } = { ...message };
  copy[CREATION_CONTEXT] = creation;
  return copy;
}

function groupByTopic(outputs: readonly Output[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of outputs) {
    let messages = byTopic.get(topic);
    if (messages === undefined) {
      messages = [];
      byTopic.set(topic, messages);
    }
    messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
