import {
  Partitioners,
  type Consumer,
  type ConsumerConfig,
  type Kafka,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import { resolveOptions, resolveStageName, resolveStages } from '../options/resolve';
import { optionalName } from '../options/checks';
import {
  type InstrumentConsumerOptions,
  type InstrumentOptions,
  type InstrumentProducerOptions,
} from '../options/types';
import { ConsumerInstrumentation } from './consumer';
import { ProducerInstrumentation } from './producer';
import { InstrumentationScope, isInstrumented, markInstrumented } from './scope';

/** The two factory methods of a kafkajs `Kafka` (an instance or `Kafka.prototype`). */
export interface KafkaClientFactory {
  producer(config?: ProducerConfig): Producer;
  consumer(config: ConsumerConfig): Consumer;
}

/**
 * Makes every producer and consumer that `target` creates from now on instrumented.
 * `target` is a `Kafka` instance, or `Kafka.prototype` for the zero-code entry point.
 * Does nothing when `target` (or its prototype) is already patched.
 */
export function patchKafkaFactory(
  target: KafkaClientFactory,
  scope: InstrumentationScope,
  stages: { producer: string; consumer: string },
): void {
  if (isInstrumented(target)) return;
  // Kept unbound on purpose: they are called with the Kafka instance as `this`, which for
  // Kafka.prototype is only known at call time.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalProducer = target.producer;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalConsumer = target.consumer;

  target.producer = function producer(this: Kafka, config?: ProducerConfig): Producer {
    let instrumentation: ProducerInstrumentation | undefined;
    let instrumentedConfig = config;
    try {
      instrumentation = new ProducerInstrumentation(scope, stages.producer, true);
      const createPartitioner = config?.createPartitioner ?? Partitioners.DefaultPartitioner;
      instrumentedConfig = {
        ...config,
        createPartitioner: instrumentation.partitionerFactory(createPartitioner),
      };
    } catch {
      scope.metrics.countInstrumentationError('instrument');
      instrumentation = undefined;
      instrumentedConfig = config;
    }
    const created = originalProducer.call(this, instrumentedConfig);
    return instrumentation === undefined ? created : instrumentation.attach(created);
  };

  target.consumer = function consumer(this: Kafka, config: ConsumerConfig): Consumer {
    const created = originalConsumer.call(this, config);
    const group = typeof config?.groupId === 'string' && config.groupId !== '' ? config.groupId : undefined;
    try {
      return new ConsumerInstrumentation(scope, stages.consumer, group).attach(created);
    } catch {
      scope.metrics.countInstrumentationError('instrument');
      return created;
    }
  };
  markInstrumented(target);
}

/**
 * Instruments every producer and consumer created from `kafka` from now on: Prometheus
 * metrics, OpenTelemetry spans, trace context and streamops headers in messages, and
 * loss/duplicate detection on consumption. Producers created this way give every
 * message a per-partition sequence number. Returns `kafka`.
 *
 * @throws {InvalidOptionError} when an option is invalid, naming it.
 */
export function instrument<K extends KafkaClientFactory>(kafka: K, options?: InstrumentOptions): K {
  const resolved = resolveOptions(options, ['stages']);
  const stages = resolveStages(options?.stages);
  patchKafkaFactory(kafka, new InstrumentationScope(resolved), stages);
  return kafka;
}

/**
 * Instruments an existing kafkajs producer in place and returns it. kafkajs fixes a
 * producer's partitioner when it is created, so only messages that name their
 * `partition` get sequence numbers here; create producers through {@link instrument}
 * for loss and duplicate detection on every message.
 *
 * @throws {InvalidOptionError} when an option is invalid, naming it.
 */
export function instrumentProducer<P extends Producer>(producer: P, options?: InstrumentProducerOptions): P {
  const resolved = resolveOptions(options, ['stage']);
  const stage = resolveStageName(options?.stage, 'stage', 'producer');
  return new ProducerInstrumentation(new InstrumentationScope(resolved), stage, false).attach(producer);
}

/**
 * Instruments an existing kafkajs consumer in place and returns it. Call it before
 * `consumer.run()`: the handlers passed to `run` are what gets measured.
 *
 * @throws {InvalidOptionError} when an option is invalid, naming it.
 */
export function instrumentConsumer<C extends Consumer>(consumer: C, options?: InstrumentConsumerOptions): C {
  const resolved = resolveOptions(options, ['stage', 'group']);
  const stage = resolveStageName(options?.stage, 'stage', 'consumer');
  const group = optionalName(options?.group, 'group');
  return new ConsumerInstrumentation(new InstrumentationScope(resolved), stage, group).attach(consumer);
}
